"""Who may use which route: every rule of the URL map × every method × {anonymous, councillor, administrator
of this council, administrator of another council, platform administrator}.

The cases come from ``app.url_map`` itself, so a new route is in the matrix the moment it exists: one
without an access rule from course/auth/access.py fails, and so does one whose URL parameter no fixture
knows how to fill. URL parameters are real objects of this council, belonging to a member who is none of
the five people signing in, so a route that forgot to scope its query shows it here.

Expected outcomes follow from the access rule alone: public → allowed; member → sign in, then allowed
(except another member's attempt or certificate: 404); council administrator → sign in, 403 for anyone who
is not an administrator, 404 for another council's administrator reaching for this council's things;
platform administrator → sign in, else 403. Whoever is refused changes nothing and learns nothing.
"""

from __future__ import annotations

import io
import tempfile
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from course import create_app
from course.admin.models import PendingImport, Reminder
from course.auth.access import ADMIN, MEMBER, PLATFORM_ADMIN, PUBLIC
from course.certificates.models import Certificate
from course.extensions import db
from course.learning.models import ModuleProgress, QuizAttempt
from course.people.models import Council, CourseRound, Member
from course.plan.models import PlanDraft, PlanVersion
from course.seminars.models import Seminar
from tests.conftest import PASSWORD

ROLES = ("anonymous", "councillor", "admin", "other_admin", "platform_admin")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

#: URL parameters that name one of this council's things: another council's administrator gets 404.
COUNCIL_OBJECTS = {"member_id", "import_id", "certificate_id", "seminar_id", "item_id", "version_id"}
#: URL parameters that name something only this council's members may reach: members of another council
#: (any role) get 404.
COUNCIL_MEMBER_OBJECTS = {"join_code"}
#: Views that take such a thing from the form (a seminar's join code typed by a member).
FORM_COUNCIL_MEMBER_OBJECTS = {"seminar_room.join_with_code"}
#: URL parameters that name one member's own things: every other member gets 404.
MEMBER_OBJECTS = {"attempt_id", "certificate_id"}
#: Views that take the other member's thing from the form rather than the URL.
FORM_MEMBER_OBJECTS = {"learning.submit_quiz"}


def _url_map_app():
    """An app built only to read its URL map while the tests are collected (no database is opened)."""
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "COURSE_INSTANCE_DIR": tempfile.mkdtemp(prefix="course-url-map-"),
        }
    )


@dataclass(frozen=True)
class Route:
    method: str
    rule: str
    endpoint: str
    arguments: tuple[str, ...]
    access_rule: str | None

    def __str__(self) -> str:
        return f"{self.method} {self.rule}"


def routes_of(app) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted(set(rule.methods) & set(METHODS)):
            found.append(
                Route(
                    method,
                    rule.rule,
                    rule.endpoint,
                    tuple(sorted(rule.arguments)),
                    getattr(view, "access_rule", None),
                )
            )
    return sorted(found, key=lambda route: (route.rule, route.method))


ROUTES = routes_of(_url_map_app())

