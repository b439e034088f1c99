"""Rounds: a council's course once per council term; what starts one, what a new one means for members and
administrators, carry-over, who takes the course, and a seminar completion counting everywhere."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from course.audit.models import AuditEvent
from course.extensions import db
from course.learning import progress, rounds
from course.learning.models import CourseCompletion, ModuleProgress
from course.people import calendar
from course.people.models import Council, CourseRound, Member
from tests.admin_helpers import complete_course


def _council(app, council) -> Council:
    return db.session.get(Council, council.id)


def test_a_new_council_has_a_round_for_the_current_term(app, make):
    danish = make.council("termby")
    with app.app_context():
        current = _council(app, danish).current_round
        term = calendar.term_of("dk", calendar.today("dk"))
        assert (current.term_start, current.term_end) == (term.start, term.end)


@pytest.mark.parametrize(
    ("country", "last_day", "first_day", "new_term"),
    [
        ("dk", datetime(2029, 12, 31, 12, tzinfo=UTC), datetime(2030, 1, 1, 8, tzinfo=UTC), "2030\u20132033"),
        (
            "se",
            datetime(2030, 10, 14, 12, tzinfo=UTC),
            datetime(2030, 10, 15, 8, tzinfo=UTC),
            "2030\u20132034",
        ),
    ],
)
def test_a_round_starts_by_itself_on_the_first_day_of_the_new_term(
    app, make, country, last_day, first_day, new_term
):
    council = make.council(f"auto-{country}", country=country)
    with app.app_context():
        assert rounds.start_due_rounds(now=last_day, council=_council(app, council)) == []
        started = rounds.start_due_rounds(now=first_day, council=_council(app, council))
        db.session.commit()
        assert [each.round.term.label for each in started] == [new_term]
        assert _council(app, council).current_round.term.label == new_term
        # Running the daily job again starts nothing more.
        assert (
            rounds.start_due_rounds(now=first_day + timedelta(hours=1), council=_council(app, council)) == []
        )
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "round.started")
        ).scalar_one()
        assert event.details["source"] == "automatic"


def test_the_daily_command_starts_due_rounds(app, make, runner, monkeypatch):
    council = make.council("dailyby")
    with app.app_context():
        # The council's round is for the previous term: the command starts the current one.
        current = _council(app, council).current_round
        current.term_start, current.term_end = date(2018, 1, 1), date(2021, 12, 31)
        db.session.commit()
    result = runner.invoke(args=["send-reminders", "--council", "dailyby"])
    assert result.exit_code == 0, result.output
    assert "a new round started" in result.output
    with app.app_context():
        assert _council(app, council).current_round.term_end >= calendar.today("dk")


def test_start_round_from_the_command_line(app, make, runner):
    make.council("cliby")
    result = runner.invoke(args=["start-round", "cliby", "--due", "bad"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output
    term = calendar.term_of("dk", calendar.today("dk")).next()
    due = term.start + timedelta(days=60)
    result = runner.invoke(args=["start-round", "cliby", "--due", due.isoformat()])
    assert result.exit_code == 0, result.output
    assert term.label in result.output
    with app.app_context():
        council = db.session.execute(select(Council).where(Council.slug == "cliby")).scalar_one()
        assert council.current_round.due_date == due
        assert db.session.query(CourseRound).filter_by(council_id=council.id).count() == 2
    # The next term has its round already: no round for the term after it.
    again = runner.invoke(args=["start-round", "cliby"])
    assert again.exit_code != 0
    assert f"the round for the next council term {term.label} has started already" in again.output
    with app.app_context():
        assert db.session.query(CourseRound).filter_by(council_id=council.id).count() == 2


@pytest.fixture
def admin_of(make, auth):
    def run(council):
        admin = make.member(
            council, f"admin@{council.slug}.example", name="Sekretariatet", is_admin=True, locale="en"
        )
        auth.login(admin.email)
        return admin

    return run


def test_an_administrator_starts_a_round_after_confirming(app, make, client, admin_of, course):
    council = make.council("handby")
    admin_of(council)
    member = make.member(council, "anna@handby.example", name="Anna")
    complete_course(app, course, member.id)
    page = client.get("/admin/rounds/new").get_data(as_text=True)
    assert "Nothing is deleted" in page
    refused = client.post("/admin/rounds", data={})
    assert refused.status_code == 422
    assert "Tick the box to confirm" in refused.get_data(as_text=True)
    with app.app_context():
        term = rounds.next_term(_council(app, council))
    assert f'value="{term.start.isoformat()}"' in page
    response = client.post("/admin/rounds", data={"confirm": "y", "term": term.start.isoformat()})
    assert response.status_code == 303
    with app.app_context():
        fresh = db.session.get(Member, member.id)
        state = progress.get_course_state(fresh, course)
        assert not state.is_complete
        assert state.completed_count == 0
        # The earlier round's completion is kept, and shown to the member as history.
        [past] = rounds.list_past_completions(fresh)
        assert past.completed_at is not None
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "round.started")
        ).scalar_one()
        assert event.details["source"] == "administrator"
    # The dashboard shows the new round (started early, so no further one can start yet), and the earlier
    # one read-only.
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert f"The round for the next council term {term.label} has started already" in dashboard
    with app.app_context():
        earlier = rounds.list_rounds(council.id)[-1]
    old_view = client.get(f"/admin/?round={earlier.id}").get_data(as_text=True)
    assert "It can be read but not changed" in old_view
    # Nothing about what a due date would do: the round is over.
    assert "No due date was set for this round." in old_view
    assert "With a due date" not in old_view
    assert 'name="member"' not in old_view  # no reminders for an earlier round
    for unknown in ("99999", "abc", "-1", "0", "1.5", "9" * 30):
        assert client.get(f"/admin/?round={unknown}").status_code == 404, unknown
        assert client.get(f"/admin/export.csv?round={unknown}").status_code == 404, unknown
    assert client.get("/admin/?round=").status_code == 200  # the form's "current round"


def test_another_councils_round_is_not_found(app, make, client, admin_of):
    mine, theirs = make.council("mineby"), make.council("theirby")
    admin_of(mine)
    with app.app_context():
        their_round = _council(app, theirs).current_round_id
    assert client.get(f"/admin/?round={their_round}").status_code == 404
    assert client.get(f"/admin/export.csv?round={their_round}").status_code == 404


def test_carry_over_counts_re_elected_members_as_complete(app, make, course):
    council = make.council("carryby")
    stays = make.member(council, "stays@carryby.example")
    leaves = make.member(council, "leaves@carryby.example")
    for member in (stays, leaves):
        complete_course(app, course, member.id)
    with app.app_context():
        db.session.get(Member, leaves.id).removed_at = datetime.now(UTC)
        rounds.start_round(_council(app, council), actor=None, carry_over=True)
        db.session.commit()
        new_round = _council(app, council).current_round_id
        carried = (
            db.session.execute(select(CourseCompletion).where(CourseCompletion.round_id == new_round))
            .scalars()
            .all()
        )
        assert [c.member_id for c in carried] == [stays.id]
        assert carried[0].carried_from_id is not None
        assert progress.get_course_state(db.session.get(Member, stays.id), course).is_complete
        assert db.session.query(ModuleProgress).filter_by(
            round_id=new_round, member_id=stays.id
        ).count() == len(course.modules)


def test_without_carry_over_everyone_starts_afresh_and_nothing_is_deleted(app, make, course):
    council = make.council("afreshby")
    member = make.member(council)
    complete_course(app, course, member.id)
    with app.app_context():
        before = db.session.query(ModuleProgress).count()
        rounds.start_round(_council(app, council), actor=None)
        db.session.commit()
        assert db.session.query(ModuleProgress).count() == before
        assert not progress.get_course_state(db.session.get(Member, member.id), course).is_complete


def test_a_due_date_outside_the_new_term_is_refused(app, make):
    council = make.council("dueby")
    with app.app_context(), pytest.raises(rounds.RoundError):
        rounds.start_round(_council(app, council), actor=None, due_date=date(2000, 1, 1))


def test_staff_do_not_take_the_course_by_default_and_are_not_counted_or_reminded(
    app, make, client, admin_of, course, runner, smtp_server
):
    council = make.council("staffby")
    admin_of(council)
    councillor = make.member(council, "c@staffby.example", name="Carla Councillor")
    staff = make.member(council, "s@staffby.example", name="Sven Staff", role="staff")
    with app.app_context():
        assert db.session.get(Member, councillor.id).takes_course
        assert not db.session.get(Member, staff.id).takes_course
        for member_id in (councillor.id, staff.id):
            db.session.get(Member, member_id).invited_at = datetime.now(UTC) - timedelta(days=30)
        db.session.commit()
    html = client.get("/admin/").get_data(as_text=True)
    assert "Members who are not expected to take the course" in html
    others = html.split("others-heading", 1)[1]
    assert "Sven Staff" in others
    assert "Carla Councillor" not in others
    result = runner.invoke(args=["send-reminders", "--council", "staffby", "--dry-run"])
    assert "c@staffby.example" in result.output
    assert "s@staffby.example" not in result.output


def test_a_seminar_completion_is_a_completion_everywhere(app, make, client, admin_of, course, auth, runner):
    from course.certificates.operations import record_seminar_completion

    council = make.council("seminarby")
    admin = admin_of(council)
    member = make.member(council, "m@seminarby.example", name="Mette Seminar", locale="en")
    with app.app_context():
        db.session.get(Member, member.id).invited_at = datetime.now(UTC) - timedelta(days=30)
        record_seminar_completion(
            db.session.get(Member, member.id),
            calendar.today("dk"),
            "Temamøde i byrådet",
            course,
            actor=db.session.get(Member, admin.id),
        )
        db.session.commit()
        state = progress.get_course_state(db.session.get(Member, member.id), course)
        assert state.is_complete
        assert state.status == "complete"
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "at a council seminar" in dashboard
    figures = dashboard.split("figures-heading", 1)[1].split("</dl>", 1)[0]
    assert "<dt>Completed</dt><dd>1 " in figures
    result = runner.invoke(args=["send-reminders", "--council", "seminarby", "--dry-run"])
    assert "m@seminarby.example" not in result.output
    auth.logout()
    auth.login(member.email)
    overview = client.get("/")
    assert overview.status_code == 200, overview.headers
    assert "Completed at the council seminar on" in overview.get_data(as_text=True)


def test_starting_a_round_during_a_term_says_it_is_for_the_next_term(app, make, client, admin_of):
    council = make.council("earlyby")
    admin_of(council)
    with app.app_context():
        current = _council(app, council).current_round.term
    page = client.get("/admin/rounds/new?lang=en").get_data(as_text=True)
    assert "This round is for the next council term" in page
    assert f"already covers the council term {current.label}" in page
    assert f"Start a new round: the council term {current.next().label}" in page


def test_a_round_started_late_for_the_current_term_needs_no_warning(app, make, client, admin_of):
    council = make.council("lateby")
    admin_of(council)
    with app.app_context():
        current_round = _council(app, council).current_round
        earlier = calendar.term_of("dk", current_round.term_start - timedelta(days=1))
        current_round.term_start, current_round.term_end = earlier.start, earlier.end
        db.session.commit()
        this_term = calendar.term_of("dk", calendar.today("dk"))
    page = client.get("/admin/rounds/new?lang=en").get_data(as_text=True)
    assert f"Start a new round: the council term {this_term.label}" in page
    assert "This round is for the next council term" not in page


def test_a_new_country_moves_the_current_round_to_its_term_and_drops_a_due_date_outside_it(app, make):
    council = make.council("flytby", country="dk")
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    with app.app_context():
        each = _council(app, council)
        each.current_round.term_start, each.current_round.term_end = date(2026, 1, 1), date(2029, 12, 31)
        each.current_round.due_date = date(2026, 6, 30)
        each.country = "se"
        assert rounds.move_to_country_term(each, actor=None, now=now) is True
        assert each.current_round.term == calendar.Term(date(2026, 10, 15), date(2030, 10, 14))
        assert each.current_round.due_date is None
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "round.term_changed")
        ).scalar_one()
        assert event.details["previous_term_start"] == "2026-01-01"
        assert event.details["due_date_removed"] is True
        # Already in the country's term: nothing moves.
        assert rounds.move_to_country_term(each, actor=None, now=now) is False


def test_a_new_country_is_refused_when_the_council_has_a_round_for_that_term(app, make):
    council = make.council("tilbageby", country="dk")
    now = datetime(2027, 3, 1, 12, tzinfo=UTC)
    with app.app_context():
        each = _council(app, council)
        each.current_round.term_start, each.current_round.term_end = date(2026, 1, 1), date(2029, 12, 31)
        db.session.add(
            CourseRound(council_id=each.id, term_start=date(2026, 10, 15), term_end=date(2030, 10, 14))
        )
        db.session.flush()
        each.country = "se"
        with pytest.raises(rounds.RoundError):
            rounds.move_to_country_term(each, actor=None, now=now)


def test_a_round_can_be_started_at_most_one_term_ahead(app, make, client, admin_of):
    council = make.council("aheadby")
    admin_of(council)
    with app.app_context():
        next_term = _council(app, council).current_round.term.next()
    assert (
        client.post("/admin/rounds", data={"confirm": "y", "term": next_term.start.isoformat()}).status_code
        == 303
    )
    with app.app_context():
        assert _council(app, council).current_round.term == next_term
        assert rounds.next_term(_council(app, council)) is None
    # Neither the dashboard nor the page offers another, and posting one anyway starts nothing.
    dashboard = client.get("/admin/?lang=en").get_data(as_text=True)
    assert 'href="/admin/rounds/new"' not in dashboard
    assert f"The round for the next council term {next_term.label} has started" in dashboard
    page = client.get("/admin/rounds/new")
    assert page.status_code == 200
    assert f"The round for the next council term {next_term.label} has started already" in page.get_data(
        as_text=True
    )
    assert 'action="/admin/rounds"' not in page.get_data(as_text=True)
    refused = client.post("/admin/rounds", data={"confirm": "y", "term": next_term.next().start.isoformat()})
    assert refused.status_code == 422
    assert "has started already" in refused.get_data(as_text=True)
    assert "No new round was started." in refused.get_data(as_text=True)
    with app.app_context():
        assert len(rounds.list_rounds(council.id)) == 2


def test_a_form_for_a_term_whose_round_has_started_since_starts_nothing(app, make, client, admin_of):
    """Two tabs (or two administrators) with the page open: the second confirmation does not start a round
    for a term nobody saw."""
    council = make.council("tabby")
    admin_of(council)
    with app.app_context():
        council_row = _council(app, council)
        # The current round is for an earlier term: a round started now is for the current one.
        earlier = calendar.term_of("dk", council_row.current_round.term_start - timedelta(days=1))
        council_row.current_round.term_start, council_row.current_round.term_end = earlier.start, earlier.end
        db.session.commit()
        this_term = calendar.term_of("dk", calendar.today("dk"))
    form = client.get("/admin/rounds/new").get_data(as_text=True)
    assert f'name="term" type="hidden" value="{this_term.start.isoformat()}"' in form
    first = client.post("/admin/rounds", data={"confirm": "y", "term": this_term.start.isoformat()})
    assert first.status_code == 303
    second = client.post("/admin/rounds", data={"confirm": "y", "term": this_term.start.isoformat()})
    assert second.status_code == 422
    assert "A round has started since this page was opened" in second.get_data(as_text=True)
    with app.app_context():
        assert [each.term for each in rounds.list_rounds(council.id)] == [this_term, earlier]


@pytest.mark.parametrize("value", ["false", "", "0", "False", "off", "no", "yes", "true"])
def test_a_confirmation_that_says_no_starts_no_round(app, make, client, admin_of, value):
    council = make.council(f"nejby-{value.lower() or 'empty'}")
    admin_of(council)
    with app.app_context():
        term = rounds.next_term(_council(app, council))
    refused = client.post("/admin/rounds", data={"confirm": value, "term": term.start.isoformat()})
    assert refused.status_code == 422
    assert "Tick the box to confirm" in refused.get_data(as_text=True)
    with app.app_context():
        assert len(rounds.list_rounds(council.id)) == 1
