"""Helpers for the administration tests: progress written straight into the database, links from e-mails."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from course.content import Course
from course.db import utcnow
from course.extensions import db
from course.learning.models import AttemptQuestion, CourseCompletion, ModuleProgress, QuizAttempt
from tests.helpers import round_of

LINK = re.compile(r"http://localhost(/[^\s\"<>]+)")


def record_module(
    app,
    course: Course,
    member_id: int,
    module_index: int,
    *,
    video: str | None = "transcript",
    passed: tuple[int, ...] = (),
    failed: tuple[int, ...] = (),
    when: datetime | None = None,
) -> None:
    """A member's state in one module: the video step (by ``video`` route, or None), quizzes passed or
    failed by index, and the module's completion when the video and both quizzes are done."""
    when = when or utcnow()
    module = course.modules[module_index]
    with app.app_context():
        complete = video is not None and set(passed) == set(range(len(module.quizzes)))
        db.session.add(
            ModuleProgress(
                round_id=round_of(member_id),
                member_id=member_id,
                module_id=module.id,
                started_at=when - timedelta(hours=1),
                last_activity_at=when,
                video_completed_at=when if video else None,
                video_route=video,
                completed_at=when if complete else None,
            )
        )
        for index in failed:
            _attempt(member_id, module, module.quizzes[index], passed=False, when=when)
        for index in passed:
            _attempt(member_id, module, module.quizzes[index], passed=True, when=when)
        db.session.commit()


def _attempt(member_id, module, quiz, *, passed: bool, when: datetime) -> None:
    number = db.session.query(QuizAttempt).filter_by(member_id=member_id, quiz_id=quiz.id).count() + 1
    db.session.add(
        QuizAttempt(
            round_id=round_of(member_id),
            member_id=member_id,
            module_id=module.id,
            quiz_id=quiz.id,
            number=number,
            content_version="test",
            started_at=when,
            submitted_at=when,
            correct_count=quiz.draw if passed else 0,
            score=1.0 if passed else 0.0,
            is_passed=passed,
        )
    )
    db.session.flush()


def complete_course(app, course: Course, member_id: int, when: datetime | None = None) -> None:
    when = when or utcnow()
    for index in range(len(course.modules)):
        record_module(app, course, member_id, index, passed=(0, 1), when=when)
    with app.app_context():
        db.session.add(
            CourseCompletion(
                round_id=round_of(member_id), member_id=member_id, completed_at=when, content_version="test"
            )
        )
        db.session.commit()


def first_attempt_answers(app, member_id: int, module, quiz, answers: dict[str, bool]) -> None:
    """A submitted first attempt at ``quiz`` with the given questions answered right or wrong."""
    with app.app_context():
        attempt = QuizAttempt(
            round_id=round_of(member_id),
            member_id=member_id,
            module_id=module.id,
            quiz_id=quiz.id,
            number=1,
            content_version="test",
            submitted_at=utcnow(),
            correct_count=sum(answers.values()),
            score=sum(answers.values()) / len(answers),
            is_passed=False,
        )
        for position, (question_id, is_correct) in enumerate(answers.items()):
            question = quiz.question(question_id)
            chosen = (
                sorted(question.correct_ids)
                if is_correct
                else [next(option.id for option in question.options if not option.is_correct)]
            )
            attempt.questions.append(
                AttemptQuestion(
                    position=position,
                    question_id=question_id,
                    option_order=[option.id for option in question.options],
                    chosen=chosen,
                    is_correct=is_correct,
                )
            )
        db.session.add(attempt)
        db.session.commit()


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def links_in(message) -> list[str]:
    """The site paths linked from a message's plain-text part."""
    return LINK.findall(text_of(message))


def link_in(message, prefix: str) -> str:
    found = [path for path in links_in(message) if path.startswith(prefix)]
    assert found, f"no link starting with {prefix} in:\n{text_of(message)}"
    return found[0]
