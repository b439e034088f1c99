"""The platform overview: every council side by side, sortable, as CSV, read in a fixed number of
queries; creating a council and its first administrator, who is invited by e-mail."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.db import utcnow
from course.extensions import db
from course.people.models import Council, Member
from tests.admin_helpers import complete_course, link_in, record_module


@pytest.fixture
def platform_admin(make):
    return make.member(
        make.council("hostby", name="Host Association"),
        "pia@host.example",
        is_platform_admin=True,
        locale="en",
    )


@pytest.fixture
def signed_in(client, auth, platform_admin):
    auth.login(platform_admin.email)
    return client


@pytest.fixture
def councils(app, make, course):
    aarhus = make.council("aarhus", name="Aarhus Kommune")
    lund = make.council("lund", country="se", locale="sv", name="Lunds kommun")
    make.council("tomby", name="Tomby Kommune")
    members = [make.member(aarhus, f"a{n}@aarhus.example") for n in range(4)]
    complete_course(app, course, members[0].id)
    record_module(app, course, members[1].id, 0, passed=(0,))
    removed = make.member(aarhus, "gone@aarhus.example")
    complete_course(app, course, removed.id)
    swedes = [make.member(lund, f"s{n}@lund.example") for n in range(2)]
    complete_course(app, course, swedes[0].id)
    complete_course(app, course, swedes[1].id)
    with app.app_context():
        db.session.get(Member, removed.id).removed_at = utcnow()
        db.session.get(Council, aarhus.id).current_round.due_date = date.today() - timedelta(days=3)
        db.session.commit()
    return aarhus, lund


def council_rows(html: str) -> dict[str, list[str]]:
    rows = {}
    for name, cells in re.findall(r'<th scope="row"><a [^>]*>([^<]+)</a>.*?</th>(.*?)</tr>', html, re.S):
        rows[name] = [
            re.sub(r"<[^>]+>|\s+", " ", cell).split()[0]
            for cell in re.findall(r"<td>(.*?)</td>", cells, re.S)
        ]
    return rows


def test_every_council_with_its_figures(signed_in, councils):
    html = signed_in.get("/platform/").get_data(as_text=True)
    rows = council_rows(html)
    # members, completed, in progress, not started, due date, overdue
    assert rows["Aarhus Kommune"][:4] == ["4", "1", "1", "2"]
    assert rows["Aarhus Kommune"][5] == "3"
    assert rows["Lunds kommun"][:4] == ["2", "2", "0", "0"]
    assert rows["Lunds kommun"][5] == "0"
    assert rows["Tomby Kommune"][:4] == ["0", "0", "0", "0"]
    assert "25%" in html
    assert "100%" in html


def test_the_overview_sorts(signed_in, councils):
    by = lambda query: list(council_rows(signed_in.get(f"/platform/{query}").get_data(as_text=True)))  # noqa: E731
    assert by("") == ["Aarhus Kommune", "Host Association", "Lunds kommun", "Tomby Kommune"]
    assert by("?sort=complete&order=desc")[0] == "Lunds kommun"
    assert by("?sort=members&order=desc")[0] == "Aarhus Kommune"
    assert by("?sort=overdue&order=desc")[0] == "Aarhus Kommune"
    assert by("?sort=nonsense") == by("")


def test_the_overview_as_csv(signed_in, councils):
    response = signed_in.get("/platform/export.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="councils.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:5] == ["Council", "Short name", "Country", "Members", "Completed"]
    aarhus = next(row for row in rows if row[1] == "aarhus")
    assert aarhus[3:5] == ["4", "1"]
    assert aarhus[8] == "3"


def test_the_platform_administrator_creates_a_council_and_invites_its_administrator(
    app, client, signed_in, platform_admin, smtp_server
):
    assert signed_in.get("/platform/councils/new").status_code == 200
    response = signed_in.post(
        "/platform/councils/new",
        data={
            "name": "Malmö stad",
            "slug": "malmo",
            "country": "se",
            "locale": "sv",
            "admin_name": "Märta Månsson",
            "admin_email": "marta@malmo.example",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        council = db.session.execute(select(Council).where(Council.slug == "malmo")).scalar_one()
        admin = db.session.execute(select(Member).where(Member.email == "marta@malmo.example")).scalar_one()
        assert (council.name, council.country, council.default_locale) == ("Malmö stad", "se", "sv")
        assert (admin.council_id, admin.is_admin, admin.is_platform_admin) == (council.id, True, False)
        actions = {
            event.action
            for event in db.session.execute(
                select(AuditEvent).where(AuditEvent.actor_id == platform_admin.id)
            ).scalars()
        }
        assert {"council.created", "member.added", "invitation.sent"} <= actions
    [message] = smtp_server.to("marta@malmo.example")
    # The administrator's invitation, in the council's language (its Swedish comes with the catalogue).
    assert "Malmö stad" in message["Subject"]
    # The new administrator accepts and reaches the council's dashboard.
    newcomer = app.test_client()
    page, _, token = link_in(message, "/invitation#").partition("#")
    newcomer.post(
        page,
        data={
            "token": token,
            "action": "password",
            "password": "malmö is lovely",
            "confirm": "malmö is lovely",
        },
    )
    assert newcomer.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "aarhus"}, "A council with this short name exists already."),
        ({"slug": "Not A Slug!"}, "Use 2 to 63 lower-case letters"),
        ({"admin_email": "pia@host.example"}, "is registered with another council"),
        ({"admin_email": "nope"}, "Enter an e-mail address like name@example.dk."),
        ({"name": ""}, "Enter the council's name."),
    ],
)
def test_creating_a_council_with_bad_input_says_what_is_wrong_and_creates_nothing(
    app, signed_in, councils, smtp_server, changes, message
):
    data = {
        "name": "Ny Kommune",
        "slug": "ny",
        "country": "dk",
        "locale": "da",
        "admin_name": "Ny Admin",
        "admin_email": "ny@ny.example",
        **changes,
    }
    response = signed_in.post("/platform/councils/new", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Council).where(Council.slug == "ny")).scalar() is None
    assert smtp_server.messages == []


def test_the_overview_reads_a_fixed_number_of_queries(app, make, signed_in, count_queries, course):
    def add_councils(start: int, count: int) -> None:
        for n in range(start, start + count):
            council = make.council(f"council-{n}")
            member = make.member(council, f"m{n}@council.example", password=None)
            record_module(app, course, member.id, 0, passed=(0,))

    def count(path: str) -> int:
        with count_queries() as counter:
            assert signed_in.get(path).status_code == 200
        return counter.count

    add_councils(0, 1)
    signed_in.get("/platform/")  # warm up: the first request loads the session
    small = {path: count(path) for path in ("/platform/", "/platform/export.csv")}
    add_councils(1, 30)
    large = {path: count(path) for path in ("/platform/", "/platform/export.csv")}
    assert small == large
