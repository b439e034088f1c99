"""Rounds: a council's course once per council term.

A council always has a current round. A new one starts by itself on the first day of the council's next
term (``council-course send-reminders``, run daily, starts it), or when an administrator starts it early or
late. In a new round every member takes the course afresh; nothing of the earlier rounds is deleted, and
each member keeps seeing what they did then. A council may carry over the completions of re-elected members
(members of the previous round still on the roster) into the new round.

Services take explicit arguments and flush; the caller commits once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from course.audit.services import record_event
from course.db import utcnow
from course.extensions import db
from course.learning.models import CourseCompletion, ModuleProgress, SeminarCompletion
from course.people import calendar
from course.people.calendar import Term
from course.people.models import Council, CourseRound, Member


class RoundError(ValueError):
    """A round could not be started; the message says why."""


def get_round(council_id: int, round_id: int) -> CourseRound | None:
    """One of the council's rounds; another council's is 'not found'."""
    return db.session.execute(
        select(CourseRound).where(CourseRound.id == round_id, CourseRound.council_id == council_id)
    ).scalar()


def list_rounds(council_id: int) -> list[CourseRound]:
    """The council's rounds, the latest term first."""
    return list(
        db.session.execute(
            select(CourseRound)
            .where(CourseRound.council_id == council_id)
            .order_by(CourseRound.term_start.desc())
        ).scalars()
    )


def first_day(course_round: CourseRound, country: str) -> date:
    """The first day that counts for the round: its term's first day, or the day it was started, if it was
    started early."""
    return min(course_round.term_start, calendar.local_date(country, course_round.started_at))


def next_term(council: Council, now: datetime | None = None) -> Term | None:
    """The term a round started now would be for: the current term when the council's current round is for
    an earlier one (started late), else the next term (started early, after an election). None when the
    council's round for the next term has started already: a round starts at most one term ahead."""
    current_term = calendar.term_of(council.country, calendar.today(council.country, now))
    current_round = council.current_round
    if current_round is None or current_round.term_start < current_term.start:
        return current_term
    if current_round.term_start > current_term.start:
        return None
    return current_term.next()


def _ahead_message(council: Council) -> str:
    """Why no round can start while the council's round for the next term has not begun (for the command
    line; the pages say it in the member's language)."""
    term = council.current_round.term
    return (
        f"the round for the next council term {term.label} has started already; "
        f"another can start once that term has begun, on {term.start.isoformat()}"
    )


def start_round(
    council: Council,
    *,
    actor: Member | None,
    due_date: date | None = None,
    carry_over: bool = False,
    source: str = "administrator",
    now: datetime | None = None,
) -> CourseRound:
    """Start the council's next round (see :func:`next_term`) and make it the current one. Flushes.

    ``source`` says how, for the audit log: ``administrator`` (on /admin/), ``command`` (``council-course
    start-round``) or ``automatic`` (the first day of a new term).

    Raises :class:`RoundError` when the council has a round for that term already, its round for the next
    term has started already, or the due date is not in the term.
    """
    now = now or utcnow()
    term = next_term(council, now)
    if term is None:
        raise RoundError(_ahead_message(council))
    if due_date is not None and due_date not in term:
        raise RoundError(f"the due date must fall in the term {term.label}")
    taken = db.session.execute(
        select(CourseRound.id).where(
            CourseRound.council_id == council.id, CourseRound.term_start == term.start
        )
    ).scalar()
    if taken is not None:
        raise RoundError(f"the council has a round for the term {term.label} already")
    previous = council.current_round
    new_round = CourseRound(
        council_id=council.id,
        term_start=term.start,
        term_end=term.end,
        started_at=now,
        started_by_id=actor.id if actor is not None else None,
        due_date=due_date,
        carries_over=carry_over,
    )
    db.session.add(new_round)
    db.session.flush()
    council.current_round = new_round
    carried = _carry_over(previous, new_round, now) if carry_over and previous is not None else 0
    db.session.flush()
    record_event(
        "round.started",
        actor=actor,
        council_id=council.id,
        round_id=new_round.id,
        term_start=term.start.isoformat(),
        term_end=term.end.isoformat(),
        due_date=due_date.isoformat() if due_date else None,
        carry_over=carry_over,
        carried=carried,
        source=source,
    )
    return new_round


