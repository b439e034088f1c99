"""Every table, and what it means for a person's data: how it is exported and how it is erased.

A test walks ``db.metadata.sorted_tables`` and fails for a table that is not declared here, and for a
table that refers to a member (or holds names, e-mail addresses or free text) without an exporter and an
eraser. A new table therefore cannot reach production without someone deciding what an access request and
an erasure do with it.

How an erasure keeps the council's figures right: the member's row stays, anonymous (no name, no e-mail
address, no password, no language), marked removed and erased. Every roster, dashboard, export, question
statistic and platform figure already leaves removed members out, so an erasure changes no figure that
removing the member did not change already. What is kept is only what is not about a recognisable
person any more: the anonymous row, the completion rows that certificates hang on (so an erased member's
certificate code still answers "revoked" at /verify instead of "unknown"), and the audit log, which holds
ids and never names, addresses or free text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from course.admin.models import PendingImport, Reminder
from course.audit.models import AuditEvent
from course.auth.models import AuthToken, LoginSession
from course.certificates.models import Certificate
from course.extensions import db
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    SeminarCompletion,
    VideoProgress,
)
from course.mail.models import OutgoingMail
from course.people.models import Council, CourseRound, Member
from course.plan.models import PlanDraft, PlanVersion
from course.plan.services import contacts_naming, without_person
from course.seminars.models import SeminarAttendance, SeminarBallot

#: What an erased certificate's revocation, and an erased seminar completion's reason, say instead.
ERASED_REASON = "erased"

Row = dict[str, Any]
Exporter = Callable[[Member], list[Row]]
Eraser = Callable[[Member, datetime], None]


@dataclass(frozen=True, slots=True)
class TablePolicy:
    """What one table holds about a person, and what an access request and an erasure do with it."""

    table: str
    #: What the table holds about a person; for a table without personal data, why it has none.
    about: str
    #: The rows about ``member`` for the export (None: the table holds no personal data, or ``part_of``).
    export: Exporter | None = None
    #: Removes or anonymises the member's data in the table; flushes (None: no personal data).
    erase: Eraser | None = None
    #: Exported inside another table's rows (quiz questions inside their attempt).
    part_of: str | None = None
    #: What an erasure does, in one line, for the privacy documentation and the confirmation page.
    erasure: str = ""

    @property
    def holds_personal_data(self) -> bool:
        return self.erase is not None


def _value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _rows(statement, columns: tuple[str, ...]) -> list[Row]:
    return [
        {name: _value(getattr(row, name)) for name in columns}
        for row in db.session.execute(statement).scalars()
    ]


# --- the member's own row --------------------------------------------------------------------------------


def _export_member(member: Member) -> list[Row]:
    council = db.session.get(Council, member.council_id)
    return [
        {
            "id": member.id,
            "council": council.name if council is not None else None,
            "name": member.name,
            "email": member.email,
            "role": member.role,
            "is_admin": member.is_admin,
            "is_platform_admin": member.is_platform_admin,
            "takes_course": member.takes_course,
            "language": member.locale,
            # Only whether a password is set: the hash is a secret, not information about the person.
            "has_password": member.password_hash is not None,
            "created_at": _value(member.created_at),
            "invited_at": _value(member.invited_at),
            "joined_at": _value(member.joined_at),
            "removed_at": _value(member.removed_at),
        }
    ]


def erased_email(member_id: int) -> str:
    """The placeholder an erased member's row keeps in the unique, required e-mail column. It has no @,
    so no address anyone types can match it."""
    return f"erased-{member_id}"


def _erase_member(member: Member, now: datetime) -> None:
    member.name = ""
    member.email = erased_email(member.id)
    member.password_hash = None
    member.locale = None
    member.is_admin = False
    member.is_platform_admin = False
    member.invited_at = None
    member.joined_at = None
    member.removed_at = member.removed_at or now
    member.erased_at = now
    db.session.flush()


# --- sign-in -----------------------------------------------------------------------------------------------


def _export_sessions(member: Member) -> list[Row]:
    # Never the token hash: it is a credential, and the export may travel by e-mail.
    return _rows(
        select(LoginSession).where(LoginSession.member_id == member.id).order_by(LoginSession.created_at),
        ("id", "created_at", "expires_at", "last_seen_at", "browser", "platform"),
    )


def _export_tokens(member: Member) -> list[Row]:
    return _rows(
        select(AuthToken).where(AuthToken.member_id == member.id).order_by(AuthToken.created_at),
        ("id", "purpose", "created_at", "expires_at", "used_at"),
    )


def _outgoing_mail_to(member: Member) -> Any:
    # The address as the person typed it in the form; the site's addresses are lower case.
    return func.lower(func.trim(OutgoingMail.email)) == member.email.lower()


def _export_outgoing_mail(member: Member) -> list[Row]:
    return _rows(
        select(OutgoingMail).where(_outgoing_mail_to(member)).order_by(OutgoingMail.id),
        ("id", "kind", "email", "requested_at", "attempts"),
    )


def _erase_outgoing_mail(member: Member, now: datetime) -> None:  # noqa: ARG001
    db.session.execute(
        delete(OutgoingMail).where(_outgoing_mail_to(member)).execution_options(synchronize_session=False)
    )


def _delete_where(model: Any) -> Eraser:
    def erase(member: Member, now: datetime) -> None:  # noqa: ARG001 - every eraser takes the same arguments
        db.session.execute(
            delete(model).where(model.member_id == member.id).execution_options(synchronize_session=False)
        )

    return erase


# --- roster previews -------------------------------------------------------------------------------------


def _pending_imports_mentioning(member: Member) -> list[PendingImport]:
    # The rows are JSON; a preview lives an hour and a council has at most a few, so filtering in Python
    # is cheaper than a JSON query that differs between SQLite and PostgreSQL.
    previews = db.session.execute(
        select(PendingImport).where(PendingImport.council_id == member.council_id).order_by(PendingImport.id)
    ).scalars()
    address = member.email.lower()
    return [
        preview
        for preview in previews
        if any(str(row.get("email", "")).strip().lower() == address for row in preview.rows)
    ]


def _export_pending_imports(member: Member) -> list[Row]:
    address = member.email.lower()
    return [
        {
            "id": preview.id,
            "created_at": _value(preview.created_at),
            "expires_at": _value(preview.expires_at),
            "rows": [row for row in preview.rows if str(row.get("email", "")).strip().lower() == address],
        }
        for preview in _pending_imports_mentioning(member)
    ]


def _erase_pending_imports(member: Member, now: datetime) -> None:  # noqa: ARG001
    ids = [preview.id for preview in _pending_imports_mentioning(member)]
    if ids:
        db.session.execute(
            delete(PendingImport)
            .where(PendingImport.id.in_(ids))
            .execution_options(synchronize_session=False)
        )


# --- reminders and learning --------------------------------------------------------------------------------


def _export_reminders(member: Member) -> list[Row]:
    return _rows(
        select(Reminder).where(Reminder.member_id == member.id).order_by(Reminder.sent_at),
        ("id", "round_id", "kind", "sent_at"),
    )


def _export_video_progress(member: Member) -> list[Row]:
    return _rows(
        select(VideoProgress)
        .where(VideoProgress.member_id == member.id)
        .order_by(VideoProgress.round_id, VideoProgress.module_id, VideoProgress.language),
        (
            "round_id",
            "module_id",
            "language",
            "intervals",
            "seconds_watched",
            "duration",
            "created_at",
            "last_report_at",
        ),
    )


def _export_module_progress(member: Member) -> list[Row]:
    return _rows(
        select(ModuleProgress)
        .where(ModuleProgress.member_id == member.id)
        .order_by(ModuleProgress.round_id, ModuleProgress.module_id),
        (
            "round_id",
            "module_id",
            "started_at",
            "video_coverage",
            "last_activity_at",
            "video_completed_at",
            "video_route",
            "completed_at",
        ),
    )


_QUESTION_COLUMNS = ("position", "question_id", "option_order", "chosen", "is_correct")


def _export_attempts(member: Member) -> list[Row]:
    attempts = db.session.execute(
        select(QuizAttempt).where(QuizAttempt.member_id == member.id).order_by(QuizAttempt.started_at)
    ).scalars()
    return [
        {
            **{
                name: _value(getattr(attempt, name))
                for name in (
                    "id",
                    "round_id",
                    "module_id",
                    "quiz_id",
                    "number",
                    "content_version",
                    "started_at",
                    "submitted_at",
                    "correct_count",
                    "score",
                    "is_passed",
                )
            },
            "questions": [
                {name: getattr(question, name) for name in _QUESTION_COLUMNS}
                for question in attempt.questions
            ],
        }
        for attempt in attempts
    ]


def _erase_attempt_questions(member: Member, now: datetime) -> None:  # noqa: ARG001
    attempts = select(QuizAttempt.id).where(QuizAttempt.member_id == member.id)
    db.session.execute(
        delete(AttemptQuestion)
        .where(AttemptQuestion.attempt_id.in_(attempts))
        .execution_options(synchronize_session=False)
    )


def _export_course_completion(member: Member) -> list[Row]:
    return _rows(
        select(CourseCompletion)
        .where(CourseCompletion.member_id == member.id)
        .order_by(CourseCompletion.completed_at, CourseCompletion.id),
        ("id", "round_id", "completed_at", "content_version", "carried_from_id"),
    )


def _keep_anonymous(member: Member, now: datetime) -> None:  # noqa: ARG001
    """Nothing to change: the rows hold ids, times and codes only, and the member's row is anonymised."""