# Form data that makes each state-changing request one a permitted person could really send; "{member}" and
# "{attempt}" stand for the target member and their attempt.
DATA: dict[tuple[str, str], dict] = {
    ("POST", "auth.sign_in"): {"email": "t@thisby.example", "password": "wrong password"},
    ("POST", "auth.sign_out"): {},
    ("POST", "auth.sign_out_everywhere"): {},
    ("POST", "auth.request_sign_in_link"): {"email": "t@thisby.example"},
    ("POST", "auth.request_password_reset"): {"email": "t@thisby.example"},
    ("POST", "auth.use_sign_in_link"): {"token": "{token}", "action": "sign-in"},
    ("POST", "auth.accept_invitation"): {"token": "{invite_token}", "action": "link"},
    ("POST", "auth.reset_password"): {
        "token": "{reset_token}",
        "action": "reset",
        "password": "a new pass phrase",
        "confirm": "a new pass phrase",
    },
    ("POST", "auth.renew_link"): {"token": "{token}", "purpose": "login"},
    ("POST", "site.switch_language"): {"lang": "sv"},
    ("POST", "learning.confirm_transcript"): {"read": "yes"},
    ("POST", "learning.submit_quiz"): {"attempt": "{attempt}"},
    ("POST", "learning.report_progress"): {"json": True},
    ("POST", "admin.change_due_date"): {"due_date": "2031-05-01"},
    ("POST", "admin.start_round"): {"confirm": "y"},
    ("POST", "admin.send_reminders"): {"member": "{member}", "confirm": "yes"},
    ("POST", "admin.add_member"): {"name": "N", "email": "n@new.example", "role": "councillor"},
    ("POST", "admin.invite_members"): {},
    ("POST", "admin.upload_roster"): {"file": "upload"},
    ("POST", "admin.edit_member"): {"name": "Changed", "email": "t@a.example", "role": "staff"},
    ("POST", "admin.remove_member"): {},
    ("POST", "admin.invite_member"): {},
    ("POST", "admin.confirm_import"): {"digest": "x"},
    ("POST", "certificates.issue_certificates"): {"issue-member_ids": "{member}"},
    ("POST", "certificates.record_seminar_completion"): {
        "seminar-member_id": "{member}",
        "seminar-completed_on": "2026-03-01",
        "seminar-reason": "Seminar i byrådssalen",
    },
    ("POST", "certificates.update_settings"): {"settings-valid_until": "2029-12-31"},
    ("POST", "certificates.revoke_certificate"): {"reason": "Fejl", "confirm": "yes"},
    ("POST", "certificates.reissue_certificate"): {"name": "Target Person Ny"},
    ("POST", "certificates.email_certificate"): {},
    ("POST", "seminars.plan_seminar"): {"title": "Seminar", "held_on": "2026-03-01", "place": "Salen"},
    ("POST", "seminars.update_settings"): {"settings-min_answers": "6"},
    ("POST", "seminars.update_seminar"): {"title": "Seminar", "held_on": "2026-03-01", "place": "Salen"},
    ("POST", "seminars.add_card"): {"card": "council:why-online"},
    ("POST", "seminars.update_question"): {"kind": "scale", "question": "Enig?", "options": ""},
    ("POST", "seminars.move_card"): {"direction": "down"},
    ("POST", "seminars.add_agreement"): {"agreement": "Vi aftaler noget"},
    ("POST", "seminars.end_seminar"): {"confirmed": "yes"},
    ("POST", "seminars.moderate_word"): {"answer": "1", "decision": "approve"},
    ("POST", "seminars.confirm_attendance"): {"present": "{member}", "record_completion": "yes"},
    ("POST", "seminar_room.join_with_code"): {"code": "{join_code}"},
    ("POST", "seminar_room.answer"): {"item": "{item}", "answer": "4"},
    ("POST", "plan_admin.save_draft"): {
        "contacts-0-name": "Sikker Sørensen",
        "contacts-0-phone": "+45 12 34 56 78",
        "contacts-0-out_of_hours": "y",
    },
    ("POST", "plan_admin.adopt_plan"): {"adopted_on": "2030-03-12", "decision_reference": "Byrådet, punkt 7"},
    ("POST", "platform.create_council"): {
        "name": "Ny",
        "slug": "ny",
        "country": "dk",
        "locale": "da",
        "admin_name": "A",
        "admin_email": "a@ny.example",
    },
    ("POST", "platform.update_council"): {
        "council-name": "Thisby Byråd",
        "council-country": "dk",
        "council-locale": "da",
    },
    ("POST", "platform.add_administrator"): {
        "admin-name": "Ny Admin",
        "admin-email": "ny-admin@thisby.example",
    },
    ("POST", "platform.archive_council"): {"confirm": "y"},
    ("POST", "platform.restore_council"): {},
    ("POST", "platform.upload_logo"): {"logo-logo": "logo"},
    ("POST", "platform.remove_logo"): {},
}

