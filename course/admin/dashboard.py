"""The council's completion: every member against every module, the totals, the funnel per module, and the
question statistics.

Everything is read in a fixed number of queries whatever the size of the council: one per kind of record
(members, module progress, watched video, quiz results, course completions, reminders), each grouped in
the database and gathered into dicts, then one loop in Python builds the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from course.admin.models import Reminder
from course.certificates.queries import CertificateSummary, get_certificate_status_by_member
from course.content import Course, Module, Question, Quiz, QuizKind
from course.db import utcnow
from course.extensions import db
from course.learning.progress import (
    COMPLETE,
    IN_PROGRESS,
    NOT_STARTED,
    CourseState,
    ModuleState,
    count_first_answers,
    get_council_progress,
    nothing_done,
)
from course.learning.rounds import list_rounds, next_term
from course.people.calendar import DueState, Term, get_due_state
from course.people.models import Council, CourseRound, Member, Role
from course.web.inputs import parse_id
from course.web.paging import Page, clean_search, parse_page
from course.web.sorting import ColumnSorting

OVERDUE = "overdue"
STATUS_LABELS = {
    COMPLETE: _l("Completed"),
    IN_PROGRESS: _l("In progress"),
    NOT_STARTED: _l("Not started"),
    OVERDUE: _l("Overdue"),
}
#: A member reminded this recently is not chosen for another reminder unless the administrator confirms it.
RECENT_REMINDER = timedelta(hours=24)
#: Question statistics are shown only for questions at least this many members answered, so that no
#: figure can be traced back to one person.
MIN_RESPONDENTS = 5


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One member's line in the members × modules table."""

    member: Member
    progress: CourseState
    reminder_count: int
    last_reminded_at: datetime | None
    is_overdue: bool = False
    certificate: CertificateSummary | None = None
    #: Reminded within :data:`RECENT_REMINDER` of the moment the rows were read.
    is_recently_reminded: bool = False

    @property
    def is_chosen_by_default(self) -> bool:
        """Ticked for a reminder on the dashboard: not complete, not reminded lately, not an administrator."""
        return not (self.is_complete or self.is_recently_reminded or self.member.is_admin)

    @property
    def modules(self) -> tuple[ModuleState, ...]:
        return self.progress.modules

    @property
    def status(self) -> str:
        return self.progress.status

    @property
    def completed_at(self) -> datetime | None:
        """When the member completed the course, online or at a seminar."""
        return self.progress.completed_moment

    @property
    def is_seminar_completion(self) -> bool:
        return self.progress.completed_at is None and self.progress.seminar_completed_on is not None

    @property
    def is_complete(self) -> bool:
        return self.progress.is_complete

    @property
    def last_activity_at(self) -> datetime | None:
        return self.progress.last_activity_at

    @property
    def completed_modules(self) -> int:
        return self.progress.completed_count

    @property
    def steps_done(self) -> int:
        return self.progress.steps_done


def load_member_rows(
    council: Council,
    course: Course,
    now: datetime | None = None,
    member_ids: list[int] | None = None,
    course_round: CourseRound | None = None,
) -> list[MemberRow]:
    """Every active member of ``council`` (or those of ``member_ids`` among them) with their progress in the
    council's current round (or in ``course_round``).

    Six queries, whatever the number of members: the members, the three of the progress read model, the
    reminders and the certificates.
    """
    course_round = course_round if course_round is not None else council.current_round
    assert course_round is not None
    scope = [Member.council_id == council.id, Member.removed_at.is_(None)]
    if member_ids is not None:
        scope.append(Member.id.in_(member_ids))
    members = list(db.session.execute(select(Member).where(*scope).order_by(Member.name)).scalars())
    progress = get_council_progress(course_round.id, course)
    reminders = {
        member_id: (count, last)
        for member_id, count, last in db.session.execute(
            select(Reminder.member_id, func.count(), func.max(Reminder.sent_at))
            .join(Member, Member.id == Reminder.member_id)
            .where(*scope, Reminder.round_id == course_round.id)
            .group_by(Reminder.member_id)
        )
    }
    certificates = get_certificate_status_by_member(council.id, course_round.id, now)
    now = now or utcnow()
    due = get_due_state(council, now, course_round)
    nobody = nothing_done(course)
    rows = []
    for member in members:
        state = progress.get(member.id, nobody)
        count, last = reminders.get(member.id, (0, None))
        rows.append(
            MemberRow(
                member=member,
                progress=state,
                reminder_count=count,
                last_reminded_at=last,
                is_overdue=due is not None and due.is_past and not state.is_complete,
                certificate=certificates.get(member.id),
                is_recently_reminded=last is not None and now - last < RECENT_REMINDER,
            )
        )
    return rows


