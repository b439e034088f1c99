"""Public verification: anyone can check a code; the page says valid, expired or revoked and shows the
name, council, course, completion date and validity, nothing else; unknown codes get a clear "not found"
from the same work; lookups are rate-limited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from course.certificates import operations
from course.certificates.codes import format_code
from course.certificates.models import Certificate
from course.extensions import db
from course.people.models import Member

LONG_AGO = datetime(2021, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def issued(make, certify):
    council = make.council("aeroe", name="Ærø Kommune")
    member = make.member(council, "soeren@example.org", name="Søren Østergård")
    return certify(member)


def page(client, path: str, status: int) -> str:
    response = client.get(path, headers={"Accept-Language": "da"})
    assert response.status_code == status, path
    return response.get_data(as_text=True)


def revoke(app, issued, reason: str = "Udstedt ved en fejl") -> None:
    with app.app_context():
        certificate = db.session.get(Certificate, issued.id)
        admin = db.session.get(Member, issued.member_id)
        operations.revoke_certificate(certificate, reason, actor=admin)
        db.session.commit()


def test_a_valid_certificate_shows_the_facts_and_nothing_else(client, app, course, issued):
    with app.app_context():
        certificate = db.session.get(Certificate, issued.id)
        valid_until = certificate.valid_until
    html = page(client, f"/verify/{format_code(issued.code)}", 200)
    assert "Kursusbeviset er gyldigt" in html
    assert "Søren Østergård" in html
    assert "Ærø Kommune" in html
    assert course.title.da in html
    assert f"{valid_until.year}" in html
    # Nothing else about the member: no e-mail address, no quiz results, no issue details.
    assert "soeren@example.org" not in html
    assert "Udstedt" not in html
    assert "Indholdsversion" not in html


def test_verification_needs_no_sign_in_and_is_not_cached_or_indexed(client, issued):
    response = client.get(f"/verify/{format_code(issued.code)}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex">' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "typed", ["{code}", "{lower}", "{plain}", "{spaced}"], ids=["dashed", "lower", "plain", "spaced"]
)
def test_a_code_is_found_however_it_is_typed(client, issued, typed):
    code = format_code(issued.code)
    path = "/verify/" + typed.format(
        code=code, lower=code.lower(), plain=issued.code, spaced=code.replace("-", " ")
    )
    assert "Kursusbeviset er gyldigt" in page(client, path, 200)


def test_the_lookup_form_leads_to_the_certificate(client, issued):
    typed = format_code(issued.code).lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": typed})
    assert response.status_code == 303
    assert response.location == f"/verify/{format_code(issued.code)}"


def test_the_lookup_form_explains_a_malformed_code(client):
    response = client.get("/verify", query_string={"code": "K7QF3-M9PXD"}, headers={"Accept-Language": "da"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "En beviskode har 15 bogstaver og tal" in html
    assert 'value="K7QF3-M9PXD"' in html  # what was typed stays in the field
    assert 'href="#code"' in html


def test_the_lookup_form_asks_for_a_code(client):
    html = page(client, "/verify", 200)
    assert 'name="code"' in html
    response = client.get("/verify", query_string={"code": ""}, headers={"Accept-Language": "da"})
    assert response.status_code == 422
    assert "Skriv beviskoden." in response.get_data(as_text=True)
    # An address with a blank code ("/verify/%20") is the form, not "no certificate has the code ."
    for blank in ("/verify/%20", "/verify/%20%20%20"):
        response = client.get(blank)
        assert response.status_code == 302
        assert response.location == "/verify"


def test_an_unknown_code_is_not_found(client, issued):
    html = page(client, "/verify/ABCDE-FGHJK-MNPQR", 404)
    assert "Kursusbeviset blev ikke fundet" in html
    assert "Intet kursusbevis har koden ABCDE-FGHJK-MNPQR" in html
    assert "Søren" not in html


def test_a_malformed_code_is_not_found_and_not_echoed_as_markup(client):
    html = page(client, "/verify/<b>hej<b>", 404)
    assert "<b>hej" not in html
    assert "&lt;b&gt;hej&lt;b&gt;" in html
    assert "Kursusbeviset blev ikke fundet" in html


def test_known_and_unknown_codes_take_the_same_work(client, issued, count_queries):
    known, unknown = format_code(issued.code), "ABCDE-FGHJK-MNPQR"
    with count_queries() as for_known:
        page(client, f"/verify/{known}", 200)
    with count_queries() as for_unknown:
        page(client, f"/verify/{unknown}", 404)
    with count_queries() as for_malformed:
        page(client, "/verify/not-a-code", 404)
    assert for_known.count == for_unknown.count == for_malformed.count == 1
    assert for_known.statements == for_unknown.statements == for_malformed.statements


def test_an_expired_certificate_says_so(client, make, certify):
    expired = certify(make.member(make.council("gammelby")), completed_at=LONG_AGO, now=LONG_AGO)
    html = page(client, f"/verify/{format_code(expired.code)}", 200)
    assert "Kursusbeviset er udløbet" in html
    assert "Det var gyldigt til 31. december 2021." in html


def test_a_swedish_certificate_expires_after_14_october(client, make, certify):
    issued_in_2022 = datetime(2022, 10, 1, 10, 0, tzinfo=UTC)
    expired = certify(
        make.member(make.council("sverige", country="se", locale="sv")),
        completed_at=issued_in_2022,
        now=issued_in_2022,
    )
    html = page(client, f"/verify/{format_code(expired.code)}", 200)
    assert "Det var gyldigt til 14. oktober 2022." in html


def test_a_revoked_certificate_shows_the_date_but_not_the_reason(client, app, issued):
    revoke(app, issued, reason="Fortroligt: udstedt ved en fejl")
    with app.app_context():
        db.session.execute(
            update(Certificate)
            .where(Certificate.id == issued.id)
            .values(revoked_at=datetime(2026, 3, 4, 23, 30, tzinfo=UTC))
        )
        db.session.commit()
    html = page(client, f"/verify/{format_code(issued.code)}", 200)
    assert "Kursusbeviset er tilbagekaldt" in html
    # 23:30 UTC is 00:30 on 5 March in Copenhagen.
    assert "Det blev tilbagekaldt den 5. marts 2026." in html
    assert "Fortroligt" not in html
    # Only that it is revoked, and since when: not whose it was, nor where or how long it ran.
    assert "Søren Østergård" not in html
    assert "Kommune" not in html.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "Gyldig til" not in html


def test_a_reissued_certificates_old_code_leads_to_the_new_one(client, app, issued):
    with app.app_context():
        certificate = db.session.get(Certificate, issued.id)
        actor = db.session.get(Member, issued.member_id)
        successor = operations.reissue_certificate(
            certificate, name="Søren Østergaard", correction="Stavefejl i efternavnet", actor=actor
        )
        db.session.commit()
        new_code = format_code(successor.code)
    html = page(client, f"/verify/{format_code(issued.code)}", 200)
    assert "Søren Østergaard" in html
    assert "Søren Østergård" not in html
    assert f"Koden {format_code(issued.code)} hører til en tidligere version" in html
    assert new_code in html
    assert "Stavefejl" not in html
    current = page(client, f"/verify/{new_code}", 200)
    assert "tidligere version" not in current


def test_a_twice_reissued_certificates_first_code_leads_to_the_latest(client, app, issued):
    with app.app_context():
        actor = db.session.get(Member, issued.member_id)
        second = operations.reissue_certificate(
            db.session.get(Certificate, issued.id), name="Navn To", correction="Første rettelse", actor=actor
        )
        third = operations.reissue_certificate(
            second, name="Navn Tre", correction="Anden rettelse", actor=actor
        )
        db.session.commit()
        latest = format_code(third.code)
    html = page(client, f"/verify/{format_code(issued.code)}", 200)
    assert "Navn Tre" in html
    assert latest in html


def test_the_page_is_in_the_visitors_language(client, issued):
    response = client.get(f"/verify/{format_code(issued.code)}", headers={"Accept-Language": "sv"})
    assert "Kursintyget är giltigt" in response.get_data(as_text=True)
    response = client.get(f"/verify/{format_code(issued.code)}", headers={"Accept-Language": "en"})
    assert "The certificate is valid" in response.get_data(as_text=True)


def test_lookups_are_rate_limited(client):
    statuses = [client.get(f"/verify/ABCDE-FGHJK-MNP{index:02d}").status_code for index in range(31)]
    assert statuses[:30] == [404] * 30
    assert statuses[30] == 429
    # The form and the code pages share the limit.
    assert client.get("/verify", query_string={"code": "ABCDE-FGHJK-MNPQR"}).status_code == 429
