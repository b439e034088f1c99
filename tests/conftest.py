"""Shared fixtures: one app per session on a fresh database (SQLite, or PostgreSQL when
COURSE_DATABASE_URL points at a server), emptied after every test.

Tests commit for real: the services rely on real transactions (row locks, one completion per member and
module, double submits), which a test-wide rolled-back transaction would hide.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from course import create_app
from course.cli import compile_catalogues
from course.config import default_data_dir
from course.extensions import db
from tests.helpers import round_in_term, round_of

IS_CI = os.environ.get("CI", "").lower() == "true"
BASE_DATABASE_URL = os.environ.get("COURSE_DATABASE_URL", "")
ON_POSTGRES = BASE_DATABASE_URL.startswith("postgresql")
PASSWORD = "correct horse battery staple"


def pytest_configure(config: pytest.Config) -> None:
    # Catalogues are compiled once per test session, never committed.
    compile_catalogues(Path(os.environ.get("COURSE_TRANSLATIONS_DIR") or default_data_dir("translations")))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests are deselected (not skipped) on SQLite; the PostgreSQL run covers them."""
    if ON_POSTGRES:
        return
    selected = [item for item in items if item.get_closest_marker("postgres_only") is None]
    deselected = [item for item in items if item.get_closest_marker("postgres_only") is not None]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """On CI a skipped browser or PostgreSQL test is a failure: CI installs everything they need."""
    outcome = yield
    report = outcome.get_result()
    needs_ci = item.get_closest_marker("browser") or item.get_closest_marker("postgres_only")
    if IS_CI and report.skipped and needs_ci and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, where it must run: {report.longrepr}"


# --- database --------------------------------------------------------------------------------------


@contextmanager
def own_database(directory: Path, prefix: str = "council_course_test") -> Iterator[str]:
    """A database of our own, dropped afterwards: a SQLite file in ``directory``, or a new database on the
    PostgreSQL server when the suite runs on PostgreSQL (the configured one is left alone)."""
    if not ON_POSTGRES:
        yield "sqlite:///" + str(directory / "test.db")
        return
    server = make_url(BASE_DATABASE_URL)
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_database(tmp_path_factory.mktemp("db")) as url:
        yield url


def make_test_app(database_url: str, instance_dir: Path, **overrides: object) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "COURSE_INSTANCE_DIR": str(instance_dir),
        "COURSE_BASE_URL": "http://localhost",
        "ARGON2_FAST": True,
        "WTF_CSRF_ENABLED": False,
        "COURSE_MAX_PLAYBACK_RATE": 2.0,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    app = make_test_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()  # the schema comes from the migrations, so every test also exercises them
    yield app
    app.extensions["seminar_hub"].stop()  # its watcher may hold a connection to the test database
    with app.app_context():
        db.engine.dispose()


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))
        db.session.remove()


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        from course.extensions import limiter
        from course.mail.background import wait_for_jobs

        wait_for_jobs()  # e-mail sent after a response writes to the database too

        _empty_tables(request.getfixturevalue("app"))
        with request.getfixturevalue("app").app_context():
            limiter.reset()  # rate-limit counters are per test too


@pytest.fixture
def app_context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def course(app: Flask):
    from course.web.course import get_course

    with app.app_context():
        return get_course()


# --- factories ---------------------------------------------------------------------------------------


@dataclass
class Factory:
    app: Flask

    def council(
        self, slug: str = "testby", *, country: str = "dk", locale: str = "da", name: str | None = None
    ):
        from course.people.services import create_council

        with self.app.app_context():
            council = create_council(slug, name or slug.title() + " Kommune", country, locale)
            db.session.commit()
            return db.session.get(type(council), council.id)

    def member(
        self,
        council=None,
        email: str | None = None,
        *,
        name: str = "Test Member",
        password: str | None = PASSWORD,
        **options,
    ):
        from course.auth.services import set_password
        from course.people.models import Council
        from course.people.services import add_member

        council = council or self.council(f"council-{secrets.token_hex(3)}")
        with self.app.app_context():
            council = db.session.get(Council, council.id)
            member = add_member(
                council, email or f"member-{secrets.token_hex(4)}@example.org", name, **options
            )
            if password:
                set_password(member, password)
            db.session.commit()
            return _Detached(
                member_id=member.id, email=member.email, council_id=council.id, country=council.country
            )


