"""The council's certificate pages and the member's own: who may see and change what, downloads (one PDF,
all as a ZIP), revoking, reissuing, settings, e-mail, audit log, and query counts."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.certificates import operations, queries
from course.certificates.codes import format_code
from course.certificates.models import Certificate
from course.extensions import db
from course.people.models import Council, Member
from tests.admin_helpers import text_of
from tests.conftest import PASSWORD
from tests.helpers import current_round_id


def pdf_text(content: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(content)).pages[0].extract_text().split())


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        result = list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())
        db.session.expunge_all()
        return result


def load(app, certificate_id: int) -> Certificate:
    with app.app_context():
        certificate = db.session.get(Certificate, certificate_id)
        db.session.expunge(certificate)
        return certificate


@pytest.fixture
def council(make):
    return make.council("aeroe", name="Ærø Kommune")


@pytest.fixture
def admin(make, council):
    return make.member(council, "sekretariat@example.org", name="Sekretariatet", is_admin=True)


@pytest.fixture
def holder(make, council, certify):
    member = make.member(council, "soeren@example.org", name="Søren Østergård")
    return certify(member)


# --- who may do what ----------------------------------------------------------------------------------------


def admin_routes(certificate_id: int) -> list[tuple[str, str, dict]]:
    return [
        ("get", "/admin/certificates", {}),
        ("post", "/admin/certificates/issue", {"issue-member_ids": ["1"]}),
        ("post", "/admin/certificates/seminar", {"seminar-member_id": "1"}),
        ("post", "/admin/certificates/settings", {}),
        ("get", "/admin/certificates/all.zip", {}),
        ("get", f"/admin/certificates/{certificate_id}", {}),
        ("get", f"/admin/certificates/{certificate_id}/pdf", {}),
        ("post", f"/admin/certificates/{certificate_id}/revoke", {"revoke-reason": "x"}),
        (
            "post",
            f"/admin/certificates/{certificate_id}/reissue",
            {"reissue-name": "x", "reissue-correction": "x"},
        ),
        ("post", f"/admin/certificates/{certificate_id}/email", {}),
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, holder):
    for method, path, data in [*admin_routes(holder.id), ("get", "/certificate", {})]:
        response = getattr(client, method)(path, data=data)
        assert response.status_code == 302, path
        assert response.location.startswith("/login"), path


def test_members_who_are_not_administrators_are_refused(client, auth, make, council, holder):
    member = make.member(council)
    auth.login(member.email)
    for method, path, data in admin_routes(holder.id):
        assert getattr(client, method)(path, data=data).status_code == 403, path


def test_another_councils_administrator_finds_nothing_of_this_council(app, client, auth, make, holder):
    elsewhere = make.council("andetsted", name="Andetsted Kommune")
    stranger = make.member(elsewhere, is_admin=True)
    auth.login(stranger.email)
    for method, path, data in admin_routes(holder.id):
        if str(holder.id) in path:
            assert getattr(client, method)(path, data=data).status_code == 404, path
    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "Søren" not in page
    assert format_code(holder.code) not in page
    archive = client.get("/admin/certificates/all.zip")
    assert archive.status_code == 302  # nothing to download in their own council
    certificate = load(app, holder.id)
    assert certificate.revoked_at is None
    assert certificate.replaced_at is None
    assert events(app, "certificate.emailed") == []


def test_a_member_downloads_their_own_certificate_but_no_one_elses(
    client, auth, make, council, certify, holder
):
    other = certify(make.member(council, "other@example.org", name="Anden Person"))
    auth.login("soeren@example.org")
    own = client.get(f"/certificate/{holder.id}/pdf")
    assert own.status_code == 200
    assert own.mimetype == "application/pdf"
    assert f"kursusbevis-{format_code(holder.code)}.pdf" in own.headers["Content-Disposition"]
    assert "Søren Østergård" in pdf_text(own.data)
    assert client.get(f"/certificate/{other.id}/pdf").status_code == 404
    assert client.get("/certificate/999999/pdf").status_code == 404
    page = client.get("/certificate").get_data(as_text=True)
    assert format_code(holder.code) in page
    assert format_code(other.code) not in page


def test_the_member_can_choose_the_pdfs_language(client, auth, course, holder):
    auth.login("soeren@example.org")
    swedish = client.get(f"/certificate/{holder.id}/pdf", query_string={"language": "sv"})
    assert "Kursintyg" in pdf_text(swedish.data)
    assert course.title.sv in pdf_text(swedish.data)
    # An unknown language falls back to the member's own.
    danish = client.get(f"/certificate/{holder.id}/pdf", query_string={"language": "xx"})
    assert "Kursusbevis" in pdf_text(danish.data)


def test_a_member_without_a_certificate_sees_what_is_left(client, auth, app, course, make, council):
    from tests.helpers import complete_module

    member = make.member(council)
    auth.login(member.email)
    complete_module(client, app, course, course.modules[0].id)
    page = client.get("/certificate").get_data(as_text=True)
    assert "1 af 3 moduler gennemført" in page
    assert course.modules[0].title.da not in page
    for module in course.modules[1:]:
        assert f'href="/modules/{module.id}"' in page


# --- the council's list, downloads --------------------------------------------------------------------------


def test_the_council_page_lists_certificates_and_who_still_needs_one(
    client, auth, admin, make, council, holder, record_completion
):
    waiting = make.member(council, name="Venter Vestergaard")
    record_completion(waiting)
    never = make.member(council, name="Aldrig Andersen")
    auth.login(admin.email)
    html = client.get("/admin/certificates").get_data(as_text=True)
    issued_part, rest = html.split('id="issue-heading"', 1)
    issue_part, seminar_part = rest.split('id="seminar-heading"', 1)
    assert "Søren Østergård" in issued_part
    assert format_code(holder.code) in issued_part
    assert "Venter Vestergaard" in issue_part
    assert "Søren" not in issue_part
    assert "Aldrig Andersen" in seminar_part.split('id="settings-heading"')[0]
    assert never.id


def test_one_pdf_per_certificate_in_the_zip(app, client, auth, admin, make, council, certify, holder):
    swede = certify(make.member(council, "sv@example.org", name="Åsa Öberg", locale="sv"))
    revoked = certify(make.member(council, "rev@example.org", name="Tilbage Kaldt"))
    corrected = certify(make.member(council, "fix@example.org", name="Stavet Forkert"))
    with app.app_context():
        actor = db.session.get(Member, admin.id)
        operations.revoke_certificate(db.session.get(Certificate, revoked.id), "Fejl", actor=actor)
        new = operations.reissue_certificate(
            db.session.get(Certificate, corrected.id), name="Stavet Rigtigt", correction="Navn", actor=actor
        )
        db.session.commit()
        corrected_code = new.code
    auth.login(admin.email)
    response = client.get("/admin/certificates/all.zip")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "kursusbeviser-aeroe.zip" in response.headers["Content-Disposition"]

    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert len(names) == 3  # the revoked and the replaced certificate are not in it
    texts = {name: pdf_text(archive.read(name)) for name in names}
    expected = {
        holder.code: ("Søren Østergård", "Kursusbevis"),
        swede.code: ("Åsa Öberg", "Kursintyg"),
        corrected_code: ("Stavet Rigtigt", "Kursusbevis"),
    }
    for code, (name, title) in expected.items():
        [file_name] = [file_name for file_name in names if format_code(code) in file_name]
        assert file_name.endswith(".pdf")
        assert name in texts[file_name]
        assert title in texts[file_name]
        assert format_code(code) in texts[file_name]


def test_an_administrator_downloads_one_certificate_in_the_members_language(
    client, auth, admin, make, council, certify
):
    swede = certify(make.member(council, "sv@example.org", name="Åsa Öberg", locale="sv"))
    auth.login(admin.email)
    response = client.get(f"/admin/certificates/{swede.id}/pdf")
    assert response.status_code == 200
    assert f"kursintyg-{format_code(swede.code)}.pdf" in response.headers["Content-Disposition"]
    assert "Härmed intygas att" in pdf_text(response.data)


# --- revoking and reissuing ---------------------------------------------------------------------------------


def test_revoking_needs_a_reason(app, client, auth, admin, holder):
    auth.login(admin.email)
    response = client.post(f"/admin/certificates/{holder.id}/revoke", data={"revoke-reason": " "})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skriv, hvorfor kursusbeviset tilbagekaldes." in html
    assert 'href="#revoke-reason"' in html
    assert load(app, holder.id).revoked_at is None


def test_revoking_is_confirmed_logged_and_seen_everywhere(app, client, auth, admin, holder, smtp_server):
    auth.login(admin.email)
    # The reason is checked first, then the administrator confirms on a page that says what happens.
    asked = client.post(
        f"/admin/certificates/{holder.id}/revoke", data={"revoke-reason": "Udstedt ved en fejl"}
    )
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert "Vil du tilbagekalde kursusbeviset for Søren Østergård?" in page
    assert 'name="confirm" value="yes"' in page
    assert 'name="revoke-reason" value="Udstedt ved en fejl"' in page
    assert load(app, holder.id).revoked_at is None
    assert smtp_server.messages == []

    response = client.post(
        f"/admin/certificates/{holder.id}/revoke",
        data={"revoke-reason": "Udstedt ved en fejl", "confirm": "yes"},
    )
    assert response.status_code == 303
    # The member is told, in their language.
    [message] = smtp_server.to("soeren@example.org")
    assert message["Subject"] == "Dit kursusbevis er tilbagekaldt"
    assert format_code(holder.code) in text_of(message)
    certificate = load(app, holder.id)
    assert certificate.revoked_at is not None
    assert certificate.revoked_by_id == admin.id
    [event] = events(app, "certificate.revoked")
    assert event.actor_id == admin.id
    assert event.member_id == holder.member_id
    # The reason stays with the certificate; the append-only audit log holds no free text.
    assert event.details == {"code": holder.code}

    detail = client.get(f"/admin/certificates/{holder.id}").get_data(as_text=True)
    assert "Begrundelse: Udstedt ved en fejl" in detail
    assert client.get(f"/admin/certificates/{holder.id}/pdf").status_code == 404
    again = client.post(
        f"/admin/certificates/{holder.id}/revoke", data={"revoke-reason": "Igen", "confirm": "yes"}
    )
    assert again.status_code == 303
    assert len(events(app, "certificate.revoked")) == 1

    auth.logout()
    auth.login("soeren@example.org")
    page = client.get("/certificate").get_data(as_text=True)
    assert "Kursusbeviset blev tilbagekaldt den" in page
    assert "Udstedt ved en fejl" not in page
    assert f"/certificate/{holder.id}/pdf" not in page
    assert client.get(f"/certificate/{holder.id}/pdf").status_code == 404


def test_reissuing_after_a_name_change_gives_a_new_certificate(app, client, auth, admin, holder, smtp_server):
    auth.login(admin.email)
    response = client.post(
        f"/admin/certificates/{holder.id}/reissue",
        data={
            "reissue-name": "Søren Østergaard",
            "reissue-correction": "Efternavnet var stavet forkert",
            "reissue-send_email": "y",
        },
    )
    assert response.status_code == 303
    new_id = int(response.location.rsplit("/", 1)[1])
    old, new = load(app, holder.id), load(app, new_id)
    assert old.replaced_at is not None
    assert new.revision == 2
    assert new.code != old.code
    assert new.member_name == "Søren Østergaard"
    assert (new.completed_on, new.valid_until, new.content_version) == (
        old.completed_on,
        old.valid_until,
        old.content_version,
    )
    assert new.correction == "Efternavnet var stavet forkert"
    [event] = events(app, "certificate.reissued")
    assert event.details["replaces"] == old.code
    assert event.details["code"] == new.code
    assert event.actor_id == admin.id

    [message] = smtp_server.to("soeren@example.org")
    [attachment] = list(message.iter_attachments())
    assert "Søren Østergaard" in pdf_text(attachment.get_content())

    old_page = client.get(f"/admin/certificates/{holder.id}").get_data(as_text=True)
    assert "Gå til det gældende kursusbevis" in old_page
    assert f'action="/admin/certificates/{holder.id}/reissue"' not in old_page
    replay = client.post(
        f"/admin/certificates/{holder.id}/reissue",
        data={"reissue-name": "Tredje Navn", "reissue-correction": "Igen"},
    )
    assert replay.status_code == 303
    assert len(events(app, "certificate.reissued")) == 1


def test_the_administrator_can_email_a_certificate_again(app, client, auth, admin, holder, smtp_server):
    auth.login(admin.email)
    response = client.post(f"/admin/certificates/{holder.id}/email")
    assert response.status_code == 303
    [message] = smtp_server.to("soeren@example.org")
    assert message["Subject"] == "Dit kursusbevis"
    [event] = events(app, "certificate.emailed")
    assert event.actor_id == admin.id
    assert "Kursusbeviset er sendt til soeren@example.org." in client.get(response.location).get_data(
        as_text=True
    )


def test_an_unreachable_mail_server_is_reported_and_the_certificate_kept(
    app, client, auth, admin, make, council, record_completion, monkeypatch
):
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", 1)
    member = make.member(council, "ingen@example.org")
    record_completion(member)
    auth.login(admin.email)
    response = client.post(
        "/admin/certificates/issue", data={"issue-member_ids": [str(member.id)], "issue-send_email": "y"}
    )
    assert response.status_code == 303
    html = client.get(response.location).get_data(as_text=True)
    assert "E-mailen til ingen@example.org kunne ikke sendes. Hent kursusbeviset, og send det selv." in html
    with app.app_context():
        assert db.session.execute(select(Certificate).where(Certificate.member_id == member.id)).scalar()


# --- settings -----------------------------------------------------------------------------------------------


def test_settings_are_saved_and_logged(app, client, auth, admin, council):
    auth.login(admin.email)
    html = client.get("/admin/certificates").get_data(as_text=True)
    assert "slutningen af den nuværende valgperiode: 31. december 2029" in html
    response = client.post(
        "/admin/certificates/settings",
        data={"settings-has_certificate_email": "y", "settings-valid_until": "2031-06-30"},
    )
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Council, council.id)
        assert saved.has_automatic_certificates is False
        assert saved.has_certificate_email is True
        assert saved.certificate_valid_until == date(2031, 6, 30)
    [event] = events(app, "certificate.settings_changed")
    assert event.actor_id == admin.id
    assert event.details == {"has_automatic_certificates": False, "certificate_valid_until": "2031-06-30"}
    html = client.get("/admin/certificates").get_data(as_text=True)
    assert 'value="2031-06-30"' in html


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2020-01-01", "Vælg en dato, der ikke er passeret, eller lad feltet være tomt."),
        ("31/12/2029", "Skriv datoen som år-måned-dag"),
    ],
)
def test_a_bad_validity_date_is_explained(app, client, auth, admin, council, value, message):
    auth.login(admin.email)
    response = client.post(
        "/admin/certificates/settings",
        data={"settings-has_automatic_certificates": "y", "settings-valid_until": value},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'value="{value}"' in html
    with app.app_context():
        assert db.session.get(Council, council.id).certificate_valid_until is None
    assert events(app, "certificate.settings_changed") == []


# --- forms carry CSRF tokens --------------------------------------------------------------------------------


def test_state_changes_without_a_token_are_rejected(app, client, admin, holder, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', login_page).group(1)
    client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    for method, path, data in admin_routes(holder.id):
        if method == "post":
            assert client.post(path, data=data).status_code == 400, path
    assert load(app, holder.id).revoked_at is None


# --- a fixed number of queries, however many members --------------------------------------------------------


def council_of(make, certify, record_completion, size: int):
    council = make.council(f"stor{size}")
    admin = make.member(council, is_admin=True)
    for index in range(size):
        member = make.member(council, name=f"Medlem {index}", password=None)
        if index % 3 == 0:
            certify(member)
        elif index % 3 == 1:
            record_completion(member)
    return council, admin


def test_the_council_page_reads_the_same_number_of_queries_for_1_and_50_members(
    app, make, certify, record_completion, count_queries
):
    counts = []
    for size in (1, 50):
        council, admin = council_of(make, certify, record_completion, size)
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
        with count_queries() as counter:
            assert client.get("/admin/certificates").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_zip_reads_the_same_number_of_queries_for_1_and_10_certificates(
    app, make, certify, record_completion, count_queries
):
    counts = []
    for size in (1, 10):
        council = make.council(f"zip{size}")
        admin = make.member(council, is_admin=True)
        for index in range(size):
            certify(make.member(council, name=f"Medlem {index}", password=None))
        client = app.test_client()
        client.post("/login", data={"email": admin.email, "password": PASSWORD})
        with count_queries() as counter:
            assert client.get("/admin/certificates/all.zip").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_the_dashboard_reads_every_members_certificate_in_one_query(
    app, make, council, certify, count_queries
):
    valid = certify(make.member(council))
    revoked = certify(make.member(council))
    none = make.member(council)
    other_council = certify(make.member(make.council("andetsted")))
    with app.app_context():
        operations.revoke_certificate(
            db.session.get(Certificate, revoked.id), "Fejl", actor=db.session.get(Member, revoked.member_id)
        )
        db.session.commit()
        round_id = current_round_id(app, council)
        with count_queries() as counter:
            summaries = queries.get_certificate_status_by_member(council.id, round_id)
        assert counter.count == 1
        assert summaries[valid.member_id].status == "valid"
        assert summaries[valid.member_id].code == format_code(valid.code)
        assert summaries[revoked.member_id].status == "revoked"
        assert none.id not in summaries
        assert other_council.member_id not in summaries
        with count_queries() as counter:
            counts = queries.count_certificates_by_council()
        assert counter.count == 1
        assert counts == {council.id: 1, other_council_id(app, other_council): 1}


def other_council_id(app, issued) -> int:
    with app.app_context():
        return db.session.get(Certificate, issued.id).council_id
