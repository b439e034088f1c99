"""Drafting and adopting a council's plan through the pages, for the plan tests."""

from __future__ import annotations

from flask.testing import FlaskClient

from course.plan.forms import field_name

CONTACT = {
    "name": "Sikker Sørensen",
    "role": "Kommunaldirektør",
    "phone": "+45 12 34 56 78",
    "email": "sikker@testby.example",
}


def draft_data(**changes: str) -> dict[str, str]:
    """A complete draft as the editor posts it: one out-of-hours contact and one party group."""
    data = {
        "contacts-0-name": CONTACT["name"],
        "contacts-0-role": CONTACT["role"],
        "contacts-0-phone": CONTACT["phone"],
        "contacts-0-email": CONTACT["email"],
        "contacts-0-out_of_hours": "y",
        "party_contacts-0-group": "Borgerlisten",
        "party_contacts-0-name": "Gitte Gruppe",
        "party_contacts-0-phone": "22 33 44 55",
        "party_contacts-0-email": "gitte@testby.example",
        field_name("during.report"): "Ring 114 og sig, at det gælder dit hverv.",
        "review_on": "2031-03-01",
    }
    data.update(changes)
    return data


def save_draft(client: FlaskClient, **changes: str):
    return client.post("/admin/plan", data=draft_data(**changes))


def adopt(client: FlaskClient, adopted_on: str = "2030-03-12", reference: str = "Byrådet 12/3, punkt 7"):
    return client.post("/admin/plan/adopt", data={"adopted_on": adopted_on, "decision_reference": reference})
