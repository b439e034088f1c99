"""The history of earlier rounds, for the member on their course overview and for administrators on the
member's page: when they completed, in which term, and the certificate they got, as printed, with its
validity ("valid until" or "expired"), in the reader's language."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from course.certificates import operations
from course.certificates.codes import format_code
from course.certificates.models import Certificate
from course.extensions import db
from course.learning import rounds
from course.people.models import Council, Member
from tests.admin_helpers import record_module


@pytest.fixture
def council(make):
    return make.council("historyby", country="dk")


def _start_round(app, council) -> None:
    with app.app_context():
        rounds.start_round(db.session.get(Council, council.id), actor=None)
        db.session.commit()


def _history(html: str) -> str:
    return html.split('id="history-heading"', 1)[1].split("</section>", 1)[0]


# The certificate's code is filled in where {code} stands; "–" is the term's en dash.
EXPECTED = {
    "en": "Completed March 12, 2024, term 2022–2025; certificate {code}, expired December 31, 2025",
    "da": "Gennemført 12. marts 2024, valgperioden 2022–2025; kursusbevis {code}, udløb 31. december 2025",
    "sv": "Genomförd 12 mars 2024, mandatperioden 2022–2025; kursintyg {code}, gick ut 31 december 2025",
}


@pytest.mark.parametrize("locale", sorted(EXPECTED))
def test_a_past_completion_reads_with_its_term_certificate_and_expiry(
    make, auth, client, council, certify, locale
):
    member = make.member(council, f"m-{locale}@historyby.example", locale=locale)
    issued = certify(member, completed_at=datetime(2024, 3, 12, 10, tzinfo=UTC))
    auth.login(member.email)
    html = client.get("/").get_data(as_text=True)
    assert EXPECTED[locale].format(code=format_code(issued.code)) in _history(html)


def test_a_certificate_still_valid_reads_valid_until_and_a_revoked_one_revoked(
    app, make, auth, client, council, certify
):
    member = make.member(council, "v@historyby.example", locale="en")
    issued = certify(member)
    _start_round(app, council)
    auth.login(member.email)
    with app.app_context():
        valid_until = db.session.get(Certificate, issued.id).valid_until
    overview = client.get("/").get_data(as_text=True)
    assert "Your certificates, including earlier ones" in overview
    line = _history(overview)
    assert (
        f"; certificate {format_code(issued.code)}, "
        f"valid until December {valid_until.day}, {valid_until.year}" in line
    )
    # The certificate page shows it, and says that the new round brings a new one (not "you get your
    # certificate", as if there were none).
    with app.app_context():
        new_term = db.session.get(Council, council.id).current_round.term
    page = client.get("/certificate").get_data(as_text=True)
    assert format_code(issued.code) in page
    assert f"You get a new certificate, for the council term {new_term.label}, when you have" in page
    assert "You get your certificate when" not in page
    with app.app_context():
        operations.revoke_certificate(
            db.session.get(Certificate, issued.id), "Issued in error", actor=db.session.get(Member, member.id)
        )
        db.session.commit()
    line = _history(client.get("/").get_data(as_text=True))
    assert f"; certificate {format_code(issued.code)}, revoked" in line


def test_a_completion_without_a_certificate_reads_without_one(
    app, make, auth, client, council, record_completion
):
    member = make.member(council, "n@historyby.example", locale="en")
    record_completion(member, datetime(2024, 3, 12, 10, tzinfo=UTC))
    auth.login(member.email)
    line = _history(client.get("/").get_data(as_text=True))
    assert "Completed March 12, 2024, term 2022\u20132025" in line
    assert "; certificate" not in line


def test_administrators_see_the_history_on_the_members_page(make, auth, client, council, certify):
    member = make.member(council, "h@historyby.example", name="Hanne Historie")
    issued = certify(member, completed_at=datetime(2024, 3, 12, 10, tzinfo=UTC))
    admin = make.member(council, "admin@historyby.example", is_admin=True, locale="en")
    auth.login(admin.email)
    html = client.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert (
        f"Completed March 12, 2024, term 2022\u20132025; certificate {format_code(issued.code)}, "
        "expired December 31, 2025"
    ) in _history(html)
    # A member with no earlier rounds has no such section.
    assert 'id="history-heading"' not in client.get(f"/admin/members/{admin.id}").get_data(as_text=True)


def test_an_earlier_round_left_unfinished_is_history_too_and_the_new_round_is_announced(
    app, make, auth, client, council, course
):
    member = make.member(council, "p@historyby.example", name="Pia Påbegyndt", locale="en")
    record_module(app, course, member.id, 0, passed=(0, 1))
    record_module(app, course, member.id, 1, video=None, passed=(0,))
    with app.app_context():
        first_term = db.session.get(Council, council.id).current_round.term
    auth.login(member.email)
    before = client.get("/").get_data(as_text=True)
    assert "A new round has started" not in before
    assert 'id="history-heading"' not in before
    _start_round(app, council)
    with app.app_context():
        new_term = db.session.get(Council, council.id).current_round.term
    after = client.get("/").get_data(as_text=True)
    assert "0 of 3 modules completed" in after
    assert "A new round has started" in after
    assert f"a new round has started for the term {new_term.label}" in after
    line = f"Started in the term {first_term.label}, not completed: 1 module completed"
    assert line in _history(after)
    assert "Your certificates, including earlier ones" not in after  # there are none
    # The administrators see it on the member's page.
    admin = make.member(council, "admin@historyby.example", is_admin=True, locale="en")
    auth.logout()
    auth.login(admin.email)
    assert line in _history(client.get(f"/admin/members/{member.id}").get_data(as_text=True))
