"""Reminders: an e-mail telling a member what is left of the course, with links straight to it.

Administrators send them from the dashboard; ``council-course send-reminders`` sends them daily from a
scheduler. Members who have completed the course never get one. The scheduler writes to each member at
most once every 7 days (counting invitations and reminders sent by hand), with a more urgent e-mail in
the week before the council's due date, and one last e-mail after the due date has passed. It leaves
alone members who have never been invited: the invitation comes first. Every reminder is logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from course.admin.dashboard import MemberRow, load_member_rows
from course.admin.models import Reminder, ReminderKind
from course.audit.services import record_event
from course.auth.links import LOGIN_MINUTES, issue_token, link_to
from course.auth.models import TokenPurpose
from course.content import Course, Module, Quiz
from course.db import utcnow
from course.extensions import db
from course.mail import compose, send_email
from course.mail.services import MailError
from course.people import calendar
from course.people.calendar import get_due_state
from course.people.models import Council, Member
from course.urls import absolute_url

INTERVAL = timedelta(days=7)

SUBJECTS = {
    ReminderKind.MANUAL: _l("Reminder: the course on social media and local democracy"),
    ReminderKind.SCHEDULED: _l("Reminder: the course on social media and local democracy"),
    ReminderKind.DUE_SOON: _l("Reminder: please complete the course before the due date"),
    ReminderKind.OVERDUE: _l("The due date for the course has passed"),
}


#: How each kind of reminder is named on the member's page and in the audit log.
KIND_LABELS = {
    ReminderKind.MANUAL.value: _l("Sent by an administrator"),
    ReminderKind.SCHEDULED.value: _l("Weekly reminder"),
    ReminderKind.DUE_SOON.value: _l("The week before the due date"),
    ReminderKind.OVERDUE.value: _l("After the due date"),
}


class AlreadyCompleteError(ValueError):
    """Members who have completed the course are never reminded."""


@dataclass(frozen=True, slots=True)
class ModuleLeft:
    """A module the member has not completed, what is left of it, and a link to the next step."""

    module: Module
    needs_video: bool
    quizzes_left: tuple[Quiz, ...]
    link: str


def what_is_left(row: MemberRow) -> list[ModuleLeft]:
    left = []
    for cell in row.modules:
        if cell.is_complete:
            continue
        quizzes = tuple(state.quiz for state in cell.quiz_states if not state.is_passed)
        if not cell.is_video_done or not quizzes:
            link = absolute_url("learning.show_module", module_id=cell.module.id)
        else:
            link = absolute_url("learning.take_quiz", module_id=cell.module.id, quiz_id=quizzes[0].id)
        left.append(ModuleLeft(cell.module, not cell.is_video_done, quizzes, link))
    return left


def send_reminder(
    council: Council, row: MemberRow, kind: str, *, actor: Member | None, now: datetime | None = None
) -> Reminder:
    """E-mail one member what is left for them, log it and audit it; flushes.

    Raises :class:`AlreadyCompleteError` for a member who has completed, and
    :class:`course.mail.services.MailError` when the e-mail cannot be sent (then nothing is logged).
    """
    if row.is_complete:
        raise AlreadyCompleteError(row.member.id)
    now = now or utcnow()
    member = row.member
    modules_left = what_is_left(row)
    overview_link = absolute_url("learning.show_overview")
    # A link that signs the member in and opens their next step (a new one is offered once it expires).
    next_path = urlsplit(modules_left[0].link if modules_left else overview_link).path
    sign_in_link = link_to(
        "auth.show_sign_in_link", issue_token(member, TokenPurpose.LOGIN, now), next=next_path
    )
    email = compose(
        "reminder",
        to=member.email,
        locale=member.language,
        subject=SUBJECTS[ReminderKind(kind)],
        member=member,
        council=council,
        kind=kind,
        modules_left=modules_left,
        completed_modules=row.completed_modules,
        total_modules=len(row.modules),
        due=get_due_state(council, now),
        overview_link=overview_link,
        sign_in_link=sign_in_link,
        sign_in_minutes=LOGIN_MINUTES,
    )
    send_email(email)
    reminder = Reminder(
        council_id=council.id,
        round_id=council.current_round_id,
        member_id=member.id,
        sent_by_id=actor.id if actor is not None else None,
        kind=kind,
        sent_at=now,
    )
    db.session.add(reminder)
    db.session.flush()
    record_event("reminder.sent", actor=actor, council_id=council.id, member=member, kind=kind)
    return reminder


@dataclass(slots=True)
class RemindResult:
    sent: list[Member] = field(default_factory=list)
    failed: list[Member] = field(default_factory=list)
    #: Chosen members who were not reminded: completed, removed, or not in this council.
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class ManualPlan:
    """Who a reminder sent by hand goes to: the chosen members who have not completed."""

    rows: list[MemberRow]
    #: Chosen members who will not be reminded: completed, removed, or not in this council.
    skipped: int

    @property
    def recent(self) -> list[MemberRow]:
        """Members reminded in the last 24 hours: another reminder needs the administrator's confirmation."""
        return [row for row in self.rows if row.is_recently_reminded]