# --- rounds ------------------------------------------------------------------------------------------------


def _export_rounds(member: Member) -> list[Row]:
    """The rounds the member's records belong to (so the export says which council term each is from), and
    those the member started as an administrator."""
    mine = [
        select(model.round_id).where(model.member_id == member.id)
        for model in (VideoProgress, ModuleProgress, QuizAttempt, CourseCompletion, SeminarCompletion)
    ]
    mine += [
        select(Certificate.round_id).where(Certificate.member_id == member.id),
        select(Reminder.round_id).where(Reminder.member_id == member.id),
    ]
    rounds = db.session.execute(
        select(CourseRound)
        .where(
            or_(
                CourseRound.started_by_id == member.id,
                *(CourseRound.id.in_(statement) for statement in mine),
            )
        )
        .order_by(CourseRound.term_start, CourseRound.id)
    ).scalars()
    return [
        {
            **{
                name: _value(getattr(course_round, name))
                for name in ("id", "term_start", "term_end", "started_at", "due_date", "carries_over")
            },
            "started_by_member": course_round.started_by_id == member.id,
        }
        for course_round in rounds
    ]


# --- certificates ------------------------------------------------------------------------------------------


def _export_seminar(member: Member) -> list[Row]:
    return _rows(
        select(SeminarCompletion)
        .where(SeminarCompletion.member_id == member.id)
        .order_by(SeminarCompletion.completed_on, SeminarCompletion.id),
        ("round_id", "completed_on", "reason", "content_version", "recorded_at"),
    )


