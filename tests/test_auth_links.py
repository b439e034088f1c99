"""One-time links by e-mail: invitations, sign-in links and password resets, through a real SMTP server
on loopback; used, expired and tampered links say so."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from course.audit.models import AuditEvent
from course.auth.models import AuthToken, LoginSession
from course.db import utcnow
from course.extensions import db
from course.people.models import Member
from tests.admin_helpers import html_of, link_in, text_of
from tests.admin_helpers import links_in as links_in_message
from tests.conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def council(make):
    return make.council("linkby", country="se", locale="sv")


@pytest.fixture
def admin(make, council):
    return make.member(council, "admin@linkby.example", name="Agnes Admin", is_admin=True, locale="en")


@pytest.fixture
def invitee(make, council):
    return make.member(council, "åsa@linkby.example", name="Åsa Öberg", password=None, locale="sv")


@pytest.fixture
def client(app):
    """A visitor whose browser asks for Swedish, like the Swedish council's members."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv-SE,sv;q=0.9"
    return client


def invite(app, auth, client, smtp_server, member):
    auth.login("admin@linkby.example")
    response = client.post(f"/admin/members/{member.id}/invite")
    assert response.status_code == 302
    auth.logout()
    [message] = smtp_server.to(member.email)
    return message


def split(path: str) -> tuple[str, str]:
    """The page a link from an e-mail opens, and the token after its "#"."""
    page, _, token = path.partition("#")
    assert token, f"no token after # in {path}"
    return page, token


def open_link(client, path: str, **data):
    """What the page's script does: post the token from after the "#" (with ``data``, the next step)."""
    page, token = split(path)
    return client.post(page, data={"token": token, **data})


def expire_tokens(app, member_id: int) -> None:
    with app.app_context():
        db.session.execute(
            update(AuthToken)
            .where(AuthToken.member_id == member_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()


def test_invitation_arrives_in_the_members_language_with_text_and_html(
    app, client, auth, smtp_server, admin, invitee
):
    message = invite(app, auth, client, smtp_server, invitee)
    assert (
        message["Subject"].strip() == "Du är inbjuden till utbildningen om sociala medier och lokal demokrati"
    )
    text, html = text_of(message), html_of(message)
    assert "Hej Åsa Öberg" in text
    assert "Linkby Kommune har bjudit in dig" in text
    path = link_in(message, "/invitation#")
    assert f'href="http://localhost{path}"' in html
    with app.app_context():
        member = db.session.get(Member, invitee.id)
        assert member.invited_at is not None
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "invitation.sent")
        ).scalar_one()
        assert (event.actor_id, event.member_id) == (admin.id, invitee.id)
        # Only a hash of the token is stored; the link's token is nowhere in the table.
        token = split(path)[1].split(".")[0]
        stored = db.session.execute(select(AuthToken.token_hash)).scalars().all()
        assert stored
        assert all(token not in value for value in stored)


