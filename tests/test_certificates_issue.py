"""Issuing certificates: automatically on completion, by an administrator, for an in-person seminar;
once per completion; in the audit log; e-mailed with the PDF."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from course.audit.models import AuditEvent
from course.certificates import delivery, operations
from course.certificates.codes import format_code
from course.certificates.models import Certificate
from course.extensions import db
from course.learning.models import CourseCompletion, ModuleProgress, SeminarCompletion
from course.people import calendar
from course.people.models import Council
from tests.helpers import complete_course


def certificates_of(app, member_id: int) -> list[Certificate]:
    with app.app_context():
        rows = db.session.execute(select(Certificate).where(Certificate.member_id == member_id)).scalars()
        result = list(rows)
        db.session.expunge_all()
        return result


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        result = list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())
        db.session.expunge_all()
        return result


def set_council(app, council_id: int, **values) -> None:
    with app.app_context():
        council = db.session.get(Council, council_id)
        for name, value in values.items():
            setattr(council, name, value)
        db.session.commit()


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


# --- automatically, on completion ---------------------------------------------------------------------------


def test_completing_the_course_issues_the_certificate(client, auth, app, course, make, smtp_server):
    council = make.council("aeroe", name="Ærø Kommune")
    member = make.member(council, "soeren@example.org", name="Søren Østergård")
    auth.login(member.email)
    complete_course(client, app, course)

    [certificate] = certificates_of(app, member.id)
    with app.app_context():
        completion = db.session.execute(
            select(CourseCompletion).where(CourseCompletion.member_id == member.id)
        ).scalar_one()
        assert certificate.course_completion_id == completion.id
        assert certificate.completed_on == calendar.local_date("dk", completion.completed_at)
    assert certificate.member_name == "Søren Østergård"
    assert certificate.council_name == "Ærø Kommune"
    assert certificate.course_id == course.id
    assert certificate.module_ids == list(course.module_ids)
    assert certificate.content_version == course.version
    assert certificate.valid_until == calendar.term_end("dk", certificate.completed_on)
    assert certificate.issued_by_id is None
    [event] = events(app, "certificate.issued")
    assert event.member_id == member.id
    assert event.actor_id is None
    assert event.details["automatic"] is True

    page = client.get("/certificate").get_data(as_text=True)
    assert format_code(certificate.code) in page
    assert "Hent kursusbeviset (PDF)" in page


def test_the_certificate_is_emailed_with_the_pdf_after_the_completion_is_saved(
    client, auth, app, course, make, smtp_server
):
    member = make.member(make.council("mailby"), "aase@example.org", name="Åse Ærlig")
    auth.login(member.email)
    complete_course(client, app, course)

    [certificate] = certificates_of(app, member.id)
    [message] = smtp_server.to("aase@example.org")
    assert message["Subject"] == "Dit kursusbevis"
    body = message.get_body(("plain",)).get_content()
    assert "Hej Åse Ærlig" in body
    assert f"http://localhost/verify/{format_code(certificate.code)}" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"kursusbevis-{format_code(certificate.code)}.pdf"
    text = pdf_text(attachment.get_content())
    assert "Åse Ærlig" in text
    assert format_code(certificate.code) in text


def test_no_certificate_on_completion_when_the_council_issues_them_itself(client, auth, app, course, make):
    council = make.council("selvby")
    set_council(app, council.id, has_automatic_certificates=False)
    member = make.member(council)
    auth.login(member.email)
    complete_course(client, app, course)

    assert certificates_of(app, member.id) == []
    page = client.get("/certificate").get_data(as_text=True)
    assert "Du gennemførte kurset den" in page
    assert "Din kommunes administratorer udsteder kursusbeviset" in page


def test_no_email_on_completion_when_the_council_does_not_send_them(
    client, auth, app, course, make, smtp_server
):
    council = make.council("stilleby")
    set_council(app, council.id, has_certificate_email=False)
    member = make.member(council)
    auth.login(member.email)
    complete_course(client, app, course)

    assert len(certificates_of(app, member.id)) == 1
    assert smtp_server.messages == []


def test_emails_waiting_for_a_rolled_back_transaction_are_dropped(app, make, certify, smtp_server, course):
    member = make.member()
    issued = certify(member)
    with app.app_context():
        certificate = db.session.get(Certificate, issued.id)
        email = delivery.certificate_email(certificate, certificate.member, course)
        delivery.send_after_commit(db.session(), email)
        db.session.rollback()
        db.session.commit()
    assert smtp_server.messages == []
    with app.app_context():
        delivery.send_after_commit(db.session(), email)
        db.session.commit()
    assert len(smtp_server.to(member.email)) == 1


# --- once per completion ------------------------------------------------------------------------------------


def test_issuing_again_for_the_same_completion_gives_the_same_certificate(
    app, course, make, record_completion
):
    member = make.member()
    completion_id = record_completion(member)
    with app.app_context():
        completion = db.session.get(CourseCompletion, completion_id)
        first = operations.issue_certificate(completion, course)
        second = operations.issue_certificate(completion, course)
        db.session.commit()
        assert first.is_new
        assert not second.is_new
        assert second.certificate.id == first.certificate.id
        assert second.certificate.code == first.certificate.code
    assert len(certificates_of(app, member.id)) == 1
    assert len(events(app, "certificate.issued")) == 1


def test_the_database_refuses_a_second_certificate_for_one_completion(app, make, certify):
    member = make.member()
    issued = certify(member)
    with app.app_context():
        original = db.session.get(Certificate, issued.id)
        copy = Certificate(
            **{
                column.name: getattr(original, column.name)
                for column in Certificate.__table__.columns
                if column.name not in ("id", "code")
            },
            code="ABCDEFGHJKMNPQR",
        )
        db.session.add(copy)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_council_date_decides_validity_when_set(app, make, certify):
    council = make.council("datoby")
    set_council(app, council.id, certificate_valid_until=date(2031, 6, 30))
    issued = certify(make.member(council))
    [certificate] = certificates_of(app, issued.member_id)
    assert certificate.valid_until == date(2031, 6, 30)


def test_validity_follows_the_term_of_the_round_the_completion_belongs_to(app, make, certify):
    swedish = make.council("sverige", country="se", locale="sv")
    in_the_old_term = datetime(2026, 10, 14, 12, 0, tzinfo=UTC)
    in_the_new_term = datetime(2026, 10, 15, 12, 0, tzinfo=UTC)
    old = certify(make.member(swedish), completed_at=in_the_old_term, now=in_the_old_term)
    # A completion of the 2022-2026 round certified the day after the term ended still covers that term.
    late = certify(make.member(swedish), completed_at=in_the_old_term, now=in_the_new_term)
    new = certify(make.member(swedish), completed_at=in_the_new_term, now=in_the_new_term)
    assert certificates_of(app, old.member_id)[0].valid_until == date(2026, 10, 14)
    assert certificates_of(app, late.member_id)[0].valid_until == date(2026, 10, 14)
    assert certificates_of(app, new.member_id)[0].valid_until == date(2030, 10, 14)


# --- by an administrator ------------------------------------------------------------------------------------


@pytest.fixture
def council_with_admin(app, make, auth):
    council = make.council("udstedby")
    set_council(app, council.id, has_automatic_certificates=False)
    admin = make.member(council, "sekretariat@example.org", name="Sekretariatet", is_admin=True)
    auth.login(admin.email)
    return council, admin


def test_an_administrator_issues_certificates_for_several_members(
    client, app, make, record_completion, council_with_admin, smtp_server
):
    council, admin = council_with_admin
    first = make.member(council, "anna@example.org", name="Anna Ærø")
    second = make.member(council, "bo@example.org", name="Bo Øster", locale="sv")
    for member in (first, second):
        record_completion(member)

    page = client.get("/admin/certificates").get_data(as_text=True)
    assert "Anna Ærø" in page
    assert "Bo Øster" in page
    response = client.post(
        "/admin/certificates/issue",
        data={"issue-member_ids": [str(first.id), str(second.id)], "issue-send_email": "y"},
    )
    assert response.status_code == 303

    for member in (first, second):
        [certificate] = certificates_of(app, member.id)
        assert certificate.issued_by_id == admin.id
    issued = events(app, "certificate.issued")
    assert {event.member_id for event in issued} == {first.id, second.id}
    assert {event.actor_id for event in issued} == {admin.id}
    assert smtp_server.to("anna@example.org")[0]["Subject"] == "Dit kursusbevis"
    assert smtp_server.to("bo@example.org")[0]["Subject"] == "Ditt kursintyg"
    assert "2 kursusbeviser er udstedt." in client.get("/admin/certificates").get_data(as_text=True)


def test_issuing_without_choosing_anyone_explains_what_to_do(
    client, make, record_completion, council_with_admin
):
    council, _ = council_with_admin
    record_completion(make.member(council))
    response = client.post("/admin/certificates/issue", data={"issue-send_email": "y"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vælg mindst ét medlem." in page
    assert 'href="#issue-member_ids"' in page


def test_issuing_for_a_member_who_has_not_completed_is_refused(app, client, make, council_with_admin):
    council, _ = council_with_admin
    member = make.member(council)
    response = client.post("/admin/certificates/issue", data={"issue-member_ids": [str(member.id)]})
    assert response.status_code == 422
    assert "Vælg medlemmer fra listen." in response.get_data(as_text=True)
    assert certificates_of(app, member.id) == []


def test_issuing_for_another_councils_member_is_refused(
    app, client, make, record_completion, council_with_admin
):
    stranger = make.member(make.council("andetsted"))
    record_completion(stranger)
    response = client.post("/admin/certificates/issue", data={"issue-member_ids": [str(stranger.id)]})
    assert response.status_code == 422
    assert certificates_of(app, stranger.id) == []


def test_issuing_twice_through_the_page_gives_one_certificate(
    app, client, make, record_completion, council_with_admin
):
    council, _ = council_with_admin
    member = make.member(council)
    record_completion(member)
    data = {"issue-member_ids": [str(member.id)]}
    assert client.post("/admin/certificates/issue", data=data).status_code == 303
    # The member is no longer offered; a replayed form is refused instead of issuing again.
    assert client.post("/admin/certificates/issue", data=data).status_code == 422
    assert len(certificates_of(app, member.id)) == 1


# --- at an in-person seminar --------------------------------------------------------------------------------


def test_a_seminar_completion_is_recorded_with_its_reason_and_gets_a_certificate(
    app, client, make, council_with_admin
):
    council, admin = council_with_admin
    member = make.member(council, "seminar@example.org", name="Karen Kjær")
    response = client.post(
        "/admin/certificates/seminar",
        data={
            "seminar-member_id": str(member.id),
            "seminar-completed_on": "2026-09-03",
            "seminar-reason": "Deltog i byrådets seminar om sociale medier.",
        },
    )
    assert response.status_code == 303

    [certificate] = certificates_of(app, member.id)
    assert certificate.is_seminar
    assert certificate.course_completion_id is None
    assert certificate.completed_on == date(2026, 9, 3)
    assert certificate.issued_by_id == admin.id
    with app.app_context():
        seminar = db.session.execute(
            select(SeminarCompletion).where(SeminarCompletion.member_id == member.id)
        ).scalar_one()
        assert seminar.reason == "Deltog i byrådets seminar om sociale medier."
        assert seminar.recorded_by_id == admin.id
        # The member's online state is not faked.
        assert (
            db.session.execute(
                select(func.count())
                .select_from(CourseCompletion)
                .where(CourseCompletion.member_id == member.id)
            ).scalar_one()
            == 0
        )
        assert (
            db.session.execute(
                select(func.count()).select_from(ModuleProgress).where(ModuleProgress.member_id == member.id)
            ).scalar_one()
            == 0
        )
    [event] = events(app, "certificate.issued")
    assert event.details["basis"] == "seminar"
    assert "reason" not in event.details  # free text stays out of the append-only audit log

    detail = client.get(response.location).get_data(as_text=True)
    assert "Deltog i byrådets seminar om sociale medier." in detail


def test_recording_a_seminar_again_gives_the_same_certificate(app, course, make):
    council = make.council("gentagby")
    admin = make.member(council, is_admin=True)
    member = make.member(council)
    from course.people.models import Member

    with app.app_context():
        actor, person = db.session.get(Member, admin.id), db.session.get(Member, member.id)
        first = operations.record_seminar_completion(person, date(2026, 5, 1), "Seminar", course, actor=actor)
        second = operations.record_seminar_completion(person, date(2026, 5, 2), "Igen", course, actor=actor)
        db.session.commit()
        assert first.is_new
        assert not second.is_new
        assert second.certificate.id == first.certificate.id
        assert second.certificate.completed_on == date(2026, 5, 1)


def test_a_seminar_cannot_replace_an_online_completion(app, course, make, record_completion):
    council = make.council("onlineby")
    admin = make.member(council, is_admin=True)
    member = make.member(council)
    record_completion(member)
    from course.people.models import Member

    with app.app_context(), pytest.raises(operations.CompletedOnlineError):
        operations.record_seminar_completion(
            db.session.get(Member, member.id),
            date(2026, 5, 1),
            "Seminar",
            course,
            actor=db.session.get(Member, admin.id),
        )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"seminar-completed_on": "2999-01-01", "seminar-reason": "x"},
            "Seminardatoen kan ikke ligge i fremtiden.",
        ),
        ({"seminar-completed_on": "3. september", "seminar-reason": "x"}, "Skriv datoen som år-måned-dag"),
        ({"seminar-completed_on": "", "seminar-reason": "x"}, "Skriv datoen for seminaret."),
        ({"seminar-completed_on": "2026-09-03", "seminar-reason": "  "}, "Skriv, hvorfor beviset udstedes"),
        ({"seminar-completed_on": "2026-09-03", "seminar-reason": "x" * 501}, "Brug højst 500 tegn."),
    ],
)
def test_a_bad_seminar_form_says_what_is_wrong_and_keeps_what_was_typed(
    app, client, make, council_with_admin, fields, message
):
    council, _ = council_with_admin
    member = make.member(council, name="Kim Kjær")
    response = client.post(
        "/admin/certificates/seminar", data={"seminar-member_id": str(member.id), **fields}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert re.search(rf'<option selected value="{member.id}">Kim Kjær</option>', page)
    assert certificates_of(app, member.id) == []


def test_one_button_issues_for_everyone_listed(app, client, make, record_completion, council_with_admin):
    council, _ = council_with_admin
    members = [make.member(council, password=None) for _ in range(3)]
    for member in members:
        record_completion(member)
    not_completed = make.member(council, password=None)
    response = client.post("/admin/certificates/issue", data={"issue-everyone": "y"})
    assert response.status_code == 303
    assert all(len(certificates_of(app, member.id)) == 1 for member in members)
    assert certificates_of(app, not_completed.id) == []


def test_the_email_boxes_start_from_the_councils_setting(
    app, client, make, record_completion, council_with_admin
):
    council, _ = council_with_admin
    record_completion(make.member(council))
    make.member(council)

    def email_boxes() -> list[str]:
        html = client.get("/admin/certificates").get_data(as_text=True)
        return re.findall(r'<input[^>]*name="(?:issue|seminar)-send_email"[^>]*>', html)

    assert all("checked" in box for box in email_boxes())
    assert len(email_boxes()) == 2
    set_council(app, council.id, has_certificate_email=False)
    assert not any("checked" in box for box in email_boxes())


def test_two_administrators_issuing_at_once_give_one_certificate(app, course, make, record_completion):
    import threading

    council = make.council("samtidig")
    admins = [make.member(council, is_admin=True, password=None) for _ in range(2)]
    member = make.member(council, password=None)
    completion_id = record_completion(member)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def issue(admin_id: int) -> None:
        try:
            with app.app_context():
                from course.people.models import Member

                completion = db.session.get(CourseCompletion, completion_id)
                actor = db.session.get(Member, admin_id)
                barrier.wait(timeout=10)
                result = operations.issue_certificate(completion, course, actor=actor)
                db.session.commit()
                results.append((result.certificate.id, result.is_new))
                db.session.remove()
        except Exception as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=issue, args=(admin.id,)) for admin in admins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len({certificate_id for certificate_id, _ in results}) == 1
    assert sorted(is_new for _, is_new in results) == [False, True]
    assert len(certificates_of(app, member.id)) == 1
    assert len(events(app, "certificate.issued")) == 1
