"""Database helpers shared by the feature packages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import DateTime, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from course.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python.

    SQLite has no time zones, so values are stored there as naive UTC and given their zone back on load.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def insert_ignoring_conflict(model: type, values: dict[str, Any], index_elements: list[str]) -> bool:
    """Insert a row unless one with the same unique key exists; True when a row was inserted.

    Used where two requests may race to create the same row (progress, completions): the database's
    unique constraint decides, and on SQLite the insert also takes the write lock for the transaction.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    statement = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=index_elements)
        # RETURNING tells reliably whether a row went in; rowcount is not reported by every driver here.
        .returning(*table.primary_key.columns)
    )
    return db.session.execute(statement).first() is not None


def remove_session(exception: BaseException | None = None) -> None:
    """End the request's session even when the database has gone away under it.

    Closing the session rolls back a transaction the view left open. During a database restart that ROLLBACK
    fails, and it fails after the view has answered and after Flask's error handlers have run: raised from
    here, the error would replace the answer with the WSGI server's bare 500 page. The transaction is gone
    with the connection anyway, so the connections are invalidated (the pool opens new ones) and the session
    is discarded.
    """
    try:
        db.session.remove()
    except SQLAlchemyError as error:
        current_app.logger.warning("could not end the database session cleanly: %s", error.__class__.__name__)
        try:
            db.session().invalidate()
        except SQLAlchemyError:
            pass
        finally:
            db.session.registry.clear()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    # Foreign keys are off by default in SQLite; WAL lets readers proceed while one request writes.
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