# --- the dashboard ----------------------------------------------------------------------------------


SORT_KEYS: dict[str, Callable[[MemberRow], Any]] = {
    "name": lambda row: row.member.name.lower(),
    "role": lambda row: row.member.role,
    "status": lambda row: ({NOT_STARTED: 0, IN_PROGRESS: 1, COMPLETE: 2}[row.status], row.steps_done),
    "progress": lambda row: (row.completed_modules, row.steps_done),
    "last_activity": lambda row: row.last_activity_at,
    "completed": lambda row: row.completed_at,
    "reminded": lambda row: row.last_reminded_at,
}


@dataclass(frozen=True, slots=True)
class Filters(ColumnSorting):
    """What the table shows: which round, filtered by role and status, sorted by one column."""

    role: str | None = None
    status: str | None = None
    sort: str = "name"
    is_descending: bool = False
    #: An earlier round to look at; None for the current one.
    round_id: int | None = None
    #: Text that the member's name or e-mail address holds.
    q: str = ""
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read the query string; anything unknown falls back to the default rather than failing."""
        role = args.get("role") or None
        status = args.get("status") or None
        sort = args.get("sort") or "name"
        return cls(
            role=role if role in {r.value for r in Role} else None,
            status=status if status in STATUS_LABELS else None,
            sort=sort if sort in SORT_KEYS else "name",
            is_descending=args.get("order") == "desc",
            round_id=parse_id(args.get("round")),
            q=clean_search(args.get("q")),
            page=parse_page(args.get("page")),
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.role or self.status or self.q)

    def args(self, **changes: Any) -> dict[str, str]:
        """Query-string values for a link to this view with ``changes`` applied; a link that sorts starts
        again on the first page."""
        if "page" not in changes and ({"sort", "is_descending"} & changes.keys()):
            changes["page"] = 1
        changed = replace(self, **changes)
        values = {
            "role": changed.role,
            "status": changed.status,
            "sort": changed.sort if changed.sort != "name" else None,
            "order": "desc" if changed.is_descending else None,
            "round": str(changed.round_id) if changed.round_id is not None else None,
            "q": changed.q,
            "page": str(changed.page) if changed.page > 1 else None,
        }
        return {key: value for key, value in values.items() if value}

    def matches(self, row: MemberRow) -> bool:
        if self.role and row.member.role != self.role:
            return False
        if self.q:
            needle = self.q.lower()
            if needle not in row.member.name.lower() and needle not in row.member.email.lower():
                return False
        if self.status == OVERDUE:
            return row.is_overdue
        return not self.status or row.status == self.status

    def apply(self, rows: list[MemberRow]) -> list[MemberRow]:
        key = SORT_KEYS[self.sort]
        chosen = sorted((row for row in rows if self.matches(row)), key=SORT_KEYS["name"])
        # Rows without a value (never active, never reminded) go last whichever way the column is sorted.
        with_value = [row for row in chosen if key(row) is not None]
        without = [row for row in chosen if key(row) is None]
        return sorted(with_value, key=key, reverse=self.is_descending) + without


@dataclass(frozen=True, slots=True)
class Summary:
    total: int
    complete: int
    in_progress: int
    not_started: int
    overdue: int

    @property
    def complete_share(self) -> float:
        return self.complete / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class FunnelStep:
    label: Any
    count: int
    total: int
    #: The quiz of a step that counts passes (the page names it by the title learners see).
    quiz: Quiz | None = None

    @property
    def share(self) -> float:
        return self.count / self.total if self.total else 0.0

    @property
    def bar_width(self) -> str:
        """The bar's width in the chart, as an SVG percentage."""
        return f"{self.share * 100:.1f}%"


@dataclass(frozen=True, slots=True)
class ModuleFunnel:
    module: Module
    steps: tuple[FunnelStep, ...]


