"""Helpers for driving the learner's way through in tests."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from course.content import Course, Quiz
from course.extensions import db
from course.learning.models import QuizAttempt


def attempt_id_from(html: str) -> int:
    match = re.search(r'name="attempt" value="(\d+)"', html)
    assert match, "the quiz page has no attempt field"
    return int(match.group(1))


def drawn_questions(app, attempt_id: int) -> list[tuple[str, list[str]]]:
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        return [(drawn.question_id, list(drawn.option_order)) for drawn in attempt.questions]


def answers_for(app, quiz: Quiz, attempt_id: int, *, wrong: int = 0) -> MultiDict:
    """Form data answering every drawn question correctly, except the first ``wrong`` ones."""
    data = MultiDict([("attempt", str(attempt_id))])
    for index, (question_id, options) in enumerate(drawn_questions(app, attempt_id)):
        question = quiz.question(question_id)
        chosen = sorted(question.correct_ids)
        if index < wrong:
            chosen = [next(option for option in options if option not in question.correct_ids)]
        for option_id in chosen:
            data.add(question_id, option_id)
    return data


def open_quizzes_by_transcript(client: FlaskClient, module_id: str) -> None:
    response = client.post(f"/modules/{module_id}/transcript", data={"read": "yes"})
    assert response.status_code == 302


def pass_quiz(client: FlaskClient, app, course: Course, module_id: str, quiz_id: str) -> int:
    quiz = course.module(module_id).quiz(quiz_id)
    page = client.get(f"/modules/{module_id}/quizzes/{quiz_id}")
    assert page.status_code == 200
    attempt_id = attempt_id_from(page.get_data(as_text=True))
    response = client.post(f"/modules/{module_id}/quizzes/{quiz_id}", data=answers_for(app, quiz, attempt_id))
    assert response.status_code == 303
    return attempt_id


def complete_module(client: FlaskClient, app, course: Course, module_id: str) -> None:
    open_quizzes_by_transcript(client, module_id)
    for quiz in course.module(module_id).quizzes:
        pass_quiz(client, app, course, module_id, quiz.id)


def complete_course(client: FlaskClient, app, course: Course) -> None:
    """Complete every module through the transcript route, as the signed-in member."""
    for module in course.modules:
        complete_module(client, app, course, module.id)
