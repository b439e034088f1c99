"""Query budgets of the plan's pages: a fixed number of statements, whatever the number of versions,
contacts and seminar agreements."""

from __future__ import annotations

from datetime import date

from course.extensions import db
from course.people.models import Council, Member
from course.seminars import operations as seminars
from tests.plan_helpers import adopt, save_draft

#: Statements per request once the session is loaded (the sign-in lookup included).
BUDGET = {"plan": 2, "admin_plan": 5, "admin_plan_adopt": 2}


def _counted(client, count_queries, path: str) -> int:
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200
    return counter.count


def _agreements(app, council_id: int, admin_id: int, count: int) -> None:
    with app.app_context():
        actor = db.session.get(Member, admin_id)
        seminar = seminars.plan_seminar(
            db.session.get(Council, council_id), "Seminar", date(2030, 1, 1), "Salen", actor=actor
        )
        for number in range(count):
            seminars.add_agreement(seminar, f"Aftale {number}", actor=actor)
        db.session.commit()


def test_the_plan_pages_keep_their_budget_as_versions_grow(app, client, auth, make, count_queries):
    council = make.council("budgetby")
    admin = make.member(council, "a@budgetby.example", is_admin=True)
    auth.login(admin.email)
    counts = []
    for rows, adoptions in ((1, 1), (5, 2)):  # then 3 versions, more contacts and agreements
        _agreements(app, council.id, admin.id, 2)
        party = {f"party_contacts-{n}-group": f"Gruppe {n}" for n in range(rows)}
        party |= {f"party_contacts-{n}-name": f"Navn {n}" for n in range(rows)}
        for _ in range(adoptions):
            assert save_draft(client, **party).status_code == 303
            assert adopt(client).status_code == 303
        counts.append(
            (
                _counted(client, count_queries, "/plan"),
                _counted(client, count_queries, "/admin/plan"),
                _counted(client, count_queries, "/admin/plan/adopt"),
            )
        )
    assert counts[0] == counts[1]
    assert counts[1] == (BUDGET["plan"], BUDGET["admin_plan"], BUDGET["admin_plan_adopt"])
