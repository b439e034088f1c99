"""Signing in and out: passwords, server-side sessions, safe redirects, rate limits."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from course.auth.models import LoginSession
from course.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def member(make):
    return make.member(make.council("loginby"), "Mette@Example.org")


def test_sign_in_with_the_right_password_reaches_the_course(client, auth, member):
    response = auth.login(
        "  mette@example.ORG ",
    )
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("mette@example.org", "wrong password"),
        ("nobody@example.org", "correct horse battery staple"),
        ("", ""),
        ("not an address", "x"),
    ],
)
def test_wrong_sign_in_says_so_without_revealing_which_part(client, member, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'role="alert"' in html
    assert "mette@example.org" not in html.lower() or email == "mette@example.org"


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, auth, member, course):
    target = f"/modules/{course.modules[0].id}"
    response = client.get(target)
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    response = client.post(
        response.location, data={"email": member.email, "password": "correct horse battery staple"}
    )
    assert response.location == target


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_sign_in_never_redirects_off_site(client, member, next_url):
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": member.email, "password": "correct horse battery staple"},
    )
    assert response.location == "/"


def test_sign_out_ends_the_session_on_the_server(client, auth, app, member):
    auth.login(member.email)
    cookie = client.get_cookie("council_course_session")
    assert cookie is not None
    auth.logout()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LoginSession)) == 0
    # Replaying the old cookie does not sign anyone in.
    client.set_cookie("council_course_session", cookie.value)
    assert client.get("/").status_code == 302


def test_each_sign_in_gets_a_new_session_identifier(client, auth, app, member):
    auth.login(member.email)
    auth.logout()
    auth.login(member.email)
    with app.app_context():
        sessions = db.session.execute(select(LoginSession)).scalars().all()
        assert len(sessions) == 1


def test_sign_in_is_rate_limited_per_account(client, member):
    statuses = [
        client.post(
            "/login",
            data={"email": member.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [422] * 10
    assert statuses[10:] == [429, 429]
    # The owner, elsewhere, is not refused because someone guessed.
    response = client.post(
        "/login", data={"email": member.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    assert response.status_code == 302


def test_sign_in_is_rate_limited_per_address(client, member):
    statuses = [
        client.post("/login", data={"email": f"user{n}@example.org", "password": "wrong"}).status_code
        for n in range(22)
    ]
    assert statuses.count(429) == 2
    assert statuses[-1] == 429


def test_session_cookie_is_http_only_and_same_site_lax(client, member):
    response = client.post("/login", data={"email": member.email, "password": "correct horse battery staple"})
    cookie = next(
        value
        for value in response.headers.getlist("Set-Cookie")
        if value.startswith("council_course_session=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
