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