#: Links in the form before tokens left the address (they only offer a new link now).
TOKEN_PURPOSE = {
    "auth.show_old_invitation": "invite",
    "auth.show_old_sign_in_link": "login",
    "auth.show_old_reset_link": "reset",
}


def expected(route: Route, role: str) -> str:
    rule = route.access_rule
    assert rule in (PUBLIC, MEMBER, ADMIN, PLATFORM_ADMIN), (
        f"{route} has no access rule: decorate its view with one of course/auth/access.py"
    )
    if rule == PUBLIC:
        return "allowed"
    if role == "anonymous":
        return "sign in"
    if rule == MEMBER and (
        set(route.arguments) & COUNCIL_MEMBER_OBJECTS or route.endpoint in FORM_COUNCIL_MEMBER_OBJECTS
    ):
        return "not found" if role in ("other_admin", "platform_admin") else "allowed"
    if rule == MEMBER:
        owned = set(route.arguments) & MEMBER_OBJECTS or route.endpoint in FORM_MEMBER_OBJECTS
        return "not found" if owned else "allowed"
    if rule == PLATFORM_ADMIN:
        return "allowed" if role == "platform_admin" else "forbidden"
    if role in ("councillor", "platform_admin"):
        return "forbidden"
    if role == "other_admin" and set(route.arguments) & COUNCIL_OBJECTS:
        return "not found"
    return "allowed"


@pytest.fixture
def world(app, make, certify, course):
    return build_world(app, make, certify, course)


def build_world(app, make, certify, course) -> dict:
    """This council with its people and things, another council's administrator, a platform administrator."""
    from course.admin.importing import RawRow, create_pending_import
    from course.auth.links import issue_token
    from tests.admin_helpers import record_module

    council = make.council("thisby", name="Thisby Kommune")
    other = make.council("otherby", name="Otherby Kommune")
    people = {
        "councillor": make.member(council, "c@thisby.example"),
        "admin": make.member(council, "admin@thisby.example", is_admin=True),
        "other_admin": make.member(other, "admin@otherby.example", is_admin=True),
        "platform_admin": make.member(make.council("hostby"), "pia@host.example", is_platform_admin=True),
    }
    target = make.member(council, "t@thisby.example", name="Target Person", password=None)
    module, quiz = course.modules[0], course.modules[0].quizzes[0]
    record_module(app, course, target.id, 0, failed=(0,))
    for person in people.values():
        record_module(app, course, person.id, 0)  # the video step is done, so the quizzes are open
    with app.app_context():
        preview = create_pending_import(
            db.session.get(Council, council.id),
            None,
            "t.csv",
            [RawRow(2, "Preview Person", "p@thisby.example", "", "")],
        )
        # The council has a logo, so the route that serves it has something to serve.
        db.session.get(Council, council.id).logo_type = "image/png"
        db.session.get(Council, council.id).logo = _png()
        member = db.session.get(Member, target.id)
        tokens = {purpose: issue_token(member, purpose) for purpose in ("invite", "login", "reset")}
        db.session.commit()
        preview_id = preview.id
        attempt_id = db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.member_id == target.id))
    certificate = certify(target)
    seminar = _seminar(app, course, council, target)
    version_id = _plan(app, council, target)
    video = next(video for video in module.videos.values() if video.sources)
    return {
        "council": council,
        "people": people,
        "target": target,
        "values": {
            "member_id": target.id,
            "import_id": preview_id,
            "certificate_id": certificate.id,
            "attempt_id": attempt_id,
            "module_id": module.id,
            "quiz_id": quiz.id,
            "code": certificate.code,
            "language": video.language,
            "filename": video.sources[0].path,
            "seminar_id": seminar["id"],
            "item_id": seminar["item_id"],
            "join_code": seminar["join_code"],
            "version_id": version_id,
            "slug": "thisby",
        },
        "tokens": tokens,
    }


