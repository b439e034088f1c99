"""``python -m bench run``: the site and a bare hello world under the same gunicorn settings, each driven
by wrk from its own process over loopback, with bounded duration and connections.

Order of a run: sign members in and prepare quiz attempts; count the queries of each page in-process;
time one certificate PDF; start both servers; load hello world, then each scenario of the site, then
hello world again (its mean is the reference); read the workers' peak memory; stop and clean up.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import event, func, select, text

from bench import database, sessions
from bench.report import FLOOR, HELLO, Measurement, Results, apply_ratios, format_report, write_json
from course.certificates.delivery import certificate_pdf
from course.certificates.models import Certificate
from course.extensions import db
from course.people.models import Council
from course.web.course import get_course

ROOT = database.BENCH_DIR.parent
LUA_SCRIPT = database.BENCH_DIR / "scenario.lua"
SESSION_COOKIE = "council_course_session"
#: Seconds of video each progress report adds: well inside what normal playback allows between reports.
PROGRESS_STEP = 2.0


class BenchError(RuntimeError):
    """The benchmark cannot run; the message says what to do."""


@dataclass
class Scenario:
    name: str
    label: str
    kind: str  # "get", "progress" or "form"
    entries: list[dict[str, Any]]
    extra: dict[str, Any] = field(default_factory=dict)
    #: One request the harness makes in-process to count its queries: (method, path, signed-in, data).
    probe: tuple[str, str, sessions.SignedIn, Any] | None = None
    #: Counted in-process before the load.
    queries: int | None = None


@dataclass(frozen=True, slots=True)
class Settings:
    duration: float
    warmup: float
    connections: int
    workers: int
    learners: int
    quiz_takers: int
    attempts_per_taker: int

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        workers = args.workers or os.cpu_count() or 1
        quick = bool(args.quick)
        return cls(
            duration=args.duration or (4.0 if quick else 20.0),
            warmup=1.0 if quick else 3.0,
            connections=args.connections or 2 * workers,
            workers=workers,
            learners=100 if quick else 400,
            quiz_takers=100 if quick else 250,
            attempts_per_taker=25 if quick else 60,
        )


# --- tools --------------------------------------------------------------------------------------------


def check_tools() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError(
            "wrk is not installed: install Debian's package (`apt-get install wrk`) and run again"
        )
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        raise BenchError("gunicorn is not installed: pip install -e '.[bench]'") from None
    return wrk


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def worker_peak_mb(self) -> float:
        """The largest peak resident set (VmHWM) among the workers, in MB."""
        peaks = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=0.0)


@contextmanager
def gunicorn(
    name: str, app_spec: str, workers: int, env: dict[str, str], extra_args: Sequence[str] = ()
) -> Iterator[Server]:
    """``app_spec`` under gunicorn on 127.0.0.1 until the block ends: sync workers unless ``extra_args``
    names another worker class."""
    port = _free_port()
    log = database.WORK_DIR / f"{name}.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--log-level",
        "warning",
        "--timeout",
        "120",
        *extra_args,
        app_spec,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server(name, process, port, log)
    try:
        _wait_until_up(server)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise BenchError(
                f"{server.name} did not start; see {server.log}:\n{server.log.read_text()[-2000:]}"
            )
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=1) as connection:
                connection.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if connection.recv(12).startswith(b"HTTP/1.") and server.worker_pids():
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{server.name} did not answer within {timeout:.0f} s; see {server.log}")


def run_wrk(wrk: str, url: str, data_file: Path, duration: float, connections: int) -> dict[str, Any]:
    command = [
        wrk,
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(duration, 1):.0f}s",
        "--timeout",
        "10s",
        "--script",
        str(LUA_SCRIPT),
        url,
        "--",
        str(data_file),
        "1",
    ]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    for line in finished.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            return json.loads(line.removeprefix("BENCH_JSON "))
    raise BenchError(f"wrk gave no summary:\n{finished.stdout}\n{finished.stderr}")


# --- scenarios ----------------------------------------------------------------------------------------


def _lua_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)  # a JSON string is a valid Lua string here


def write_lua_data(scenario: Scenario, path: Path) -> None:
    """The scenario's entries as a Lua file for bench/scenario.lua."""
    lines = [
        "return {",
        f"  kind = {_lua_string(scenario.kind)},",
        f"  cookie_name = {_lua_string(SESSION_COOKIE)},",
    ]
    for key, value in scenario.extra.items():
        lines.append(f"  {key} = {_lua_string(value) if isinstance(value, str) else value},")
    lines.append("  entries = {")
    for entry in scenario.entries:
        fields = ", ".join(f"{key} = {_lua_string(str(value))}" for key, value in entry.items())
        lines.append(f"    {{{fields}}},")
    lines.append("  },")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")


