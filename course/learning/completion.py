"""Completion: a module is complete when its video step and both its quizzes are done, the course when
every module is. Stored when it happens, so that pages read it instead of recomputing it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select, update

from course.content import Course, Module
from course.db import insert_ignoring_conflict
from course.extensions import db
from course.learning.models import CourseCompletion, ModuleProgress, QuizAttempt
from course.learning.signals import course_completed
from course.people.models import Member


def _passed_quiz_ids(member: Member, round_id: int, quiz_ids: Iterable[str]) -> set[str]:
    return set(
        db.session.execute(
            select(QuizAttempt.quiz_id)
            .where(
                QuizAttempt.round_id == round_id,
                QuizAttempt.member_id == member.id,
                QuizAttempt.quiz_id.in_(list(quiz_ids)),
                QuizAttempt.is_passed.is_(True),
            )
            .distinct()
        ).scalars()
    )


def update_completion(member: Member, course: Course, module: Module, now: datetime) -> None:
    """Store the module's completion in the member's current round when its video step and both quizzes are
    done, and the course's when every module is."""
    round_id = member.council.current_round_id
    assert round_id is not None
    if _passed_quiz_ids(member, round_id, module.quiz_ids) != set(module.quiz_ids):
        return
    result = db.session.execute(
        update(ModuleProgress)
        .where(
            ModuleProgress.round_id == round_id,
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
            ModuleProgress.round_id == round_id,
            ModuleProgress.member_id == member.id,
            ModuleProgress.module_id.in_(course.module_ids),
            ModuleProgress.completed_at.is_not(None),
        )
    ).scalar_one()
    if completed_modules < len(course.modules):
        return
    inserted = insert_ignoring_conflict(
        CourseCompletion,
        {
            "round_id": round_id,
            "member_id": member.id,
            "completed_at": now,
            "content_version": course.version,
        },
        ["round_id", "member_id"],
    )
    if inserted:
        completion = db.session.execute(
            select(CourseCompletion).where(
                CourseCompletion.round_id == round_id, CourseCompletion.member_id == member.id
            )
        ).scalar_one()
        course_completed.send(member, member=member, completion=completion)
