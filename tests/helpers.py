"""Helpers for driving the learner's way through in tests."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from course.content import Course, Quiz
from course.extensions import db
from course.learning.models import QuizAttempt

CSRF_TOKEN = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*"')


def without_csrf_tokens(html: str) -> str:
    """A page with its CSRF tokens blanked: a token carries the second it was signed in, so two answers
    that must read the same differ in it when a clock second passes between them."""
    return CSRF_TOKEN.sub(r'\1"', html)


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


def round_of(member_id: int) -> int:
    """The current round of the member's council (inside an application context)."""
    from sqlalchemy import select

    from course.extensions import db
    from course.people.models import Council, Member

    return db.session.execute(
        select(Council.current_round_id)
        .join(Member, Member.council_id == Council.id)
        .where(Member.id == member_id)
    ).scalar_one()


def current_round_id(app, council) -> int:
    """The council's current round, read in its own application context."""
    from course.extensions import db
    from course.people.models import Council

    with app.app_context():
        return db.session.get(Council, council.id).current_round_id


def round_in_term(member_id: int, moment) -> int:
    """The round of the member's council in the council term that ``moment`` falls in, made (not as the
    current round) when the council has none (inside an application context)."""
    from course.extensions import db
    from course.people import calendar
    from course.people.models import CourseRound, Member

    council = db.session.get(Member, member_id).council
    term = calendar.term_of(council.country, calendar.local_date(council.country, moment))
    found = db.session.query(CourseRound).filter_by(council_id=council.id, term_start=term.start).first()
    if found is None:
        found = CourseRound(
            council_id=council.id, term_start=term.start, term_end=term.end, started_at=moment
        )
        db.session.add(found)
        db.session.flush()
    return found.id
