"""What members have done: the one read model of progress, for one member, for a council's members, and per
question, always in one round (a council's course in one council term).

A member has **started** a module when they have a progress row for it in the round (reporting played
seconds, confirming the transcript or starting a quiz creates it; opening the module's page does not); a
module is **complete** when its completion is stored; the course is **complete** when the member completed
it online or an administrator recorded its completion at a council seminar. Every page that shows progress
(the learner's pages, the dashboard, exports, reminders, the platform overview) reads it here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Date,
    Select,
    bindparam,
    case,
    cast,
    exists,
    func,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from course.content import Course, Module, Quiz
from course.db import UTCDateTime
from course.extensions import db
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    SeminarCompletion,
    VideoProgress,
)
from course.people.models import Council, Member

NOT_STARTED, IN_PROGRESS, COMPLETE = "not_started", "in_progress", "complete"


@dataclass(frozen=True, slots=True)
class QuizState:
    quiz: Quiz
    is_passed: bool
    attempts: int
    best_score: float | None

    @property
    def quiz_id(self) -> str:
        return self.quiz.id


@dataclass(frozen=True, slots=True)
class ModuleState:
    module: Module
    coverage: float
    video_route: str | None
    video_completed_at: datetime | None
    completed_at: datetime | None
    is_started: bool
    last_activity_at: datetime | None = None
    #: Each quiz's state by quiz id, in the module's order.
    quizzes: Mapping[str, QuizState] = field(default_factory=dict)
    #: The languages in which the member has opened the module's video.
    video_languages: frozenset[str] = frozenset()

    @property
    def module_id(self) -> str:
        return self.module.id

    @property
    def is_video_done(self) -> bool:
        return self.video_completed_at is not None

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def status(self) -> str:
        if self.is_complete:
            return COMPLETE
        return IN_PROGRESS if self.is_started else NOT_STARTED

    @property
    def quiz_states(self) -> tuple[QuizState, ...]:
        return tuple(self.quizzes.values())

    @property
    def steps_done(self) -> int:
        return int(self.is_video_done) + sum(quiz.is_passed for quiz in self.quizzes.values())


@dataclass(frozen=True, slots=True)
class CourseState:
    modules: tuple[ModuleState, ...]
    #: When the member completed the course online.
    completed_at: datetime | None
    #: The day of the council seminar at which an administrator recorded the member's completion.
    seminar_completed_on: date | None = None

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None or self.seminar_completed_on is not None

    @property
    def completed_moment(self) -> datetime | None:
        """When the course was completed: online, else at a seminar (noon UTC on its day, which is the
        same day in Denmark and Sweden)."""
        if self.completed_at is not None:
            return self.completed_at
        if self.seminar_completed_on is not None:
            return datetime.combine(self.seminar_completed_on, time(12), UTC)
        return None

    @property
    def completed_count(self) -> int:
        return sum(module.is_complete for module in self.modules)

    @property
    def is_started(self) -> bool:
        return any(module.is_started for module in self.modules)

    @property
    def status(self) -> str:
        if self.is_complete:
            return COMPLETE
        return IN_PROGRESS if self.is_started else NOT_STARTED

    @property
    def steps_done(self) -> int:
        return sum(module.steps_done for module in self.modules)

    @property
    def last_activity_at(self) -> datetime | None:
        return max((m.last_activity_at for m in self.modules if m.last_activity_at), default=None)

    @property
    def next_module_id(self) -> str | None:
        return next((module.module_id for module in self.modules if not module.is_complete), None)

    def module(self, module_id: str) -> ModuleState:
        return next(module for module in self.modules if module.module_id == module_id)


# --- reading it -------------------------------------------------------------------------------------

_MODULE_IDS = bindparam("module_ids", expanding=True)


@dataclass(frozen=True, slots=True)
class _Statements:
    progress: Select[Any]
    opened: Select[Any]
    quizzes: Select[Any]
    completions: CompoundSelect


@cache
def _statements(scope: str) -> _Statements:
    """The four statements of the read model, built once per scope, all in the round ``:round_id``.

    ``member``: one member, by ``:member_id``. ``council``: the round's active members, through a join with
    the member table (one bound value, where a list of member ids would bind one per member).
    """

    def scoped(statement: Select[Any], table: Any) -> Select[Any]:
        statement = statement.where(table.round_id == bindparam("round_id"))
        if scope == "member":
            return statement.where(table.member_id == bindparam("member_id"))
        return statement.join(Member, Member.id == table.member_id).where(Member.removed_at.is_(None))

    return _Statements(
        progress=scoped(
            select(
                ModuleProgress.member_id,
                ModuleProgress.module_id,
                ModuleProgress.video_route,
                ModuleProgress.video_completed_at,
                ModuleProgress.completed_at,
                ModuleProgress.last_activity_at,
                ModuleProgress.video_coverage,
            ).where(ModuleProgress.module_id.in_(_MODULE_IDS)),
            ModuleProgress,
        ),
        opened=scoped(
            select(VideoProgress.member_id, VideoProgress.module_id, VideoProgress.language).where(
                VideoProgress.module_id.in_(_MODULE_IDS)
            ),
            VideoProgress,
        ),
        quizzes=scoped(
            select(
                QuizAttempt.member_id,
                QuizAttempt.quiz_id,
                func.count(QuizAttempt.submitted_at),
                func.max(QuizAttempt.score),
                func.max(case((QuizAttempt.is_passed.is_(True), 1), else_=0)),
            )
            .where(QuizAttempt.module_id.in_(_MODULE_IDS))
            .group_by(QuizAttempt.member_id, QuizAttempt.quiz_id),
            QuizAttempt,
        ),
        # Online and seminar completions in one statement.
        completions=union_all(
            scoped(
                select(
                    CourseCompletion.member_id,
                    CourseCompletion.completed_at,
                    cast(null(), Date).label("seminar_on"),
                ),
                CourseCompletion,
            ),
            scoped(
                select(
                    SeminarCompletion.member_id,
                    cast(null(), UTCDateTime).label("completed_at"),
                    SeminarCompletion.completed_on,
                ),
                SeminarCompletion,
            ),
        ),
    )


def get_course_state(
    member: Member, course: Course, modules: Sequence[Module] | None = None, round_id: int | None = None
) -> CourseState:
    """Every module's state for one member (or those of ``modules``) in their council's current round (or
    in ``round_id``), read in four queries whatever the number of modules; three when only some modules
    are asked for."""
    modules = tuple(modules if modules is not None else course.modules)
    round_id = round_id if round_id is not None else member.council.current_round_id
    params = {"member_id": member.id, "round_id": round_id}
    return _read(course, modules, "member", params, [member.id])[member.id]


def get_module_state(member: Member, course: Course, module: Module) -> ModuleState:
    return get_course_state(member, course, [module]).modules[0]


def get_council_progress(round_id: int, course: Course) -> dict[int, CourseState]:
    """The course state of every active member of the round's council, by member id, in three queries
    whatever the size of the council. Members without any progress are not in the dict: see
    :func:`nothing_done`."""
    return _read(course, tuple(course.modules), "council", {"round_id": round_id}, None)


def nothing_done(course: Course) -> CourseState:
    """The state of a member who has done nothing in the round: what :func:`get_council_progress` leaves
    out. One value serves every such member of a council (the states are immutable)."""
    return _build(course, tuple(course.modules), {}, {}, {}, (None, None))


def _read(
    course: Course,
    modules: tuple[Module, ...],
    scope: str,
    params: dict[str, Any],
    member_ids: Iterable[int] | None,
) -> dict[int, CourseState]:
    statements = _statements(scope)
    params = {**params, "module_ids": [module.id for module in modules]}
    progress: dict[int, dict[str, Any]] = {}
    for row in db.session.execute(statements.progress, params):
        progress.setdefault(row.member_id, {})[row.module_id] = row
    # Which languages the member opened each video in: the learner's page needs it, the dashboard not.
    languages: dict[int, dict[str, set[str]]] = {}
    if scope == "member":
        for member_id, module_id, language in db.session.execute(statements.opened, params):
            languages.setdefault(member_id, {}).setdefault(module_id, set()).add(language)
    quizzes: dict[int, dict[str, tuple[int, float | None, bool]]] = {}
    for member_id, quiz_id, count, best, passes in db.session.execute(statements.quizzes, params):
        quizzes.setdefault(member_id, {})[quiz_id] = (count, best, bool(passes))
    completions: dict[int, tuple[datetime | None, date | None]] = {}
    if len(modules) == len(course.modules):
        for member_id, completed_at, seminar_on in db.session.execute(statements.completions, params):
            online, seminar = completions.get(member_id, (None, None))
            completions[member_id] = (online or completed_at, seminar or seminar_on)

    ids = set(member_ids) if member_ids is not None else {*progress, *quizzes, *completions}
    return {
        member_id: _build(
            course,
            modules,
            progress.get(member_id, {}),
            languages.get(member_id, {}),
            quizzes.get(member_id, {}),
            completions.get(member_id, (None, None)),
        )
        for member_id in ids
    }


_NO_QUIZ = (0, None, False)


def _build(
    course: Course,
    modules: tuple[Module, ...],
    progress: Mapping[str, Any],
    languages: Mapping[str, set[str]],
    quizzes: Mapping[str, tuple[int, float | None, bool]],
    completion: tuple[datetime | None, date | None],
) -> CourseState:
    states = []
    for module in modules:
        row = progress.get(module.id)
        quiz_states = {}
        for quiz in module.quizzes:
            attempts, best, is_passed = quizzes.get(quiz.id, _NO_QUIZ)
            quiz_states[quiz.id] = QuizState(quiz, is_passed, attempts, best)
        states.append(
            ModuleState(
                module=module,
                coverage=min(row.video_coverage, 1.0) if row else 0.0,
                video_route=row.video_route if row else None,
                video_completed_at=row.video_completed_at if row else None,
                completed_at=row.completed_at if row else None,
                is_started=row is not None,
                last_activity_at=row.last_activity_at if row else None,
                quizzes=quiz_states,
                video_languages=frozenset(languages.get(module.id, ())),
            )
        )
    return CourseState(tuple(states), *completion)


# --- figures over many members ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CouncilFigures:
    members: int
    complete: int
    started: int


def count_progress_by_council() -> dict[int, CouncilFigures]:
    """Per council, in its current round: its active members who take the course, how many of them
    completed it (online or at a seminar) and how many started it. One query, whatever the number of
    councils.

    The members and those who started are counted in one pass over the councils' rosters: a member has
    started with any progress in the round, or with a completion without any (at a seminar, or carried
    over from the previous round). The completions are counted from the other side, each round's
    completions of members who count (one look-up per completion, where fewer members complete than are
    on the rosters); a seminar completion counts only for a member without an online one, so nobody
    counts twice."""
    in_round = Council.current_round_id
    has_started = or_(
        exists().where(ModuleProgress.member_id == Member.id, ModuleProgress.round_id == in_round),
        exists().where(CourseCompletion.member_id == Member.id, CourseCompletion.round_id == in_round),
        exists().where(SeminarCompletion.member_id == Member.id, SeminarCompletion.round_id == in_round),
    )
    counted = aliased(Member)
    who_count = (counted.removed_at.is_(None), counted.takes_course.is_(True))
    online = (
        select(func.count())
        .select_from(CourseCompletion)
        .join(counted, counted.id == CourseCompletion.member_id)
        .where(CourseCompletion.round_id == in_round, *who_count)
        .scalar_subquery()
    )
    online_too = exists().where(
        CourseCompletion.round_id == SeminarCompletion.round_id,
        CourseCompletion.member_id == SeminarCompletion.member_id,
    )
    at_seminar_only = (
        select(func.count())
        .select_from(SeminarCompletion)
        .join(counted, counted.id == SeminarCompletion.member_id)
        .where(SeminarCompletion.round_id == in_round, ~online_too, *who_count)
        .scalar_subquery()
    )
    figures = {}
    for council_id, members, started, completed in db.session.execute(
        select(Council.id, func.count(), func.sum(case((has_started, 1), else_=0)), online + at_seminar_only)
        .join(Member, Member.council_id == Council.id)
        .where(Member.removed_at.is_(None), Member.takes_course.is_(True))
        .group_by(Council.id)
    ):
        figures[council_id] = CouncilFigures(members, int(completed or 0), int(started or 0))
    return figures


@dataclass(frozen=True, slots=True)
class QuestionResult:
    module_id: str
    quiz_id: str
    question_id: str
    respondents: int
    correct: int


def count_first_answers(round_id: int, minimum: int) -> list[QuestionResult]:
    """Per question, how many of the round's active members who take the course answered it in their first
    attempt at its quiz in the round, and how many of them correctly. Anonymous totals only, and only for
    questions at least ``minimum`` members answered. One query."""
    respondents = func.count(func.distinct(QuizAttempt.member_id))
    rows = db.session.execute(
        select(
            QuizAttempt.module_id,
            QuizAttempt.quiz_id,
            AttemptQuestion.question_id,
            respondents,
            func.sum(case((AttemptQuestion.is_correct.is_(True), 1), else_=0)),
        )
        .join(QuizAttempt, QuizAttempt.id == AttemptQuestion.attempt_id)
        .join(Member, Member.id == QuizAttempt.member_id)
        .where(
            QuizAttempt.round_id == round_id,
            Member.removed_at.is_(None),
            Member.takes_course.is_(True),
            QuizAttempt.number == 1,
            QuizAttempt.submitted_at.is_not(None),
            AttemptQuestion.is_correct.is_not(None),
        )
        .group_by(QuizAttempt.module_id, QuizAttempt.quiz_id, AttemptQuestion.question_id)
        .having(respondents >= minimum)
    ).all()
    return [
        QuestionResult(m, q, question, answered, int(correct or 0))
        for m, q, question, answered, correct in rows
    ]
