"""Sign-in sessions: where a member is signed in, signing out everywhere, and the idle limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from course.auth.models import LoginSession
from course.auth.services import describe_user_agent
from course.db import utcnow
from course.extensions import db
from tests.conftest import PASSWORD, make_test_app

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def member(make):
    return make.member(make.council("sessionby"), "sanne@sessionby.example", locale="en")


def browser(app, member, user_agent: str):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    assert client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 302
    return client


def set_last_seen(app, ago: timedelta) -> None:
    with app.app_context():
        db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - ago))
        db.session.commit()


def test_the_member_sees_where_they_are_signed_in_with_this_browser_marked(app, make, member):
    laptop = browser(app, member, FIREFOX_WINDOWS)
    phone = browser(app, member, SAFARI_IPHONE)
    someone_else = make.member(make.council("otherby"), "other@otherby.example")
    browser(app, someone_else, "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36")

    page = phone.get("/account/sessions")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Firefox on Windows" in html
    assert "Safari on iPhone" in html
    assert "Chrome on Linux" not in html
    assert html.count("This browser, the one you are using now") == 1
    current_row = html.split("This browser, the one you are using now")[0].rsplit("<tr>", 1)[1]
    assert "Safari on iPhone" in current_row
    assert "ends after 8 hours without use, and after 14 days" in html
    assert 'href="/account/sessions"' in laptop.get("/").get_data(as_text=True)
    assert page.headers["Cache-Control"].startswith("no-store") or "no-store" in page.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("language", "title", "current"),
    [
        ("da", "Her er du logget ind", "Denne browser, som du bruger nu"),
        ("sv", "Här är du inloggad", "Den här webbläsaren, som du använder nu"),
    ],
)
def test_the_page_is_translated(app, make, language, title, current):
    member = make.member(make.council(f"lang{language}by"), f"m@{language}.example", locale=language)
    client = browser(app, member, FIREFOX_WINDOWS)
    html = client.get("/account/sessions").get_data(as_text=True)
    assert title in html
    assert current in html


def test_signing_out_everywhere_ends_every_session_of_the_member_only(app, make, member):
    laptop = browser(app, member, FIREFOX_WINDOWS)
    phone = browser(app, member, SAFARI_IPHONE)
    other = browser(app, make.member(make.council("keepby"), "keep@keepby.example"), FIREFOX_WINDOWS)
    response = phone.post("/account/sessions/end")
    assert response.status_code == 302
    assert response.location == "/login?signed_out=everywhere"
    page = phone.get(response.location, headers={"Accept-Language": "en"})
    assert "You are signed out on every device and browser." in page.get_data(as_text=True)
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert other.get("/").status_code == 200
    with app.app_context():
        assert len(db.session.execute(select(LoginSession)).all()) == 1


def test_signing_out_everywhere_needs_a_post_with_a_valid_csrf_token(app, member, monkeypatch):
    laptop = browser(app, member, FIREFOX_WINDOWS)
    assert laptop.get("/account/sessions/end").status_code == 405
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert laptop.post("/account/sessions/end").status_code == 400
    assert laptop.get("/").status_code == 200


def test_a_session_ends_after_eight_idle_hours(app, member):
    client = browser(app, member, FIREFOX_WINDOWS)
    set_last_seen(app, timedelta(hours=7, minutes=55))
    assert client.get("/").status_code == 200
    # That request counted as use: the session is good for another 8 hours.
    with app.app_context():
        last_seen = db.session.execute(select(LoginSession.last_seen_at)).scalar_one()
        assert utcnow() - last_seen < timedelta(minutes=1)
    set_last_seen(app, timedelta(hours=8, minutes=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response.location.startswith("/login")
    assert client.get("/account/sessions").status_code == 302


def test_a_session_in_use_still_ends_after_14_days(app, member):
    client = browser(app, member, FIREFOX_WINDOWS)
    with app.app_context():
        db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert client.get("/").status_code == 302


def test_last_seen_is_written_every_few_minutes_not_on_every_request(app, member):
    client = browser(app, member, FIREFOX_WINDOWS)
    set_last_seen(app, timedelta(minutes=2))
    with app.app_context():
        before = db.session.execute(select(LoginSession.last_seen_at)).scalar_one()
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.execute(select(LoginSession.last_seen_at)).scalar_one() == before


def test_the_idle_limit_is_a_setting(app, database_url, tmp_path, member, monkeypatch):
    monkeypatch.setenv("COURSE_SESSION_IDLE_HOURS", "1")
    site = make_test_app(database_url, tmp_path / "instance")
    client = browser(site, member, FIREFOX_WINDOWS)
    set_last_seen(site, timedelta(minutes=61))
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (FIREFOX_WINDOWS, ("Firefox", "Windows")),
        (SAFARI_IPHONE, ("Safari", "iPhone")),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
            ("Edge", "macOS"),
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            ("Samsung Internet", "Android"),
        ),
        ("curl/8.5.0", (None, None)),
        ("", (None, None)),
    ],
)
def test_browser_and_system_are_named_from_a_short_list(user_agent, expected):
    assert describe_user_agent(user_agent) == expected
