"""Who may open which administration and platform URL: every URL × {anonymous, councillor, administrator
of this council, administrator of another council, platform administrator}.

An administrator of another council gets their own council's pages, never this council's members or
previews (404), and nothing they send changes anything of this council.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from course.certificates.models import Certificate
from course.councils.models import Council, Member, PendingImport, Reminder
from course.extensions import db
from tests.conftest import PASSWORD

ROLES = ("anonymous", "councillor", "admin", "other_admin", "platform_admin")


@dataclass(frozen=True)
class Url:
    method: str
    path: str  # {member}, {preview}, {certificate}: this council's member, import preview and certificate
    kind: str  # "council": the admin's own council; "object": one of this council's things; "platform"
    data: dict | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


URLS = [
    Url("GET", "/admin/", "council"),
    Url("GET", "/admin/print", "council"),
    Url("GET", "/admin/export.csv", "council"),
    Url("GET", "/admin/export.xlsx", "council"),
    Url("GET", "/admin/questions", "council"),
    Url("GET", "/admin/members", "council"),
    Url("GET", "/admin/members/new", "council"),
    Url("GET", "/admin/members/import", "council"),
    Url("GET", "/admin/members/{member}", "object"),
    Url("GET", "/admin/members/{member}/remove", "object"),
    Url("GET", "/admin/members/import/{preview}", "object"),
    Url("POST", "/admin/due-date", "council", {"due_date": "2031-05-01"}),
    Url("POST", "/admin/reminders", "council", {"member": "{member}"}),
    Url(
        "POST", "/admin/members/new", "council", {"name": "N", "email": "n@new.example", "role": "councillor"}
    ),
    Url("POST", "/admin/members/invite", "council", {}),
    Url("POST", "/admin/members/import", "council", {"file": "upload"}),
    Url(
        "POST",
        "/admin/members/{member}",
        "object",
        {"name": "Changed", "email": "t@a.example", "role": "staff"},
    ),
    Url("POST", "/admin/members/{member}/remove", "object", {}),
    Url("POST", "/admin/members/{member}/invite", "object", {}),
    Url("POST", "/admin/members/import/{preview}", "object", {"digest": "x"}),
    Url("GET", "/admin/certificates", "council"),
    Url("GET", "/admin/certificates/all.zip", "council"),
    Url("POST", "/admin/certificates/issue", "council", {"member_ids": "{member}"}),
    Url(
        "POST",
        "/admin/certificates/seminar",
        "council",
        {"member_id": "{member}", "completed_on": "2026-03-01", "reason": "Seminar i byrådssalen"},
    ),
    Url("POST", "/admin/certificates/settings", "council", {"valid_until": "2029-12-31"}),
    Url("GET", "/admin/certificates/{certificate}", "object"),
    Url("GET", "/admin/certificates/{certificate}/pdf", "object"),
    Url("POST", "/admin/certificates/{certificate}/revoke", "object", {"reason": "Fejl"}),
    Url("POST", "/admin/certificates/{certificate}/reissue", "object", {"name": "Target Person Ny"}),
    Url("POST", "/admin/certificates/{certificate}/email", "object", {}),
    Url("GET", "/admin/members/{member}/export", "object"),
    Url("GET", "/admin/members/{member}/erase", "object"),
    Url("POST", "/admin/members/{member}/erase", "object", {}),
    Url("GET", "/admin/privacy", "council"),
    Url("POST", "/admin/privacy", "council", {"retention_until": "2031-12-31"}),
    Url("GET", "/platform/", "platform"),
    Url("GET", "/platform/export.csv", "platform"),
    Url("GET", "/platform/councils/new", "platform"),
    Url(
        "POST",
        "/platform/councils/new",
        "platform",
        {
            "name": "Ny",
            "slug": "ny",
            "country": "dk",
            "locale": "da",
            "admin_name": "A",
            "admin_email": "a@ny.example",
        },
    ),
]


def expected(url: Url, role: str) -> str:
    if role == "anonymous":
        return "sign in"
    if url.kind == "platform":
        return "allowed" if role == "platform_admin" else "forbidden"
    if role in ("councillor", "platform_admin"):
        return "forbidden"
    if role == "other_admin" and url.kind == "object":
        return "not found"
    return "allowed"


@pytest.fixture
def world(app, make, certify):
    from course.councils.importing import RawRow, create_pending_import

    council = make.council("thisby", name="Thisby Kommune")
    other = make.council("otherby", name="Otherby Kommune")
    people = {
        "councillor": make.member(council, "c@thisby.example"),
        "admin": make.member(council, "admin@thisby.example", is_admin=True),
        "other_admin": make.member(other, "admin@otherby.example", is_admin=True),
        "platform_admin": make.member(make.council("hostby"), "pia@host.example", is_platform_admin=True),
    }
    target = make.member(council, "t@thisby.example", name="Target Person", password=None)
    with app.app_context():
        preview = create_pending_import(
            db.session.get(Council, council.id),
            None,
            "t.csv",
            [RawRow(2, "Preview Person", "p@thisby.example", "", "")],
        )
        db.session.commit()
        preview_id = preview.id
    certificate = certify(target)
    return {
        "council": council,
        "people": people,
        "target": target,
        "preview": preview_id,
        "certificate": certificate.id,
    }


def request(client, url: Url, world):
    path = url.path.format(
        member=world["target"].id, preview=world["preview"], certificate=world["certificate"]
    )
    if url.method == "GET":
        return client.get(path)
    data = {key: str(world["target"].id) if value == "{member}" else value for key, value in url.data.items()}
    if data.get("file") == "upload":
        data["file"] = (io.BytesIO(b"name;email\nImported;imported@x.example\n"), "r.csv")
        return client.post(path, data=data, content_type="multipart/form-data")
    return client.post(path, data=data)


def readable(response) -> str:
    """The response's text; a workbook's cell values for an XLSX download."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
        return " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)
    return response.get_data(as_text=True)


