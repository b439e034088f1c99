"""The rules of the course: watched video, quiz draws and grading, module and course completion.

Services take explicit arguments (a member, content objects, answers, the time) and flush; the view
commits once. A rejected request raises before anything is written, or the view rolls back.
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, case, func, select, update

from course.content import Course, Module, Question, QuestionType, Quiz
from course.councils.models import Member
from course.db import insert_ignoring_conflict, utcnow
from course.extensions import db
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    VideoProgress,
)
from course.learning.signals import course_completed

Interval = tuple[float, float]

#: Reports closer together than this are one stretch of watching (timeupdate fires every ~250 ms).
MERGE_GAP_SECONDS = 0.5
#: A report may end this far past the video's duration (players report the end imprecisely).
END_TOLERANCE_SECONDS = 1.0
MAX_SEGMENTS_PER_REPORT = 200


@dataclass(frozen=True, slots=True)
class LearningRules:
    """The settings that decide when a video counts as watched."""

    video_threshold: float = 0.9
    max_playback_rate: float = 2.0
    transcript_counts: bool = True
    #: Wall-clock seconds added to the time since the last report, for network and queueing delay: a report
    #: the server handled late makes the next one look early by as much.
    slack_seconds: float = 5.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LearningRules:
        return cls(
            video_threshold=config["COURSE_VIDEO_THRESHOLD"],
            max_playback_rate=config["COURSE_MAX_PLAYBACK_RATE"],
            transcript_counts=config["COURSE_TRANSCRIPT_COUNTS"],
        )


class ProgressRejectedError(Exception):
    """A progress report was malformed or implausible; nothing was recorded."""


class QuizLockedError(Exception):
    """The quiz opens once the module's video step is done."""


class AttemptNotFoundError(Exception):
    """No such attempt for this member, module and quiz."""


class InvalidAnswersError(Exception):
    """The submitted answers name options that were not offered (a tampered form)."""


class IncompleteAnswersError(Exception):
    """Some drawn questions were not answered."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(", ".join(missing))
        self.missing = missing


# --- watched video ------------------------------------------------------------------------------


def merge_intervals(intervals: Iterable[Sequence[float]]) -> list[Interval]:
    """Sort and merge overlapping or touching intervals; empty ones are dropped."""
    merged: list[Interval] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1] + MERGE_GAP_SECONDS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def covered_seconds(intervals: Iterable[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def parse_segments(raw: Any, duration: float) -> list[Interval]:
    """Check a report's segments: a list of ``[start, end]`` seconds inside the video."""
    if not isinstance(raw, list) or not raw:
        raise ProgressRejectedError("segments must be a non-empty list of [start, end] pairs")
    if len(raw) > MAX_SEGMENTS_PER_REPORT:
        raise ProgressRejectedError(f"at most {MAX_SEGMENTS_PER_REPORT} segments per report")
    segments = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ProgressRejectedError("each segment must be a [start, end] pair")
        start, end = item
        if any(isinstance(value, bool) or not isinstance(value, int | float) for value in (start, end)):
            raise ProgressRejectedError("segment bounds must be numbers")
        if not (math.isfinite(start) and math.isfinite(end)):
            raise ProgressRejectedError("segment bounds must be finite")
        if start < 0 or end < start or end > duration + END_TOLERANCE_SECONDS:
            raise ProgressRejectedError("segment lies outside the video")
        segments.append((float(start), min(float(end), duration)))
    return segments


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    seconds_watched: float
    duration: float
    is_video_done: bool
    video_completed_now: bool

    @property
    def coverage(self) -> float:
        return min(self.seconds_watched / self.duration, 1.0) if self.duration else 0.0


def _ensure_module_progress(member: Member, module_id: str, now: datetime) -> None:
    insert_ignoring_conflict(
        ModuleProgress,
        {"member_id": member.id, "module_id": module_id, "started_at": now, "last_activity_at": now},
        ["member_id", "module_id"],
    )


