"""Which database the benchmark uses, and the site object it prepares that database with."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import make_url

from course import create_app

BENCH_DIR = Path(__file__).resolve().parent
#: Databases, generated Lua data and the instance folder of the benchmarked site (git-ignored).
WORK_DIR = BENCH_DIR / ".work"


def database_url(environ: dict[str, str] | None = None) -> str:
    """``COURSE_DATABASE_URL`` when set, else a SQLite file under ``bench/.work``."""
    environ = dict(os.environ) if environ is None else environ
    url = environ.get("COURSE_DATABASE_URL", "").strip()
    if url:
        return url
    WORK_DIR.mkdir(exist_ok=True)
    return "sqlite:///" + str(WORK_DIR / "bench.db")


def dialect_name(url: str) -> str:
    return make_url(url).get_backend_name()


def describe(url: str) -> str:
    """The URL without its password, for printing."""
    return make_url(url).render_as_string(hide_password=True)


def make_app(url: str, secret_key: str | None = None, **overrides: Any) -> Flask:
    """The site on ``url``, as the harness uses it in-process (seeding, sessions, counting queries)."""
    instance = WORK_DIR / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": url,
        "COURSE_INSTANCE_DIR": str(instance),
        "COURSE_SECRET_KEY": secret_key or secrets.token_hex(32),
    }
    config.update(overrides)
    return create_app(config)


def drop_everything(url: str) -> None:
    """Drop every table in the database, the Alembic version table included."""
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    finally:
        engine.dispose()