def plan_manual(
    council: Council, course: Course, member_ids: list[int], now: datetime | None = None
) -> ManualPlan:
    """What sending a reminder to ``member_ids`` would do, for the administrator to confirm."""
    wanted = set(member_ids)
    rows = load_member_rows(council, course, now or utcnow(), member_ids=list(wanted))
    to_remind = [row for row in rows if not row.is_complete]
    return ManualPlan(to_remind, len(wanted) - len(to_remind))


@dataclass(frozen=True, slots=True)
class SentReminder:
    sent_at: datetime
    kind: str
    #: The administrator who sent it; None for the daily scheduler (or an administrator since erased).
    sent_by_name: str | None


def reminder_history(council: Council, member: Member) -> list[SentReminder]:
    """Every reminder the member was sent by the council, newest first, with who sent it. One query."""
    sender = aliased(Member)
    rows = db.session.execute(
        select(Reminder.sent_at, Reminder.kind, sender.name)
        .outerjoin(sender, sender.id == Reminder.sent_by_id)
        .where(Reminder.council_id == council.id, Reminder.member_id == member.id)
        .order_by(Reminder.sent_at.desc(), Reminder.id.desc())
    )
    return [SentReminder(sent_at, kind, name) for sent_at, kind, name in rows]


def remind_members(
    council: Council, course: Course, member_ids: list[int], *, actor: Member, now: datetime | None = None
) -> RemindResult:
    """Send a reminder to each chosen member of ``council`` who has not completed; flushes."""
    now = now or utcnow()
    wanted = set(member_ids)
    rows = load_member_rows(council, course, now, member_ids=list(wanted))
    result = RemindResult(skipped=len(wanted) - len(rows))
    for row in rows:
        if row.is_complete:
            result.skipped += 1
            continue
        try:
            send_reminder(council, row, ReminderKind.MANUAL, actor=actor, now=now)
        except MailError:
            result.failed.append(row.member)
        else:
            result.sent.append(row.member)
    return result


# --- the daily scheduler ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    council: Council
    row: MemberRow
    kind: str


def plan_scheduled_reminders(
    course: Course, now: datetime | None = None, council_slug: str | None = None
) -> list[PlannedReminder]:
    """Who the scheduler reminds now, and with which kind of e-mail (see the module docstring).

    Days are counted in each council's own calendar, so a scheduler that runs a little earlier one day
    than the week before still keeps the weekly rhythm.
    """
    now = now or utcnow()
    # An archived council's members can no longer sign in: nobody there is reminded.
    query = select(Council).where(Council.archived_at.is_(None)).order_by(Council.slug)
    if council_slug is not None:
        query = query.where(Council.slug == council_slug)
    planned = []
    for council in db.session.execute(query).scalars():
        due = get_due_state(council, now)
        today = calendar.today(council.country, now)
        rows = load_member_rows(council, course, now)
        last_overdue = dict(
            db.session.execute(
                select(Reminder.member_id, func.max(Reminder.sent_at))
                .where(
                    Reminder.council_id == council.id,
                    Reminder.round_id == council.current_round_id,
                    Reminder.kind == ReminderKind.OVERDUE.value,
                )
                .group_by(Reminder.member_id)
            ).all()
        )
        for row in rows:
            # Complete (online or at a seminar), or not expected to take the course: no reminder.
            if row.is_complete or not row.member.takes_course:
                continue
            if row.member.invited_at is None and row.member.joined_at is None:
                continue
            contacts = [moment for moment in (row.last_reminded_at, row.member.invited_at) if moment]
            if (
                contacts
                and (today - calendar.local_date(council.country, max(contacts))).days < INTERVAL.days
            ):
                continue
            if due is not None and due.is_past:
                overdue_sent = last_overdue.get(row.member.id)
                if (
                    overdue_sent is not None
                    and calendar.local_date(council.country, overdue_sent) > due.due_date
                ):
                    continue  # the one reminder after the due date has gone out
                kind = ReminderKind.OVERDUE
            elif due is not None and due.is_this_week:
                kind = ReminderKind.DUE_SOON
            else:
                kind = ReminderKind.SCHEDULED
            planned.append(PlannedReminder(council, row, kind.value))
    return planned
