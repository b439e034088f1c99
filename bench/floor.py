"""The floor of a signed-in page: the least work any page that knows its member must do.

Under the same gunicorn settings as the site and hello world, this app reads the site's signed session
cookie, looks the session token up with one indexed query on the benchmarked database (the query the site's
own sign-in check runs, without the ORM) and answers with a line of text. No template, no CSRF check, no
security headers, no progress. The query runs outside a transaction: a single read needs none, so the
database is asked once, with no BEGIN before it or ROLLBACK after it. Whatever a real page adds comes on
top, so no signed-in page's share of hello world's requests per second can exceed this app's share;
``bench run`` reports both.
"""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime

from flask import Flask, abort, session
from sqlalchemy import DateTime, bindparam, create_engine, text

from bench.load import SESSION_COOKIE

SESSION_QUERY = text(
    "SELECT member_id FROM login_session WHERE token_hash = :token_hash AND expires_at > :now"
).bindparams(bindparam("now", type_=DateTime(timezone=True)))


def create_app() -> Flask:
    """The app for ``COURSE_DATABASE_URL`` and the site's ``COURSE_SECRET_KEY``."""
    app = Flask(__name__)
    app.secret_key = os.environ["COURSE_SECRET_KEY"]
    app.config["SESSION_COOKIE_NAME"] = SESSION_COOKIE
    engine = create_engine(os.environ["COURSE_DATABASE_URL"], pool_size=2, isolation_level="AUTOCOMMIT")
    # The site keeps UTC times without a zone on SQLite and with one on PostgreSQL.
    aware = engine.dialect.name == "postgresql"

    @app.get("/", defaults={"path": ""})
    @app.get("/<path:path>")
    def signed_in(path: str) -> str:
        token = session.get("_user_id")
        if not isinstance(token, str):
            abort(401)
        now = datetime.now(UTC)
        with engine.connect() as connection:
            member_id = connection.execute(
                SESSION_QUERY,
                {
                    "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                    "now": now if aware else now.replace(tzinfo=None),
                },
            ).scalar()
        if member_id is None:
            abort(401)
        return f"member {member_id}"

    app.extensions["bench.engine"] = engine
    return app
