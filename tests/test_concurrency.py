"""Concurrency against the real server on PostgreSQL: 50 simultaneous progress reports and quiz submissions
for the same member lose nothing and double-count nothing; two administrators importing the same roster at
once add each member once."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlalchemy import func, select

from course.audit.models import AuditEvent
from course.extensions import db
from course.learning.models import AttemptQuestion, QuizAttempt, VideoProgress
from course.people.models import Member
from tests.conftest import PASSWORD, make_test_app
from tests.helpers import answers_for, attempt_id_from
from tests.live import LiveSession, serve

pytestmark = pytest.mark.postgres_only
CLIENTS = 50


@pytest.fixture(scope="module")
def server(app, database_url, tmp_path_factory):
    live = make_test_app(
        database_url,
        tmp_path_factory.mktemp("concurrency"),
        WTF_CSRF_ENABLED=True,
        COURSE_MAX_PLAYBACK_RATE=16.0,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 20, "max_overflow": 40, "pool_pre_ping": True},
    )
    with serve(live) as base_url:
        yield base_url


def simultaneously(count: int, work):
    """Run ``work(index)`` in ``count`` threads released at the same instant."""
    start = Barrier(count)

    def run(index):
        start.wait()
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_simultaneous_progress_reports_lose_nothing_and_count_nothing_twice(app, server, make, course):
    member = make.member(make.council("raceby"))
    session = LiveSession(server)
    session.sign_in(member.email, PASSWORD)
    module = course.modules[0]
    page = session.get(f"/modules/{module.id}")
    token = page.csrf_token()
    language = "da"
    # All the reports together must be plausible: a second after the video was opened, at most 2 × 1 s plus
    # the 10 s of slack can have been watched (course.learning.watching), so the stretches are short.
    step = round(min(1.2, 10 / CLIENTS, module.video(language).duration / (CLIENTS + 1)), 2)
    time.sleep(1.0)  # wall time since the video was opened

    def report(index):
        segment = [round(index * step, 3), round((index + 1) * step, 3)]
        reply = session.post(
            "/api/progress",
            json_body={"module": module.id, "language": language, "segments": [segment]},
            headers={"X-CSRFToken": token},
        )
        return reply.status, segment

    results = simultaneously(CLIENTS, report)
    assert {status for status, _ in results} == {200}
    with app.app_context():
        progress = db.session.execute(select(VideoProgress)).scalar_one()
        # Every reported stretch is there, as one interval, counted once.
        assert progress.intervals == [[0.0, round(CLIENTS * step, 3)]]
        assert progress.seconds_watched == pytest.approx(round(CLIENTS * step, 3))


def test_simultaneous_quiz_submissions_record_one_attempt(app, server, make, course):
    member = make.member(make.council("doubleby"))
    session = LiveSession(server)
    session.sign_in(member.email, PASSWORD)
    module = course.modules[0]
    quiz = module.quizzes[0]
    module_page = session.get(f"/modules/{module.id}")
    session.post(
        f"/modules/{module.id}/transcript", form={"read": "yes", "csrf_token": module_page.csrf_token()}
    )
    quiz_page = session.get(f"/modules/{module.id}/quizzes/{quiz.id}")
    attempt_id = attempt_id_from(quiz_page.body)
    right = answers_for(app, quiz, attempt_id)
    wrong = answers_for(app, quiz, attempt_id, wrong=quiz.draw)

    def submit(index):
        form = [*(right if index % 2 else wrong).items(multi=True), ("csrf_token", quiz_page.csrf_token())]
        return session.post(f"/modules/{module.id}/quizzes/{quiz.id}", form=form)

    replies = simultaneously(CLIENTS, submit)
    assert {reply.status for reply in replies} == {200}
    assert {reply.url.rsplit("/", 1)[-1] for reply in replies} == {str(attempt_id)}
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
        attempt = db.session.get(QuizAttempt, attempt_id)
        answered = db.session.execute(
            select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
        ).scalars()
        graded = [row.is_correct for row in answered]
        # One submission won, whole: its answers and its grade belong together.
        assert len(graded) == quiz.draw
        assert all(value is attempt.is_passed for value in graded)
        assert attempt.correct_count == sum(graded)


ROSTER = (
    "navn;e-mail;rolle\r\n"
    "Åse Ærø;aase@rosterby.example;byrådsmedlem\r\n"
    "Bent Øster;bent@rosterby.example;stedfortræder\r\n"
    "Carl Ågård;carl@rosterby.example;byrådsmedlem\r\n"
).encode()


def test_two_administrators_importing_the_same_roster_at_once_add_each_member_once(app, server, make):
    council = make.council("rosterby")
    admins = [make.member(council, f"admin{index}@rosterby.example", is_admin=True) for index in range(2)]
    sessions, previews = [], []
    for admin in admins:
        session = LiveSession(server)
        session.sign_in(admin.email, PASSWORD)
        token = session.get("/admin/members/import").csrf_token()
        preview = session.post(
            "/admin/members/import", form={"csrf_token": token}, files={"file": ("roster.csv", ROSTER)}
        )
        assert preview.status == 200
        assert "/admin/members/import/" in preview.url
        sessions.append(session)
        previews.append(preview)

    def confirm(index):
        preview = previews[index]
        digest = re.search(r'name="digest" value="([^"]+)"', preview.body).group(1)
        path = preview.url.removeprefix(server)
        return sessions[index].post(path, form={"csrf_token": preview.csrf_token(), "digest": digest})

    replies = simultaneously(2, confirm)
    # One import writes the three members; the other is told the roster changed under it, and writes nothing.
    assert sorted(reply.status for reply in replies) == [200, 409]
    winner = next(reply for reply in replies if reply.status == 200)
    assert winner.url.endswith("/admin/members")
    with app.app_context():
        emails = db.session.scalars(select(Member.email).where(Member.council_id == council.id)).all()
        assert sorted(emails) == sorted(
            [admin.email for admin in admins]
            + ["aase@rosterby.example", "bent@rosterby.example", "carl@rosterby.example"]
        )
        confirmed = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "import.confirmed", AuditEvent.council_id == council.id
            )
        ).all()
        assert [event.details["added"] for event in confirmed] == [3]

    # The other administrator's preview now says everyone is on the roster already; nothing was lost.
    loser = next(index for index, reply in enumerate(replies) if reply.status == 409)
    again = sessions[loser].get(previews[loser].url.removeprefix(server))
    assert again.status == 200
    assert "alle i filen står allerede på deltagerlisten" in again.body
    assert 'name="digest"' not in again.body