def open_module(
    member: Member,
    module: Module,
    language: str,
    now: datetime | None = None,
    *,
    opened: Collection[str] | None = None,
) -> bool:
    """Note that the member opened the module's video in ``language``; True when that is new.

    The first progress report is judged against this moment: nobody can have watched more than the
    time since the video was opened, times the fastest playback rate. ``opened``, the languages already
    opened as a :class:`ModuleState` tells, spares the query that finds out.
    """
    video = module.video(language)
    if video is None:
        return False
    if opened is None:
        opened = (
            db.session.execute(
                select(VideoProgress.language).where(
                    VideoProgress.member_id == member.id, VideoProgress.module_id == module.id
                )
            )
            .scalars()
            .all()
        )
    if language in opened:
        return False
    now = now or utcnow()
    _ensure_module_progress(member, module.id, now)
    return _insert_video_progress(member, module, language, video.duration, now)


def _insert_video_progress(
    member: Member, module: Module, language: str, duration: float, now: datetime
) -> bool:
    """The member's empty progress row for the video, unless it exists; True when inserted."""
    return insert_ignoring_conflict(
        VideoProgress,
        {
            "member_id": member.id,
            "module_id": module.id,
            "language": language,
            "intervals": [],
            "seconds_watched": 0.0,
            "duration": duration,
            "created_at": now,
        },
        ["member_id", "module_id", "language"],
    )


def record_segments(
    member: Member,
    course: Course,
    module: Module,
    language: str,
    raw_segments: Any,
    rules: LearningRules,
    now: datetime | None = None,
) -> ProgressUpdate:
    """Merge played segments into the member's watched intervals and complete the video step at the
    threshold.

    Raises :class:`ProgressRejectedError` for segments outside the video, or for more newly watched seconds
    than the wall time since the last report (or since the video was opened) allows at the fastest
    playback rate. Seeking does not count: only played segments are reported.
    """
    video = module.video(language)
    if video is None:
        raise ProgressRejectedError("the module has no video in that language")
    segments = parse_segments(raw_segments, video.duration)
    now = now or utcnow()

    # Touching the module's progress row first takes SQLite's write lock and PostgreSQL's row lock, so
    # concurrent reports for the same module are applied one after the other; it also tells whether the
    # video step is done. The rows exist once the module page has been opened; a report without that
    # (an old tab, a cleared database) creates them.
    video_done_at = _touch(member, module.id, now)
    if video_done_at is None:
        _ensure_module_progress(member, module.id, now)
        video_done_at = _touch(member, module.id, now)
    progress = _video_progress_for_update(member, module, language)
    if progress is None:
        _insert_video_progress(member, module, language, video.duration, now)
        progress = _video_progress_for_update(member, module, language)
    assert progress is not None

    merged = merge_intervals([*progress.intervals, *segments])
    watched = covered_seconds(merged)
    new_seconds = watched - progress.seconds_watched
    reference = progress.last_report_at or progress.created_at
    elapsed = max((now - reference).total_seconds(), 0.0)
    allowance = (elapsed + rules.slack_seconds) * rules.max_playback_rate
    if new_seconds > allowance:
        raise ProgressRejectedError(
            f"{new_seconds:.1f} new seconds reported, but at most {allowance:.1f} are possible"
        )

    values: dict[str, Any] = {"duration": video.duration, "last_report_at": now}
    if new_seconds > 0:
        values |= {"intervals": [[start, end] for start, end in merged], "seconds_watched": watched}
    db.session.execute(update(_video_table).where(_video_table.c.id == progress.id).values(values))

    is_done = video_done_at[0] is not None
    completed_now = False
    if not is_done and watched / video.duration >= rules.video_threshold:
        completed_now = _complete_video_step(member, course, module, "video", now)
        is_done = True
    return ProgressUpdate(watched, video.duration, is_done, completed_now)


def confirm_transcript(
    member: Member, course: Course, module: Module, rules: LearningRules, now: datetime | None = None
) -> bool:
    """Complete the video step by reading the transcript; False when that route is switched off."""
    if not rules.transcript_counts:
        return False
    now = now or utcnow()
    _ensure_module_progress(member, module.id, now)
    _touch(member, module.id, now)
    _complete_video_step(member, course, module, "transcript", now)
    db.session.flush()
    return True


