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
from tests.helpers import round_of


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


def test_the_overview_as_csv(app, signed_in, councils, platform_admin):
    day = utcnow().date().isoformat()
    with app.app_context():
        db.session.get(Member, platform_admin.id).locale = "da"
        db.session.commit()
    danish = signed_in.get("/platform/export.csv")
    assert f"filename*=UTF-8''kommuner-{day}.csv" in danish.headers["Content-Disposition"]
    with app.app_context():
        db.session.get(Member, platform_admin.id).locale = "en"
        db.session.commit()
    response = signed_in.get("/platform/export.csv")
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="councils-{day}.csv"')
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0][:6] == ["Council", "Short name", "Country", "Council term", "Members", "Completed"]
    aarhus = next(row for row in rows if row[1] == "aarhus")
    assert aarhus[4:6] == ["4", "1"]
    assert aarhus[9] == "3"


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


def test_the_term_filter_tells_the_countries_terms_apart(signed_in, councils):
    html = signed_in.get("/platform/").get_data(as_text=True)
    options = dict(re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', html))
    values = [value for value in options if value]
    assert len(values) == len(set(values)) == 2
    danish = next(value for value, label in options.items() if label.endswith("2029"))
    swedish = next(value for value, label in options.items() if label.endswith("2030"))
    by = lambda term: list(council_rows(signed_in.get(f"/platform/?term={term}").get_data(as_text=True)))  # noqa: E731
    assert by(swedish) == ["Lunds kommun"]
    assert by(danish) == ["Aarhus Kommune", "Host Association", "Tomby Kommune"]
    chosen = signed_in.get(f"/platform/?term={swedish}").get_data(as_text=True)
    assert f'<option value="{swedish}" selected>' in chosen
    # A value that is no term lists every council.
    assert len(by("nonsense")) == 4
    # A term no council's round is for says so, with the way back to every term (not "no councils yet").
    empty = signed_in.get("/platform/?term=2002-01-01&sort=members").get_data(as_text=True)
    assert "No council's current round is for that term." in empty
    assert "There are no councils yet." not in empty
    assert '<a href="/platform/?sort=members">Show all terms</a>' in empty


@pytest.mark.parametrize(("country", "locale"), [("se", "sv"), ("dk", "da")])
def test_a_new_councils_language_is_its_countrys_unless_chosen(app, signed_in, smtp_server, country, locale):
    response = signed_in.post(
        "/platform/councils/new",
        data={
            "name": "Ny",
            "slug": "ny",
            "country": country,
            "admin_name": "Ny Admin",
            "admin_email": "ny@ny.example",
        },
    )
    assert response.status_code == 303
    with app.app_context():
        council = db.session.execute(select(Council).where(Council.slug == "ny")).scalar_one()
        assert council.default_locale == locale


def test_the_new_council_form_chooses_no_language_until_asked(signed_in):
    html = signed_in.get("/platform/councils/new").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="locale".*?</select>', html, re.S).group(0)
    assert "The country's language" in select_html
    assert re.search(r'<option selected value="">|<option value="" selected>', select_html)


def test_an_explicitly_chosen_language_is_kept(app, signed_in, smtp_server):
    signed_in.post(
        "/platform/councils/new",
        data={
            "name": "Ny",
            "slug": "ny",
            "country": "se",
            "locale": "en",
            "admin_name": "Ny Admin",
            "admin_email": "ny@ny.example",
        },
    )
    with app.app_context():
        council = db.session.execute(select(Council).where(Council.slug == "ny")).scalar_one()
        assert council.default_locale == "en"


def test_creating_a_council_reports_every_problem_at_once(app, signed_in, councils, smtp_server):
    response = signed_in.post(
        "/platform/councils/new",
        data={
            "name": "Ny Kommune",
            "slug": "Not A Slug!",
            "country": "dk",
            "locale": "da",
            "admin_name": "Ny Admin",
            "admin_email": "nope",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = re.search(r'class="alert alert-error error-summary.*?</ul>', html, re.S).group(0)
    assert "Use 2 to 63 lower-case letters" in summary
    assert "Enter an e-mail address like name@example.dk." in summary


def test_the_csv_has_the_term_and_the_share_as_a_number(signed_in, councils):
    response = signed_in.get("/platform/export.csv")
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    header = rows[0]
    lund = dict(zip(header, next(row for row in rows if row[1] == "lund"), strict=True))
    aarhus = dict(zip(header, next(row for row in rows if row[1] == "aarhus"), strict=True))
    assert lund["Council term"].endswith("2030")
    assert aarhus["Council term"].endswith("2029")
    assert float(aarhus["Share completed"]) == 0.25
    assert float(lund["Share completed"]) == 1.0


def test_each_member_who_counts_is_complete_once_online_or_at_a_seminar(app, make, course):
    """The overview's figures for a council's current round: a completion online or at a seminar counts
    once (both, once), only for active members who take the course, and never from an earlier round."""
    from course.learning.models import CourseCompletion, SeminarCompletion
    from course.learning.progress import count_progress_by_council
    from course.learning.rounds import start_round

    council = make.council("tellby")
    online, seminar, both, nothing, staff, removed, earlier = (
        make.member(council, f"{name}@tellby.example")
        for name in ("online", "seminar", "both", "nothing", "staff", "removed", "earlier")
    )
    with app.app_context():
        previous_round = db.session.get(Council, council.id).current_round_id
        db.session.add(
            CourseCompletion(
                round_id=previous_round, member_id=earlier.id, completed_at=utcnow(), content_version="test"
            )
        )
        start_round(db.session.get(Council, council.id), actor=None)
        db.session.commit()

    def at_seminar(member_id: int) -> SeminarCompletion:
        return SeminarCompletion(
            council_id=council.id,
            member_id=member_id,
            round_id=round_of(member_id),
            completed_on=date.today(),
            reason="Seminar",
            content_version="test",
            recorded_at=utcnow(),
        )

    for member in (online, both, staff):
        complete_course(app, course, member.id)
    record_module(app, course, nothing.id, 0)
    with app.app_context():
        db.session.add_all([at_seminar(seminar.id), at_seminar(both.id), at_seminar(removed.id)])
        db.session.get(Member, staff.id).takes_course = False
        db.session.get(Member, removed.id).removed_at = utcnow()
        db.session.commit()
        figures = count_progress_by_council()[council.id]
    # online, seminar, both, nothing and earlier count; staff and the removed member do not.
    assert (figures.members, figures.complete, figures.started) == (5, 3, 4)
