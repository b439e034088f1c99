"""Backing up and restoring the database.

SQLite is copied with SQLite's online backup API, so a backup taken while the site runs is consistent.
PostgreSQL is dumped with ``pg_dump`` (custom format) and restored with ``pg_restore``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import Engine, make_url


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    parsed = make_url(url)
    args = ["--host", parsed.host or "localhost", "--port", str(parsed.port or 5432)]
    if parsed.username:
        args += ["--username", parsed.username]
    environment = {"PGPASSWORD": parsed.password} if parsed.password else {}
    return args + ["--dbname", parsed.database or ""], environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is missing: install the PostgreSQL client (apt-get install postgresql-client)"
        )
    return path


def _run(command: list[str], environment: dict[str, str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **environment})
    if result.returncode != 0:
        raise BackupError(
            result.stderr.strip().splitlines()[-1]
            if result.stderr.strip()
            else f"{Path(command[0]).name} failed"
        )


def _private_file(target: Path) -> None:
    """Create ``target`` empty and readable by its owner only, before anything is written into it.

    The backup holds password hashes and personal data; created this way it is never readable by others,
    not even for the moment between writing and a later ``chmod``, whatever the umask.
    """
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # a file that was already there keeps its mode through O_CREAT
    finally:
        os.close(descriptor)


def backup_database(url: str, target: Path) -> Path:
    """Write a consistent backup of the database at ``url`` to ``target`` (mode 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        source = _sqlite_path(url)
        if not source.exists():
            raise BackupError(f"{source} does not exist")
        _private_file(target)
        with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
            origin.backup(copy)
        return target
    if dialect == "postgresql":
        args, environment = _pg_args(url)
        _private_file(target)  # pg_dump writes into the file as it finds it, keeping its mode
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                "--file",
                str(target),
                *args,
            ],
            environment,
        )
        return target
    raise BackupError(f"backups of {dialect} databases are not supported")


def restore_database(url: str, source: Path, engine: Engine) -> None:
    """Restore ``source`` into the database at ``url``, which must be empty (no tables)."""
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    existing = inspect(engine).get_table_names()
    if existing:
        raise BackupError(
            f"the database is not empty ({len(existing)} tables); restore into an empty database"
        )
    engine.dispose()
    dialect = make_url(url).get_backend_name()
    if dialect == "sqlite":
        with sqlite3.connect(source) as origin, sqlite3.connect(_sqlite_path(url)) as target:
            origin.backup(target)
        return
    if dialect == "postgresql":
        args, environment = _pg_args(url)
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                *args,
                str(source),
            ],
            environment,
        )
        return
    raise BackupError(f"restoring {dialect} databases is not supported")