_progress_table = ModuleProgress.__table__
#: Through the table rather than the mapped class: a progress report runs this every few seconds, and the
#: ORM's bulk-update machinery cost more than the statement itself.
_TOUCH = (
    update(_progress_table)
    .where(
        _progress_table.c.member_id == bindparam("touch_member"),
        _progress_table.c.module_id == bindparam("touch_module"),
    )
    .values(last_activity_at=bindparam("touch_now"))
    .returning(_progress_table.c.video_completed_at)
)


def _touch(member: Member, module_id: str, now: datetime) -> Row[tuple[datetime | None]] | None:
    """Note the member's activity in the module; the row's ``video_completed_at``, or None without a row."""
    return db.session.execute(
        _TOUCH, {"touch_member": member.id, "touch_module": module_id, "touch_now": now}
    ).first()


_video_table = VideoProgress.__table__
_VIDEO_FOR_UPDATE = (
    select(
        _video_table.c.id,
        _video_table.c.intervals,
        _video_table.c.seconds_watched,
        _video_table.c.created_at,
        _video_table.c.last_report_at,
    )
    .where(
        _video_table.c.member_id == bindparam("member_id"),
        _video_table.c.module_id == bindparam("module_id"),
        _video_table.c.language == bindparam("language"),
    )
    .with_for_update()
)


def _video_progress_for_update(member: Member, module: Module, language: str) -> Row[Any] | None:
    """The member's watched intervals of the video, locked until the transaction ends."""
    return db.session.execute(
        _VIDEO_FOR_UPDATE, {"member_id": member.id, "module_id": module.id, "language": language}
    ).first()


def _is_video_done(member: Member, module_id: str) -> bool:
    return (
        db.session.execute(
            select(ModuleProgress.video_completed_at).where(
                ModuleProgress.member_id == member.id, ModuleProgress.module_id == module_id
            )
        ).scalar()
        is not None
    )