def _erase_seminar(member: Member, now: datetime) -> None:  # noqa: ARG001
    # The completion stays for the certificates that refer to it; the administrator's free text may name
    # the person, so it goes.
    db.session.execute(
        update(SeminarCompletion)
        .where(SeminarCompletion.member_id == member.id)
        .values(reason=ERASED_REASON)
        .execution_options(synchronize_session=False)
    )


def _export_certificates(member: Member) -> list[Row]:
    return _rows(
        select(Certificate)
        .where(Certificate.member_id == member.id)
        .order_by(Certificate.issued_at, Certificate.revision),
        (
            "code",
            "round_id",
            "revision",
            "member_name",
            "council_name",
            "course_id",
            "module_ids",
            "content_version",
            "completed_on",
            "valid_until",
            "issued_at",
            "correction",
            "replaced_at",
            "revoked_at",
            "revoke_reason",
        ),
    )


def _erase_certificates(member: Member, now: datetime) -> None:
    # Every revision is revoked, so an old code and the current one both verify as revoked; the name and
    # the free texts (a correction may quote the old spelling of a name) go.
    mine = Certificate.member_id == member.id
    db.session.execute(
        update(Certificate)
        .where(mine, Certificate.revoked_at.is_(None))
        .values(revoked_at=now, revoke_reason=ERASED_REASON)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Certificate)
        .where(mine)
        .values(member_name="", correction=None, revoke_reason=ERASED_REASON)
        .execution_options(synchronize_session=False)
    )


# --- seminars ----------------------------------------------------------------------------------------------


def _export_attendance(member: Member) -> list[Row]:
    return _rows(
        select(SeminarAttendance)
        .where(SeminarAttendance.member_id == member.id)
        .order_by(SeminarAttendance.joined_at),
        ("seminar_id", "joined_at", "is_confirmed"),
    )


