"""Whether a member takes the course: chosen per member in the member form (or left to the role), audited,
and shown in the members list."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.extensions import db
from course.people.models import Member


@pytest.fixture
def council(make):
    return make.council("takeby")


@pytest.fixture
def admin(make, council):
    return make.member(council, "chef@takeby.example", name="Cecilie Chef", is_admin=True, locale="en")


@pytest.fixture
def signed_in(client, auth, admin):
    auth.login(admin.email)
    return client


def takes(app, email: str) -> bool:
    with app.app_context():
        return db.session.execute(select(Member.takes_course).where(Member.email == email)).scalar_one()


def changed_events(app, member_id: int) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(
                select(AuditEvent)
                .where(AuditEvent.action == "member.changed", AuditEvent.member_id == member_id)
                .order_by(AuditEvent.id)
            ).scalars()
        )


@pytest.mark.parametrize(
    ("role", "choice", "expected"),
    [
        ("councillor", "role", True),
        ("substitute", "role", True),
        ("staff", "role", False),
        ("staff", "yes", True),
        ("councillor", "no", False),
    ],
)
def test_adding_a_member_takes_the_roles_default_or_the_choice(app, signed_in, role, choice, expected):
    response = signed_in.post(
        "/admin/members/new",
        data={"name": "Ny", "email": "ny@takeby.example", "role": role, "locale": "", "takes_course": choice},
    )
    assert response.status_code == 302
    assert takes(app, "ny@takeby.example") is expected


def test_the_form_offers_the_choice_with_a_label_and_defaults_to_the_role(signed_in):
    html = signed_in.get("/admin/members/new").get_data(as_text=True)
    assert '<label class="form-label" for="takes_course">Takes the course</label>' in html
    assert "As for the role (councillors and substitutes yes, staff no)" in html
    assert re.search(r'<option selected value="role">|<option value="role" selected>', html)


def test_an_administrator_changes_whether_a_member_takes_the_course_and_it_is_audited(
    app, make, signed_in, council, admin
):
    member = make.member(council, "sara@takeby.example", name="Sara Staff", role="staff")
    assert not takes(app, member.email)
    form = signed_in.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="role">|<option value="role" selected>', form)

    data = {"name": "Sara Staff", "email": member.email, "role": "staff", "locale": ""}
    response = signed_in.post(f"/admin/members/{member.id}", data={**data, "takes_course": "yes"})
    assert response.status_code == 302
    assert takes(app, member.email)
    [event] = changed_events(app, member.id)
    assert event.details["fields"] == ["takes_course"]
    assert event.details["takes_course"] is True
    assert event.actor_id == admin.id

    # The form shows the explicit choice, and saving it again changes nothing.
    form = signed_in.get(f"/admin/members/{member.id}").get_data(as_text=True)
    assert re.search(r'<option selected value="yes">|<option value="yes" selected>', form)
    signed_in.post(f"/admin/members/{member.id}", data={**data, "takes_course": "yes"})
    assert len(changed_events(app, member.id)) == 1

    # Back to the role's default: staff do not take the course.
    signed_in.post(f"/admin/members/{member.id}", data={**data, "takes_course": "role"})
    assert not takes(app, member.email)
    assert changed_events(app, member.id)[-1].details["takes_course"] is False


def test_following_the_role_changes_with_the_role(app, make, signed_in, council):
    member = make.member(council, "bo@takeby.example", name="Bo", role="councillor")
    data = {"name": "Bo", "email": member.email, "locale": "", "takes_course": "role"}
    signed_in.post(f"/admin/members/{member.id}", data={**data, "role": "staff"})
    assert not takes(app, member.email)
    assert set(changed_events(app, member.id)[-1].details["fields"]) == {"role", "takes_course"}
    signed_in.post(f"/admin/members/{member.id}", data={**data, "role": "substitute"})
    assert takes(app, member.email)


def test_a_bad_choice_is_refused_with_the_form_again(app, make, signed_in, council):
    member = make.member(council, "bo@takeby.example", name="Bo", role="councillor")
    response = signed_in.post(
        f"/admin/members/{member.id}",
        data={"name": "Bo", "email": member.email, "role": "councillor", "takes_course": "maybe"},
    )
    assert response.status_code == 422
    assert 'class="alert alert-error error-summary"' in response.get_data(as_text=True)
    assert takes(app, member.email)


def test_the_members_list_marks_those_who_do_not_take_the_course(make, signed_in, council):
    make.member(council, "sara@takeby.example", name="Sara Staff", role="staff")
    make.member(council, "rita@takeby.example", name="Rita Rådmand", role="councillor")
    make.member(council, "otto@takeby.example", name="Otto Undtaget", role="councillor", takes_course=False)
    html = signed_in.get("/admin/members").get_data(as_text=True)
    rows = {
        re.search(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', row).group(1): row
        for row in re.findall(r"<tr>.*?</tr>", html, re.S)
        if '<th scope="row">' in row
    }
    assert "Does not take the course" in rows["Sara Staff"]
    assert "Does not take the course" in rows["Otto Undtaget"]
    assert "Does not take the course" not in rows["Rita Rådmand"]
