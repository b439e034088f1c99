"""Property-based attacks on the endpoints that take a learner's input: whatever arrives, the answer is never
a server error, and a rejected request changes nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from course.extensions import db
from course.learning.models import AttemptQuestion, ModuleProgress, QuizAttempt, VideoProgress
from tests.helpers import attempt_id_from, open_quizzes_by_transcript

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

numbers = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)
segments = st.one_of(
    st.lists(st.lists(numbers, min_size=0, max_size=3), max_size=8),
    st.lists(
        st.tuples(st.floats(min_value=-5, max_value=400), st.floats(min_value=-5, max_value=400)), max_size=8
    ),
    numbers,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def progress_state(app) -> list[tuple]:
    with app.app_context():
        videos = db.session.execute(
            select(
                VideoProgress.module_id,
                VideoProgress.language,
                VideoProgress.intervals,
                VideoProgress.seconds_watched,
                VideoProgress.last_report_at,
            )
        ).all()
        modules = db.session.execute(
            select(ModuleProgress.module_id, ModuleProgress.video_completed_at, ModuleProgress.completed_at)
        ).all()
        db.session.remove()
        return sorted(map(tuple, videos), key=repr) + sorted(map(tuple, modules), key=repr)


@pytest.fixture
def signed_in(client, auth, make, course):
    member = make.member(make.council("fuzzby"))
    auth.login(member.email)
    client.get(f"/modules/{course.modules[0].id}")
    return member


def test_progress_api_survives_arbitrary_json(app, client, course, signed_in):
    module_ids = st.sampled_from([module.id for module in course.modules]) | st.text(max_size=10)
    payloads = st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "module": module_ids,
                "language": st.sampled_from(["da", "sv", "en"]) | st.text(max_size=3),
                "segments": segments,
            }
        ),
    )

    @FUZZ
    @given(payload=payloads)
    def attack(payload):
        before = progress_state(app)
        response = client.post(
            "/api/progress", data=json.dumps(payload, allow_nan=True), content_type="application/json"
        )
        assert response.status_code < 500
        assert response.is_json
        if response.status_code != 200:
            assert progress_state(app) == before

    attack()


def test_progress_api_survives_arbitrary_bodies_and_beacons(app, client, signed_in):
    @FUZZ
    @given(
        body=st.binary(max_size=300),
        content_type=st.sampled_from(
            ["application/json", "application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
        ),
        form=st.dictionaries(st.sampled_from(["module", "language", "segments", "x"]), st.text(max_size=30)),
    )
    def attack(body, content_type, form):
        before = progress_state(app)
        first = client.post("/api/progress", data=body, content_type=content_type)
        second = client.post("/api/progress", data=form)
        assert first.status_code < 500
        assert second.status_code < 500
        if first.status_code != 200 and second.status_code != 200:
            assert progress_state(app) == before

    attack()


def attempt_state(app) -> list[tuple]:
    with app.app_context():
        attempts = db.session.execute(
            select(QuizAttempt.id, QuizAttempt.submitted_at, QuizAttempt.score, QuizAttempt.is_passed)
        ).all()
        answers = db.session.execute(
            select(AttemptQuestion.id, AttemptQuestion.chosen, AttemptQuestion.is_correct)
        ).all()
        db.session.remove()
        return sorted(map(tuple, attempts)) + sorted(map(tuple, answers), key=repr)


def test_quiz_submission_survives_arbitrary_form_data(app, client, course, signed_in):
    module = course.modules[0]
    quiz = module.quizzes[0]
    open_quizzes_by_transcript(client, module.id)
    real_attempt = attempt_id_from(
        client.get(f"/modules/{module.id}/quizzes/{quiz.id}").get_data(as_text=True)
    )
    question_ids = [question.id for question in quiz.questions]
    option_ids = sorted({option.id for question in quiz.questions for option in question.options})
    keys = st.sampled_from(question_ids) | st.text(max_size=12)
    values = st.sampled_from(option_ids) | st.text(max_size=12)

    @FUZZ
    @given(
        attempt=st.one_of(st.just(str(real_attempt)), st.integers(-5, 10**6).map(str), st.text(max_size=8)),
        pairs=st.lists(st.tuples(keys, values), max_size=12),
    )
    def attack(attempt, pairs):
        before = attempt_state(app)
        response = client.post(
            f"/modules/{module.id}/quizzes/{quiz.id}", data=MultiDict([("attempt", attempt), *pairs])
        )
        assert response.status_code < 500
        if response.status_code != 303:
            assert attempt_state(app) == before

    attack()