def _plan_rows(model, member: Member, actor_column) -> list:
    """The council's plan rows that name the member as a contact or that the member saved or adopted."""
    rows = db.session.execute(select(model).where(model.council_id == member.council_id)).scalars()
    return [
        row
        for row in rows
        if getattr(row, actor_column) == member.id or contacts_naming(row.content, member.name, member.email)
    ]


def _export_plan_drafts(member: Member) -> list[Row]:
    return [
        {
            "council_id": row.council_id,
            "updated_at": _value(row.updated_at),
            "saved_by_member": row.updated_by_id == member.id,
            "named_as_contact": contacts_naming(row.content, member.name, member.email),
        }
        for row in _plan_rows(PlanDraft, member, "updated_by_id")
    ]


def _export_plan_versions(member: Member) -> list[Row]:
    return [
        {
            "version": row.number,
            "adopted_on": _value(row.adopted_on),
            "adopted_by_member": row.adopted_by_id == member.id,
            "named_as_contact": contacts_naming(row.content, member.name, member.email),
        }
        for row in _plan_rows(PlanVersion, member, "adopted_by_id")
    ]


def _erase_plan_contacts(model) -> Eraser:
    def erase(member: Member, now: datetime) -> None:  # noqa: ARG001
        rows = db.session.execute(select(model).where(model.council_id == member.council_id)).scalars()
        for row in rows:
            if contacts_naming(row.content, member.name, member.email):
                row.content = without_person(row.content, member.name, member.email)
        db.session.flush()

    return erase


def _export_ballots(member: Member) -> list[Row]:
    return _rows(
        select(SeminarBallot).where(SeminarBallot.member_id == member.id).order_by(SeminarBallot.item_id),
        ("item_id",),
    )


# --- the audit log -----------------------------------------------------------------------------------------


def _export_audit(member: Member) -> list[Row]:
    events = db.session.execute(
        select(AuditEvent)
        .where(or_(AuditEvent.actor_id == member.id, AuditEvent.member_id == member.id))
        .order_by(AuditEvent.created_at, AuditEvent.id)
    ).scalars()
    return [
        {
            "action": event.action,
            "created_at": _value(event.created_at),
            "as": "actor" if event.actor_id == member.id else "subject",
            "actor_id": event.actor_id,
            "member_id": event.member_id,
            "details": event.details,
        }
        for event in events
    ]


# --- the registry ----------------------------------------------------------------------------------------

