"""Quizzes: a draw of questions with shuffled options, attempts, and grading.

Services take explicit arguments (a member, content objects, answers, the time) and flush; the view commits
once. A rejected submission raises before anything is written.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from course.content import Course, Module, Question, QuestionType, Quiz
from course.db import utcnow
from course.extensions import db
from course.learning.completion import update_completion
from course.learning.models import AttemptQuestion, QuizAttempt
from course.learning.watching import ensure_module_progress, is_video_done, round_id_of, touch
from course.people.models import Member


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
    if not is_video_done(member, module.id):
        raise QuizLockedError(quiz.id)
    round_id = round_id_of(member)
    open_attempt = db.session.execute(
        select(QuizAttempt)
        .where(
            QuizAttempt.round_id == round_id,
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
        .where(
            QuizAttempt.round_id == round_id,
            QuizAttempt.member_id == member.id,
            QuizAttempt.quiz_id == quiz.id,
        )
    ).scalar_one()
    attempt = QuizAttempt(
        round_id=round_id,
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
    if attempt.round_id != round_id_of(member):
        raise AttemptNotFoundError(attempt_id)  # an attempt of an earlier round can be read, not submitted
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

    ensure_module_progress(member, module.id, now)
    touch(member, module.id, now)
    if is_passed:
        update_completion(member, course, module, now)
    db.session.flush()
    return SubmitResult(attempt, was_already_submitted=False)
