"""Completion rules: a module needs its video step and both quizzes; the course needs every module.
Both are stored once, when they happen."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from course.extensions import db
from course.learning.models import CourseCompletion, ModuleProgress
from course.learning.signals import course_completed
from tests.helpers import complete_module, open_quizzes_by_transcript, pass_quiz, round_of


@pytest.fixture
def learner(make):
    return make.member(make.council("doneby"))


def module_row(app, module_id):
    with app.app_context():
        return db.session.execute(
            select(ModuleProgress).where(ModuleProgress.module_id == module_id)
        ).scalar()


def test_one_quiz_passed_does_not_complete_the_module(client, auth, app, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    pass_quiz(client, app, course, module.id, module.quizzes[0].id)
    assert module_row(app, module.id).completed_at is None


def test_both_quizzes_and_the_video_step_complete_the_module(client, auth, app, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    complete_module(client, app, course, module.id)
    row = module_row(app, module.id)
    assert row.completed_at is not None
    assert row.video_route == "transcript"
    overview = client.get("/").get_data(as_text=True)
    assert "1 af 3 moduler gennemført" in overview or "1 of 3 modules completed" in overview


def test_passing_again_keeps_the_first_completion_time(client, auth, app, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    complete_module(client, app, course, module.id)
    first = module_row(app, module.id).completed_at
    pass_quiz(client, app, course, module.id, module.quizzes[1].id)
    assert module_row(app, module.id).completed_at == first


def test_the_course_is_completed_once_when_every_module_is(client, auth, app, course, learner):
    received = []

    def on_completion(sender, member, completion):
        received.append((member.id, completion.content_version))

    course_completed.connect(on_completion)
    try:
        auth.login(learner.email)
        for module in course.modules[:-1]:
            complete_module(client, app, course, module.id)
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(CourseCompletion)) == 0
        complete_module(client, app, course, course.modules[-1].id)
        pass_quiz(client, app, course, course.modules[-1].id, course.modules[-1].quizzes[0].id)
    finally:
        course_completed.disconnect(on_completion)
    with app.app_context():
        completions = db.session.execute(select(CourseCompletion)).scalars().all()
        assert len(completions) == 1
        assert completions[0].content_version == course.version
    assert received == [(learner.id, course.version)]
    page = client.get("/").get_data(as_text=True)
    assert "Godt klaret" in page or "Well done" in page


def test_module_completion_is_unique_per_member_in_the_database(app, learner, course):
    from sqlalchemy.exc import IntegrityError

    from course.db import utcnow

    with app.app_context():
        db.session.add(
            ModuleProgress(
                round_id=round_of(learner.id),
                member_id=learner.id,
                module_id=course.modules[0].id,
                started_at=utcnow(),
                last_activity_at=utcnow(),
            )
        )
        db.session.commit()
        db.session.add(
            ModuleProgress(
                round_id=round_of(learner.id),
                member_id=learner.id,
                module_id=course.modules[0].id,
                started_at=utcnow(),
                last_activity_at=utcnow(),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
