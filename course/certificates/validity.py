"""How long a certificate is valid: by default, until the end of the council term of the round it certifies
(a round is the council's course in one term; the terms are in :mod:`course.people.calendar`).

A round is usually the current term's, so a certificate runs to the end of the term it was issued in.
Between a Danish election and the new year, the outgoing council still holds office, so a certificate
issued on 1 December 2025 in the 2022-2025 round is valid until 31 December 2025, not 2029; in Sweden the
same holds between the September election and 14 October. A council that starts the next term's round early
certifies that term; one that wants certificates to run to a date of its own sets it.
"""

from __future__ import annotations

from datetime import date

from course.people.calendar import term_end


def valid_until(
    country: str, issued_on: date, council_date: date | None = None, round_end: date | None = None
) -> date:
    """A certificate issued on ``issued_on`` is valid until the council's own date, when it has set one
    that has not passed, else until the end of the term of the round it certifies (``round_end``; without
    one, the term running on the day of issue)."""
    if council_date is not None and council_date >= issued_on:
        return council_date
    return round_end if round_end is not None else term_end(country, issued_on)
