"""Long lists: the roster and the dashboard are searched by name or e-mail, filtered and shown a page at a
time, and the member's name stays in view while a wide table scrolls."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from course.db import utcnow
from course.extensions import db
from course.people.models import Member
from course.web.paging import PER_PAGE, Page, clean_search, parse_page


@pytest.fixture
def council(make):
    return make.council("longby")


@pytest.fixture
def admin(make, council):
    return make.member(council, "chef@longby.example", name="Aase Admin", is_admin=True, locale="en")


@pytest.fixture
def roster(app, make, council, admin):
    """60 members besides the administrator: Member 01 … Member 60, every third a substitute."""
    members = []
    for number in range(1, 61):
        role = "substitute" if number % 3 == 0 else "councillor"
        members.append(
            make.member(
                council,
                f"m{number:02d}@longby.example",
                name=f"Member {number:02d}",
                role=role,
                password=None,
            )
        )
    with app.app_context():
        db.session.get(Member, members[0].id).invited_at = utcnow()
        db.session.get(Member, members[1].id).joined_at = utcnow()
        db.session.commit()
    return members


@pytest.fixture
def signed_in(client, auth, admin):
    auth.login(admin.email)
    return client


def names_in(html: str) -> list[str]:
    """The names in the roster's or the dashboard's member table."""
    if 'class="member-name"' in html:
        return re.findall(r'<span class="member-name">(?:<a [^>]*>)?([^<]+)', html)
    return re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)', html)


def test_paging_keeps_to_the_pages_there_are():
    assert Page.of(3, 120).offset == 2 * PER_PAGE
    assert Page.of(9, 60).number == 2
    assert Page.of(0, 0).number == 1
    assert (Page.of(2, 60).first, Page.of(2, 60).last) == (51, 60)
    assert parse_page("²") == 1
    assert parse_page("-1") == 1
    assert clean_search("  Søren\x00  Ærø ") == "Søren Ærø"
    assert len(clean_search("x" * 500)) == 100


def test_the_roster_is_shown_a_page_at_a_time(signed_in, roster):
    first = signed_in.get("/admin/members").get_data(as_text=True)
    assert "61 members" in first
    assert len(names_in(first)) == PER_PAGE
    assert "Showing 1–50 of 61" in first
    assert 'href="/admin/members?page=2"' in first
    second = signed_in.get("/admin/members?page=2").get_data(as_text=True)
    assert names_in(second) == [f"Member {number:02d}" for number in range(50, 61)]
    # A page past the end shows the last one rather than nothing.
    assert names_in(signed_in.get("/admin/members?page=99").get_data(as_text=True)) == names_in(second)


def test_the_roster_is_searched_by_name_or_address_and_filtered(signed_in, roster):
    page = signed_in.get("/admin/members?q=member+0").get_data(as_text=True)
    assert names_in(page) == [f"Member 0{number}" for number in range(1, 10)]
    assert "9 members (filtered)" in page
    assert names_in(signed_in.get("/admin/members?q=M42%40LONGBY").get_data(as_text=True)) == ["Member 42"]
    substitutes = names_in(signed_in.get("/admin/members?role=substitute&q=member+1").get_data(as_text=True))
    assert substitutes == ["Member 12", "Member 15", "Member 18"]
    assert names_in(signed_in.get("/admin/members?status=invited").get_data(as_text=True)) == ["Member 01"]
    signed = names_in(signed_in.get("/admin/members?status=signed_in").get_data(as_text=True))
    assert signed == ["Aase Admin", "Member 02"]
    # LIKE's wildcards are searched for as themselves.
    nothing = signed_in.get("/admin/members?q=%25").get_data(as_text=True)
    assert names_in(nothing) == []
    assert "No members match the search." in nothing
    # Unknown filters fall back to everyone rather than failing.
    assert signed_in.get("/admin/members?role=king&status=x&page=abc").status_code == 200


def test_the_roster_keeps_the_name_column_in_view(signed_in, roster):
    page = signed_in.get("/admin/members").get_data(as_text=True)
    assert 'class="table members-table sticky-first"' in page


def test_the_dashboard_is_searched_filtered_and_paged(signed_in, roster):
    first = signed_in.get("/admin/").get_data(as_text=True)
    # The administrator takes the course too: 61 rows, 50 on the first page.
    assert len(names_in(first)) == PER_PAGE
    assert "Showing 1–50 of 61" in first
    second = signed_in.get("/admin/?page=2").get_data(as_text=True)
    assert names_in(second)[-1] == "Member 60"
    assert names_in(signed_in.get("/admin/?q=m07%40").get_data(as_text=True)) == ["Member 07"]
    # A tab pasted with a name (copied from a spreadsheet) is whitespace; a line break is still refused.
    assert names_in(signed_in.get("/admin/?q=Member%0907%09").get_data(as_text=True)) == ["Member 07"]
    assert signed_in.get("/admin/?q=Member%0A07").status_code == 400
    # Nothing found: the way back to everyone, keeping the sort.
    nothing = signed_in.get("/admin/?q=nobody&role=staff&sort=status").get_data(as_text=True)
    assert "No members match the filters." in nothing
    assert '<a href="/admin/?sort=status">Show everyone</a>' in nothing
    found = names_in(signed_in.get("/admin/?q=member+2&role=substitute").get_data(as_text=True))
    assert found == ["Member 21", "Member 24", "Member 27"]
    # Sorting starts again on the first page; the search and filters stay.
    searched = signed_in.get("/admin/?q=member&page=2").get_data(as_text=True)
    assert 'href="/admin/?sort=status&amp;q=member"' in searched


def test_the_dashboard_downloads_every_matching_member_not_one_page(signed_in, roster):
    text = signed_in.get("/admin/export.csv?page=2").get_data(as_text=True)
    assert len(text.strip().splitlines()) == 1 + 61
    text = signed_in.get("/admin/export.csv?q=member+5").get_data(as_text=True)
    assert len(text.strip().splitlines()) == 1 + 10


def test_the_print_view_shows_every_matching_member(signed_in, roster):
    page = signed_in.get("/admin/print?q=member").get_data(as_text=True)
    assert "60 members (filtered)" in page


def test_reminded_members_and_administrators_are_not_chosen_by_default(app, signed_in, roster, admin):
    from course.admin.models import Reminder

    with app.app_context():
        council_id = db.session.get(Member, roster[4].id).council_id
        from course.people.models import Council

        council = db.session.get(Council, council_id)
        db.session.add(
            Reminder(
                council_id=council_id,
                round_id=council.current_round_id,
                member_id=roster[4].id,
                kind="manual",
                sent_at=utcnow() - timedelta(hours=3),
            )
        )
        db.session.add(
            Reminder(
                council_id=council_id,
                round_id=council.current_round_id,
                member_id=roster[5].id,
                kind="manual",
                sent_at=utcnow() - timedelta(hours=25),
            )
        )
        db.session.commit()
    page = signed_in.get("/admin/").get_data(as_text=True)
    assert re.search(rf'id="remind-{roster[4].id}" name="member" value="{roster[4].id}">', page)
    assert re.search(rf'id="remind-{roster[5].id}" name="member" value="{roster[5].id}" checked>', page)
    assert re.search(rf'id="remind-{admin.id}" name="member" value="{admin.id}">', page)
    assert "reminded in the last 24 hours" in page
