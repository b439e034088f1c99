"""Account enumeration: signing in, asking for a sign-in link and asking for a password reset answer the same
for a registered address and an unknown one, and take no longer for either.

The e-mail goes out after the response, proven without any clock: the loopback SMTP server holds every
message until the test releases it, and the response has already arrived by then.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from course.auth import passwords
from tests.admin_helpers import link_in
from tests.conftest import PASSWORD
from tests.helpers import without_csrf_tokens

LINK_REQUESTS = ["/login/link", "/password/forgot"]


def main_of(response) -> str:
    html = response.get_data(as_text=True)
    html = html.split("<main", 1)[1].split("</main>", 1)[0]
    return without_csrf_tokens(html)


@pytest.fixture
def known(make):
    return make.member(make.council("enumby"), "known@enumby.example", locale="da")


@pytest.mark.parametrize("path", LINK_REQUESTS)
def test_the_answer_comes_before_the_mail_is_sent_and_the_mail_after(client, smtp_server, known, path):
    smtp_server.block()
    try:
        response = client.post(path, data={"email": known.email})
        # Had the view sent the e-mail itself, it would still be waiting for the held SMTP server.
        assert response.status_code == 200
        assert smtp_server.received == []
        assert smtp_server.arrived.wait(30), "the e-mail never reached the SMTP server"
        assert smtp_server.received == []
    finally:
        smtp_server.release()
    [message] = smtp_server.to(known.email)
    assert link_in(message, "/login/link/open#" if path == "/login/link" else "/password/reset#")


@pytest.mark.parametrize("path", LINK_REQUESTS)
def test_known_and_unknown_addresses_get_the_same_page(client, smtp_server, known, path):
    for_known = client.post(path, data={"email": known.email})
    for_unknown = client.post(path, data={"email": "nobody@enumby.example"})
    assert for_known.status_code == for_unknown.status_code == 200
    assert main_of(for_known) == main_of(for_unknown)
    assert sorted(for_known.headers.keys()) == sorted(for_unknown.headers.keys())
    assert [m.envelope_recipients for m in smtp_server.messages] == [[known.email]]


@pytest.mark.parametrize("path", LINK_REQUESTS)
def test_a_broken_mail_server_does_not_reveal_who_is_registered(app, client, known, monkeypatch, path):
    from tests.conftest import _free_port

    # Nothing listens on this port: sending fails, after the response, for the registered address only.
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", _free_port())
    for_known = client.post(path, data={"email": known.email})
    for_unknown = client.post(path, data={"email": "nobody@enumby.example"})
    assert for_known.status_code == for_unknown.status_code == 200
    assert main_of(for_known) == main_of(for_unknown)


def test_a_wrong_password_and_an_unknown_address_get_the_same_page(client, known):
    wrong_password = client.post("/login", data={"email": known.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@enumby.example", "password": PASSWORD})
    assert wrong_password.status_code == unknown.status_code == 422
    assert main_of(wrong_password).replace(known.email, "") == main_of(unknown).replace(
        "nobody@enumby.example", ""
    )


class CountingHasher(PasswordHasher):
    """The real hasher, counting how often it verifies a password."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):  # noqa: A002 - argon2's parameter name
        self.verified += 1
        return super().verify(hash, password)


@pytest.mark.parametrize("case", ["unknown", "wrong password", "removed", "never chose a password", "right"])
def test_every_sign_in_runs_one_argon2_verification(app, client, make, monkeypatch, case):
    council = make.council("hashby")
    emails = {
        "unknown": "nobody@hashby.example",
        "wrong password": make.member(council, "w@hashby.example").email,
        "removed": make.member(council, "r@hashby.example").email,
        "never chose a password": make.member(council, "n@hashby.example", password=None).email,
        "right": make.member(council, "ok@hashby.example").email,
    }
    if case == "removed":
        from course.db import utcnow
        from course.extensions import db
        from course.people.models import Member

        with app.app_context():
            db.session.query(Member).filter_by(email=emails["removed"]).one().removed_at = utcnow()
            db.session.commit()
    hasher = CountingHasher()
    monkeypatch.setattr(passwords, "_hasher", hasher)
    password = "not the password" if case == "wrong password" else PASSWORD
    response = client.post("/login", data={"email": emails[case], "password": password})
    assert response.status_code == (302 if case == "right" else 422)
    assert hasher.verified == 1
