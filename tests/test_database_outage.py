"""The database going away under load: requests fail cleanly with 503 and the site recovers by itself."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PASSWORD, make_test_app
from tests.live import LiveSession, serve
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres_only


def test_requests_fail_with_503_during_an_outage_and_succeed_after(app, database_url, make, course, tmp_path):
    real = make_url(database_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    through_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    site = make_test_app(
        through_proxy,
        tmp_path,
        SQLALCHEMY_ENGINE_OPTIONS={
            "pool_pre_ping": True,
            "pool_size": 5,
            "connect_args": {"connect_timeout": 3},
        },
    )
    member = make.member(make.council("outageby"))
    try:
        with serve(site) as base_url:
            session = LiveSession(base_url)
            session.sign_in(member.email, PASSWORD)
            assert session.get("/").status == 200
            module_path = f"/modules/{course.modules[0].id}"

            proxy.go_down()
            with ThreadPoolExecutor(max_workers=10) as pool:
                replies = list(pool.map(lambda path: session.get(path), ["/", module_path, "/healthz"] * 5))
            assert {reply.status for reply in replies} == {503}
            page = next(reply for reply in replies if not reply.url.endswith("/healthz"))
            assert "Traceback" not in page.body
            assert "psycopg" not in page.body
            assert "database" in page.body.lower() or "databas" in page.body.lower()

            proxy.come_back()
            # No restart of the site: the pool notices the dead connections and opens new ones.
            assert session.get("/healthz").status == 200
            assert session.get("/").status == 200
            assert session.get(module_path).status == 200
    finally:
        proxy.close()
        with site.app_context():
            from course.extensions import db

            db.engine.dispose()


def test_a_database_restart_after_the_view_answered_still_gets_the_sites_answer(database_url, make, tmp_path):
    """The view has read, the database restarts, the view answers: the ROLLBACK that ends the request fails on
    the dead connection. The visitor still gets the view's answer with the site's headers, not the WSGI
    server's bare 500 page, and the next request works on a new connection."""
    import http.client
    from urllib.parse import urlsplit

    from flask import Response
    from sqlalchemy import text

    from course.extensions import db

    real = make_url(database_url)
    proxy = TcpProxy(real.host or "127.0.0.1", real.port or 5432)
    through_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    site = make_test_app(
        through_proxy,
        tmp_path,
        TESTING=False,
        PROPAGATE_EXCEPTIONS=False,
        SECRET_KEY="k" * 32,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 3}},
    )

    def read_then_restart():
        count = db.session.execute(text("SELECT count(*) FROM member")).scalar_one()
        proxy.go_down()
        proxy.come_back()  # the server is back; this request's connection is not
        return Response(f"{count} members", mimetype="text/plain")

    site.add_url_rule("/read-then-restart", "read_then_restart", read_then_restart)
    make.member(make.council("restartby"))
    try:
        with serve(site) as base_url:
            address = urlsplit(base_url)
            for path, status, body in (("/read-then-restart", 200, "1 members"), ("/healthz", 200, None)):
                connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
                connection.request("GET", path)
                reply = connection.getresponse()
                text_body = reply.read().decode()
                assert reply.status == status, text_body
                assert "default-src 'self'" in reply.getheader("Content-Security-Policy")
                if body:
                    assert text_body == body
                connection.close()
    finally:
        proxy.close()
        with site.app_context():
            db.engine.dispose()