def _plan(app, council, target) -> int:
    """An adopted plan of this council that names the target as its security contact, and a draft."""
    from course.plan import get_template
    from course.plan import services as plan

    with app.app_context():
        council_row = db.session.get(Council, council.id)
        member = db.session.get(Member, target.id)
        template = get_template("da")
        contact = {"name": "Target Person", "email": member.email, "phone": "11223344", "out_of_hours": True}
        plan.save_draft(
            council_row,
            template,
            texts={},
            contacts=[contact],
            party_contacts=[],
            agreement_ids=[],
            review_on=None,
            actor=member,
        )
        version = plan.adopt_plan(
            council_row, template, adopted_on=date(2026, 1, 5), decision_reference="KB 1", actor=member
        )
        db.session.commit()
        return version.id


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, format="PNG")
    return buffer.getvalue()


def _seminar(app, course, council, target) -> dict:
    """A running seminar of this council, on a card with an open question, that the target joined."""
    from course.seminars import operations
    from course.seminars.material import list_material

    with app.app_context():
        council = db.session.get(Council, council.id)
        member = db.session.get(Member, target.id)
        seminar = operations.plan_seminar(council, "Seminar om tonen", date.today(), "Salen", actor=member)
        for card in list_material(course.conversation)[:2]:
            operations.add_card(seminar, card, "da", actor=member)
        operations.step(seminar, 1, actor=member)
        operations.open_question(seminar)
        operations.join(seminar, member)
        db.session.commit()
        return {"id": seminar.id, "item_id": seminar.items[0].id, "join_code": seminar.join_code}


def fill(app, route: Route, world) -> str:
    rule = next(rule for rule in app.url_map.iter_rules() if rule.rule == route.rule)
    values = {}
    for name in route.arguments:
        converter = rule._converters[name]
        if hasattr(converter, "items"):
            values[name] = sorted(converter.items)[0]
        elif name == "token":
            values[name] = world["tokens"][TOKEN_PURPOSE[route.endpoint]]
        else:
            assert name in world["values"], (
                f"{route}: the matrix has no value for <{name}>; add one to `world`"
            )
            values[name] = world["values"][name]
    with app.test_request_context():
        from flask import url_for

        return url_for(route.endpoint, **values)


def send(client, app, route: Route, world):
    path = fill(app, route, world)
    if route.method == "GET":
        return client.get(path)
    data = dict(DATA.get((route.method, route.endpoint), {}))
    if data.get("json"):
        module = world["values"]["module_id"]
        return client.open(
            path, method=route.method, json={"module": module, "language": "da", "segments": [[0, 2]]}
        )
    replacements = {
        "{member}": str(world["target"].id),
        "{attempt}": str(world["values"]["attempt_id"]),
        "{token}": world["tokens"]["login"],
        "{invite_token}": world["tokens"]["invite"],
        "{reset_token}": world["tokens"]["reset"],
        "{join_code}": world["values"]["join_code"],
        "{item}": str(world["values"]["item_id"]),
    }
    data = {key: replacements.get(value, value) for key, value in data.items()}
    if data.get("logo-logo") == "logo":
        data["logo-logo"] = (io.BytesIO(_png()), "logo.png")
        return client.open(path, method=route.method, data=data, content_type="multipart/form-data")
    if data.get("file") == "upload":
        data["file"] = (io.BytesIO(b"name;email\nImported;imported@x.example\n"), "r.csv")
        return client.open(path, method=route.method, data=data, content_type="multipart/form-data")
    return client.open(path, method=route.method, data=data)


