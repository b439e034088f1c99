"""Bad input gets a clear 4xx, never a server error and never the "database unavailable" page.

Each case is one the outside attack test sent: integers too large for a float or for a PostgreSQL integer,
JSON nested thousands deep, digits that are not ASCII (superscripts), and NUL or other control characters
in a path, a form, a query string or an imported file. On PostgreSQL several of them used to reach the
database and come back as a database error, which the site took for an outage (503).
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, IntegrityError, InterfaceError, OperationalError

from course.extensions import db
from course.people.models import Member
from tests.conftest import PASSWORD
from tests.test_admin_import import csv_bytes, preview_statuses, upload
from tests.test_route_matrix import ROUTES, build_world, fill

TOO_BIG_FOR_POSTGRES = 2**31
CONTROL_MESSAGE = "indeholder et kontroltegn"  # the people here use Danish
CONTROL_IN_ROW = "Rækken indeholder et kontroltegn"


@pytest.fixture
def world(app, make, certify, course):
    return build_world(app, make, certify, course)


def sign_in(client, world, role: str) -> None:
    response = client.post("/login", data={"email": world["people"][role].email, "password": PASSWORD})
    assert response.status_code == 302


def member_count(app) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Member))
        db.session.remove()
        return count


# --- the progress API ---------------------------------------------------------------------------------


def test_an_integer_too_large_for_a_float_is_refused(client, world):
    sign_in(client, world, "councillor")
    module = world["values"]["module_id"]
    huge = int("9" * 400)
    response = client.post(
        "/api/progress", json={"module": module, "language": "da", "segments": [[0, huge]]}
    )
    assert response.status_code == 400
    assert response.is_json
    beacon = client.post(
        "/api/progress", data={"module": module, "language": "da", "segments": f"[[0, {huge}]]"}
    )
    assert beacon.status_code == 400


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_deeply_nested_json_is_refused(client, world, depth):
    sign_in(client, world, "councillor")
    module = world["values"]["module_id"]
    nested = "[" * depth + "]" * depth
    body = f'{{"module": "{module}", "language": "da", "segments": {nested}}}'
    response = client.post("/api/progress", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.is_json
    beacon = client.post("/api/progress", data={"module": module, "language": "da", "segments": nested})
    assert beacon.status_code == 400
    assert beacon.is_json


def test_a_control_character_in_the_progress_report_is_refused(client, world):
    sign_in(client, world, "councillor")
    module = world["values"]["module_id"]
    response = client.post(
        "/api/progress", json={"module": module, "language": "d\x00", "segments": [[0, 1]]}
    )
    assert response.status_code == 400


# --- query strings --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["member=²", "page=²", "member=99999999999", "member=2147483648", "page=٣", "member=%00"]
)
def test_the_audit_log_ignores_filters_that_are_not_plain_numbers(client, world, query):
    sign_in(client, world, "admin")
    response = client.get(f"/admin/audit/?{query}")
    assert response.status_code in (200, 400), response.status_code


@pytest.mark.parametrize("value", ["²", "x", str(TOO_BIG_FOR_POSTGRES), "-1"])
def test_reminders_for_a_member_id_that_is_not_one(client, world, value):
    sign_in(client, world, "admin")
    response = client.post("/admin/reminders", data={"member": value})
    assert response.status_code in (302, 400), response.status_code


def test_a_quiz_attempt_number_too_large_for_the_database_is_not_found(client, world):
    sign_in(client, world, "councillor")
    values = world["values"]
    path = f"/modules/{values['module_id']}/quizzes/{values['quiz_id']}"
    response = client.post(path, data={"attempt": str(TOO_BIG_FOR_POSTGRES)})
    assert response.status_code == 404


@pytest.mark.parametrize("field", ["issue-member_ids", "seminar-member_id"])
def test_certificate_forms_with_a_member_id_too_large_for_the_database(client, world, field):
    sign_in(client, world, "admin")
    path = "/admin/certificates/issue" if field.startswith("issue") else "/admin/certificates/seminar"
    data = {field: str(TOO_BIG_FOR_POSTGRES), "seminar-completed_on": "2026-03-01", "seminar-reason": "x"}
    response = client.post(path, data=data)
    assert response.status_code < 500, response.status_code


# --- ids in paths ---------------------------------------------------------------------------------------

NUMBER_ARGUMENT = re.compile(r"<(?:int|id)(?:\([^)]*\))?:(\w+)>")
NUMERIC_ROUTES = [route for route in ROUTES if NUMBER_ARGUMENT.search(route.rule)]


@pytest.mark.parametrize("route", NUMERIC_ROUTES, ids=str)
@pytest.mark.parametrize("value", [TOO_BIG_FOR_POSTGRES, 10**30])
def test_an_id_too_large_for_the_database_is_not_found(app, client, world, route, value):
    owner = route.rule.startswith(("/modules", "/certificate/"))
    sign_in(client, world, "councillor" if owner else "admin")
    path = fill(app, route, world)
    for name in NUMBER_ARGUMENT.findall(route.rule):
        path = re.sub(rf"/{world['values'][name]}(?=/|$)", f"/{value}", path, count=1)
    response = client.open(path, method=route.method, data={})
    assert response.status_code == 404, (path, response.status_code)


def test_every_numeric_id_in_a_path_is_bounded(app):
    from course.web.inputs import IdConverter

    assert len(NUMERIC_ROUTES) >= 14
    for rule in app.url_map.iter_rules():
        for name, converter in rule._converters.items():
            if type(converter).__name__ in ("IntegerConverter", "NumberConverter", "IdConverter"):
                assert isinstance(converter, IdConverter), f"{rule.rule}: <{name}> must use the id converter"


# --- NUL and other control characters -------------------------------------------------------------


@pytest.mark.parametrize("path", ["/verify/%00", "/verify/K7QF3%00", "/verify/%01abc"])
def test_a_control_character_in_a_certificate_code_is_not_found(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404), response.status_code


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/login", {"email": "c@thisby.example\x00", "password": PASSWORD}),
        ("/login", {"email": "c@thisby.example", "password": "pass\x00word"}),
        ("/login/link", {"email": "c\x00@thisby.example"}),
        ("/password/forgot", {"email": "\x00"}),
    ],
)
def test_a_control_character_in_a_sign_in_form_is_refused_with_a_message(client, world, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400, response.status_code
    assert CONTROL_MESSAGE in response.get_data(as_text=True)


def test_a_control_character_in_a_name_is_refused_and_nothing_is_added(app, client, world):
    sign_in(client, world, "admin")
    before = member_count(app)
    response = client.post(
        "/admin/members/new",
        data={"name": "Nul\x00Person", "email": "nul@thisby.example", "role": "councillor"},
    )
    assert response.status_code == 400, response.status_code
    assert CONTROL_MESSAGE in response.get_data(as_text=True)
    assert member_count(app) == before


def test_other_control_characters_are_refused_but_line_breaks_in_text_are_not(client, world):
    sign_in(client, world, "admin")
    response = client.post(
        "/admin/members/new", data={"name": "Bell\x07", "email": "bell@thisby.example", "role": "councillor"}
    )
    assert response.status_code == 400
    certificate = world["values"]["certificate_id"]
    reason = client.post(
        f"/admin/certificates/{certificate}/revoke", data={"revoke-reason": "Fejl i navnet\r\nRettet"}
    )
    assert reason.status_code < 400, reason.status_code


@pytest.mark.parametrize(
    "row",
    [
        ("Nul\x00Person", "nulperson@thisby.example"),
        ("Bell\x07", "bell@thisby.example"),
        ("Nul", "n\x00@x.dk"),
    ],
    ids=["nul-in-name", "bell-in-name", "nul-in-address"],
)
def test_a_control_character_in_an_imported_cell_is_an_error_in_the_preview(app, client, world, row):
    # A CSV file carries any character. (A workbook cannot: XML has no NUL, and Excel's _x0000_ escapes
    # are read as the text they are.)
    sign_in(client, world, "admin")
    before = member_count(app)
    data = csv_bytes(("name", "email"), [row, ("God Person", "god@thisby.example")])
    response = upload(client, "r.csv", data)
    assert response.status_code == 303, response.status_code
    html = client.get(response.location).get_data(as_text=True)
    assert preview_statuses(html) == {2: "error", 3: "new"}
    assert CONTROL_IN_ROW in html
    confirm = client.post(response.location, data={"digest": "x"})
    assert confirm.status_code == 422
    assert member_count(app) == before


def test_json_numbers_and_strings_survive_the_bounded_parse():
    from course.web.inputs import InputError, parse_json

    assert parse_json(b'{"a": [[0, 1.5]], "b": "x\\ny"}') == {"a": [[0, 1.5]], "b": "x\ny"}
    with pytest.raises(InputError):
        parse_json("[" * 40 + "]" * 40)
    with pytest.raises(InputError):
        parse_json('"\\u0000"')
    with pytest.raises(InputError):
        parse_json(json.dumps([10**40]))


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (OperationalError("SELECT 1", {}, Exception("server closed the connection")), 503),
        (InterfaceError("SELECT 1", {}, Exception("the connection is closed")), 503),
        (DataError("SELECT 1", {}, Exception("integer out of range")), 400),
        (IntegrityError("INSERT", {}, Exception("duplicate key")), 500),
    ],
    ids=["operational", "interface", "data", "integrity"],
)
def test_only_an_unreachable_database_is_reported_as_an_outage(database_url, tmp_path, error, status):
    from tests.conftest import make_test_app

    site = make_test_app(
        database_url, tmp_path, TESTING=False, PROPAGATE_EXCEPTIONS=False, SECRET_KEY="k" * 32
    )

    def failing():
        raise error

    site.add_url_rule("/failing", "failing", failing)
    response = site.test_client().get("/failing", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert ("cannot reach its database" in html) == (status == 503)
    assert "Content-Security-Policy" in response.headers


@pytest.mark.parametrize(
    "body",
    ['{"email": 0, "password": 1}', '{"email": ' + "[" * 3000 + "]" * 3000 + "}"],
    ids=["number", "deep"],
)
def test_a_json_body_sent_to_a_form_is_refused(client, body):
    # Flask-WTF would read it as the form's data: a number broke the length check, nesting the parser.
    response = client.post("/login", data=body, content_type="application/json")
    assert response.status_code == 400
