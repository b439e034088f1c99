"""A member with something in every table that can hold personal data, for the privacy tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from course.admin.due_date import set_due_date
from course.admin.importing import RawRow, create_pending_import
from course.admin.models import Reminder
from course.admin.roster import update_member
from course.auth.links import issue_token
from course.auth.models import TokenPurpose
from course.auth.services import set_password, start_login_session
from course.certificates.models import Certificate
from course.certificates.operations import issue_certificate, reissue_certificate, revoke_certificate
from course.db import utcnow
from course.extensions import db
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    SeminarCompletion,
    VideoProgress,
)
from course.mail.outbox import PASSWORD_RESET, queue_mail
from course.people.models import Council, Member
from course.people.services import add_member, open_first_round
from course.web.course import get_course
from tests.helpers import round_of

#: Distinctive enough that finding any of these strings anywhere in the database means a leak.
NAME = "Quirina Zebedæus-Pålsson"
RENAMED = "Quirina Zebedæus-Paalsson"
EMAIL = "quirina.private@example.dk"
FINGERPRINTS = ("quirina", "zebedæus", "pålsson", "paalsson", "quirina.private")


@dataclass(frozen=True)
class Populated:
    council_id: int
    admin_id: int
    member_id: int
    other_id: int
    codes: tuple[str, ...]


def populate(app, slug: str = "privatby") -> Populated:
    """A council with an administrator, the populated member (also an administrator, so they act too) and
    another member whose data must survive the erasure."""
    with app.app_context():
        course = get_course()
        council = Council(slug=slug, name=slug.title() + " Kommune", country="dk", default_locale="da")
        db.session.add(council)
        db.session.flush()
        open_first_round(council)
        admin = add_member(council, f"chef@{slug}.example", "Cecilie Chef", is_admin=True, locale="en")
        set_password(admin, "correct horse battery staple")
        member = add_member(
            council, "first.address@example.dk", "Quirina Zebedaeus", is_admin=True, actor=admin
        )
        other = add_member(council, f"other@{slug}.example", "Oskar Anden", actor=admin)
        set_password(member, "correct horse battery staple")
        now = utcnow()
        # A change of name and address: the audit log must not keep the old ones either.
        update_member(
            council,
            member,
            name=NAME,
            email=EMAIL,
            role="councillor",
            is_admin=True,
            locale="da",
            actor=admin,
        )
        start_login_session(member, now)
        for purpose in (TokenPurpose.INVITE, TokenPurpose.LOGIN, TokenPurpose.RESET):
            issue_token(member, purpose, now)
        queue_mail(PASSWORD_RESET, EMAIL.upper())  # asked for and not sent yet
        db.session.add(
            Reminder(
                council_id=council.id,
                round_id=round_of(member.id),
                member_id=member.id,
                sent_by_id=admin.id,
                kind="manual",
            )
        )
        # The member acts as an administrator too: a reminder they sent and a change they made.
        db.session.add(
            Reminder(
                council_id=council.id,
                round_id=round_of(other.id),
                member_id=other.id,
                sent_by_id=member.id,
                kind="manual",
            )
        )
        set_due_date(council, date(2031, 3, 1), actor=member)
        create_pending_import(
            council,
            admin,
            f"{NAME}.csv",
            [RawRow(1, NAME, EMAIL, "councillor", "da"), RawRow(2, "Oskar Anden", other.email, "", "")],
        )
        for module in course.modules:
            db.session.add(
                VideoProgress(
                    round_id=round_of(member.id),
                    member_id=member.id,
                    module_id=module.id,
                    language="da",
                    intervals=[[0.0, 30.0]],
                    seconds_watched=30.0,
                    duration=60.0,
                    last_report_at=now,
                )
            )
            db.session.add(
                ModuleProgress(
                    round_id=round_of(member.id),
                    member_id=member.id,
                    module_id=module.id,
                    video_completed_at=now,
                    video_route="video",
                    completed_at=now,
                )
            )
            for quiz in module.quizzes:
                attempt = QuizAttempt(
                    round_id=round_of(member.id),
                    member_id=member.id,
                    module_id=module.id,
                    quiz_id=quiz.id,
                    number=1,
                    content_version=course.version,
                    submitted_at=now,
                    correct_count=1,
                    score=1.0,
                    is_passed=True,
                )
                question = quiz.questions[0]
                attempt.questions.append(
                    AttemptQuestion(
                        position=0,
                        question_id=question.id,
                        option_order=[option.id for option in question.options],
                        chosen=sorted(question.correct_ids),
                        is_correct=True,
                    )
                )
                db.session.add(attempt)
        # Written directly: the service records a seminar only for members without an online completion,
        # and this member needs both for every table to hold something.
        db.session.add(
            SeminarCompletion(
                council_id=council.id,
                round_id=round_of(member.id),
                member_id=member.id,
                completed_on=date(2026, 1, 15),
                reason=f"{NAME} deltog i seminaret",
                content_version=course.version,
                recorded_by_id=admin.id,
            )
        )
        # A seminar the member joined and answered at: attendance and a ballot name them, the totals do not.
        from course.seminars import operations as seminars
        from course.seminars.material import list_material

        seminar = seminars.plan_seminar(
            council, "Seminar om tonen", date(2026, 1, 15), "Byrådssalen", actor=admin
        )
        seminars.add_card(seminar, list_material(course.conversation)[1], "da", actor=admin)
        seminars.step(seminar, 1, actor=admin, now=now)
        seminars.open_question(seminar)
        seminars.answer(seminar, seminar.items[0].id, member, "4", now=now)
        seminars.add_agreement(seminar, "Vi svarer ikke igen i samme tone", actor=admin)
        # The council's plan names the member as its security contact; the member saved and adopted it.
        from course.plan import get_template
        from course.plan import services as plan

        template = get_template("da")
        contact = {"name": NAME, "role": "Sikkerhed", "phone": "+45 11 22 33 44", "email": EMAIL}
        plan.save_draft(
            council,
            template,
            texts={},
            contacts=[{**contact, "out_of_hours": True}, {"name": "Oskar Anden", "phone": "12345678"}],
            party_contacts=[{**contact, "group": "Liste Q"}],
            agreement_ids=[],
            review_on=None,
            actor=member,
        )
        plan.adopt_plan(
            council, template, adopted_on=date(2026, 2, 1), decision_reference="KB 1/2", actor=member
        )
        completion = CourseCompletion(
            round_id=round_of(member.id),
            member_id=member.id,
            completed_at=now,
            content_version=course.version,
        )
        db.session.add(completion)
        db.session.flush()
        first = issue_certificate(completion, course, actor=admin, now=now).certificate
        # A correction that quotes the old spelling, and a revocation reason that names the member.
        second = reissue_certificate(
            first, name=RENAMED, correction=f"Stavefejl: {NAME} skrives {RENAMED}", actor=admin, now=now
        )
        revoke_certificate(second, f"Udstedt til {RENAMED} ved en fejl", actor=admin, now=now)
        third = reissue_certificate(
            second, name=NAME, correction=f"Tilbage til {NAME}", actor=admin, now=now + timedelta(seconds=1)
        )
        db.session.commit()
        codes = tuple(
            db.session.execute(
                db.select(Certificate.code).where(Certificate.member_id == member.id).order_by(Certificate.id)
            ).scalars()
        )
        assert third.code in codes
        return Populated(council.id, admin.id, member.id, other.id, codes)


def text_columns_mentioning(fingerprints: tuple[str, ...]) -> list[tuple[str, str, object]]:
    """Every (table, column, value) anywhere in the database whose text holds one of ``fingerprints``."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(db.select(table)).mappings():
            for column, value in row.items():
                text = str(value).lower()
                if any(fingerprint in text for fingerprint in fingerprints):
                    found.append((table.name, column, value))
    return found


def member_rows(member_id: int) -> dict[str, int]:
    """How many rows of each table refer to ``member_id`` through a member foreign key."""
    counts = {}
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(key.column.table.name == "member" for key in column.foreign_keys):
                count = db.session.execute(
                    db.select(db.func.count()).select_from(table).where(column == member_id)
                ).scalar_one()
                counts[f"{table.name}.{column.name}"] = count
    return counts


def the_member(member_id: int) -> Member:
    return db.session.get(Member, member_id)