def snapshot(app, world) -> tuple:
    """Everything of this council another council's administrator could try to change."""
    with app.app_context():
        target = db.session.get(Member, world["target"].id)
        council = db.session.get(Council, world["council"].id)
        certificates = db.session.execute(
            select(
                Certificate.id, Certificate.revoked_at, Certificate.replaced_at, Certificate.member_name
            ).order_by(Certificate.id)
        ).all()
        return (
            certificates,
            council.certificate_valid_until,
            council.retention_until,
            target.name,
            target.email,
            target.role,
            target.removed_at,
            target.invited_at,
            council.due_date,
            db.session.scalar(select(func.count()).select_from(Reminder)),
            db.session.get(PendingImport, world["preview"]) is not None,
            db.session.scalar(
                select(func.count()).select_from(Member).where(Member.council_id == council.id)
            ),
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", URLS, ids=str)
def test_access(app, client, world, smtp_server, url, role):
    if role != "anonymous":
        assert (
            client.post(
                "/login", data={"email": world["people"][role].email, "password": PASSWORD}
            ).status_code
            == 302
        )
    before = snapshot(app, world)
    response = request(client, url, world)
    outcome = expected(url, role)
    if outcome == "sign in":
        assert response.status_code == 302
        assert response.location.startswith("/login")
    elif outcome == "forbidden":
        assert response.status_code == 403
    elif outcome == "not found":
        assert response.status_code == 404
    else:
        assert response.status_code in (200, 302, 303, 409, 422), response.status_code
    if outcome != "allowed" or role == "other_admin":
        # Nothing of this council changed, and nothing about its members leaked.
        assert snapshot(app, world) == before
        assert "Target Person" not in readable(response)
        assert "t@thisby.example" not in [
            address for m in smtp_server.messages for address in m.envelope_recipients
        ]


def test_every_admin_and_platform_url_is_in_the_matrix(app):
    covered = {
        (
            url.method,
            url.path.replace("{member}", "<int:member_id>")
            .replace("{preview}", "<int:import_id>")
            .replace("{certificate}", "<int:certificate_id>"),
        )
        for url in URLS
    }
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(("/admin", "/platform"))
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == covered


def test_a_platform_administrator_who_runs_another_council_still_cannot_reach_this_one(
    app, client, world, make
):
    both = make.member(make.council("bothby"), "both@bothby.example", is_admin=True, is_platform_admin=True)
    client.post("/login", data={"email": both.email, "password": PASSWORD})
    assert client.get(f"/admin/members/{world['target'].id}").status_code == 404
    assert client.get(f"/admin/members/import/{world['preview']}").status_code == 404
    assert "Target Person" not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/platform/").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/admin/due-date",
        "/admin/reminders",
        "/admin/members/new",
        "/admin/members/invite",
        "/admin/members/import",
        "/platform/councils/new",
        "/login/link",
        "/password/forgot",
        "/links/renew",
    ],
)
def test_state_changes_without_a_csrf_token_are_refused(app, client, make, monkeypatch, path):
    both = make.member(make.council("csrfby"), "both@csrfby.example", is_admin=True, is_platform_admin=True)
    client.post("/login", data={"email": both.email, "password": PASSWORD})
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(path, data={"email": both.email, "due_date": "2031-01-01", "member": str(both.id)})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(Council, both.council_id).due_date is None
