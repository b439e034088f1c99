"""Quizzes: locked until the video step, draws and shuffles, grading, incomplete and tampered forms,
double submits, and privacy of attempts."""

from __future__ import annotations

import random
import re

import pytest
from werkzeug.datastructures import MultiDict

from course.content import QuestionType
from course.extensions import db
from course.learning import quizzes, watching
from course.learning.models import AttemptQuestion, QuizAttempt
from course.people.models import Member
from tests.helpers import answers_for, attempt_id_from, drawn_questions, open_quizzes_by_transcript


@pytest.fixture
def learner(make):
    return make.member(make.council("quizby", country="dk"))


@pytest.fixture
def module(course):
    return course.modules[0]


@pytest.fixture
def quiz(module):
    return module.quizzes[0]


def quiz_url(module, quiz) -> str:
    return f"/modules/{module.id}/quizzes/{quiz.id}"


def test_quiz_is_locked_until_the_video_step_is_done(client, auth, learner, module, quiz):
    auth.login(learner.email)
    response = client.get(quiz_url(module, quiz))
    assert response.status_code == 403
    assert 'name="attempt"' not in response.get_data(as_text=True)


def test_quiz_page_is_a_plain_form_with_a_fieldset_per_drawn_question(client, auth, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    html = client.get(quiz_url(module, quiz)).get_data(as_text=True)
    assert html.count("<fieldset") == quiz.draw
    assert html.count("<legend") == quiz.draw
    drawn = re.findall(r'<input type="(?:radio|checkbox)"[^>]*name="([^"]+)"', html)
    assert {name for name in drawn} <= {question.id for question in quiz.questions}
    assert len(set(drawn)) == quiz.draw
    assert 'name="csrf_token"' in html


def test_reloading_the_quiz_keeps_the_same_draw_until_it_is_submitted(client, auth, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    first = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    second = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    assert first == second


def test_draw_respects_jurisdiction_and_shuffles_options(app, course, make):
    swedish = make.member(make.council("malmo-test", country="se", locale="sv"))
    module = next(
        m for m in course.modules if any(q.jurisdiction for quiz in m.quizzes for q in quiz.questions)
    )
    quiz = next(q for q in module.quizzes if any(question.jurisdiction for question in q.questions))
    with app.app_context():
        member = db.session.get(Member, swedish.id)
        watching.confirm_transcript(member, course, module, watching.LearningRules())
        orders = set()
        for seed in range(30):
            attempt = quizzes.get_or_start_attempt(member, course, module, quiz, rng=random.Random(seed))
            for drawn in attempt.questions:
                question = quiz.question(drawn.question_id)
                assert question.jurisdiction in (None, "se")
                if question.type != QuestionType.TRUE_FALSE:
                    orders.add((question.id, tuple(drawn.option_order)))
            attempt.submitted_at = attempt.started_at  # close it so the next call draws again
            db.session.flush()
        db.session.rollback()
    # Over 30 draws, at least one question appeared with its options in more than one order.
    by_question: dict[str, set] = {}
    for question_id, order in orders:
        by_question.setdefault(question_id, set()).add(order)
    assert any(len(variants) > 1 for variants in by_question.values())


def _close(attempt: QuizAttempt) -> None:
    attempt.submitted_at = attempt.started_at
    db.session.flush()


def test_a_retake_draws_other_questions_when_the_pool_has_room(app, course, make):
    """The quiz page promises new questions on a retake: with a pool of at least twice the draw, the second
    attempt shares no question with the first, even when the random generator repeats itself."""
    danish = make.member(make.council("retake-by", country="dk"))
    checked = 0
    with app.app_context():
        member = db.session.get(Member, danish.id)
        for module in course.modules:
            watching.confirm_transcript(member, course, module, watching.LearningRules())
            for quiz in module.quizzes:
                if len(quiz.pool("dk")) < 2 * quiz.draw:
                    continue
                first = quizzes.get_or_start_attempt(member, course, module, quiz, rng=random.Random(7))
                _close(first)
                second = quizzes.get_or_start_attempt(member, course, module, quiz, rng=random.Random(7))
                _close(second)
                first_ids = {drawn.question_id for drawn in first.questions}
                second_ids = {drawn.question_id for drawn in second.questions}
                assert len(first_ids) == len(second_ids) == quiz.draw
                assert first_ids.isdisjoint(second_ids), quiz.id
                checked += 1
        db.session.rollback()
    # Every quiz's pool holds two draws (tests/test_content_quizzes.py), so every quiz was checked.
    assert checked == sum(len(module.quizzes) for module in course.modules)


def test_a_retake_from_a_small_pool_takes_every_unseen_question_then_the_oldest(course):
    quiz = course.modules[0].quizzes[0]
    pool = [question.id for question in quiz.pool("dk")]
    unseen, seen = pool[:2], pool[2:]
    # Two questions were never drawn, one was last drawn in attempt 1 and the rest in attempt 2: the next
    # draw takes the two unseen ones, then the one seen longest ago, then fills up from the rest.
    last = dict.fromkeys(seen, 2)
    last[seen[0]] = 1
    for seed in range(20):
        drawn = [question.id for question, _ in quizzes._draw(quiz, "dk", random.Random(seed), last)]
        assert len(drawn) == quiz.draw
        assert set(unseen) <= set(drawn)
        assert seen[0] in drawn  # given longest ago, so it comes back before the others
        assert len(set(drawn)) == len(drawn)


def test_all_correct_answers_pass_and_show_feedback(client, auth, app, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    response = client.post(quiz_url(module, quiz), data=answers_for(app, quiz, attempt_id))
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "You passed" in page or "Du bestod" in page
    for question_id, _ in drawn_questions(app, attempt_id):
        question = quiz.question(question_id)
        for option in question.options:
            assert option.feedback.en.split()[0] in page or option.feedback.da.split()[0] in page


def test_one_wrong_answer_in_five_still_passes_at_80_percent(client, auth, app, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    wrong = max(0, quiz.draw - int(quiz.draw * quiz.pass_mark + 0.999999))
    client.post(quiz_url(module, quiz), data=answers_for(app, quiz, attempt_id, wrong=wrong))
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.is_passed is True
        assert attempt.correct_count == quiz.draw - wrong


def test_too_many_wrong_answers_fail_and_offer_a_new_draw(client, auth, app, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    response = client.post(quiz_url(module, quiz), data=answers_for(app, quiz, attempt_id, wrong=quiz.draw))
    page = client.get(response.location).get_data(as_text=True)
    assert f'href="{quiz_url(module, quiz)}"' in page  # "Try again"
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.is_passed is False
        assert attempt.score == 0
    next_attempt = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    assert next_attempt != attempt_id
    with app.app_context():
        assert db.session.get(QuizAttempt, next_attempt).number == 2


def test_grading_multiple_choice_needs_exactly_the_correct_options(course):
    question = next(
        q
        for module in course.modules
        for quiz in module.quizzes
        for q in quiz.questions
        if q.type == QuestionType.MULTIPLE
    )
    correct = sorted(question.correct_ids)
    wrong = [option.id for option in question.options if not option.is_correct]
    assert quizzes.grade_answer(question, correct)
    assert not quizzes.grade_answer(question, correct[:-1] or [])
    assert not quizzes.grade_answer(question, [*correct, wrong[0]])


def test_a_multiple_answer_question_scores_only_all_right_options_and_no_wrong_one(course):
    """The rule in docs/content-format.md, on every multiple-answer question of the course: one point for
    exactly the right options, in any order; none for a half-right or an over-eager answer."""
    questions = [
        q
        for module in course.modules
        for quiz in module.quizzes
        for q in quiz.questions
        if q.type == QuestionType.MULTIPLE
    ]
    assert questions
    for question in questions:
        right = sorted(question.correct_ids)
        wrong = [option.id for option in question.options if not option.is_correct]
        assert quizzes.grade_answer(question, list(reversed(right))), question.id
        assert quizzes.grade_answer(question, [*right, right[0]]), question.id  # a repeated box counts once
        for missing in right:
            assert not quizzes.grade_answer(question, [r for r in right if r != missing]), question.id
        for extra in wrong:
            assert not quizzes.grade_answer(question, [*right, extra]), question.id
        assert not quizzes.grade_answer(question, [option.id for option in question.options]), question.id


def test_grading_single_choice(course):
    question = next(
        q
        for module in course.modules
        for quiz in module.quizzes
        for q in quiz.questions
        if q.type == QuestionType.SINGLE
    )
    right = next(iter(question.correct_ids))
    wrong = next(option.id for option in question.options if not option.is_correct)
    assert quizzes.grade_answer(question, [right])
    assert not quizzes.grade_answer(question, [wrong])


def test_unanswered_questions_are_shown_again_with_an_error_and_answers_kept(
    client, auth, app, learner, module, quiz
):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    full = answers_for(app, quiz, attempt_id)
    first_question = drawn_questions(app, attempt_id)[0][0]
    partial = MultiDict([(key, value) for key, value in full.items(multi=True) if key != first_question])
    response = client.post(quiz_url(module, quiz), data=partial)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#question-1-legend"' in html  # error summary links to the unanswered question
    kept_question, kept_option = next((k, v) for k, v in partial.items(multi=True) if k != "attempt")
    assert re.search(rf'name="{kept_question}" value="{kept_option}" checked', html)
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_an_option_that_was_not_offered_is_rejected(client, auth, app, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    data = answers_for(app, quiz, attempt_id)
    first_question = drawn_questions(app, attempt_id)[0][0]
    data.setlist(first_question, ["not-an-option"])
    assert client.post(quiz_url(module, quiz), data=data).status_code == 400
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).submitted_at is None


def test_double_submit_records_one_attempt(client, auth, app, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    data = answers_for(app, quiz, attempt_id)
    first = client.post(quiz_url(module, quiz), data=data)
    wrong = answers_for(app, quiz, attempt_id, wrong=quiz.draw)
    second = client.post(quiz_url(module, quiz), data=wrong)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    with app.app_context():
        attempts = db.session.query(QuizAttempt).filter_by(quiz_id=quiz.id).all()
        assert len(attempts) == 1
        assert attempts[0].is_passed is True
        answered = db.session.query(AttemptQuestion).filter(AttemptQuestion.chosen.is_not(None)).count()
        assert answered == quiz.draw


def test_another_members_attempt_is_not_found(client, auth, app, make, learner, module, quiz):
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    attempt_id = attempt_id_from(client.get(quiz_url(module, quiz)).get_data(as_text=True))
    client.post(quiz_url(module, quiz), data=answers_for(app, quiz, attempt_id))
    auth.logout()

    neighbour = make.member(make.council("neighbour-town"))
    auth.login(neighbour.email)
    assert client.get(f"{quiz_url(module, quiz)}/attempts/{attempt_id}").status_code == 404
    open_quizzes_by_transcript(client, module.id)
    # Submitting answers to someone else's attempt is "not found" too, and changes nothing.
    response = client.post(quiz_url(module, quiz), data=answers_for(app, quiz, attempt_id, wrong=quiz.draw))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).is_passed is True