@dataclass(frozen=True, slots=True)
class Dashboard:
    council: Council
    #: The round shown: the current one, or an earlier one (read-only).
    round: CourseRound
    rounds: list[CourseRound]
    due: DueState | None
    #: The page shown of the rows of members who take the course that the filters let through, sorted.
    rows: list[MemberRow]
    #: Every row the filters let through (the downloads and the print view show them all).
    matching: list[MemberRow]
    page: Page
    #: The same for the members who are not expected to take it (listed apart, counted nowhere).
    others: list[MemberRow]
    summary: Summary
    funnels: tuple[ModuleFunnel, ...]
    filters: Filters
    #: The term a round started now would be for; None while the round for the next term has not begun.
    next_term: Term | None = None

    @property
    def is_current(self) -> bool:
        return self.round.id == self.council.current_round_id


def summarize(rows: list[MemberRow]) -> Summary:
    statuses = [row.status for row in rows]
    return Summary(
        total=len(rows),
        complete=statuses.count(COMPLETE),
        in_progress=statuses.count(IN_PROGRESS),
        not_started=statuses.count(NOT_STARTED),
        overdue=sum(row.is_overdue for row in rows),
    )


#: The funnel's steps after the video: passing each kind of quiz.
QUIZ_STEPS = (
    (QuizKind.MECHANICS, _l("Passed the mechanics quiz")),
    (QuizKind.CONDUCT, _l("Passed the conduct quiz")),
)


def _quiz_of(module: Module, kind: QuizKind) -> Quiz | None:
    return next((quiz for quiz in module.quizzes if quiz.kind == kind), None)


def funnels(rows: list[MemberRow], course: Course) -> tuple[ModuleFunnel, ...]:
    """Per module, how many members watched the video, then passed the mechanics and conduct quizzes."""
    total = len(rows)
    result = []
    for index, module in enumerate(course.modules):
        # A member who completed at a council seminar has done every step.
        cells = [row.modules[index] for row in rows if not row.is_seminar_completion]
        at_seminar = total - len(cells)
        watched = sum(cell.is_video_done for cell in cells)
        # The video step is done by watching or by reading the transcript.
        steps = [FunnelStep(_l("Watched the video or read the transcript"), at_seminar + watched, total)]
        for kind, label in QUIZ_STEPS:
            quiz = _quiz_of(module, kind)
            passed = sum(cell.quizzes[quiz.id].is_passed for cell in cells) if quiz is not None else 0
            steps.append(FunnelStep(label, at_seminar + passed, total, quiz))
        result.append(ModuleFunnel(module, tuple(steps)))
    return tuple(result)


def get_dashboard(
    council: Council,
    course: Course,
    filters: Filters,
    now: datetime | None = None,
    course_round: CourseRound | None = None,
) -> Dashboard:
    """The council's dashboard for its current round (or ``course_round``): the totals and the funnel count
    every member who takes the course, the table shows what is filtered."""
    now = now or utcnow()
    course_round = course_round if course_round is not None else council.current_round
    assert course_round is not None
    rows = load_member_rows(council, course, now, course_round=course_round)
    takers = [row for row in rows if row.member.takes_course]
    matching = filters.apply(takers)
    page = Page.of(filters.page, len(matching))
    return Dashboard(
        council=council,
        round=course_round,
        rounds=list_rounds(council.id),
        due=get_due_state(council, now, course_round),
        rows=page.slice(matching),
        matching=matching,
        page=page,
        others=filters.apply([row for row in rows if not row.member.takes_course]),
        summary=summarize(takers),
        funnels=funnels(takers, course),
        filters=filters,
        next_term=next_term(council, now),
    )


# --- question statistics ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionStat:
    module: Module
    quiz: Quiz
    question: Question
    respondents: int
    correct: int

    @property
    def share(self) -> float:
        return self.correct / self.respondents if self.respondents else 0.0


def get_question_stats(course_round: CourseRound, course: Course) -> list[QuestionStat]:
    """Per question, the share of members' first attempts in the round that answered it correctly, weakest
    first; members who take the course only.

    Anonymous totals only, and only for questions at least :data:`MIN_RESPONDENTS` members answered. One
    query.
    """
    stats = []
    for result in count_first_answers(course_round.id, MIN_RESPONDENTS):
        module = course.module(result.module_id)
        quiz = module.quiz(result.quiz_id) if module else None
        question = quiz.question(result.question_id) if quiz else None
        if question is None:
            continue  # no longer in the course
        stats.append(QuestionStat(module, quiz, question, result.respondents, result.correct))
    return sorted(stats, key=lambda stat: (stat.share, stat.module.number, stat.question.id))
