"""Site-wide behaviour: health check, security headers, media with ranges, error pages."""

from __future__ import annotations

import pytest


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_does_not(tmp_path):
    from tests.conftest import make_test_app

    broken = make_test_app("postgresql+psycopg://nobody@127.0.0.1:1/none", tmp_path)
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_security_headers_are_on_every_response(client):
    for path in ("/login", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "'unsafe-inline'" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(client, auth, make, course):
    import re

    auth.login(make.member().email)
    for path in ("/login", "/", f"/modules/{course.modules[0].id}"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html, path
        assert "<style" not in html, path


def test_videos_are_served_with_range_requests(client, course):
    video = course.modules[0].video("da")
    source = video.sources[0].path
    response = client.get(f"/media/{video.module_id}/da/{source}", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.headers["Content-Range"].startswith("bytes 0-99/")
    assert len(response.data) == 100


def test_captions_are_served_as_webvtt(client, course):
    video = course.modules[0].video("sv")
    response = client.get(f"/media/{video.module_id}/sv/{video.captions['en']}")
    assert response.status_code == 200
    assert response.mimetype == "text/vtt"
    assert response.get_data(as_text=True).startswith("WEBVTT")


@pytest.mark.parametrize("path", ["manifest.json", "../../modules/course.yaml", "nope.mp4"])
def test_only_files_named_in_the_manifest_are_served(client, course, path):
    assert client.get(f"/media/{course.modules[0].id}/da/{path}").status_code == 404


@pytest.mark.parametrize(
    ("language", "not_found", "forbidden"),
    [
        ("da", "Siden findes ikke", "Du har ikke adgang"),
        ("sv", "Sidan hittades inte", "Du har inte behörighet"),
        ("en", "Page not found", "You do not have access"),
    ],
)
def test_error_pages_are_translated_and_reveal_nothing(client, auth, make, language, not_found, forbidden):
    response = client.get("/no-such-page", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert not_found in html
    assert "Traceback" not in html

    # A councillor asking for the administration's pages.
    auth.login(make.member(make.council("errorby"), locale=language).email)
    response = client.get("/admin/", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 403
    assert forbidden in html
    assert "Traceback" not in html
    assert "admin_required" not in html


def test_pages_about_a_signed_in_member_are_not_cached(client, auth, make):
    auth.login(make.member().email)
    assert client.get("/").headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("language", "title"),
    [("da", "Noget gik galt"), ("sv", "Något gick fel"), ("en", "Something went wrong")],
)
def test_server_errors_show_a_translated_page_without_internal_detail(
    database_url, tmp_path, language, title
):
    from tests.conftest import make_test_app

    site = make_test_app(
        database_url, tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False, SECRET_KEY="k" * 32
    )

    def broken():
        raise RuntimeError("secret internal detail")

    site.add_url_rule("/broken", "broken", broken)
    response = site.test_client().get("/broken", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert title in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


def test_strict_transport_security_when_served_over_https(database_url, tmp_path):
    from tests.conftest import make_test_app

    site = make_test_app(database_url, tmp_path, COURSE_BASE_URL="https://course.example.dk")
    response = site.test_client().get("/login")
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    assert site.config["SESSION_COOKIE_SECURE"] is True
