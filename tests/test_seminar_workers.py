"""Live seminar updates across processes: two real gunicorn workers (gthread) on the test database. A change
committed by another process (this test's) reaches open streams on every worker through the database alone
(version polling on SQLite, LISTEN/NOTIFY on PostgreSQL), and so does a change posted to either worker."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import date
from urllib.parse import urlsplit

import pytest

from bench import sessions
from bench.sessions import USER_AGENT
from course.extensions import db
from course.people.models import Council, Member
from course.seminars import operations
from course.seminars.material import list_material
from course.seminars.models import Seminar
from tests.conftest import make_test_app

SECRET = "two workers share this key " + "x" * 32
COOKIE = "council_course_session"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def gunicorn(database_url, tmp_path):
    port = _free_port()
    environment = {
        **os.environ,
        "COURSE_DATABASE_URL": database_url,
        "COURSE_SECRET_KEY": SECRET,
        "COURSE_INSTANCE_DIR": str(tmp_path),
        "COURSE_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable, "-m", "gunicorn", "--workers", "2", "--worker-class", "gthread", "--threads", "16",
        "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "2", "course:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("gunicorn did not start: " + process.stderr.read().decode()[-2000:])
    yield f"http://127.0.0.1:{port}"
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Stream(threading.Thread):
    """One phone's event stream, read on its own connection; records each event's id and when it came."""

    def __init__(self, base_url: str, path: str, cookie: str) -> None:
        super().__init__(daemon=True)
        parts = urlsplit(base_url)
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
        headers = {"Cookie": cookie, "Accept": "text/event-stream", "User-Agent": USER_AGENT}
        self.connection.request("GET", path, headers=headers)
        self.response = self.connection.getresponse()
        assert self.response.status == 200
        self.events: list[tuple[int, float, str]] = []
        self.stopped = False

    def run(self) -> None:
        block = []
        try:
            while not self.stopped:
                line = self.response.fp.readline().decode()
                if not line:
                    return
                if line.strip():
                    block.append(line.rstrip("\n"))
                    continue
                text = "\n".join(block)
                block = []
                match = re.search(r"^id: (\d+)$", text, re.M)
                if match:
                    self.events.append((int(match.group(1)), time.monotonic(), text))
        except OSError:
            return

    def wait_for(self, version: int, timeout: float) -> tuple[float, str] | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event_id, at, text in list(self.events):
                if event_id >= version:
                    return at, text
            time.sleep(0.02)
        return None

    def close(self) -> None:
        # Shut the socket down first: closing it under the reading thread would wait for the next heartbeat.
        self.stopped = True
        if self.connection.sock is not None:
            self.connection.sock.shutdown(socket.SHUT_RDWR)
        self.connection.close()


def test_changes_reach_every_stream_on_both_workers(app, make, course, gunicorn, database_url, tmp_path):
    council = make.council("arbejdsby", name="Arbejdsby Kommune")
    admin = make.member(council, "chef@arbejdsby.example", is_admin=True)
    members = [make.member(council, f"m{n}@arbejdsby.example") for n in range(8)]
    with app.app_context():
        seminar = operations.plan_seminar(
            db.session.get(Council, council.id),
            "Seminar",
            date.today(),
            "",
            actor=db.session.get(Member, admin.id),
        )
        for card in list_material(course.conversation)[:3]:
            operations.add_card(seminar, card, "da", actor=db.session.get(Member, admin.id))
        db.session.commit()
        seminar_id, code = seminar.id, seminar.join_code

    # Signed in the way the site signs in (a session row and a signed cookie), sparing Argon2 checks.
    signer = make_test_app(database_url, tmp_path / "signer", SECRET_KEY=SECRET)
    signed = sessions.sign_in(signer, [member.id for member in [*members, admin]])
    streams = []
    for member in members:
        cookie = f"{COOKIE}={signed[member.id].cookie}"
        stream = Stream(gunicorn, f"/seminars/{code}/events", cookie)
        stream.start()
        streams.append(stream)
    try:
        for stream in streams:
            assert stream.wait_for(1, 10) is not None, "no state on connect"

        # A change committed by a third process: only the database can tell the workers.
        with app.app_context():
            seminar = db.session.get(Seminar, seminar_id)
            operations.step(seminar, 1, actor=db.session.get(Member, admin.id))
            db.session.commit()
            version = seminar.version
        committed = time.monotonic()
        for stream in streams:
            received = stream.wait_for(version, 5)
            assert received is not None, "a stream never saw the change"
            assert received[0] - committed < 3.0
            assert "Kort 1 af 3" in received[1]

        # The facilitator's "next", posted to whichever worker takes it, reaches the phones on both.
        parts = urlsplit(gunicorn)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=20)
        connection.request(
            "POST",
            f"/admin/seminars/{seminar_id}/next",
            headers={
                "Cookie": f"{COOKIE}={signed[admin.id].cookie}",
                "X-CSRFToken": signed[admin.id].csrf,
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
            },
        )
        reply = connection.getresponse()
        assert reply.status == 200
        new_version = json.loads(reply.read())["version"]
        connection.close()
        for stream in streams:
            received = stream.wait_for(new_version, 5)
            assert received is not None
            assert "Kort 2 af 3" in received[1]
    finally:
        for stream in streams:
            stream.close()
