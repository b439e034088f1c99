"""The dashboard's print view per round: headed with the round's term and due date, an earlier round shown
read-only with its own record, and the members who do not take the course listed apart."""

from __future__ import annotations

from datetime import timedelta

import pytest
from babel.dates import format_date

from course.extensions import db
from course.learning import rounds
from course.people.models import Council
from tests.admin_helpers import complete_course


@pytest.fixture
def council(make):
    return make.council("printby")


@pytest.fixture
def signed_in(make, auth, client, council):
    admin = make.member(council, "admin@printby.example", name="Sekretariatet", is_admin=True, locale="en")
    auth.login(admin.email)
    return client


def _section(html: str, start: str, end: str | None = None) -> str:
    part = html.split(start, 1)[1]
    return part.split(end, 1)[0] if end else part


def test_the_print_view_is_headed_with_the_rounds_term_and_due_date_and_reads_an_earlier_round(
    app, make, signed_in, council, course
):
    anna = make.member(council, "anna@printby.example", name="Anna Andersen")
    complete_course(app, course, anna.id)
    with app.app_context():
        this_council = db.session.get(Council, council.id)
        first = this_council.current_round
        first_id, first_term = first.id, first.term.label
        term = rounds.next_term(this_council)
        due = term.start + timedelta(days=90)
        rounds.start_round(this_council, actor=None, due_date=due)
        db.session.commit()
        second_term = term.label

    html = signed_in.get("/admin/print").get_data(as_text=True)
    heading = _section(html, "<h1>", "<table")
    assert f"Round: council term {second_term}" in heading
    assert f"Due date: {format_date(due, 'long', locale='en')}." in heading
    assert "earlier round" not in heading
    # In the new round, Anna starts afresh (the administrator is a councillor too).
    assert "Completed: 0 of 2 " in html

    html = signed_in.get(f"/admin/print?round={first_id}").get_data(as_text=True)
    heading = _section(html, "<h1>", "<table")
    assert f"Round: council term {first_term}" in heading
    assert "No due date is set." in heading
    assert "You are looking at an earlier round" in heading
    assert "Completed: 1 of 2 " in html
    assert 'action="/admin' not in html  # nothing to change from here
    # The way back keeps the round.
    assert f'href="/admin/?round={first_id}"' in html

    other = make.council("notprintby")
    with app.app_context():
        their_round = db.session.get(Council, other.id).current_round_id
    assert signed_in.get(f"/admin/print?round={their_round}").status_code == 404


def test_the_print_view_lists_members_who_do_not_take_the_course_apart(make, signed_in, council):
    make.member(council, "carla@printby.example", name="Carla Councillor")
    make.member(council, "sven@printby.example", name="Sven Staff", role="staff")
    make.member(council, "otto@printby.example", name="Otto Optout", takes_course=False)
    html = signed_in.get("/admin/print").get_data(as_text=True)
    main, others = html.split('id="print-others-heading"', 1)
    assert "Carla Councillor" in main
    assert "Sven Staff" not in main
    assert "Otto Optout" not in main
    assert "Members who are not expected to take the course" in others
    assert "Sven Staff" in others
    assert "Otto Optout" in others
    assert "Carla Councillor" not in others
    # Only the members who take the course are counted.
    assert "Completed: 0 of 2 " in main


def test_without_others_the_print_view_has_no_such_section(make, signed_in, council):
    make.member(council, "carla@printby.example", name="Carla Councillor")
    html = signed_in.get("/admin/print").get_data(as_text=True)
    assert "print-others-heading" not in html
