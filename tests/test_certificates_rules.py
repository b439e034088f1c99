"""Certificate rules without the web: verification codes and how long a certificate is valid."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from course.certificates import codes
from course.certificates.validity import valid_until
from course.people.calendar import local_date, term_end


def test_codes_are_15_symbols_of_the_unambiguous_alphabet_and_at_least_60_bits():
    generated = {codes.generate_code() for _ in range(2000)}
    assert len(generated) == 2000
    assert all(codes.is_well_formed(code) for code in generated)
    assert not set("ILOU") & set("".join(generated))
    assert codes.BITS >= 60
    # Every symbol turns up: the codes use the whole alphabet, so each carries its 5 bits.
    assert set("".join(generated)) == set(codes.ALPHABET)


def test_codes_are_shown_in_groups_of_five():
    assert codes.format_code("K7QF3M9PXD2RJ4T") == "K7QF3-M9PXD-2RJ4T"


@pytest.mark.parametrize(
    "typed",
    [
        "K7QF3-M9PXD-2RJ4T",
        "k7qf3m9pxd2rj4t",
        " k7qf3 m9pxd 2rj4t ",
        "K7QF3–M9PXD–2RJ4T",  # en dashes from a word processor
        "K7QF3_M9PXD.2RJ4T",
    ],
)
def test_typed_codes_are_normalised(typed):
    assert codes.normalize_code(typed) == "K7QF3M9PXD2RJ4T"


def test_look_alike_letters_are_read_as_the_digits_people_mean():
    assert codes.normalize_code("iLo00-11111-00000") == "110001111100000"


@pytest.mark.parametrize("typed", ["", "K7QF3-M9PXD", "K7QF3-M9PXD-2RJ4TX", "K7QF3-M9PXD-2RJ4U", "<script>"])
def test_malformed_codes_are_recognised(typed):
    assert not codes.is_well_formed(codes.normalize_code(typed))


def test_overlong_input_is_cut_before_it_is_looked_at():
    assert len(codes.normalize_code("A" * 10_000)) == codes.MAX_INPUT


# --- validity -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issued_on", "expected"),
    [
        (date(2024, 6, 1), date(2025, 12, 31)),
        (date(2025, 1, 1), date(2025, 12, 31)),
        # Election day (18 November 2025) and the weeks after it: the outgoing council still holds office
        # until 31 December, so the current term still ends then.
        (date(2025, 11, 17), date(2025, 12, 31)),
        (date(2025, 11, 18), date(2025, 12, 31)),
        (date(2025, 11, 19), date(2025, 12, 31)),
        (date(2025, 12, 31), date(2025, 12, 31)),
        # The new council takes office on 1 January.
        (date(2026, 1, 1), date(2029, 12, 31)),
        (date(2029, 12, 31), date(2029, 12, 31)),
        (date(2030, 1, 1), date(2033, 12, 31)),
    ],
)
def test_danish_certificates_run_to_the_end_of_the_current_council_term(issued_on, expected):
    assert term_end("dk", issued_on) == expected


@pytest.mark.parametrize(
    ("issued_on", "expected"),
    [
        (date(2025, 12, 31), date(2026, 10, 14)),
        # Election day is the second Sunday of September 2026; the old council sits until 14 October.
        (date(2026, 9, 13), date(2026, 10, 14)),
        (date(2026, 9, 14), date(2026, 10, 14)),
        (date(2026, 10, 14), date(2026, 10, 14)),
        (date(2026, 10, 15), date(2030, 10, 14)),
        (date(2030, 10, 15), date(2034, 10, 14)),
        (date(2022, 10, 15), date(2026, 10, 14)),
    ],
)
def test_swedish_certificates_run_to_the_end_of_the_current_council_term(issued_on, expected):
    assert term_end("se", issued_on) == expected


def test_a_council_date_wins_while_it_has_not_passed():
    assert valid_until("dk", date(2025, 3, 1), date(2027, 6, 30)) == date(2027, 6, 30)
    assert valid_until("dk", date(2025, 3, 1), date(2025, 3, 1)) == date(2025, 3, 1)
    assert valid_until("dk", date(2025, 3, 2), date(2025, 3, 1)) == date(2025, 12, 31)
    assert valid_until("se", date(2025, 3, 1), None) == date(2026, 10, 14)


def test_dates_are_taken_where_the_council_is():
    just_after_midnight_in_copenhagen = datetime(2025, 12, 31, 23, 30, tzinfo=UTC)
    assert local_date("dk", just_after_midnight_in_copenhagen) == date(2026, 1, 1)
    assert term_end("dk", local_date("dk", just_after_midnight_in_copenhagen)) == date(2029, 12, 31)
    assert local_date("se", datetime(2026, 10, 14, 21, 59, tzinfo=UTC)) == date(2026, 10, 14)
    assert local_date("se", datetime(2026, 10, 14, 22, 0, tzinfo=UTC)) == date(2026, 10, 15)