def test_accepting_an_invitation_with_a_password_signs_the_member_in(
    app, client, auth, smtp_server, admin, invitee
):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    # The page the link opens is the same for everyone; its script posts the token.
    opener = client.get(split(path)[0])
    assert opener.status_code == 200
    assert "js/open-link.js" in opener.get_data(as_text=True)
    page = open_link(client, path)
    assert page.status_code == 200
    assert "Välkommen till utbildningen, Åsa Öberg" in page.get_data(as_text=True)
    # Opening the link (as mail scanners do) does not spend it.
    assert open_link(client, path).status_code == 200

    response = open_link(client, path, action="password", password="short", confirm="short")
    assert response.status_code == 422
    assert "minst 10 tecken" in response.get_data(as_text=True)
    response = open_link(client, path, action="password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302
    assert response.location == "/"
    assert client.get("/").status_code == 200
    auth.logout()
    assert auth.login(invitee.email, NEW_PASSWORD).status_code == 302
    with app.app_context():
        assert db.session.get(Member, invitee.id).joined_at is not None


def test_accepting_an_invitation_without_a_password(app, client, auth, smtp_server, admin, invitee):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    response = open_link(client, path, action="link")
    assert response.location == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(Member, invitee.id).password_hash is None


def test_an_invitation_works_once(app, client, auth, smtp_server, admin, invitee):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    open_link(client, path, action="link")
    auth.logout()
    for response in (open_link(client, path), open_link(client, path, action="link")):
        assert response.status_code == 410
        assert "Länken har redan använts" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # not signed in by the second use


def test_an_expired_invitation_says_so_and_a_new_one_can_be_sent(
    app, client, auth, smtp_server, admin, invitee
):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    expire_tokens(app, invitee.id)
    response = open_link(client, path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "Länken har gått ut" in html
    assert 'action="/links/renew"' in html

    response = client.post("/links/renew", data={"token": split(path)[1], "purpose": "invite"})
    assert response.status_code == 200
    new_message = smtp_server.to(invitee.email)[-1]
    new_path = link_in(new_message, "/invitation#")
    assert new_path != path
    assert open_link(client, new_path, action="link").location == "/"


def test_a_new_invitation_retires_the_old_link(app, client, auth, smtp_server, admin, invitee):
    old = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    auth.login(admin.email)
    client.post(f"/admin/members/{invitee.id}/invite")
    auth.logout()
    new = link_in(smtp_server.to(invitee.email)[-1], "/invitation#")
    assert open_link(client, old).status_code == 410
    assert open_link(client, new).status_code == 200


@pytest.mark.parametrize("mangle", [lambda path: path[:-3] + "abc", lambda path: "/invitation#made-up.token"])
def test_a_tampered_link_does_not_work(app, client, auth, smtp_server, admin, invitee, mangle):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    response = open_link(client, mangle(path))
    assert response.status_code == 404
    assert "Länken fungerar inte" in response.get_data(as_text=True)
    assert open_link(client, mangle(path), action="link").status_code == 404


def test_a_link_of_one_kind_does_not_work_as_another(app, client, auth, smtp_server, admin, invitee):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    token = split(path)[1]
    assert client.post("/login/link/open", data={"token": token}).status_code == 404
    assert client.post("/password/reset", data={"token": token}).status_code == 404


def test_a_member_asks_for_a_sign_in_link(app, client, smtp_server, make, council):
    member = make.member(council, "bo@linkby.example", name="Bo", locale="da")
    page = client.get("/login?next=/modules/how-social-media-work")
    assert "/login/link?next=/modules/how-social-media-work" in page.get_data(as_text=True)
    response = client.post(
        "/login/link", data={"email": " BO@linkby.example ", "next": "/modules/how-social-media-work"}
    )
    assert response.status_code == 200
    assert "Kolla din e-post" in response.get_data(as_text=True)
    [message] = smtp_server.to(member.email)
    assert message["Subject"] == "Dit link til at logge ind"
    assert "30 minutter" in text_of(message)
    path = link_in(message, "/login/link/open")
    assert split(path)[0] == "/login/link/open?next=/modules/how-social-media-work"
    page = open_link(client, path)
    assert page.status_code == 200
    assert 'name="action" value="sign-in"' in page.get_data(as_text=True)
    assert client.get("/").status_code == 302  # opening the page did not sign in
    response = open_link(client, path, action="sign-in")
    assert response.location == "/modules/how-social-media-work"
    assert client.get("/").status_code == 200
    # Used once, it is spent.
    client.post("/logout")
    response = open_link(client, path, action="sign-in")
    assert response.status_code == 410


def test_asking_for_a_link_for_an_unknown_address_looks_the_same_and_sends_nothing(
    client, smtp_server, make, council
):
    make.member(council, "known@linkby.example")
    known = client.post("/login/link", data={"email": "known@linkby.example"})
    unknown = client.post("/login/link", data={"email": "nobody@linkby.example"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda html: html.split("<main", 1)[1].split("</main>", 1)[0]  # noqa: E731
    assert strip(known.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))
    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0].envelope_recipients == ["known@linkby.example"]


def test_a_sign_in_link_expires_after_30_minutes(app, client, make, council):
    from course.auth.links import issue_token

    member = make.member(council, "late@linkby.example")
    with app.app_context():
        signed = issue_token(db.session.get(Member, member.id), "login", now=utcnow() - timedelta(minutes=31))
        db.session.commit()
    response = client.post("/login/link/open", data={"token": signed})
    assert response.status_code == 410
    assert "Inloggningslänkar gäller i 30 minuter" in response.get_data(as_text=True)
    with app.app_context():
        signed = issue_token(db.session.get(Member, member.id), "login", now=utcnow() - timedelta(minutes=29))
        db.session.commit()
    assert client.post("/login/link/open", data={"token": signed, "action": "sign-in"}).status_code == 302


def test_a_removed_member_cannot_use_a_link(app, client, auth, smtp_server, admin, invitee):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    auth.login(admin.email)
    client.post(f"/admin/members/{invitee.id}/remove")
    auth.logout()
    assert open_link(client, path).status_code == 404
    client.post("/login/link", data={"email": invitee.email})
    assert len(smtp_server.to(invitee.email)) == 1  # only the invitation


def test_password_reset(app, client, smtp_server, make, council):
    member = make.member(council, "glemsom@linkby.example", name="Gunnar", locale="sv")
    other_browser = app.test_client()
    other_browser.post("/login", data={"email": member.email, "password": PASSWORD})
    assert other_browser.get("/").status_code == 200

    assert client.get("/password/forgot").status_code == 200
    response = client.post("/password/forgot", data={"email": member.email})
    assert response.status_code == 200
    [message] = smtp_server.to(member.email)
    assert message["Subject"] == "Välj ett nytt lösenord"
    path = link_in(message, "/password/reset#")
    assert open_link(client, path).status_code == 200

    response = open_link(client, path, action="reset", password=NEW_PASSWORD, confirm="something else")
    assert response.status_code == 422
    assert "Lösenorden är inte likadana" in response.get_data(as_text=True)
    response = open_link(client, path, action="reset", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.location == "/"
    assert client.get("/").status_code == 200
    # The browser that knew the old password is signed out, the old password no longer works.
    assert other_browser.get("/").status_code == 302
    assert other_browser.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 422
    assert (
        other_browser.post("/login", data={"email": member.email, "password": NEW_PASSWORD}).status_code
        == 302
    )
    with app.app_context():
        assert db.session.execute(select(LoginSession)).scalars().all()

    response = open_link(
        client, path, action="reset", password="yet another phrase", confirm="yet another phrase"
    )
    assert response.status_code == 410


def test_an_expired_reset_link_offers_a_new_one(app, client, smtp_server, make, council):
    member = make.member(council, "sen@linkby.example", locale="en")
    client.post("/password/forgot", data={"email": member.email})
    path = link_in(smtp_server.to(member.email)[0], "/password/reset#")
    expire_tokens(app, member.id)
    response = open_link(client, path)
    assert response.status_code == 410
    assert "gäller i 2 timmar" in response.get_data(as_text=True)
    client.post("/links/renew", data={"token": split(path)[1], "purpose": "reset"})
    new_path = link_in(smtp_server.to(member.email)[-1], "/password/reset#")
    assert open_link(client, new_path).status_code == 200


def test_link_requests_are_rate_limited_per_account_and_address(client, make, council):
    member = make.member(council, "spam@linkby.example")
    statuses = [
        client.post(
            "/login/link", data={"email": member.email}, environ_base={"REMOTE_ADDR": "10.1.0.1"}
        ).status_code
        for _ in range(7)
    ]
    assert statuses == [200] * 5 + [429, 429]
    # The member, at another address, still gets a link.
    response = client.post(
        "/login/link", data={"email": member.email}, environ_base={"REMOTE_ADDR": "10.1.0.2"}
    )
    assert response.status_code == 200


def test_opening_links_is_rate_limited(client):
    statuses = [
        client.post("/login/link/open", data={"token": f"guess-{n}.x"}).status_code for n in range(32)
    ]
    assert statuses[:30] == [404] * 30
    assert statuses[30:] == [429, 429]


# --- tokens out of the server's logs -------------------------------------------------------------------


@pytest.fixture
def seen_by_server(app):
    """Every path and query string the site receives, as an access log records them."""
    from flask import request, request_started

    seen: list[str] = []

    def record(sender, **extra):
        seen.append(request.full_path)

    request_started.connect(record, app)
    yield seen
    request_started.disconnect(record, app)


def test_no_token_reaches_an_address_the_server_sees(
    app, client, auth, smtp_server, admin, invitee, make, council, seen_by_server
):
    """Invitation, sign-in link and reset, each followed through: the token travels after "#" and in the body
    of a POST, never in a path or query string that gunicorn or a proxy would log."""
    member = make.member(council, "loggad@linkby.example")
    invitation = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    client.post("/login/link", data={"email": member.email, "next": "/modules/how-social-media-work"})
    client.post("/password/forgot", data={"email": member.email})
    sign_in = link_in(smtp_server.to(member.email)[0], "/login/link/open")
    reset = link_in(smtp_server.to(member.email)[1], "/password/reset#")
    tokens = [split(path)[1] for path in (invitation, sign_in, reset)]

    for path in (invitation, sign_in, reset):
        assert client.get(split(path)[0]).status_code == 200
    assert open_link(client, invitation, action="link").status_code == 302
    auth.logout()
    assert open_link(client, sign_in).status_code == 200
    assert open_link(client, sign_in, action="sign-in").status_code == 302
    auth.logout()
    assert (
        open_link(client, reset, action="reset", password=NEW_PASSWORD, confirm=NEW_PASSWORD).status_code
        == 302
    )
    assert seen_by_server
    for token in tokens:
        assert not [path for path in seen_by_server if token in path or token.split(".")[0] in path]


@pytest.mark.parametrize(
    ("prefix", "old"), [("/invitation#", "/invitation/"), ("/password/reset#", "/password/reset/")]
)
def test_a_token_copied_from_an_access_log_opens_nothing(
    app, client, auth, smtp_server, admin, invitee, prefix, old
):
    """A link in the old form (token in the path) is what an access log holds: it takes over nothing; the
    page offers a new link, which goes to the member's own address."""
    if prefix == "/invitation#":
        token = split(link_in(invite(app, auth, client, smtp_server, invitee), prefix))[1]
    else:
        from course.auth.links import issue_token

        with app.app_context():
            token = issue_token(db.session.get(Member, invitee.id), "reset")
            db.session.commit()
    attacker = app.test_client()
    response = attacker.get(old + token)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "Åsa Öberg" not in html
    assert 'action="/links/renew"' in html
    for data in (
        {"action": "password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        {"action": "link"},
    ):
        assert attacker.post(old + token, data=data).status_code == 405
    assert attacker.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(Member, invitee.id).password_hash is None
        assert db.session.execute(select(LoginSession)).first() is None
    # Asking for a new link from there sends it to the member, not to whoever asked.
    sent = len(smtp_server.messages)
    attacker.post("/links/renew", data={"token": token, "purpose": "invite" if "invit" in old else "reset"})
    assert [message.envelope_recipients for message in smtp_server.messages[sent:]] == [[invitee.email]]


def test_a_sign_in_link_copied_from_an_access_log_signs_nobody_in(app, make, council):
    from course.auth.links import issue_token

    member = make.member(council, "logg@linkby.example")
    with app.app_context():
        token = issue_token(db.session.get(Member, member.id), "login")
        db.session.commit()
    attacker = app.test_client()
    assert attacker.get(f"/login/link/{token}").status_code == 410
    assert attacker.post(f"/login/link/{token}").status_code == 405
    assert attacker.get("/").status_code == 302


def test_an_invitation_that_sets_a_password_ends_the_members_other_sessions(
    app, client, auth, smtp_server, admin, invitee
):
    """Someone who got hold of the member's first invitation signed in without a password; when the member
    chooses a password from a new invitation, that other browser is signed out."""
    first = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    other_browser = app.test_client()
    assert open_link(other_browser, first, action="link").status_code == 302
    assert other_browser.get("/").status_code == 200
    auth.login(admin.email)
    client.post(f"/admin/members/{invitee.id}/invite")
    auth.logout()
    second = link_in(smtp_server.to(invitee.email)[-1], "/invitation#")
    response = open_link(client, second, action="password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other_browser.get("/").status_code == 302


def test_a_member_with_a_password_is_sent_a_sign_in_link_not_an_invitation(
    app, client, auth, smtp_server, admin, make, council
):
    member = make.member(council, "har.losen@linkby.example", name="Harald", locale="sv")
    message = invite(app, auth, client, smtp_server, member)
    assert not [path for path in links_in_message(message) if path.startswith("/invitation")]
    # It is an invitation from the council, not a sign-in link the member might think they never asked for.
    assert (
        message["Subject"].strip() == "Du är inbjuden till utbildningen om sociala medier och lokal demokrati"
    )
    text = text_of(message)
    assert "Linkby Kommune har bjudit in dig" in text
    assert "bortse från" not in text
    assert "bortse från" not in html_of(message)
    path = link_in(message, "/login/link/open#")
    assert open_link(client, path, action="sign-in").status_code == 302
    with app.app_context():
        assert not db.session.execute(select(AuthToken).where(AuthToken.purpose == "invite")).first()


def test_an_invitation_cannot_replace_a_password_chosen_since(app, client, auth, smtp_server, admin, invitee):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    with app.app_context():
        from course.auth.services import set_password

        set_password(db.session.get(Member, invitee.id), PASSWORD)
        db.session.commit()
    response = open_link(client, path, action="password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 410
    assert auth.login(invitee.email, PASSWORD).status_code == 302


def test_without_javascript_the_person_pastes_the_link(app, client, auth, smtp_server, admin, invitee):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    page = client.get(split(path)[0])
    html = page.get_data(as_text=True)
    assert 'name="token"' in html
    assert "<label" in html
    response = client.post(split(path)[0], data={"token": ""})
    assert response.status_code == 422
    assert 'class="alert alert-error error-summary"' in response.get_data(as_text=True)
    # The whole link, pasted as it stands in the e-mail.
    response = client.post(split(path)[0], data={"token": f"  http://localhost{path} "})
    assert response.status_code == 200
    assert "Välkommen till utbildningen, Åsa Öberg" in response.get_data(as_text=True)


def test_a_new_administrator_without_members_lands_on_the_first_steps(app, client, smtp_server, make):
    from course.auth import links

    council = make.council("tomby")
    chief = make.member(council, "chef@tomby.example", name="Tove Tom", is_admin=True, password=None)
    with app.app_context():
        links.send_invitation(db.session.get(Member, chief.id), actor=None, as_administrator=True)
        db.session.commit()
    path = link_in(smtp_server.to(chief.email)[-1], "/invitation#")
    response = open_link(client, path, action="password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.status_code == 302
    assert response.location == "/admin/"


def test_a_member_invited_by_their_administrator_lands_on_the_course(
    app, client, auth, smtp_server, admin, invitee
):
    path = link_in(invite(app, auth, client, smtp_server, invitee), "/invitation#")
    response = open_link(client, path, action="password", password=NEW_PASSWORD, confirm=NEW_PASSWORD)
    assert response.location == "/"


@pytest.mark.parametrize("due", [None, "2031-05-01"])
def test_the_new_administrator_is_told_to_set_or_to_check_the_due_date(app, smtp_server, make, due):
    from datetime import date

    from course.auth import links
    from course.people.models import Council

    council = make.council("fristby", locale="en")
    chief = make.member(
        council, "chef@fristby.example", name="Frida", is_admin=True, password=None, locale="en"
    )
    with app.app_context():
        if due:
            db.session.get(Council, council.id).current_round.due_date = date.fromisoformat(due)
        links.send_invitation(db.session.get(Member, chief.id), actor=None, as_administrator=True)
        db.session.commit()
    text = text_of(smtp_server.to(chief.email)[-1])
    if due:
        assert "check the date by which members should complete the course" in text
    else:
        assert "check the date" not in text
        assert "set the date by which members should complete the course" in text
