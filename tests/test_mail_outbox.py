"""Nothing a person was told is "sent" is lost: sign-in links and password resets are written to the database
before the answer, and delivered from there, after a worker exits or the SMTP server was down.

Before, the request only queued a job in the worker thread's memory; a graceful reload right after five
requests lost all five e-mails. Every test here sends to a real SMTP server on loopback.
"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from course.db import utcnow
from course.extensions import db
from course.mail import background, outbox
from course.mail.models import OutgoingMail
from tests.admin_helpers import link_in

REQUESTS = {
    "sign-in link": ("/login/link", "/login/link/open#"),
    "password reset": ("/password/forgot", "/password/reset#"),
}


@pytest.fixture
def member(make):
    return make.member(make.council("postby"), "post@postby.example", name="Poul Post")


@pytest.fixture
def worker_exits(monkeypatch):
    """The worker thread stops before it runs what the request queued (a reload, a killed process)."""
    lost = []
    monkeypatch.setattr("course.auth.views.send_later", lost.append)
    return lost


def waiting(app) -> list[OutgoingMail]:
    with app.app_context():
        rows = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)).all()
        db.session.expunge_all()
        db.session.remove()
        return rows


@pytest.mark.parametrize("kind", REQUESTS)
def test_an_e_mail_queued_before_the_worker_exits_is_delivered_afterwards(
    app, client, runner, smtp_server, member, worker_exits, kind
):
    path, link_prefix = REQUESTS[kind]
    response = client.post(path, data={"email": member.email})
    assert response.status_code == 200  # "we have sent you an e-mail"
    assert len(worker_exits) == 1
    assert smtp_server.to(member.email) == []
    assert len(waiting(app)) == 1

    result = runner.invoke(args=["send-mail"])  # cron, after the restart
    assert result.exit_code == 0, result.output
    assert "Sent 1 e-mail(s)" in result.output
    [message] = smtp_server.to(member.email)
    assert client.get(link_in(message, link_prefix)).status_code == 200  # the link works
    assert waiting(app) == []
    # Sent once: running the command again sends nothing more.
    assert "Sent 0 e-mail(s)" in runner.invoke(args=["send-mail"]).output
    assert len(smtp_server.to(member.email)) == 1


def test_the_next_worker_delivers_what_the_previous_one_left(app, client, smtp_server, make, monkeypatch):
    first = make.member(make.council("reloadby"), "first@reloadby.example")
    second = make.member(make.council("reloadby2"), "second@reloadby.example")
    with monkeypatch.context() as exited:
        exited.setattr("course.auth.views.send_later", lambda job: None)
        for _ in range(5):
            assert client.post("/login/link", data={"email": first.email}).status_code == 200
    assert len(waiting(app)) == 5
    # A new process: its worker thread starts with the first e-mail it is asked to send.
    monkeypatch.setattr(background, "_worker", threading.Thread(target=lambda: None))
    assert client.post("/password/forgot", data={"email": second.email}).status_code == 200
    assert len(smtp_server.to(first.email)) == 5
    assert len(smtp_server.to(second.email)) == 1
    assert waiting(app) == []


def test_an_smtp_server_that_was_down_gets_the_e_mail_later(
    app, client, runner, smtp_server, member, monkeypatch
):
    port = app.config["COURSE_SMTP_PORT"]
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", 1)  # nothing listens there
    assert client.post("/login/link", data={"email": member.email}).status_code == 200
    background.wait_for_jobs()
    [row] = waiting(app)
    assert row.attempts == 1
    assert row.claimed_until > utcnow()  # it waits before the next attempt
    assert runner.invoke(args=["send-mail"]).exit_code == 0  # not yet due: nothing tried, nothing failed

    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", port)
    with app.app_context():
        report = outbox.deliver_pending(now=utcnow() + timedelta(minutes=2))
    assert report.sent == 1
    assert len(smtp_server.to(member.email)) == 1
    assert waiting(app) == []


def test_a_failed_attempt_is_reported_by_the_command(app, client, runner, member, worker_exits, monkeypatch):
    assert client.post("/login/link", data={"email": member.email}).status_code == 200
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", 1)
    result = runner.invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "1 not delivered" in result.output
    assert "1 waiting" in result.output


def test_two_workers_never_deliver_the_same_request(app, client, smtp_server, member, worker_exits):
    client.post("/login/link", data={"email": member.email})
    [row] = waiting(app)
    now = utcnow()
    with app.app_context():
        assert outbox._claim(row.id, now)  # one worker took it, then stopped while sending
        db.session.commit()
        assert outbox.deliver(row.id, now) is None  # another worker leaves it alone
        assert outbox.deliver_pending(now).sent == 0
        db.session.remove()
    assert smtp_server.to(member.email) == []
    with app.app_context():
        later = now + timedelta(seconds=outbox.CLAIM_SECONDS + 1)
        assert outbox.deliver_pending(later).sent == 1  # the claim ran out: it is delivered once
        db.session.remove()
    assert len(smtp_server.to(member.email)) == 1


def test_a_request_for_no_member_sends_nothing_and_keeps_no_address(app, client, smtp_server, worker_exits):
    client.post("/login/link", data={"email": "stranger@nowhere.example"})
    with app.app_context():
        report = outbox.deliver_pending()
        db.session.remove()
    assert (report.sent, report.nothing_to_send) == (0, 1)
    assert smtp_server.messages == []
    assert waiting(app) == []


def test_requests_older_than_a_day_are_dropped_unsent(app, client, smtp_server, member, worker_exits):
    client.post("/login/link", data={"email": member.email})
    with app.app_context():
        report = outbox.deliver_pending(now=utcnow() + outbox.MAX_AGE + timedelta(minutes=1))
        db.session.remove()
    assert report.dropped == 1
    assert smtp_server.to(member.email) == []
    assert waiting(app) == []
