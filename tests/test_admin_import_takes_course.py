"""The optional "takes the course" column of a roster import: yes or no in English, Danish or Swedish, a
clear reason for a value it does not know, and the role's default when the column or the cell is empty."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.extensions import db
from course.people.models import Member
from tests.test_admin_import import csv_bytes, digest_of, preview_statuses, upload, xlsx_bytes


@pytest.fixture
def council(make):
    return make.council("kursby")


@pytest.fixture
def signed_in(client, auth, make, council):
    admin = make.member(
        council, "sekretariat@kursby.example", name="Sekretariatet", is_admin=True, locale="en"
    )
    auth.login(admin.email)
    return client


def takes(app, council) -> dict[str, bool]:
    with app.app_context():
        return dict(
            db.session.execute(
                select(Member.email, Member.takes_course).where(
                    Member.council_id == council.id, Member.removed_at.is_(None), ~Member.is_admin
                )
            ).all()
        )


def import_file(client, filename: str, data: bytes) -> str:
    """Upload and confirm; returns the preview page as it was shown."""
    location = upload(client, filename, data).location
    html = client.get(location).get_data(as_text=True)
    response = client.post(location, data={"digest": digest_of(html)})
    assert response.status_code == 303, response.get_data(as_text=True)
    return html


@pytest.mark.parametrize(
    ("filename", "make_file", "header"),
    [
        ("members.csv", csv_bytes, ("name", "email", "role", "takes the course")),
        ("medlemmer.csv", csv_bytes, ("Navn", "E-mail", "Rolle", "Tager kurset")),
        ("ledamöter.xlsx", xlsx_bytes, ("Namn", "E-post", "Roll", "Går kursen")),
    ],
)
def test_the_column_takes_yes_and_no_in_three_languages(app, signed_in, council, filename, make_file, header):
    rows = [
        ("Anna", "anna@kursby.example", "staff", "yes"),
        ("Bent", "bent@kursby.example", "medarbejder", "Ja"),
        ("Cilla", "cilla@kursby.example", "tjänsteperson", "JA"),
        ("Dan", "dan@kursby.example", "councillor", "no"),
        ("Eva", "eva@kursby.example", "byrådsmedlem", "nej"),
        ("Finn", "finn@kursby.example", "ledamot", "Nej"),
        ("Gro", "gro@kursby.example", "staff", ""),
        ("Hans", "hans@kursby.example", "substitute", ""),
    ]
    html = import_file(signed_in, filename, make_file(header, rows))
    assert "Takes the course" in html
    assert takes(app, council) == {
        "anna@kursby.example": True,
        "bent@kursby.example": True,
        "cilla@kursby.example": True,
        "dan@kursby.example": False,
        "eva@kursby.example": False,
        "finn@kursby.example": False,
        "gro@kursby.example": False,
        "hans@kursby.example": True,
    }


def test_without_the_column_each_member_takes_the_roles_default(app, signed_in, council):
    rows = [
        ("Rita", "rita@kursby.example", "councillor"),
        ("Sune", "sune@kursby.example", "suppleant"),
        ("Tove", "tove@kursby.example", "staff"),
        ("Uno", "uno@kursby.example", ""),
    ]
    import_file(signed_in, "roster.csv", csv_bytes(("name", "email", "role"), rows))
    assert takes(app, council) == {
        "rita@kursby.example": True,
        "sune@kursby.example": True,
        "tove@kursby.example": False,
        "uno@kursby.example": True,
    }


def test_a_value_it_does_not_know_is_an_error_of_that_row_and_nothing_is_imported(app, signed_in, council):
    rows = [
        ("Anna", "anna@kursby.example", "staff", "ja"),
        ("Bent", "bent@kursby.example", "staff", "maybe"),
        ("Cilla", "cilla@kursby.example", "staff", "kanske"),
    ]
    location = upload(
        signed_in, "roster.csv", csv_bytes(("navn", "e-mail", "rolle", "tager kurset"), rows)
    ).location
    html = signed_in.get(location).get_data(as_text=True)
    assert preview_statuses(html) == {2: "new", 3: "error", 4: "error"}
    assert "Unknown value maybe for takes the course: use yes or no (ja or nej)." in html
    assert "Unknown value kanske for takes the course: use yes or no (ja or nej)." in html
    assert signed_in.post(location, data={"digest": "x"}).status_code == 422
    assert takes(app, council) == {}


def test_changing_whether_an_existing_member_takes_the_course_is_a_change_and_audited(
    app, make, signed_in, council
):
    make.member(council, "kim@kursby.example", name="Kim", role="councillor")
    make.member(council, "sara@kursby.example", name="Sara", role="staff", takes_course=True)
    make.member(council, "ole@kursby.example", name="Ole", role="councillor")
    rows = [
        ("Kim", "kim@kursby.example", "", "no"),
        ("Sara", "sara@kursby.example", "", ""),  # an empty cell keeps her explicit yes
        ("Ole", "ole@kursby.example", "staff", ""),  # followed his role's default, so follows the new one
    ]
    html = import_file(
        signed_in, "roster.csv", csv_bytes(("name", "email", "role", "takes the course"), rows)
    )
    assert preview_statuses(html) == {2: "changed", 3: "unchanged", 4: "changed"}
    assert "takes the course" in html
    assert takes(app, council) == {
        "kim@kursby.example": False,
        "sara@kursby.example": True,
        "ole@kursby.example": False,
    }
    with app.app_context():
        events = {
            event.member_id: event.details
            for event in db.session.execute(
                select(AuditEvent).where(AuditEvent.action == "member.changed")
            ).scalars()
        }
        kim = db.session.execute(select(Member.id).where(Member.email == "kim@kursby.example")).scalar_one()
    assert events[kim]["fields"] == ["takes_course"]
    assert events[kim]["takes_course"] is False
    assert events[kim]["source"] == "import"