def _complete_video_step(member: Member, course: Course, module: Module, route: str, now: datetime) -> bool:
    # The WHERE clause makes this happen once, however many requests race to do it.
    result = db.session.execute(
        update(ModuleProgress)
        .where(
            ModuleProgress.member_id == member.id,
            ModuleProgress.module_id == module.id,
            ModuleProgress.video_completed_at.is_(None),
        )
        .values(video_completed_at=now, video_route=route)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    _update_completion(member, course, module, now)
    return True


# --- completion ---------------------------------------------------------------------------------


def _passed_quiz_ids(member: Member, quiz_ids: Iterable[str]) -> set[str]:
    return set(
        db.session.execute(
            select(QuizAttempt.quiz_id)
            .where(
                QuizAttempt.member_id == member.id,
                QuizAttempt.quiz_id.in_(list(quiz_ids)),
                QuizAttempt.is_passed.is_(True),
            )
            .distinct()
        ).scalars()
    )


def _update_completion(member: Member, course: Course, module: Module, now: datetime) -> None:
    """Store the module's completion when its video step and both quizzes are done, and the course's
    when every module is."""
    if _passed_quiz_ids(member, module.quiz_ids) != set(module.quiz_ids):
        return
    result = db.session.execute(
        update(ModuleProgress)
        .where(
            ModuleProgress.member_id == member.id,
            ModuleProgress.module_id == module.id,
            ModuleProgress.video_completed_at.is_not(None),
            ModuleProgress.completed_at.is_(None),
        )
        .values(completed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return
    completed_modules = db.session.execute(
        select(func.count())
        .select_from(ModuleProgress)
        .where(
            ModuleProgress.member_id == member.id,
            ModuleProgress.module_id.in_(course.module_ids),
            ModuleProgress.completed_at.is_not(None),
        )
    ).scalar_one()
    if completed_modules < len(course.modules):
        return
    inserted = insert_ignoring_conflict(
        CourseCompletion,
        {"member_id": member.id, "completed_at": now, "content_version": course.version},
        ["member_id"],
    )
    if inserted:
        completion = db.session.execute(
            select(CourseCompletion).where(CourseCompletion.member_id == member.id)
        ).scalar_one()
        course_completed.send(member, member=member, completion=completion)


# --- quizzes ------------------------------------------------------------------------------------


def _rng() -> random.Random:
    return random.Random(secrets.randbits(64))


def _last_drawn(member: Member, quiz_id: str) -> dict[str, int]:
    """For each question the member has been given in ``quiz_id``: the number of the latest attempt."""
    rows = db.session.execute(
        select(AttemptQuestion.question_id, func.max(QuizAttempt.number))
        .join(QuizAttempt, AttemptQuestion.attempt_id == QuizAttempt.id)
        .where(QuizAttempt.member_id == member.id, QuizAttempt.quiz_id == quiz_id)
        .group_by(AttemptQuestion.question_id)
    ).all()
    return {question_id: number for question_id, number in rows}


def _draw(
    quiz: Quiz, country: str, rng: random.Random, last_drawn: Mapping[str, int] | None = None
) -> list[tuple[Question, list[str]]]:
    """Questions for a new attempt, each with its options in the order they are shown.

    A retake draws different questions where the pool allows: questions never given to the member come
    first, then those given longest ago (``last_drawn`` maps a question id to the latest attempt number it
    was in). So with a pool at least twice the draw, two attempts in a row share no question, and over
    several attempts the member meets the whole pool. Within a group of equal recency the draw is random.
    """
    last_drawn = last_drawn or {}
    pool = list(quiz.pool(country))
    rng.shuffle(pool)
    # A stable sort keeps the shuffled order within each group of equal recency.
    pool.sort(key=lambda question: last_drawn.get(question.id, 0))
    drawn = pool[: quiz.draw]
    rng.shuffle(drawn)  # repeats from an earlier attempt need not come last
    result = []
    for question in drawn:
        option_ids = [option.id for option in question.options]
        # True/false keeps its natural order; other options are shuffled for each attempt.
        if question.type != QuestionType.TRUE_FALSE:
            rng.shuffle(option_ids)
        result.append((question, option_ids))
    return result


def _attempt_matches_content(attempt: QuizAttempt, quiz: Quiz) -> bool:
    for drawn in attempt.questions:
        question = quiz.question(drawn.question_id)
        if question is None or set(drawn.option_order) != {option.id for option in question.options}:
            return False
    return bool(attempt.questions)


def get_or_start_attempt(
    member: Member,
    course: Course,
    module: Module,
    quiz: Quiz,
    rng: random.Random | None = None,
    now: datetime | None = None,
) -> QuizAttempt:
    """The member's open attempt at ``quiz``, or a new draw of questions with shuffled options.

    Raises :class:`QuizLockedError` until the module's video step is done.
    """
    if not _is_video_done(member, module.id):
        raise QuizLockedError(quiz.id)
    open_attempt = db.session.execute(
        select(QuizAttempt)
        .where(
            QuizAttempt.member_id == member.id,
            QuizAttempt.quiz_id == quiz.id,
            QuizAttempt.submitted_at.is_(None),
        )
        .order_by(QuizAttempt.id.desc())
        .limit(1)
    ).scalar()
    if open_attempt is not None and _attempt_matches_content(open_attempt, quiz):
        return open_attempt

    previous = db.session.execute(
        select(func.count())
        .select_from(QuizAttempt)
        .where(QuizAttempt.member_id == member.id, QuizAttempt.quiz_id == quiz.id)
    ).scalar_one()
    attempt = QuizAttempt(
        member_id=member.id,
        module_id=module.id,
        quiz_id=quiz.id,
        number=previous + 1,
        content_version=course.version,
        started_at=now or utcnow(),
    )
    draw = _draw(quiz, member.council.country, rng or _rng(), _last_drawn(member, quiz.id))
    for position, (question, option_ids) in enumerate(draw):
        attempt.questions.append(
            AttemptQuestion(position=position, question_id=question.id, option_order=option_ids)
        )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def get_attempt(member: Member, attempt_id: int, module_id: str, quiz_id: str) -> QuizAttempt:
    """One of the member's own attempts; another member's attempt is 'not found'."""
    attempt = db.session.execute(
        select(QuizAttempt).where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.member_id == member.id,
            QuizAttempt.module_id == module_id,
            QuizAttempt.quiz_id == quiz_id,
        )
    ).scalar()
    if attempt is None:
        raise AttemptNotFoundError(attempt_id)
    return attempt


@dataclass(frozen=True, slots=True)
class SubmitResult:
    attempt: QuizAttempt
    was_already_submitted: bool


def grade_answer(question: Question, chosen: Iterable[str]) -> bool:
    """Correct when the chosen options are exactly the question's correct options."""
    return frozenset(chosen) == question.correct_ids


def submit_attempt(
    member: Member,
    course: Course,
    module: Module,
    quiz: Quiz,
    attempt_id: int,
    answers: Mapping[str, Sequence[str]],
    now: datetime | None = None,
) -> SubmitResult:
    """Grade an attempt once. Submitting the same attempt again returns the first result.

    Raises :class:`IncompleteAnswersError` when a drawn question has no answer (nothing is recorded, so the
    learner can finish the form), and :class:`InvalidAnswersError` for options that were not offered.
    """
    attempt = get_attempt(member, attempt_id, module.id, quiz.id)
    if attempt.submitted_at is not None:
        return SubmitResult(attempt, was_already_submitted=True)

    graded: list[tuple[AttemptQuestion, list[str], bool]] = []
    missing = []
    for drawn in attempt.questions:
        question = quiz.question(drawn.question_id)
        if question is None:
            raise InvalidAnswersError(f"question {drawn.question_id!r} is no longer in the quiz")
        chosen = list(dict.fromkeys(answers.get(drawn.question_id, ())))
        if not chosen:
            missing.append(drawn.question_id)
            continue
        if any(option_id not in drawn.option_order for option_id in chosen):
            raise InvalidAnswersError(
                f"an answer to {drawn.question_id!r} names an option that was not offered"
            )
        if question.type != QuestionType.MULTIPLE and len(chosen) != 1:
            raise InvalidAnswersError(f"{drawn.question_id!r} takes exactly one answer")
        graded.append((drawn, chosen, grade_answer(question, chosen)))
    if missing:
        raise IncompleteAnswersError(missing)

    now = now or utcnow()
    correct = sum(is_correct for _, _, is_correct in graded)
    score = correct / len(graded)
    is_passed = score >= quiz.pass_mark - 1e-9
    # Only the first of several identical submissions gets past ``submitted_at IS NULL``.
    result = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.submitted_at.is_(None))
        .values(submitted_at=now, correct_count=correct, score=score, is_passed=is_passed)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(attempt)
        return SubmitResult(attempt, was_already_submitted=True)
    for drawn, chosen, is_correct in graded:
        drawn.chosen = chosen
        drawn.is_correct = is_correct
    db.session.refresh(attempt, ["submitted_at", "correct_count", "score", "is_passed"])

    _ensure_module_progress(member, module.id, now)
    _touch(member, module.id, now)
    if is_passed:
        _update_completion(member, course, module, now)
    db.session.flush()
    return SubmitResult(attempt, was_already_submitted=False)


# --- what the learner sees ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuizState:
    quiz_id: str
    is_passed: bool
    attempts: int
    best_score: float | None


@dataclass(frozen=True, slots=True)
class ModuleState:
    module_id: str
    coverage: float
    video_route: str | None
    video_completed_at: datetime | None
    completed_at: datetime | None
    is_started: bool
    quizzes: Mapping[str, QuizState] = field(default_factory=dict)
    #: The languages in which the member has opened the module's video.
    video_languages: frozenset[str] = frozenset()

    @property
    def is_video_done(self) -> bool:
        return self.video_completed_at is not None

    @property
    def is_complete(self) -> bool:
        return self.completed_at is not None

    @property
    def status(self) -> str:
        if self.is_complete:
            return "complete"
        return "in_progress" if self.is_started else "not_started"


@dataclass(frozen=True, slots=True)
class CourseState:
    modules: tuple[ModuleState, ...]
    completed_at: datetime | None

    @property
    def completed_count(self) -> int:
        return sum(module.is_complete for module in self.modules)

    @property
    def is_started(self) -> bool:
        return any(module.is_started for module in self.modules)

    @property
    def next_module_id(self) -> str | None:
        return next((module.module_id for module in self.modules if not module.is_complete), None)

    def module(self, module_id: str) -> ModuleState:
        return next(module for module in self.modules if module.module_id == module_id)


# The statements of get_course_state, built once: every page of a learner reads them.
_MEMBER_ID = bindparam("member_id")
_MODULE_IDS = bindparam("module_ids", expanding=True)
_STATE_PROGRESS = select(ModuleProgress).where(
    ModuleProgress.member_id == _MEMBER_ID, ModuleProgress.module_id.in_(_MODULE_IDS)
)
_STATE_WATCHED = select(
    VideoProgress.module_id, VideoProgress.language, VideoProgress.seconds_watched, VideoProgress.duration
).where(VideoProgress.member_id == _MEMBER_ID, VideoProgress.module_id.in_(_MODULE_IDS))
_STATE_QUIZZES = (
    select(
        QuizAttempt.quiz_id,
        func.count(QuizAttempt.submitted_at),
        func.max(QuizAttempt.score),
        func.sum(case((QuizAttempt.is_passed.is_(True), 1), else_=0)),
    )
    .where(QuizAttempt.member_id == _MEMBER_ID, QuizAttempt.module_id.in_(_MODULE_IDS))
    .group_by(QuizAttempt.quiz_id)
)
_STATE_COMPLETED = select(CourseCompletion.completed_at).where(CourseCompletion.member_id == _MEMBER_ID)


def get_course_state(member: Member, course: Course, modules: Sequence[Module] | None = None) -> CourseState:
    """Every module's state for one member, read in four queries whatever the number of modules."""
    modules = list(modules if modules is not None else course.modules)
    params = {"member_id": member.id, "module_ids": [module.id for module in modules]}
    progress = {row.module_id: row for row in db.session.execute(_STATE_PROGRESS, params).scalars()}
    watched: dict[str, float] = {}
    languages: dict[str, set[str]] = {}
    for module_id, language, seconds, duration in db.session.execute(_STATE_WATCHED, params):
        languages.setdefault(module_id, set()).add(language)
        if duration:
            watched[module_id] = max(watched.get(module_id, 0.0), min(seconds / duration, 1.0))
    quiz_rows = db.session.execute(_STATE_QUIZZES, params).all()
    quiz_stats = {quiz_id: (count, best) for quiz_id, count, best, _ in quiz_rows}
    passed = {quiz_id for quiz_id, _, _, passes in quiz_rows if passes}

    states = []
    for module in modules:
        row = progress.get(module.id)
        quizzes = {
            quiz.id: QuizState(
                quiz.id,
                quiz.id in passed,
                quiz_stats.get(quiz.id, (0, None))[0],
                quiz_stats.get(quiz.id, (0, None))[1],
            )
            for quiz in module.quizzes
        }
        states.append(
            ModuleState(
                module_id=module.id,
                coverage=watched.get(module.id, 0.0),
                video_route=row.video_route if row else None,
                video_completed_at=row.video_completed_at if row else None,
                completed_at=row.completed_at if row else None,
                is_started=row is not None or module.id in watched,
                quizzes=quizzes,
                video_languages=frozenset(languages.get(module.id, ())),
            )
        )
    completed_at = None
    if len(modules) == len(course.modules):
        completed_at = db.session.execute(_STATE_COMPLETED, {"member_id": member.id}).scalar()
    return CourseState(tuple(states), completed_at)


def get_module_state(member: Member, course: Course, module: Module) -> ModuleState:
    return get_course_state(member, course, [module]).modules[0]
