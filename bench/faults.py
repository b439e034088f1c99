"""``python -m bench faults``: 50 members write while the database restarts and workers are killed, and
afterwards nothing the site acknowledged is missing.

Everything runs on 127.0.0.1 and is bounded (about a minute): gunicorn with threads on a free port; a TCP
proxy in front of PostgreSQL, whose "restart" cuts every connection and refuses new ones for a few seconds
as a restarting server does (the shared server itself is not touched); an SMTP server on loopback that
counts what arrives. The database is a fresh one on the server ``COURSE_DATABASE_URL`` names, dropped at the
end.

The load: each of 50 signed-in members reports one new second of video every 0.2 s (``POST /api/progress``).
A report answered 200 is an acknowledged write. Sign-in links and password resets are asked for around
each fault; an answer 200 ("we have sent you an e-mail") is an acknowledged e-mail. The faults, in turn: one
worker killed with SIGKILL, a graceful reload of every worker (SIGHUP), a database restart. Afterwards
``council-course send-mail`` runs once (as cron would), then the script checks that every acknowledged second
is in the member's watched intervals and every acknowledged e-mail arrived, and counts the answers by status.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from bench import database
from bench.load import ROOT, BenchError, Server, _free_port, _wait_until_up
from bench.sessions import USER_AGENT, sign_in

MEMBERS = 50
REPORT_INTERVAL = 0.2


@dataclass
class Tally:
    statuses: Counter = field(default_factory=Counter)
    #: member id -> seconds whose report was answered 200
    acknowledged: dict[int, set[int]] = field(default_factory=dict)
    #: address -> number of e-mail requests answered 200
    mail_requests: Counter = field(default_factory=Counter)
    foreign_errors: int = 0  # 5xx pages that are not the site's own (no security headers)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int | str, headers: dict[str, str] | None = None) -> None:
        with self.lock:
            self.statuses[status] += 1
            if isinstance(status, int) and status >= 500 and "Content-Security-Policy" not in (headers or {}):
                self.foreign_errors += 1


def _request(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read()
    finally:
        connection.close()


def _reporter(port: int, signed, module: str, duration: float, stop: threading.Event, tally: Tally) -> None:
    headers = {
        "Cookie": f"council_course_session={signed.cookie}",
        "X-CSRFToken": signed.csrf,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
    }
    acknowledged = tally.acknowledged.setdefault(signed.member_id, set())
    second = 0
    while not stop.is_set() and second + 1 <= duration:
        body = json.dumps({"module": module, "language": "da", "segments": [[second, second + 1]]}).encode()
        try:
            status, reply_headers, _ = _request(port, "POST", "/api/progress", body, headers)
        except OSError as error:  # a killed worker: the connection drops, nothing was acknowledged
            tally.count(type(error).__name__)
        else:
            tally.count(status, reply_headers)
            if status == 200:
                acknowledged.add(second)
        second += 1
        stop.wait(REPORT_INTERVAL)


def _ask_for_mail(port: int, path: str, address: str, tally: Tally) -> None:
    """GET the form (a session and its CSRF token), then POST it, as a browser does."""
    try:
        status, headers, page = _request(port, "GET", path, None, {"User-Agent": USER_AGENT})
        cookie = headers.get("Set-Cookie", "").split(";")[0]
        token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page)
        if status != 200 or token is None:
            tally.count(status, headers)
            return
        form = urlencode({"email": address, "csrf_token": token.group(1).decode()}).encode()
        status, headers, _ = _request(
            port,
            "POST",
            path,
            form,
            {"Cookie": cookie, "User-Agent": USER_AGENT, "Content-Type": "application/x-www-form-urlencoded"},
        )
    except OSError as error:
        tally.count(type(error).__name__)
        return
    tally.count(status, headers)
    if status == 200:
        with tally.lock:
            tally.mail_requests[address] += 1


class _Inbox:
    """aiosmtpd handler counting the messages each address received."""

    def __init__(self) -> None:
        self.received: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        for address in envelope.rcpt_tos:
            self.received[address.lower()] += 1
        return "250 Message accepted"


def _create_database(url: str) -> str:
    server = make_url(url)
    if server.get_backend_name() != "postgresql" or server.host not in ("127.0.0.1", "localhost"):
        raise BenchError(
            "set COURSE_DATABASE_URL to a PostgreSQL server on 127.0.0.1 (a database is created)"
        )
    name = f"council_course_faults_{os.getpid()}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str, base: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _prepare(url: str) -> tuple[Any, list[int], str, float]:
    from flask_migrate import upgrade

    from course.extensions import db
    from course.people.services import add_member, create_council
    from course.web.course import get_course

    app = database.make_app(url, secret_key=secrets.token_hex(32))
    with app.app_context():
        upgrade()
        council = create_council("faultby", "Faultby Kommune", "dk", "da")
        ids = [add_member(council, f"m{n}@faultby.example", f"Member {n}").id for n in range(MEMBERS)]
        db.session.commit()
        module = get_course().modules[0]
        duration = module.video("da").duration
    return app, ids, module.id, duration


def _start_gunicorn(env: dict[str, str], workers: int) -> Server:
    port = _free_port()
    log = database.WORK_DIR / "faults.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--threads",
        "4",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "course:create_app()",
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = Server("site", process, port, log)
    _wait_until_up(server)
    return server


def run(args: argparse.Namespace, echo=print) -> dict[str, Any]:
    from aiosmtpd.controller import Controller

    from tests.tcp_proxy import TcpProxy

    base = database.database_url()
    url = _create_database(base)
    real = make_url(url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    inbox = _Inbox()
    smtp_port = _free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    server = None
    try:
        app, member_ids, module_id, duration = _prepare(url)
        sessions = sign_in(app, member_ids)
        instance = database.WORK_DIR / "faults-instance"
        instance.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "COURSE_DATABASE_URL": real.set(host="127.0.0.1", port=proxy.port).render_as_string(
                hide_password=False
            ),
            "COURSE_SECRET_KEY": app.config["SECRET_KEY"],
            "COURSE_INSTANCE_DIR": str(instance),
            "COURSE_SMTP_HOST": "127.0.0.1",
            "COURSE_SMTP_PORT": str(smtp_port),
            "COURSE_SMTP_STARTTLS": "false",
            # One second every 0.2 s is five times real time; plausibility is not what this run measures.
            "COURSE_MAX_PLAYBACK_RATE": "16",
        }
        server = _start_gunicorn(env, args.workers)
        echo(f"gunicorn {args.workers} workers x 4 threads on 127.0.0.1:{server.port}; {MEMBERS} members")

        tally = Tally()
        stop = threading.Event()
        reporters = [
            threading.Thread(target=_reporter, args=(server.port, signed, module_id, duration, stop, tally))
            for signed in sessions.values()
        ]
        for thread in reporters:
            thread.start()
        addresses = iter(f"m{n}@faultby.example" for n in range(MEMBERS))
        step = args.duration / 4

        def ask(path: str, count: int) -> None:
            for _ in range(count):
                _ask_for_mail(server.port, path, next(addresses), tally)

        time.sleep(step)
        ask("/login/link", 5)
        workers = server.worker_pids()
        os.kill(workers[0], signal.SIGKILL)
        echo(f"{step:.0f} s: 5 sign-in links asked for, then worker {workers[0]} killed (SIGKILL)")
        time.sleep(step)
        ask("/password/forgot", 5)
        server.process.send_signal(signal.SIGHUP)
        echo(f"{2 * step:.0f} s: 5 password resets asked for, then every worker reloaded (SIGHUP)")
        time.sleep(step)
        ask("/login/link", 5)
        proxy.go_down()
        echo(f"{3 * step:.0f} s: 5 sign-in links asked for, then the database restarts ({args.outage:.0f} s)")
        time.sleep(args.outage)
        proxy.come_back()
        time.sleep(max(step - args.outage, 1))
        stop.set()
        for thread in reporters:
            thread.join(timeout=60)
        echo(f"{args.duration:.0f} s: load stopped")

        # What cron would do after the restarts: deliver what a stopped worker left behind.
        with app.app_context():
            from course.db import utcnow
            from course.mail.background import wait_for_jobs
            from course.mail.outbox import CLAIM_SECONDS, deliver_pending

            app.config.update(
                COURSE_SMTP_HOST="127.0.0.1", COURSE_SMTP_PORT=smtp_port, COURSE_SMTP_STARTTLS=False
            )
            # Cron runs it every few minutes; rather than wait, the clock is moved past the claim that a
            # worker holds on an e-mail it was sending when it died or the database went away.
            left = deliver_pending(now=utcnow() + timedelta(seconds=CLAIM_SECONDS + 1))
            wait_for_jobs()
        time.sleep(1)
        return _check(app, tally, inbox, module_id, left, echo)
    finally:
        if server is not None:
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.process.kill()
        smtp.stop()
        proxy.close()
        _drop_database(url, base)


def _check(app, tally: Tally, inbox: _Inbox, module_id: str, left, echo) -> dict[str, Any]:
    from course.extensions import db
    from course.learning.models import VideoProgress
    from course.people.models import Council

    with app.app_context():
        stored = {
            member_id: intervals
            for member_id, intervals in db.session.execute(
                select(VideoProgress.member_id, VideoProgress.intervals)
                .join(Council, Council.current_round_id == VideoProgress.round_id)
                .where(VideoProgress.module_id == module_id, VideoProgress.language == "da")
            ).all()
        }
        db.engine.dispose()
    acknowledged = sum(len(seconds) for seconds in tally.acknowledged.values())
    lost_writes = sum(
        1
        for member_id, seconds in tally.acknowledged.items()
        for second in seconds
        if not any(start <= second and second + 1 <= end for start, end in stored.get(member_id, []))
    )
    mail_acknowledged = sum(tally.mail_requests.values())
    lost_mail = sum(max(0, count - inbox.received[address]) for address, count in tally.mail_requests.items())
    if lost_mail:
        echo(f"not delivered: {[a for a, n in tally.mail_requests.items() if inbox.received[a] < n]}")
    result = {
        "progress_reports_acknowledged": acknowledged,
        "progress_reports_lost": lost_writes,
        "mail_acknowledged": mail_acknowledged,
        "mail_delivered": sum(inbox.received.values()),
        "mail_lost": lost_mail,
        "mail_delivered_by_send_mail": left.sent,
        "answers": {str(key): value for key, value in sorted(tally.statuses.items(), key=str)},
        "errors_without_the_sites_page": tally.foreign_errors,
    }
    echo(json.dumps(result, indent=2))
    return result


def add_parser(commands) -> None:
    faults = commands.add_parser("faults", help="writes under a database restart and killed workers")
    faults.add_argument("--duration", type=float, default=40.0, help="seconds of load (default 40)")
    faults.add_argument("--outage", type=float, default=4.0, help="seconds the database is away (default 4)")
    faults.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    faults.add_argument("--output", default=None, help="also write the result as JSON to this file")
    faults.set_defaults(handler=_main)


def _main(args: argparse.Namespace) -> int:
    try:
        result = run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.output:
        Path(args.output).write_text(json.dumps(result, indent=2) + "\n")
    lost = result["progress_reports_lost"] + result["mail_lost"] + result["errors_without_the_sites_page"]
    return 1 if lost else 0
