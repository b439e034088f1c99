"""The roster: adding, changing and removing members, each audited; removed members are gone from view
and cannot sign in, but the audit trail keeps them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.extensions import db
from course.people.models import Member
from tests.admin_helpers import complete_course
from tests.conftest import PASSWORD


@pytest.fixture
def council(make):
    return make.council("rosterby")


@pytest.fixture
def admin(make, council):
    return make.member(council, "chef@rosterby.example", name="Cecilie Chef", is_admin=True, locale="en")


@pytest.fixture
def signed_in(client, auth, admin):
    auth.login(admin.email)
    return client


def events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars())


def test_an_administrator_adds_a_member(app, signed_in, admin, council):
    response = signed_in.post(
        "/admin/members/new",
        data={"name": " Søren Ærø ", "email": "Soren@Rosterby.example", "role": "substitute", "locale": "da"},
    )
    assert response.status_code == 302
    page = signed_in.get("/admin/members").get_data(as_text=True)
    assert "Søren Ærø" in page
    assert "soren@rosterby.example" in page
    with app.app_context():
        member = db.session.execute(
            select(Member).where(Member.email == "soren@rosterby.example")
        ).scalar_one()
        assert (member.name, member.role, member.locale, member.is_admin) == (
            "Søren Ærø",
            "substitute",
            "da",
            False,
        )
        assert member.council_id == council.id
    [event] = [event for event in events(app, "member.added") if event.member_id == member.id]
    assert event.actor_id == admin.id
    assert event.council_id == council.id


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "", "email": "x@rosterby.example"}, "Enter the member's name."),
        ({"name": "X", "email": "not an address"}, "Enter an e-mail address like name@example.dk."),
        ({"name": "X", "email": "chef@rosterby.example"}, "chef@rosterby.example is already on the roster."),
        ({"name": "X", "email": "x@rosterby.example", "role": "mayor"}, "Not a valid choice"),
    ],
)
def test_adding_a_member_with_bad_input_says_what_is_wrong_and_keeps_the_input(signed_in, data, message):
    response = signed_in.post("/admin/members/new", data={"role": "councillor", "locale": "", **data})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="alert alert-error error-summary"' in html
    if data["email"]:
        assert f'value="{data["email"]}"' in html


def test_an_address_of_another_council_cannot_be_added(make, signed_in):
    make.member(make.council("elsewhere"), "taken@elsewhere.example")
    response = signed_in.post(
        "/admin/members/new", data={"name": "T", "email": "taken@elsewhere.example", "role": "councillor"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "taken@elsewhere.example cannot be added" in html
    assert "another council" not in html


def test_an_administrator_edits_a_member(app, make, signed_in, council):
    member = make.member(council, "bo@rosterby.example", name="Bo")
    assert "Bo" in signed_in.get(f"/admin/members/{member.id}").get_data(as_text=True)
    response = signed_in.post(
        f"/admin/members/{member.id}",
        data={
            "name": "Bo Bæk",
            "email": "bo.baek@rosterby.example",
            "role": "staff",
            "locale": "sv",
            "is_admin": "y",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        changed = db.session.get(Member, member.id)
        assert (changed.name, changed.email, changed.role, changed.locale, changed.is_admin) == (
            "Bo Bæk",
            "bo.baek@rosterby.example",
            "staff",
            "sv",
            True,
        )
    [event] = events(app, "member.changed")
    assert event.member_id == member.id
    # "Takes the course" is left as for the role, and staff do not take it.
    assert set(event.details["fields"]) == {"name", "email", "role", "locale", "is_admin", "takes_course"}


def test_an_administrator_cannot_take_away_their_own_rights_or_remove_themselves(app, signed_in, admin):
    response = signed_in.post(
        f"/admin/members/{admin.id}",
        data={"name": "Cecilie Chef", "email": admin.email, "role": "councillor", "locale": "en"},
    )
    assert response.status_code == 422
    assert "You cannot take away your own administrator rights." in response.get_data(as_text=True)
    signed_in.post(f"/admin/members/{admin.id}/remove")
    with app.app_context():
        member = db.session.get(Member, admin.id)
        assert member.is_admin
        assert member.removed_at is None


def test_removing_asks_first_then_removes_and_keeps_the_audit_trail(
    app, make, client, signed_in, council, course
):
    member = make.member(council, "leaving@rosterby.example", name="Lone Leaving")
    complete_course(app, course, member.id)
    member_browser = app.test_client()
    member_browser.post("/login", data={"email": member.email, "password": PASSWORD})
    assert member_browser.get("/").status_code == 200

    page = signed_in.get(f"/admin/members/{member.id}/remove")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Remove Lone Leaving from the roster?" in html
    assert "data-confirm" in html
    with app.app_context():
        assert db.session.get(Member, member.id).removed_at is None  # asking removed nothing

    response = signed_in.post(f"/admin/members/{member.id}/remove", follow_redirects=True)
    assert "Lone Leaving has been removed from the roster." in response.get_data(as_text=True)
    assert "Lone Leaving" not in signed_in.get("/admin/members").get_data(as_text=True)
    assert "Lone Leaving" not in signed_in.get("/admin/").get_data(as_text=True)
    assert "Lone Leaving" not in signed_in.get("/admin/export.csv").get_data(as_text=True)
    # Signed out everywhere, and cannot sign in again.
    assert member_browser.get("/").status_code == 302
    assert (
        member_browser.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 422
    )
    [event] = events(app, "member.removed")
    assert event.member_id == member.id
    with app.app_context():
        assert db.session.get(Member, member.id) is not None  # the row stays for the audit trail


def test_a_removed_member_added_again_comes_back_with_their_progress(app, make, signed_in, council, course):
    member = make.member(council, "back@rosterby.example", name="Back")
    complete_course(app, course, member.id)
    signed_in.post(f"/admin/members/{member.id}/remove")
    response = signed_in.post(
        "/admin/members/new",
        data={"name": "Back Again", "email": "back@rosterby.example", "role": "councillor"},
    )
    assert response.status_code == 302
    html = signed_in.get("/admin/").get_data(as_text=True)
    assert "Back Again" in html
    with app.app_context():
        restored = db.session.get(Member, member.id)
        assert restored.removed_at is None
        # Like a new member: no password until invited again.
        assert (restored.password_hash, restored.joined_at, restored.invited_at) == (None, None, None)
    assert len(events(app, "member.restored")) == 1


def test_the_platform_administrator_cannot_be_removed_by_a_council_administrator(
    app, make, signed_in, council
):
    platform = make.member(council, "pia@rosterby.example", is_platform_admin=True)
    response = signed_in.post(f"/admin/members/{platform.id}/remove", follow_redirects=True)
    assert "cannot be removed here" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Member, platform.id).removed_at is None


def test_members_of_another_council_are_not_found(make, signed_in):
    stranger = make.member(make.council("otherby"), "stranger@otherby.example")
    assert signed_in.get(f"/admin/members/{stranger.id}").status_code == 404
    assert signed_in.post(f"/admin/members/{stranger.id}", data={"name": "X"}).status_code == 404
    assert signed_in.get(f"/admin/members/{stranger.id}/remove").status_code == 404
    assert signed_in.post(f"/admin/members/{stranger.id}/remove").status_code == 404
    assert signed_in.post(f"/admin/members/{stranger.id}/invite").status_code == 404


def test_inviting_everyone_not_yet_invited(app, make, signed_in, council, smtp_server):
    waiting = [make.member(council, f"new{n}@rosterby.example", password=None) for n in range(3)]
    response = signed_in.post("/admin/members/invite", follow_redirects=True)
    assert "Invitations were sent to 3 members." in response.get_data(as_text=True)
    assert sorted(
        address for message in smtp_server.messages for address in message.envelope_recipients
    ) == sorted(member.email for member in waiting)
    # A second press sends nothing more: everyone has been invited.
    response = signed_in.post("/admin/members/invite", follow_redirects=True)
    assert "Everyone on the roster has been invited already." in response.get_data(as_text=True)
    assert len(smtp_server.messages) == 3
    assert len(events(app, "invitation.sent")) == 3


def test_inviting_everyone_says_how_many_e_mails_will_go_before_it_sends(
    make, signed_in, council, smtp_server
):
    for n in range(3):
        make.member(council, f"new{n}@rosterby.example", password=None)
    roster = signed_in.get("/admin/members").get_data(as_text=True)
    assert 'href="/admin/members/invite"' in roster
    assert "Invite everyone not yet invited (3)" in roster
    page = signed_in.get("/admin/members/invite").get_data(as_text=True)
    assert "3 members will get an invitation e-mail." in page
    assert "Send 3 invitations" in page
    assert smtp_server.messages == []
    signed_in.post("/admin/members/invite")
    assert len(smtp_server.messages) == 3
    # Nobody left to invite: the page says so, and the roster offers no button.
    assert "Everyone on the roster has been invited already." in signed_in.get(
        "/admin/members/invite"
    ).get_data(as_text=True)
    assert 'href="/admin/members/invite"' not in signed_in.get("/admin/members").get_data(as_text=True)


def test_each_member_s_name_links_to_their_page_which_carries_their_actions(app, signed_in, make, council):
    member = make.member(council, "navn@rosterby.example", name="Nanna Navn")
    page = signed_in.get("/admin/members").get_data(as_text=True)
    assert f'<a href="/admin/members/{member.id}">Nanna Navn</a>' in page
    own = signed_in.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert f'action="/admin/members/{member.id}/invite"' in own
    assert f'href="/admin/members/{member.id}/remove"' in own


def test_after_adding_a_member_the_next_step_is_in_sight(app, signed_in, council):
    response = signed_in.post(
        "/admin/members/new",
        data={"name": "Ny Nielsen", "email": "ny@rosterby.example", "role": "councillor", "locale": ""},
    )
    with app.app_context():
        member = db.session.execute(select(Member).where(Member.email == "ny@rosterby.example")).scalar_one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/members/{member.id}")
    page = signed_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ny Nielsen is on the roster." in page
    assert f'action="/admin/members/{member.id}/invite"' in page


def test_inviting_a_member_who_has_a_password_says_what_was_sent(app, signed_in, make, council, smtp_server):
    member = make.member(council, "har@rosterby.example", name="Hanne Har")
    fresh = make.member(council, "ny2@rosterby.example", name="Ny Anden", password=None)
    page = signed_in.post(f"/admin/members/{member.id}/invite", follow_redirects=True).get_data(as_text=True)
    assert "already has a password" in page
    assert "sign-in link" in page
    page = signed_in.post(f"/admin/members/{fresh.id}/invite", follow_redirects=True).get_data(as_text=True)
    assert "An invitation was sent to ny2@rosterby.example." in page


def test_when_everyone_is_invited_the_invite_everyone_step_says_nobody_is_left(
    signed_in, make, council, smtp_server
):
    make.member(council, "vent@rosterby.example", name="Vera Venter", password=None)
    page = signed_in.get("/admin/members").get_data(as_text=True)
    assert "Invite everyone not yet invited" in page
    signed_in.post("/admin/members/invite")
    page = signed_in.get("/admin/members").get_data(as_text=True)
    assert "Invite everyone not yet invited" not in page
    confirm = signed_in.get("/admin/members/invite").get_data(as_text=True)
    assert "Invite everyone not yet invited" not in confirm
    assert "Nobody is left to invite" in confirm
