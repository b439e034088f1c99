"""The parts of the load benchmark that need no network: the seed, the signed-in sessions, the wrk data
and the report. The load itself (gunicorn, wrk) runs on demand only: ``python -m bench run``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from bench import load, sessions
from bench.report import (
    Measurement,
    Results,
    apply_ratios,
    format_docs,
    format_report,
    format_table,
    read_json,
    targets,
    to_json,
    write_json,
)
from bench.seed import PASSWORD, SeedError, seed
from course.admin.models import Reminder
from course.certificates.models import Certificate
from course.extensions import db
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    VideoProgress,
)
from course.people.calendar import term_of, today
from course.people.models import Council, CourseRound, Member


def _count(model, *conditions) -> int:
    return db.session.execute(select(func.count()).select_from(model).where(*conditions)).scalar_one()


def test_the_seed_makes_councils_with_a_spread_of_progress(app, course):
    result = seed(app, councils=4, members=12, random_seed=3)
    assert result.members == 48
    with app.app_context():
        assert _count(Council) == 4
        assert _count(Member, ~Member.is_platform_admin) == 48
        assert _count(Member, Member.is_admin) == 4
        assert _count(Member, Member.is_platform_admin) == 1
        completed = _count(CourseCompletion)
        started = db.session.execute(select(func.count(func.distinct(ModuleProgress.member_id)))).scalar_one()
        assert 0 < completed < started < 48, "some complete, some on the way, some not started"
        assert 0 < _count(Certificate) <= completed
        # Every completed member has every module complete, and passed both quizzes of each.
        for member_id in db.session.execute(select(CourseCompletion.member_id)).scalars():
            done = _count(
                ModuleProgress,
                ModuleProgress.member_id == member_id,
                ModuleProgress.completed_at.is_not(None),
            )
            assert done == len(course.modules)
            passed = db.session.execute(
                select(func.count(func.distinct(QuizAttempt.quiz_id))).where(
                    QuizAttempt.member_id == member_id, QuizAttempt.is_passed.is_(True)
                )
            ).scalar_one()
            assert passed == 2 * len(course.modules)
        # Watched intervals lie inside their video, and attempts hold real questions from the content.
        for progress in db.session.execute(select(VideoProgress)).scalars():
            assert all(0 <= start < end <= progress.duration + 5 for start, end in progress.intervals)
        for question_id, attempt_quiz in db.session.execute(
            select(AttemptQuestion.question_id, QuizAttempt.quiz_id).join(QuizAttempt)
        ):
            quiz = next(q for m in course.modules for q in m.quizzes if q.id == attempt_quiz)
            assert quiz.question(question_id) is not None


def test_the_seed_puts_everything_in_each_councils_round_of_the_current_term(app):
    seed(app, councils=3, members=10, random_seed=5)
    with app.app_context():
        assert _count(CourseRound) == 3
        for council in db.session.execute(select(Council)).scalars():
            current = council.current_round
            assert current is not None
            assert current.council_id == council.id
            assert current.term == term_of(council.country, today(council.country))
            assert current.due_date is None or current.due_date in current.term
        for model in (VideoProgress, ModuleProgress, QuizAttempt, CourseCompletion, Certificate, Reminder):
            assert _count(model) > 0, model.__tablename__
            rounds_of_members = (
                select(Council.current_round_id)
                .join(Member, Member.council_id == Council.id)
                .where(Member.id == model.member_id)
                .scalar_subquery()
            )
            outside = _count(model, model.round_id != rounds_of_members)
            assert outside == 0, model.__tablename__
        for certificate in db.session.execute(select(Certificate)).scalars():
            assert certificate.valid_until <= certificate.round.term_end
        # Councillors and substitutes take the course; staff (the administrators among them) do not.
        assert _count(Member, Member.role == "staff", Member.takes_course) == 0
        assert _count(Member, Member.role != "staff", ~Member.takes_course) == 0


def test_the_seed_refuses_a_database_with_councils(app):
    seed(app, councils=1, members=3)
    with pytest.raises(SeedError, match="--reset"):
        seed(app, councils=1, members=3)


def test_seeded_members_sign_in_with_the_bench_password(app, client):
    seed(app, councils=1, members=3)
    with app.app_context():
        email = db.session.execute(select(Member.email).where(~Member.is_admin).limit(1)).scalar_one()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_harness_sessions_are_accepted_by_the_site(app, course):
    """The cookie and CSRF token the harness gives wrk sign the member in and pass the CSRF check."""
    seed(app, councils=1, members=4)
    member_id = sessions.learners(app, 1)[0]
    signed = sessions.sign_in(app, [member_id])[member_id]
    checked = app.test_client(use_cookies=False)
    headers = {"Cookie": f"{load.SESSION_COOKIE}={signed.cookie}", "User-Agent": sessions.USER_AGENT}
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert checked.get("/", headers=headers).status_code == 200
        report = {"module": course.modules[0].id, "language": "da", "segments": [[0, 2]]}
        assert checked.post("/api/progress", json=report, headers=headers).status_code == 400  # no token
        response = checked.post("/api/progress", json=report, headers={**headers, "X-CSRFToken": signed.csrf})
        assert response.status_code == 200, response.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    sessions.sign_out(app, [member_id])
    assert checked.get("/", headers=headers).status_code == 302


def test_the_floor_app_checks_a_session_as_the_site_does(app, database_url, monkeypatch):
    """The floor answers the harness's cookies for live sessions only, like the site's sign-in check."""
    from bench import floor

    seed(app, councils=1, members=4)
    member_id = sessions.learners(app, 1)[0]
    signed = sessions.sign_in(app, [member_id])[member_id]
    monkeypatch.setenv("COURSE_SECRET_KEY", app.secret_key)
    monkeypatch.setenv("COURSE_DATABASE_URL", database_url)
    floor_app = floor.create_app()
    client = floor_app.test_client(use_cookies=False)
    headers = {"Cookie": f"{load.SESSION_COOKIE}={signed.cookie}"}
    try:
        response = client.get("/modules/anything", headers=headers)
        assert response.status_code == 200
        assert response.get_data(as_text=True) == f"member {member_id}"
        assert client.get("/", headers={"Cookie": f"{load.SESSION_COOKIE}=forged"}).status_code == 401
        assert client.get("/").status_code == 401
        sessions.sign_out(app, [member_id])
        assert client.get("/", headers=headers).status_code == 401
    finally:
        floor_app.extensions["bench.engine"].dispose()


def test_prepared_attempts_are_graded_by_the_quiz_form(app, client, course):
    seed(app, councils=2, members=20, random_seed=5)
    module = course.modules[0]
    quiz = module.quizzes[0]
    takers = sessions.quiz_takers(app, module, 2)
    attempts = sessions.open_attempts(app, module, quiz, takers, per_member=2)
    assert [a.member_id for a in attempts] == takers * 2
    with app.app_context():
        email = db.session.get(Member, attempts[0].member_id).email
    client.post("/login", data={"email": email, "password": PASSWORD})
    data = MultiDict([("attempt", str(attempts[0].attempt_id)), *attempts[0].answers])
    response = client.post(f"/modules/{module.id}/quizzes/{quiz.id}", data=data)
    assert response.status_code == 303
    assert sessions.count_submitted(app, [a.attempt_id for a in attempts]) == 1
    with app.app_context():
        assert db.session.get(QuizAttempt, attempts[0].attempt_id).is_passed
    sessions.drop_attempts(app, [a.attempt_id for a in attempts])
    assert sessions.count_submitted(app, [a.attempt_id for a in attempts]) == 0


def test_wrk_data_is_a_lua_table_of_entries(tmp_path):
    scenario = load.Scenario(
        "progress",
        "POST /api/progress",
        "progress",
        [{"path": "/api/progress", "cookie": 'a"b', "csrf": "t"}],
        extra={"step": 2.0, "span": 219.5},
    )
    target = tmp_path / "progress.lua"
    load.write_lua_data(scenario, target)
    text = target.read_text()
    assert text.startswith("return {")
    assert 'kind = "progress"' in text
    assert "step = 2.0" in text
    assert 'cookie = "a\\"b"' in text  # quotes escaped


def _measurement(name: str, requests: int, p95_ms: float, errors: int = 0) -> Measurement:
    summary = {
        "requests": requests,
        "duration_us": 10_000_000,
        "connect": 0,
        "read": 0,
        "write": 0,
        "status": errors,
        "timeout": 0,
        "p50_us": p95_ms * 500,
        "p95_us": p95_ms * 1000,
        "p99_us": p95_ms * 1500,
    }
    measurement = Measurement.from_wrk(name, name.replace("_", " "), summary)
    measurement.single_p50_ms, measurement.single_p95_ms = p95_ms / 4, p95_ms / 2
    return measurement


def test_the_report_gives_ratios_to_hello_world_and_checks_the_targets(tmp_path):
    measurements = [
        _measurement("module", 6_000, 8.0),
        _measurement("progress", 5_000, 9.0, errors=3),
        _measurement("dashboard", 800, 80.0),  # 40 ms for one user
        _measurement("platform", 100, 600.0),  # 300 ms for one user
        _measurement("floor", 7_000, 2.0),
        _measurement("hello", 10_000, 1.0),
    ]
    apply_ratios(measurements, hello_rps=1_000)
    assert [m.rps for m in measurements] == [600, 500, 80, 10, 700, 1000]
    assert measurements[0].ratio == pytest.approx(0.6)
    results = Results(
        "sqlite",
        {},
        {"workers": 2},
        measurements,
        memory_mb={"site_worker_peak": 120.0},
        pdf_ms={"median": 60.0, "first": 80.0},
    )
    met = {target.what.split(",")[0].split(" p95")[0]: target.is_met for target in targets(results)}
    assert met == {
        "module page": True,
        "POST /api/progress": False,  # 50% < 60%
        "errors": False,
        "council dashboard (60 members)": True,
        "platform overview (400 councils)": False,
        "one certificate PDF": False,
        "peak memory of a worker": True,
    }
    table = format_table(measurements)
    assert table.splitlines()[2] == "| module | 600 | 60% | 4.0 | 8.0 | 12.0 | 2.0 / 4.0 | 0 | — |"
    assert "| progress | 500 | 50% |" in table
    data = to_json(results)
    assert data["measurements"][0]["rps"] == 600
    assert [t["met"] for t in data["targets"]].count(True) == 3

    # Written, read back and laid out for docs/benchmarks.md.
    results.hello_runs = [950.0, 1050.0]
    results.memory_mb["hello_worker_peak"] = 30.0
    write_json(results, tmp_path / "results.json")
    docs = format_docs([read_json(tmp_path / "results.json")])
    assert "Hello world: 950, 1,050 requests/s" in docs
    assert "| module | 600 | 60% |" in docs
    assert "| one certificate PDF (< 50 ms) | 60.0 ms **missed** |" in docs
    assert "Signed-in floor (session cookie and one indexed query, nothing else): 70% of hello world" in docs
    assert "one indexed query, nothing else): 70% of hello world" in format_report(results)


# --- the seminar benchmark's helpers ------------------------------------------------------------------------


def test_percentiles_interpolate_between_ranks_like_numpy():
    from bench.seminar import percentile

    values = [0.4, 0.1, 0.3, 0.2, 0.5]
    assert percentile(values, 0.5) == pytest.approx(0.3)
    assert percentile(values, 0.0) == pytest.approx(0.1)
    assert percentile(values, 1.0) == pytest.approx(0.5)
    assert percentile(values, 0.95) == pytest.approx(0.48)  # numpy.percentile(values, 95)
    assert percentile([1.0, 2.0], 0.5) == pytest.approx(1.5)
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([], 0.5) != percentile([], 0.5)  # NaN
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile(values, 95)


def test_the_event_parser_finds_event_ids_across_pieces_and_skips_heartbeats():
    from bench.seminar import EventParser

    parser = EventParser()
    assert parser.feed(b"retry: 2000\n\n") == [None]
    assert parser.feed(b": heartbeat\n\nid: 4") == []
    assert parser.feed(b'1\nevent: state\ndata: {"html": "a\\n"}\n') == []
    assert parser.feed(b"\nid: 42\r\nevent: state\r\ndata: x\r\n\r\n") == [41, 42]
    assert parser.feed(b"id: nope\ndata: y\n\n") == [None]


def test_a_phones_first_arrival_counts_a_later_version_that_skipped_the_one_awaited():
    from bench.seminar import first_arrival

    arrivals = [(3, 1.0), (5, 2.0), (9, 3.0)]
    assert first_arrival(arrivals, 3) == 1.0
    assert first_arrival(arrivals, 4) == 2.0  # version 4 was skipped: 5 brings it
    assert first_arrival(arrivals, 9) == 3.0
    assert first_arrival(arrivals, 10) is None


def test_split_head_reads_the_status_once_the_header_is_complete():
    from bench.seminar import split_head

    assert split_head(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream") is None
    assert split_head(b'HTTP/1.0 409 CONFLICT\r\nX: y\r\n\r\n{"ok": false}') == (409, b'{"ok": false}')
    with pytest.raises(ValueError, match="not an HTTP response"):
        split_head(b"SSH-2.0\r\n\r\n")


def test_the_seminar_summary_prints_percentiles_rates_and_memory():
    from bench.seminar import Summary, format_summary

    summary = Summary(20, 60, 2, 1328, "sqlite:///x.db", streams_opened=1200, streams_wanted=1200)
    summary.open_seconds = 4.2
    summary.next_latencies = [0.1, 0.2, 0.3, 0.4]
    summary.answers, summary.answer_seconds, summary.answers_counted = 1200, 4.0, 1200
    summary.answer_latencies = [0.05, 0.15]
    summary.worker_peak_mb = 123.4
    text = format_summary(summary)
    assert "1,200 of 1,200 streams open" in text
    assert "p50 250 ms, p95 385 ms, max 400 ms (4 posts, 0 not seen by every phone)" in text
    assert "1,200 in 4.00 s = 300/s" in text
    assert "one answer p50 100 ms" in text
    assert "(VmHWM): 123 MB" in text
    assert "p50 –" in format_summary(Summary(1, 1, 1, 1, "x"))