#: In erasure order: rows that refer to others first, the member's own row last.
POLICIES: tuple[TablePolicy, ...] = (
    TablePolicy(
        "council",
        "The municipality: a public authority, not a person (its name, country, dates and settings, when "
        "it was archived, and its logo).",
    ),
    TablePolicy(
        "course_round",
        "A council's course in one council term: the term, the due date, whether completions carry over, "
        "when it started and which administrator started it (an id; nothing else about a person).",
        _export_rounds,
        _keep_anonymous,
        erasure="kept: a round belongs to the whole council; who started it is an id, which then points at "
        "an anonymous row",
    ),
    TablePolicy(
        "login_session",
        "Each signed-in browser: when it signed in, when it was last used, when the session ends, and the "
        "browser and system it runs on (names from a short list, not the User-Agent header).",
        _export_sessions,
        _delete_where(LoginSession),
        erasure="deleted (the member is signed out everywhere)",
    ),
    TablePolicy(
        "auth_token",
        "Invitations, sign-in links and password resets e-mailed to the member: purpose and dates.",
        _export_tokens,
        _delete_where(AuthToken),
        erasure="deleted",
    ),
    TablePolicy(
        "outgoing_mail",
        "Sign-in links and password resets asked for by e-mail address and not sent yet; deleted when sent, "
        "or after a day.",
        _export_outgoing_mail,
        _erase_outgoing_mail,
        erasure="deleted (nothing more is sent)",
    ),
    TablePolicy(
        "pending_import",
        "Roster files uploaded for a preview, with names and e-mail addresses; deleted when confirmed and "
        "at the next purge after an hour.",
        _export_pending_imports,
        _erase_pending_imports,
        erasure="previews that list the member are deleted",
    ),
    TablePolicy(
        "reminder",
        "Reminder e-mails sent to the member: kind and time.",
        _export_reminders,
        _delete_where(Reminder),
        erasure="deleted",
    ),
    TablePolicy(
        "video_progress",
        "Which seconds of each video the member played.",
        _export_video_progress,
        _delete_where(VideoProgress),
        erasure="deleted",
    ),
    TablePolicy(
        "module_progress",
        "When the member started and completed each module, and how they did the video step.",
        _export_module_progress,
        _delete_where(ModuleProgress),
        erasure="deleted",
    ),
    TablePolicy(
        "attempt_question",
        "The questions of each quiz attempt, the order of their options and the answers given.",
        None,
        _erase_attempt_questions,
        part_of="quiz_attempt",
        erasure="deleted",
    ),
    TablePolicy(
        "quiz_attempt",
        "Each quiz attempt: when, and the score.",
        _export_attempts,
        _delete_where(QuizAttempt),
        erasure="deleted",
    ),
    TablePolicy(
        "course_completion",
        "When the member completed the course online.",
        _export_course_completion,
        _keep_anonymous,
        erasure="kept without anything personal: the certificates refer to it",
    ),
    TablePolicy(
        "seminar_completion",
        "A completion recorded at a council seminar: the date and the administrator's reason.",
        _export_seminar,
        _erase_seminar,
        erasure="the reason is erased; the row stays for the certificates that refer to it",
    ),
    TablePolicy(
        "certificate",
        "The member's certificates: name, code, dates, corrections and revocations.",
        _export_certificates,
        _erase_certificates,
        erasure="revoked, with the name and free texts erased, so the code verifies as revoked",
    ),
    TablePolicy(
        "seminar_settings",
        "A council's seminar setting (how many must answer before totals are shown): nothing personal.",
    ),
    TablePolicy(
        "seminar",
        "A council seminar: title, date, place, join code and the facilitator's position; nothing about "
        "a member.",
    ),
    TablePolicy(
        "seminar_item",
        "The cards of a seminar and the questions put to the room; nothing about a member.",
    ),
    TablePolicy(
        "seminar_answer",
        "Anonymous answer totals per question (a count per scale point, option or word): no member, no "
        "time, so no answer can be traced to anyone.",
    ),
    TablePolicy(
        "seminar_agreement",
        "Agreements the facilitator noted for the whole council; no member is linked to them.",
    ),
    TablePolicy(
        "seminar_ballot",
        "That the member answered a seminar question (so each member counts once), never what they answered.",
        _export_ballots,
        _delete_where(SeminarBallot),
        erasure="deleted (the anonymous totals stay)",
    ),
    TablePolicy(
        "seminar_attendance",
        "Which seminars the member joined, when, and whether the facilitator confirmed them as present.",
        _export_attendance,
        _delete_where(SeminarAttendance),
        erasure="deleted",
    ),
    TablePolicy(
        "plan_draft",
        "The council's draft plan against threats: the member as a security or party-group contact (name, "
        "role, phone, e-mail), and whether they saved the draft.",
        _export_plan_drafts,
        _erase_plan_contacts(PlanDraft),
        erasure="the member's entries as a contact are removed; who saved it is an id, which then points at "
        "an anonymous row",
    ),
    TablePolicy(
        "plan_version",
        "The council's adopted plans: the member as a security or party-group contact (name, role, phone, "
        "e-mail), and the versions they recorded as adopted.",
        _export_plan_versions,
        _erase_plan_contacts(PlanVersion),
        erasure="the member's entries as a contact are removed from every version; who adopted a version is "
        "an id, which then points at an anonymous row",
    ),
    TablePolicy(
        "audit_event",
        "Administrative actions by or about the member: action, time, ids and non-personal details.",
        _export_audit,
        _keep_anonymous,
        erasure="kept (append-only): events hold ids only, which then point at an anonymous row",
    ),
    TablePolicy(
        "member",
        "The member: name, e-mail address, role, language, administrator rights and the dates they were "
        "added, invited, signed in and removed.",
        _export_member,
        _erase_member,
        erasure="anonymised: no name, e-mail address, password or language; marked removed and erased",
    ),
)

BY_TABLE = {policy.table: policy for policy in POLICIES}


def get_policy(table: str) -> TablePolicy | None:
    return BY_TABLE.get(table)