@dataclass(frozen=True)
class _Detached:
    """What tests need about a member, without holding an ORM object across app contexts."""

    member_id: int
    email: str
    council_id: int
    country: str

    @property
    def id(self) -> int:
        return self.member_id


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


class AuthActions:
    def __init__(self, client: FlaskClient) -> None:
        self._client = client

    def login(self, email: str, password: str = PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], object]:
    """``with count_queries() as counter: ...`` then ``counter.count`` is the number of SQL statements."""

    @contextmanager
    def counting() -> Iterator[_Counter]:
        counter = _Counter()
        with app.app_context():
            engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "PRAGMA")):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


class _Counter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


# --- e-mail ----------------------------------------------------------------------------------------------


class SMTPCollector:
    """An aiosmtpd handler keeping every message that arrived, parsed.

    ``messages`` first waits for the e-mail the site sends after its responses (course.mail.background).
    ``block()`` makes the server hold every message at DATA until ``release()``: a client sending
    synchronously would hang there, which is how a test proves that a response did not wait for the mail.
    """

    def __init__(self) -> None:
        import threading

        self.received: list = []
        self.arrived = threading.Event()  # a message reached DATA (and, when blocked, is being held)
        self._gate = threading.Event()
        self._gate.set()

    def block(self) -> None:
        self._gate.clear()

    def release(self) -> None:
        self._gate.set()

    async def receive(self, envelope) -> str:
        import asyncio
        import email
        import email.policy

        self.arrived.set()
        # Held in a thread, so the server's event loop stays free; bounded so a failing test cannot hang.
        await asyncio.get_running_loop().run_in_executor(None, self._gate.wait, 60)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message.envelope_recipients = list(envelope.rcpt_tos)
        self.received.append(message)
        return "250 Message accepted"

    @property
    def messages(self) -> list:
        from course.mail.background import wait_for_jobs

        wait_for_jobs()
        return self.received

    def to(self, address: str) -> list:
        return [message for message in self.messages if address in message.envelope_recipients]


class _SMTPHandler:
    """aiosmtpd's handler; kept apart from the collector, whose properties aiosmtpd would read."""

    def __init__(self, collector: SMTPCollector) -> None:
        self.collector = collector

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        return await self.collector.receive(envelope)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(app, monkeypatch) -> Iterator[SMTPCollector]:
    """A real SMTP server on loopback; the app sends its e-mail there for the duration of the test."""
    from aiosmtpd.controller import Controller

    collector = SMTPCollector()
    port = _free_port()
    controller = Controller(_SMTPHandler(collector), hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", port)
    monkeypatch.setitem(app.config, "COURSE_SMTP_STARTTLS", False)
    try:
        yield collector
    finally:
        controller.stop()


# --- certificates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCertificate:
    id: int
    code: str
    member_id: int


@pytest.fixture
def record_completion(app: Flask):
    """``record_completion(member, completed_at=None) -> int``: store an online course completion as the
    learning service does when the last quiz is passed, without taking the course through the site. The
    completion signal is not sent, so no certificate is issued. A completion in an earlier council term goes
    into that term's round (made if need be), as the migration puts existing data."""
    from course.db import utcnow
    from course.learning.models import CourseCompletion
    from course.web.course import get_course

    def record(member, completed_at=None) -> int:
        with app.app_context():
            completion = CourseCompletion(
                round_id=round_of(member.id)
                if completed_at is None
                else round_in_term(member.id, completed_at),
                member_id=member.id,
                completed_at=completed_at or utcnow(),
                content_version=get_course().version,
            )
            db.session.add(completion)
            db.session.commit()
            return completion.id

    return record


@pytest.fixture
def certify(app: Flask, record_completion):
    """``certify(member, completed_at=None, now=None) -> IssuedCertificate``: an online completion and its
    certificate, issued as the automatic issuing does."""
    from course.certificates.operations import issue_certificate
    from course.learning.models import CourseCompletion
    from course.web.course import get_course

    def run(member, completed_at=None, now=None) -> IssuedCertificate:
        completion_id = record_completion(member, completed_at)
        with app.app_context():
            completion = db.session.get(CourseCompletion, completion_id)
            certificate = issue_certificate(completion, get_course(), now=now).certificate
            db.session.commit()
            return IssuedCertificate(certificate.id, certificate.code, member.id)

    return run