def readable(response) -> str:
    """The response's text; a workbook's cell values for an XLSX download."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
        return " ".join(str(value) for row in sheet.iter_rows(values_only=True) for value in row)
    return response.get_data(as_text=True, errors="replace") if not response.is_streamed else ""


def snapshot(app, world) -> tuple:
    """Everything of this council and its member's learning that a refused request could try to change."""
    with app.app_context():
        target = db.session.get(Member, world["target"].id)
        council = db.session.get(Council, world["council"].id)
        certificates = db.session.execute(
            select(
                Certificate.id, Certificate.revoked_at, Certificate.replaced_at, Certificate.member_name
            ).order_by(Certificate.id)
        ).all()
        attempts = db.session.execute(
            select(QuizAttempt.id, QuizAttempt.submitted_at, QuizAttempt.score)
            .where(QuizAttempt.member_id == target.id)
            .order_by(QuizAttempt.id)
        ).all()
        progress = db.session.execute(
            select(ModuleProgress.module_id, ModuleProgress.video_completed_at).where(
                ModuleProgress.member_id == target.id
            )
        ).all()
        state = (
            certificates,
            attempts,
            progress,
            council.certificate_valid_until,
            council.name,
            council.archived_at,
            council.logo_type,
            council.has_automatic_certificates,
            target.name,
            target.email,
            target.role,
            target.takes_course,
            target.removed_at,
            target.invited_at,
            council.current_round_id,
            council.current_round.due_date,
            db.session.execute(
                select(CourseRound.id, CourseRound.due_date, CourseRound.carries_over)
                .where(CourseRound.council_id == council.id)
                .order_by(CourseRound.id)
            ).all(),
            db.session.scalar(select(func.count()).select_from(Reminder)),
            db.session.get(PendingImport, world["values"]["import_id"]) is not None,
            db.session.scalar(
                select(func.count()).select_from(Member).where(Member.council_id == council.id)
            ),
            db.session.scalar(select(func.count()).select_from(Council)),
            db.session.execute(
                select(Seminar.id, Seminar.version)
                .where(Seminar.council_id == council.id)
                .order_by(Seminar.id)
            ).all(),
            db.session.execute(select(PlanVersion.id, PlanVersion.adopted_on).order_by(PlanVersion.id)).all(),
            db.session.scalar(select(PlanDraft.updated_at).where(PlanDraft.council_id == council.id)),
        )
        db.session.remove()
        return state


def sign_in(client, world, role: str) -> None:
    if role != "anonymous":
        response = client.post("/login", data={"email": world["people"][role].email, "password": PASSWORD})
        assert response.status_code == 302


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_access(app, client, world, smtp_server, route, role):
    outcome = expected(route, role)
    sign_in(client, world, role)
    before = snapshot(app, world)
    response = send(client, app, route, world)
    status = response.status_code
    if outcome == "sign in":
        if route.rule.startswith("/api/"):
            assert status == 401
        else:
            assert status == 302
            assert response.location.startswith("/login?next=")
    elif outcome == "forbidden":
        assert status == 403
    elif outcome == "not found":
        assert status == 404
    else:
        assert status < 500, status
        assert status not in (401, 403, 404, 405), status
        assert not (status == 302 and response.location.startswith("/login?next=")), response.location
    if outcome != "allowed" or (role == "other_admin" and route.access_rule == ADMIN):
        # Nothing of this council changed, and nothing about its member leaked, in the page or by e-mail.
        assert snapshot(app, world) == before
        assert "Target Person" not in readable(response)
        assert "t@thisby.example" not in readable(response)
        assert world["target"].email not in [
            address for message in smtp_server.messages for address in message.envelope_recipients
        ]


def test_the_matrix_is_the_url_map_of_the_running_app(app):
    assert routes_of(app) == ROUTES
    assert len({route.endpoint for route in ROUTES}) >= 50


def test_a_route_without_an_access_rule_fails_the_matrix():
    bare = Route("GET", "/new", "feature.new_page", (), None)
    with pytest.raises(AssertionError, match="has no access rule"):
        expected(bare, "admin")


def test_a_platform_administrator_who_runs_another_council_still_cannot_reach_this_one(
    app, client, world, make
):
    both = make.member(make.council("bothby"), "both@bothby.example", is_admin=True, is_platform_admin=True)
    client.post("/login", data={"email": both.email, "password": PASSWORD})
    values = world["values"]
    for path in (
        f"/admin/members/{values['member_id']}",
        f"/admin/members/import/{values['import_id']}",
        f"/admin/certificates/{values['certificate_id']}",
        f"/admin/certificates/{values['certificate_id']}/pdf",
    ):
        assert client.get(path).status_code == 404, path
    assert "Target Person" not in client.get("/admin/").get_data(as_text=True)
    assert client.get("/platform/").status_code == 200
