"""How many SQL statements each page of the load benchmark runs, on data from the benchmark's own seed.

The counts are the budget: a change that adds a query to one of these pages fails here and has to say why.
Pages that list members or councils must read the same number of queries whatever their size.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from bench.seed import PASSWORD, PLATFORM_ADMIN_EMAIL, seed
from course.certificates.models import Certificate
from course.extensions import db
from course.learning.models import CourseCompletion, ModuleProgress
from course.people.models import Council, Member
from tests.helpers import answers_for, attempt_id_from

#: Statements per request, counted once the session cookie is loaded (the sign-in lookup is included).
BUDGET = {
    # The course overview also reads what the member completed in earlier rounds (one query), and the
    # council's plan against threats (one query; module 2 reads it too, course/plan/views.py).
    "overview": 7,
    "module": 4,
    "plan_module": 5,
    "progress": 4,
    "quiz": 11,
    # The dashboard and the platform overview read the councils' plans (one query each).
    "dashboard": 9,
    # The roster: the sign-in lookup, the counts and one page of members.
    "roster": 3,
    # The overview also counts each council's administrators (one query), to flag a council without one.
    "platform": 6,
    # One council: the council, its administrators, the platform's figures and certificates.
    "platform_council": 5,
    "platform_settings": 1,
    "certificate": 2,
}


@pytest.fixture
def seeded(app):
    seed(app, councils=3, members=60, random_seed=11)


def _member(app, *conditions):
    with app.app_context():
        return db.session.execute(
            select(Member.id, Member.email)
            .where(~Member.is_admin, ~Member.is_platform_admin, *conditions)
            .order_by(Member.id)
            .limit(1)
        ).one()


def _counted(client, count_queries, method: str, path: str, expected_status: int = 200, **kwargs) -> int:
    with count_queries() as counter:
        response = client.open(path, method=method, **kwargs)
    assert response.status_code == expected_status, response.get_data(as_text=True)[:500]
    return counter.count


def _sign_in(client, email: str) -> None:
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302
    client.get("/healthz")  # warm up: the first request after signing in loads the session


def test_learner_pages_keep_their_budget(app, client, seeded, course, count_queries):
    module = course.modules[0]
    _, email = _member(app, Member.id.in_(select(CourseCompletion.member_id)))
    _sign_in(client, email)
    client.get(f"/modules/{module.id}")  # a first visit, which writes nothing

    assert _counted(client, count_queries, "GET", "/") == BUDGET["overview"]
    assert _counted(client, count_queries, "GET", f"/modules/{module.id}") == BUDGET["module"]
    client.get("/modules/tone-harassment-threats")
    assert _counted(client, count_queries, "GET", "/modules/tone-harassment-threats") == BUDGET["plan_module"]
    report = {"module": module.id, "language": "da", "segments": [[0, 2]]}
    assert _counted(client, count_queries, "POST", "/api/progress", json=report) == BUDGET["progress"]


def test_learner_pages_do_not_grow_with_progress(app, client, seeded, course, count_queries, make):
    """A member who has done nothing and one who has completed everything cost the same."""
    module = course.modules[0]
    counts = []
    newcomer = make.member(_council(app, 1), "new@bench.example", password=PASSWORD)
    for email in (newcomer.email, _member(app, Member.id.in_(select(CourseCompletion.member_id))).email):
        client.post("/logout")
        _sign_in(client, email)
        client.get(f"/modules/{module.id}")
        counts.append(
            (
                _counted(client, count_queries, "GET", "/"),
                _counted(client, count_queries, "GET", f"/modules/{module.id}"),
            )
        )
    assert counts[0] == counts[1] == (BUDGET["overview"], BUDGET["module"])


def _council(app, council_id: int):
    with app.app_context():
        return db.session.get(Council, council_id)


def test_a_quiz_submission_keeps_its_budget(app, client, seeded, course, count_queries):
    module = course.modules[0]
    quiz = module.quizzes[0]
    video_done = select(ModuleProgress.member_id).where(
        ModuleProgress.module_id == module.id, ModuleProgress.video_completed_at.is_not(None)
    )
    _, email = _member(app, Member.id.in_(video_done))
    _sign_in(client, email)
    page = client.get(f"/modules/{module.id}/quizzes/{quiz.id}")
    assert page.status_code == 200
    answers = answers_for(app, quiz, attempt_id_from(page.get_data(as_text=True)))
    path = f"/modules/{module.id}/quizzes/{quiz.id}"
    assert _counted(client, count_queries, "POST", path, 303, data=answers) == BUDGET["quiz"]


def test_the_certificate_pdf_keeps_its_budget(app, client, seeded, count_queries):
    with app.app_context():
        member_id, certificate_id = db.session.execute(
            select(Certificate.member_id, Certificate.id).order_by(Certificate.id).limit(1)
        ).one()
        email = db.session.get(Member, member_id).email
    _sign_in(client, email)
    path = f"/certificate/{certificate_id}/pdf"
    assert _counted(client, count_queries, "GET", path) == BUDGET["certificate"]


def test_the_dashboard_reads_the_same_queries_for_5_and_60_members(app, client, seeded, count_queries):
    with app.app_context():
        admins = dict(
            db.session.execute(select(Member.council_id, Member.email).where(Member.is_admin)).all()
        )
        # Council 2 keeps its administrator and four members.
        members = db.session.execute(select(Member.id).where(Member.council_id == 2).order_by(Member.id))
        kept = list(members.scalars())[:5]
        db.session.execute(delete(Member).where(Member.council_id == 2, Member.id.not_in(kept)))
        db.session.commit()
    counts = {}
    for council_id in (3, 2):
        client.post("/logout")
        _sign_in(client, admins[council_id])
        response_text = client.get("/admin/").get_data(as_text=True)
        counts[council_id] = _counted(client, count_queries, "GET", "/admin/")
        counts[f"{council_id}-rows"] = response_text.count('<span class="member-name">')
    # The 60 members: the first page of 50 who take the course, and those who do not (listed apart).
    assert counts["3-rows"] == 56
    assert counts["2-rows"] == 5
    assert counts[3] == counts[2] == BUDGET["dashboard"]


def test_the_platform_overview_reads_the_same_queries_for_1_and_3_councils(
    app, client, seeded, count_queries
):
    _sign_in(client, PLATFORM_ADMIN_EMAIL)
    three = _counted(client, count_queries, "GET", "/platform/")
    with app.app_context():
        db.session.execute(delete(Council).where(Council.id.in_([2, 3])))
        db.session.commit()
    one = _counted(client, count_queries, "GET", "/platform/")
    assert three == one == BUDGET["platform"]


def test_a_councils_page_reads_the_same_queries_for_few_and_many_members_and_administrators(
    app, client, seeded, count_queries
):
    from course.people.services import add_member

    _sign_in(client, PLATFORM_ADMIN_EMAIL)
    with app.app_context():
        slug = db.session.get(Council, 2).slug
    before = _counted(client, count_queries, "GET", f"/platform/councils/{slug}")
    with app.app_context():
        council = db.session.get(Council, 2)
        for n in range(5):
            add_member(council, f"extra-admin-{n}@bench.example", f"Extra {n}", is_admin=True)
        db.session.commit()
    after = _counted(client, count_queries, "GET", f"/platform/councils/{slug}")
    assert before == after == BUDGET["platform_council"]


def test_the_platform_settings_page_reads_only_the_sign_in(client, seeded, count_queries):
    _sign_in(client, PLATFORM_ADMIN_EMAIL)
    assert _counted(client, count_queries, "GET", "/platform/settings") == BUDGET["platform_settings"]


def test_the_platform_overview_counts_what_the_seed_made(app, client, seeded):
    """The figures of the one-pass query match counts taken row by row."""
    with app.app_context():
        # The figures count the members who take the course (staff, by default, do not).
        members = db.session.execute(select(Member).where(Member.council_id == 1, Member.takes_course))
        members = list(members.scalars())
        completed = set(db.session.execute(select(CourseCompletion.member_id)).scalars())
        started = set(db.session.execute(select(ModuleProgress.member_id)).scalars())
    expected_complete = sum(member.id in completed for member in members)
    expected_in_progress = sum(member.id in started and member.id not in completed for member in members)
    from course.platform.services import list_council_summaries

    with app.test_request_context():
        summary = next(s for s in list_council_summaries() if s.council.id == 1)
    assert summary.members == len(members)
    assert summary.complete == expected_complete > 0
    assert summary.in_progress == expected_in_progress > 0


def test_searched_and_paged_lists_read_the_same_queries_as_the_first_page(app, client, seeded, count_queries):
    """The roster and the dashboard, searched, filtered or on a later page, keep a fixed number of queries."""
    with app.app_context():
        admin = db.session.execute(
            select(Member.email).where(Member.is_admin, Member.council_id == 3)
        ).scalar()
    _sign_in(client, admin)
    roster_pages = [
        "/admin/members",
        "/admin/members?page=2",
        "/admin/members?q=a",
        "/admin/members?q=nobody-is-called-this",
        "/admin/members?role=substitute&status=not_invited&page=2",
    ]
    roster = {path: _counted(client, count_queries, "GET", path) for path in roster_pages}
    assert set(roster.values()) == {BUDGET["roster"]}, roster
    dashboard_pages = ["/admin/", "/admin/?page=2", "/admin/?q=a&role=councillor", "/admin/?q=x&page=9"]
    dashboard = {path: _counted(client, count_queries, "GET", path) for path in dashboard_pages}
    assert set(dashboard.values()) == {BUDGET["dashboard"]}, dashboard
    # The second page has rows of its own.
    assert '<span class="member-name">' in client.get("/admin/?page=2").get_data(as_text=True)
    assert " 51–" in client.get("/admin/members?page=2").get_data(as_text=True)  # "Showing 51–…", in Swedish