def _carry_over(previous: CourseRound, new_round: CourseRound, now: datetime) -> int:
    """Copy the online completions of the previous round's members who are still on the roster (and their
    completed modules) into the new round; how many were carried. A seminar completion carries over as an
    online one would: the member completed the course in the previous term."""
    completions = db.session.execute(
        select(CourseCompletion)
        .join(Member, Member.id == CourseCompletion.member_id)
        .where(CourseCompletion.round_id == previous.id, Member.removed_at.is_(None))
    ).scalars()
    carried = 0
    carried_members = set()
    for completion in completions:
        db.session.add(
            CourseCompletion(
                round_id=new_round.id,
                member_id=completion.member_id,
                completed_at=completion.completed_at,
                content_version=completion.content_version,
                carried_from_id=completion.id,
            )
        )
        carried_members.add(completion.member_id)
        carried += 1
    for seminar in db.session.execute(
        select(SeminarCompletion)
        .join(Member, Member.id == SeminarCompletion.member_id)
        .where(SeminarCompletion.round_id == previous.id, Member.removed_at.is_(None))
    ).scalars():
        if seminar.member_id in carried_members:
            continue
        db.session.add(
            SeminarCompletion(
                round_id=new_round.id,
                council_id=seminar.council_id,
                member_id=seminar.member_id,
                completed_on=seminar.completed_on,
                reason=seminar.reason,
                content_version=seminar.content_version,
                recorded_by_id=seminar.recorded_by_id,
                recorded_at=now,
            )
        )
        carried += 1
    for progress in db.session.execute(
        select(ModuleProgress).where(
            ModuleProgress.round_id == previous.id,
            ModuleProgress.member_id.in_(carried_members),
            ModuleProgress.completed_at.is_not(None),
        )
    ).scalars():
        db.session.add(
            ModuleProgress(
                round_id=new_round.id,
                member_id=progress.member_id,
                module_id=progress.module_id,
                started_at=progress.started_at,
                last_activity_at=progress.last_activity_at,
                video_completed_at=progress.video_completed_at,
                video_route=progress.video_route,
                video_coverage=progress.video_coverage,
                completed_at=progress.completed_at,
            )
        )
    return carried


def move_to_country_term(council: Council, *, actor: Member | None, now: datetime | None = None) -> bool:
    """After the council's country changed: move its current round to the current council term of its (new)
    country, since a round's term is stored as dates, not derived from the country. A due date outside the
    new term is removed. True (and an audit event) when the round moved; flushes.

    Raises :class:`RoundError` when the council has another round for that term already."""
    current = council.current_round
    if current is None:
        return False
    term = calendar.term_of(council.country, calendar.today(council.country, now))
    if (current.term_start, current.term_end) == (term.start, term.end):
        return False
    taken = db.session.execute(
        select(CourseRound.id).where(
            CourseRound.council_id == council.id,
            CourseRound.term_start == term.start,
            CourseRound.id != current.id,
        )
    ).scalar()
    if taken is not None:
        raise RoundError(f"the council has a round for the term {term.label} already")
    previous = current.term
    current.term_start, current.term_end = term.start, term.end
    removed_due_date = current.due_date is not None and current.due_date not in term
    if removed_due_date:
        current.due_date = None
    db.session.flush()
    record_event(
        "round.term_changed",
        actor=actor,
        council_id=council.id,
        round_id=current.id,
        country=council.country,
        previous_term_start=previous.start.isoformat(),
        previous_term_end=previous.end.isoformat(),
        term_start=term.start.isoformat(),
        term_end=term.end.isoformat(),
        due_date_removed=removed_due_date,
    )
    return True


