"""CSRF: every state-changing request without a valid token is rejected (forms and the JSON API).

The state-changing routes come from the URL map (tests/test_route_matrix.py), so a new POST route is covered
the moment it exists.
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from course.extensions import db
from course.people.models import Member
from tests.conftest import PASSWORD
from tests.test_route_matrix import ROUTES, build_world, fill


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def token_from(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_login_without_token_is_rejected(client, make, csrf_on):
    member = make.member()
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 400


def test_login_with_token_works(client, make, csrf_on):
    member = make.member()
    token = token_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


STATE_CHANGING = [route for route in ROUTES if route.method != "GET"]


@pytest.fixture
def world(app, make, certify, course):
    return build_world(app, make, certify, course)


def database_state(app) -> list:
    """Every row of every table: a refused request leaves all of it as it was."""
    with app.app_context():
        state = []
        for table in db.metadata.sorted_tables:
            rows = db.session.execute(select(table)).all()
            state.append((table.name, sorted((tuple(row) for row in rows), key=repr)))
        db.session.remove()
        return state


def csrf_messages(app) -> set[str]:
    with app.test_request_context():
        messages = set()
        for locale in ("da", "sv", "en"):
            with force_locale(locale):
                messages.add(_("The form had expired or could not be verified. Please try again."))
        return messages


def other_sessions_token(app) -> str:
    stranger = app.test_client()
    return token_from(stranger.get("/login").get_data(as_text=True))


@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
@pytest.mark.parametrize("route", STATE_CHANGING, ids=str)
def test_every_state_change_without_a_valid_token_is_refused_and_changes_nothing(
    app, client, world, smtp_server, monkeypatch, route, token
):
    both = world["people"]["admin"]
    with app.app_context():
        db.session.get(Member, both.id).is_platform_admin = True
        db.session.commit()
    assert client.post("/login", data={"email": both.email, "password": PASSWORD}).status_code == 302
    path = fill(app, route, world)
    value = {"missing": None, "wrong": "wrong-token", "another session's": other_sessions_token(app)}[token]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = database_state(app)
    headers = {"X-CSRFToken": value} if value else {}
    as_form = client.open(
        path, method=route.method, headers=headers, data={"csrf_token": value} if value else {}
    )
    as_json = client.open(path, method=route.method, headers=headers, json={"csrf_token": value})
    for response in (as_form, as_json):
        assert response.status_code == 400
        body = response.json["detail"] if response.is_json else response.get_data(as_text=True)
        assert any(message in body for message in csrf_messages(app)), body[:300]
    assert database_state(app) == before
    assert smtp_server.messages == []


def test_the_csrf_check_covers_the_json_api_and_every_form(app):
    assert {route.rule for route in STATE_CHANGING} >= {
        "/api/progress",
        "/login",
        "/admin/members/import",
        "/admin/rounds",
    }
    assert not app.extensions["csrf"]._exempt_views
    assert not app.extensions["csrf"]._exempt_blueprints


def test_progress_api_accepts_the_token_in_a_header(client, make, course, csrf_on):
    member = make.member()
    token = token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token})
    page = client.get(f"/modules/{course.modules[0].id}").get_data(as_text=True)
    response = client.post(
        "/api/progress",
        headers={"X-CSRFToken": token_from(page)},
        json={"module": course.modules[0].id, "language": "da", "segments": [[0, 2]]},
    )
    assert response.status_code == 200
