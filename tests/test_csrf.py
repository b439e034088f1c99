"""CSRF: every state-changing request without a valid token is rejected (forms and the JSON API)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


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


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/logout", {"data": {}}),
        ("/language", {"data": {"lang": "sv"}}),
        ("/modules/how-social-media-work/transcript", {"data": {"read": "yes"}}),
        ("/modules/how-social-media-work/quizzes/platforms-mechanics", {"data": {"attempt": "1"}}),
        (
            "/api/progress",
            {"json": {"module": "how-social-media-work", "language": "en", "segments": [[0, 1]]}},
        ),
    ],
)
@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_state_changes_without_a_valid_token_are_rejected(client, make, csrf_on, path, kwargs, token):
    member = make.member()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"email": member.email, "password": PASSWORD, "csrf_token": token_from(page)})
    headers = {"X-CSRFToken": token} if token else {}
    if token and "data" in kwargs:
        kwargs = {"data": {**kwargs["data"], "csrf_token": token}}
    response = client.post(path, headers=headers, **kwargs)
    assert response.status_code == 400


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