@dataclass(frozen=True, slots=True)
class StartedRound:
    council: Council
    round: CourseRound


def start_due_rounds(now: datetime | None = None, council: Council | None = None) -> list[StartedRound]:
    """Start a round for every council (or ``council``) whose current round is for a term that has ended:
    on the first day of a new term, the course starts again by itself. Flushes."""
    now = now or utcnow()
    # An archived council's course has ended: no new round starts for it.
    councils = (
        [council]
        if council is not None
        else db.session.execute(select(Council).where(Council.archived_at.is_(None))).scalars().all()
    )
    started = []
    for each in councils:
        if each.is_archived:
            continue
        today = calendar.today(each.country, now)
        current = each.current_round
        if current is not None and current.term_end >= today:
            continue
        started.append(StartedRound(each, start_round(each, actor=None, source="automatic", now=now)))
    return started


@dataclass(frozen=True, slots=True)
class PastCertificate:
    """The certificate of an earlier round's completion, as the history line shows it."""

    #: As printed on the certificate, with its dashes (K7QF3-M9PXD-2RJ4T).
    code: str
    valid_until: date
    #: valid, expired or revoked
    status: str


@dataclass(frozen=True, slots=True)
class PastCompletion:
    """What a member did in an earlier round: when they completed the course (online or at a seminar) and
    the certificate they got for it (if any), or, when they started without completing it, how many
    modules they completed."""

    round: CourseRound
    completed_at: datetime | None
    seminar_completed_on: date | None
    certificate: PastCertificate | None = None
    modules_completed: int = 0

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None or self.seminar_completed_on is not None


def past_completions_select(member: Member) -> tuple[Select, Any, Any]:
    """The query of :func:`list_past_completions` (rows of round, completed at, completed on at a seminar,
    modules completed) over the earlier rounds in which the member completed the course or started it,
    with its two completion aliases (online, seminar), for a feature that adds to it."""
    online = aliased(CourseCompletion)
    seminar = aliased(SeminarCompletion)
    in_round = (ModuleProgress.round_id == CourseRound.id, ModuleProgress.member_id == member.id)
    modules_completed = (
        select(func.count())
        .select_from(ModuleProgress)
        .where(*in_round, ModuleProgress.completed_at.is_not(None))
        .scalar_subquery()
    )
    query = (
        select(CourseRound, online.completed_at, seminar.completed_on, modules_completed)
        .outerjoin(online, and_(online.round_id == CourseRound.id, online.member_id == member.id))
        .outerjoin(seminar, and_(seminar.round_id == CourseRound.id, seminar.member_id == member.id))
        .where(
            CourseRound.council_id == member.council_id,
            CourseRound.id != member.council.current_round_id,
            or_(online.id.is_not(None), seminar.id.is_not(None), exists().where(*in_round)),
        )
        .order_by(CourseRound.term_start.desc())
    )
    return query, online, seminar


def list_past_completions(member: Member) -> list[PastCompletion]:
    """What the member did in their council's earlier rounds, the latest term first. One query."""
    rows = db.session.execute(past_completions_select(member)[0]).all()
    return [
        PastCompletion(course_round, online_at, seminar_on, modules_completed=modules)
        for course_round, online_at, seminar_on, modules in rows
    ]


#: Reads the history with each completion's certificate, still in one query. The certificates feature, which
#: sits above this one, registers it (course.certificates.init_app), so learning imports nothing of it.
_history_reader: Callable[[Member], list[PastCompletion]] | None = None


def register_history_reader(reader: Callable[[Member], list[PastCompletion]]) -> None:
    global _history_reader
    _history_reader = reader


def get_history(member: Member) -> list[PastCompletion]:
    """The member's earlier rounds' completions with their certificates, the latest term first. One query."""
    return (_history_reader or list_past_completions)(member)