@dataclass
class Prepared:
    scenarios: list[Scenario]
    member_ids: list[int]
    attempt_ids: list[int]


def prepare(app: Flask, settings: Settings) -> Prepared:
    """Sign members in and build each scenario's requests."""
    with app.app_context():
        course = get_course()
        module = course.modules[0]
        quiz = module.quizzes[0]
    learner_ids = sessions.learners(app, settings.learners)
    admin_ids = sessions.council_admins(app, settings.learners // 4, members=60) or sessions.council_admins(
        app, settings.learners // 4
    )
    platform_ids = sessions.platform_admins(app)
    holders = sessions.certificate_holders(app, settings.learners // 2)
    taker_ids = sessions.quiz_takers(app, module, settings.quiz_takers)
    if not (learner_ids and admin_ids and platform_ids and holders and taker_ids):
        raise BenchError("the database has too few members: seed it first (python -m bench seed)")
    attempts = sessions.open_attempts(app, module, quiz, taker_ids, settings.attempts_per_taker)
    every_member = sorted(
        {*learner_ids, *admin_ids, *platform_ids, *(member for member, _ in holders), *taker_ids}
    )
    signed = sessions.sign_in(app, every_member)

    def entry(member_id: int, path: str, **more: Any) -> dict[str, Any]:
        return {"path": path, "cookie": signed[member_id].cookie, **more}

    with app.app_context():
        video = module.video("da")
        assert video is not None
    progress_path = "/api/progress"
    quiz_path = f"/modules/{module.id}/quizzes/{quiz.id}"
    probe_attempt, load_attempts = attempts[-1], attempts[:-1]

    def quiz_body(attempt: sessions.OpenAttempt) -> str:
        pairs = [("csrf_token", signed[attempt.member_id].csrf), ("attempt", str(attempt.attempt_id))]
        return urlencode(pairs + list(attempt.answers))

    first_learner = signed[learner_ids[0]]
    scenarios = [
        Scenario(
            "overview",
            "course overview",
            "get",
            [entry(m, "/") for m in learner_ids],
            probe=("GET", "/", first_learner, None),
        ),
        Scenario(
            "module",
            "module page",
            "get",
            [entry(m, f"/modules/{module.id}") for m in learner_ids],
            probe=("GET", f"/modules/{module.id}", first_learner, None),
        ),
        Scenario(
            "progress",
            "POST /api/progress",
            "progress",
            [
                entry(m, progress_path, csrf=signed[m].csrf, module=module.id, language="da")
                for m in learner_ids
            ],
            extra={"step": PROGRESS_STEP, "span": round(video.duration - PROGRESS_STEP, 1)},
            probe=(
                "POST",
                progress_path,
                first_learner,
                {"module": module.id, "language": "da", "segments": [[0, PROGRESS_STEP]]},
            ),
        ),
        Scenario(
            "quiz",
            "quiz submission",
            "form",
            [
                {"path": quiz_path, "cookie": signed[a.member_id].cookie, "body": quiz_body(a)}
                for a in load_attempts
            ],
            probe=("POST", quiz_path, signed[probe_attempt.member_id], quiz_body(probe_attempt)),
        ),
        Scenario(
            "dashboard",
            "council dashboard (60 members)",
            "get",
            [entry(m, "/admin/") for m in admin_ids],
            probe=("GET", "/admin/", signed[admin_ids[0]], None),
        ),
        Scenario(
            "platform",
            "platform overview (all councils)",
            "get",
            [entry(m, "/platform/") for m in platform_ids],
            probe=("GET", "/platform/", signed[platform_ids[0]], None),
        ),
        Scenario(
            "certificate",
            "certificate PDF",
            "get",
            [entry(m, f"/certificate/{c}/pdf") for m, c in holders],
            probe=("GET", f"/certificate/{holders[0][1]}/pdf", signed[holders[0][0]], None),
        ),
    ]
    return Prepared(scenarios, every_member, [a.attempt_id for a in attempts])


def count_queries(app: Flask, scenario: Scenario) -> int:
    """The SQL statements one request of the scenario runs, after one request to warm up."""
    assert scenario.probe is not None
    method, path, signed, data = scenario.probe
    client = app.test_client(use_cookies=False)
    headers = {"Cookie": f"{SESSION_COOKIE}={signed.cookie}", "User-Agent": sessions.USER_AGENT}
    if method == "POST" and isinstance(data, dict):
        headers["X-CSRFToken"] = signed.csrf

    def request() -> int:
        if method == "GET":
            response = client.get(path, headers=headers)
        elif isinstance(data, dict):
            response = client.post(path, json=data, headers=headers)
        else:
            response = client.post(
                path, data=data, headers=headers, content_type="application/x-www-form-urlencoded"
            )
        if response.status_code not in (200, 303):
            problems.append(response.get_data(as_text=True)[:500])
        return response.status_code

    problems: list[str] = []
    if method == "GET":
        request()  # the first visit may write (a module page notes the opened video)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        status = request()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    if status not in (200, 303):
        raise BenchError(f"{scenario.label}: {method} {path} answered {status} in-process: {problems}")
    return len(statements)


def time_certificate_pdf(app: Flask, repeat: int = 20) -> dict[str, float]:
    """Milliseconds to produce one certificate PDF: the first (fonts and QR code loaded) and the median."""
    with app.app_context():
        certificate = db.session.execute(select(Certificate).limit(1)).scalar_one()
        course = get_course()
        times = []
        for _ in range(repeat + 1):
            started = time.perf_counter()
            certificate_pdf(certificate, course, "da")
            times.append((time.perf_counter() - started) * 1000)
    return {"first": times[0], "median": statistics.median(times[1:]), "min": min(times[1:])}


# --- the machine ------------------------------------------------------------------------------------


def machine_info(app: Flask, wrk: str) -> dict[str, Any]:
    def read(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    def version(package: str) -> str:
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            server = db.session.execute(text("SHOW server_version")).scalar_one()
            database_version = f"PostgreSQL {server}"
        else:
            database_version = f"SQLite {sqlite3.sqlite_version}"
    wrk_version = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False).stdout
    return {
        "cpu": read("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gb": round(int(read("/proc/meminfo", "MemTotal").split()[0]) / 1024**2, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "database": database_version,
        "wrk": (wrk_version.splitlines() or ["unknown"])[0],
        "packages": {
            name: version(name)
            for name in ("flask", "werkzeug", "sqlalchemy", "gunicorn", "psycopg", "jinja2", "fpdf2")
        },
    }


# --- the run ------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, echo: Callable[[str], None] = print) -> Results:
    wrk = check_tools()
    settings = Settings.from_args(args)
    url = database.database_url()
    secret = os.urandom(32).hex()
    app = database.make_app(url, secret)
    with app.app_context():
        councils = db.session.execute(select(func.count()).select_from(Council)).scalar_one()
    if not councils:
        raise BenchError(f"{database.describe(url)} holds no councils: run `python -m bench seed` first")
    echo(f"database {database.describe(url)}: {councils} councils")

    prepared = prepare(app, settings)
    try:
        scenarios = [s for s in prepared.scenarios if not args.only or s.name in args.only]
        for scenario in scenarios:
            scenario.queries = count_queries(app, scenario)
        pdf_ms = time_certificate_pdf(app)
        floor = next(s for s in prepared.scenarios if s.name == "module")
        results = _load(app, wrk, url, secret, settings, scenarios, floor, echo)
        results.pdf_ms = pdf_ms
        results.machine = machine_info(app, wrk)
        submitted = sessions.count_submitted(app, prepared.attempt_ids)
        quiz = results.by_name("quiz")
        if quiz is not None:
            quiz.notes = f"{submitted} fresh attempts graded"
    finally:
        sessions.drop_attempts(app, prepared.attempt_ids)
        sessions.sign_out(app, prepared.member_ids)
        with app.app_context():
            db.engine.dispose()

    echo("")
    echo(format_report(results))
    output = Path(args.output) if args.output else database.BENCH_DIR / "results.json"
    write_json(results, output)
    echo(f"\nwritten to {output}")
    return results


def _load(
    app: Flask,
    wrk: str,
    url: str,
    secret: str,
    settings: Settings,
    scenarios: list[Scenario],
    floor: Scenario,
    echo: Callable[[str], None],
) -> Results:
    env = {
        **os.environ,
        "COURSE_DATABASE_URL": url,
        "COURSE_SECRET_KEY": secret,
        "COURSE_INSTANCE_DIR": str(database.WORK_DIR / "instance"),
        "PYTHONPATH": str(ROOT),
        # wrk sends each member's next played seconds as fast as it can, faster than anyone watches; the
        # run measures the report's cost, not the plausibility rule, which would refuse most of them.
        "COURSE_MAX_PLAYBACK_RATE": "16",
    }
    hello_data = database.WORK_DIR / "hello.lua"
    write_lua_data(Scenario(HELLO, "hello world", "get", [{"path": "/", "cookie": "none"}]), hello_data)
    floor_data = database.WORK_DIR / "floor.lua"
    write_lua_data(floor, floor_data)
    measurements: list[Measurement] = []
    hello_runs: list[Measurement] = []

    def measure(server: Server, name: str, label: str, data_file: Path) -> Measurement:
        run_wrk(wrk, server.url, data_file, settings.warmup, settings.connections)
        summary = run_wrk(wrk, server.url, data_file, settings.duration, settings.connections)
        measurement = Measurement.from_wrk(name, label, summary)
        # Then one user alone, for the page's own latency.
        single = run_wrk(wrk, server.url, data_file, settings.duration / 2, 1)
        measurement.single_p50_ms = single["p50_us"] / 1000
        measurement.single_p95_ms = single["p95_us"] / 1000
        measurement.errors += Measurement.from_wrk(name, label, single).errors
        echo(
            f"  {label:<36} {measurement.rps:8,.0f} req/s  p95 {measurement.p95_ms:7.1f} ms  "
            f"one user p95 {measurement.single_p95_ms:6.1f} ms  errors {measurement.errors}"
        )
        return measurement

    with (
        gunicorn("hello", "bench.hello:app", settings.workers, env) as hello,
        gunicorn("floor", "bench.floor:create_app()", settings.workers, env) as floor_app,
        gunicorn("site", "course:create_app()", settings.workers, env) as site,
    ):
        hello_runs.append(measure(hello, HELLO, "hello world", hello_data))
        # The module page's requests, answered by the least a signed-in page must do.
        floor_measurement = measure(floor_app, FLOOR, "signed-in floor (one query)", floor_data)
        for scenario in scenarios:
            data_file = database.WORK_DIR / f"{scenario.name}.lua"
            write_lua_data(scenario, data_file)
            measurement = measure(site, scenario.name, scenario.label, data_file)
            measurement.queries = scenario.queries
            measurements.append(measurement)
        hello_runs.append(measure(hello, HELLO, "hello world", hello_data))
        memory = {"site_worker_peak": site.worker_peak_mb(), "hello_worker_peak": hello.worker_peak_mb()}

    hello_rates = [m.rps for m in hello_runs]
    hello_rps = statistics.mean(hello_rates)
    hello_measurement = hello_runs[-1]
    hello_measurement.requests = sum(m.requests for m in hello_runs)
    hello_measurement.seconds = sum(m.seconds for m in hello_runs)
    hello_measurement.p50_ms = max(m.p50_ms for m in hello_runs)
    hello_measurement.p95_ms = max(m.p95_ms for m in hello_runs)
    hello_measurement.p99_ms = max(m.p99_ms for m in hello_runs)
    hello_measurement.single_p50_ms = max(m.single_p50_ms or 0.0 for m in hello_runs)
    hello_measurement.single_p95_ms = max(m.single_p95_ms or 0.0 for m in hello_runs)
    hello_measurement.errors = sum(m.errors for m in hello_runs)
    all_measurements = [*measurements, floor_measurement, hello_measurement]
    apply_ratios(all_measurements, hello_rps)
    return Results(
        database=database.dialect_name(url),
        machine={},
        settings={
            "workers": settings.workers,
            "worker_class": "sync",
            "connections": settings.connections,
            "duration": settings.duration,
            "warmup": settings.warmup,
            "wrk_threads": 1,
        },
        measurements=all_measurements,
        memory_mb=memory,
        hello_runs=hello_rates,
    )
