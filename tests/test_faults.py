"""Faults outside the views: whatever fails, a visitor gets the site's own translated page and headers.

During a PostgreSQL restart one request got the WSGI server's bare 500 page: the view had answered, then
the ROLLBACK that ends the request's transaction failed on the dead connection, after Flask's error handlers
had already run. These tests send real HTTP requests to a real server, so what they see is what a browser
would see.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

import pytest
from flask import Response
from sqlalchemy import text

from course.extensions import db
from tests.conftest import make_test_app
from tests.live import serve


def fetch(base_url: str, path: str, language: str = "da") -> tuple[int, dict[str, str], str]:
    address = urlsplit(base_url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Accept-Language": language})
        reply = connection.getresponse()
        return reply.status, dict(reply.getheaders()), reply.read().decode()
    finally:
        connection.close()


@pytest.fixture
def site(database_url, tmp_path):
    app = make_test_app(
        database_url, tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False, SECRET_KEY="k" * 32
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_rollback_that_fails_after_the_view_answered_does_not_replace_the_answer(site, monkeypatch):
    with site.app_context():
        dialect = db.engine.dialect

    def failing_rollback(dbapi_connection):
        # What the driver (psycopg or sqlite3) raises when the connection died under the transaction.
        raise dialect.loaded_dbapi.OperationalError("server closed the connection unexpectedly")

    def answer_then_lose_the_connection():
        db.session.execute(text("SELECT 1"))  # the request's transaction is open
        monkeypatch.setattr(dialect, "do_rollback", failing_rollback)
        return Response("the answer", mimetype="text/plain")

    site.add_url_rule("/answer", "answer", answer_then_lose_the_connection)
    with serve(site) as base_url:
        status, headers, body = fetch(base_url, "/answer")
        monkeypatch.undo()
        assert status == 200
        assert body == "the answer"
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        # The failed session was thrown away: the next request gets a working one.
        status, _, _ = fetch(base_url, "/healthz")
        assert status == 200


@pytest.mark.parametrize(
    ("language", "title"),
    [("da", "Noget gik galt"), ("sv", "Något gick fel"), ("en", "Something went wrong")],
)
def test_an_error_page_that_cannot_be_rendered_still_answers_with_the_sites_page(
    site, monkeypatch, language, title
):
    import course.web.errors

    def broken_view():
        raise RuntimeError("secret internal detail")

    def broken_template(*args, **kwargs):
        raise RuntimeError("the template could not be rendered either")

    site.add_url_rule("/broken", "broken", broken_view)
    monkeypatch.setattr(course.web.errors, "render_template", broken_template)
    with serve(site) as base_url:
        status, headers, body = fetch(base_url, "/broken", language)
    assert status == 500
    assert title in body
    assert f'lang="{language}"' in body
    assert "secret internal detail" not in body
    assert "Traceback" not in body
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
