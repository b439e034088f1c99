"""Backup and restore: a backup restored into an empty database holds everything."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import create_engine, func, select, text

from course.extensions import db
from course.learning.models import QuizAttempt
from tests.conftest import ON_POSTGRES, make_test_app
from tests.helpers import complete_module


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A second, empty database of the same kind as the test database."""
    if not ON_POSTGRES:
        yield "sqlite:///" + str(tmp_path / "restored.db")
        return
    from sqlalchemy.engine import make_url

    server = make_url(database_url)
    name = server.database + "_restore"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def test_backup_restored_into_an_empty_database_has_everything(
    app, client, auth, make, course, runner, empty_database, tmp_path
):
    member = make.member(make.council("backupby"), "æble@example.org", name="Åsa Ærø")
    auth.login(member.email)
    complete_module(client, app, course, course.modules[0].id)
    with app.app_context():
        attempts = db.session.scalar(select(func.count()).select_from(QuizAttempt))
    assert attempts == 2

    backup = tmp_path / "course.backup"
    result = runner.invoke(args=["backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.stat().st_size > 0

    restored = make_test_app(empty_database, tmp_path / "instance")
    result = restored.test_cli_runner().invoke(args=["restore", str(backup)])
    assert result.exit_code == 0, result.output
    with restored.app_context():
        from course.people.models import Member

        names = db.session.scalars(select(Member.name)).all()
        restored_attempts = db.session.scalar(select(func.count()).select_from(QuizAttempt))
        db.engine.dispose()
    assert names == ["Åsa Ærø"]
    assert restored_attempts == attempts
    # The restored site works: the member signs in and sees their completed module.
    restored_client = restored.test_client()
    restored_client.post("/login", data={"email": member.email, "password": "correct horse battery staple"})
    assert "1 af 3 moduler gennemført" in restored_client.get("/").get_data(as_text=True)


def test_restore_refuses_a_database_that_is_not_empty(runner, tmp_path):
    backup = tmp_path / "course.backup"
    assert runner.invoke(args=["backup", str(backup)]).exit_code == 0
    result = runner.invoke(args=["restore", str(backup)])
    assert result.exit_code == 1
    assert "not empty" in result.output


@pytest.mark.parametrize("existing", [False, True], ids=["new file", "file already there"])
def test_the_backup_is_readable_by_its_owner_only(runner, make, tmp_path, existing):
    # The dump holds password hashes and personal data: whatever the umask, nobody else may read it.
    make.member(make.council("modeby"))
    backup = tmp_path / "course.backup"
    if existing:
        backup.write_bytes(b"old")
        backup.chmod(0o644)
    previous = os.umask(0o022)
    try:
        result = runner.invoke(args=["backup", str(backup)])
    finally:
        os.umask(previous)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert backup.stat().st_size > 3
