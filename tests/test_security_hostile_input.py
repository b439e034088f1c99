"""Hostile values to every route of the URL map, signed in as each role: the answer is never a server error.

The routes come from ``app.url_map`` (as in tests/test_route_matrix.py), so a new route is attacked the
moment it exists. Values go into path segments, query strings and form or JSON bodies: NUL and other control
characters, integers too large for a float or for PostgreSQL, digits that are not ASCII, JSON nested
thousands deep, very long strings and odd Unicode. A 4xx (or a page) is fine; a 5xx is a defect: a 500 is a
crash, a 503 says "the database is down" when it is the request that is wrong.

Every route meets every hostile value once in a fixed sweep; Hypothesis then mixes values, routes and
places. Both are bounded so the file stays well under a minute per database.
"""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PASSWORD
from tests.test_route_matrix import DATA, ROLES, ROUTES, Route, build_world

DEEP = "[" * 3000 + "]" * 3000
HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01\x1f\x7f",
    "²",
    "١٢٣",  # Arabic-Indic digits: str.isdigit() and \d take them, int() too
    "9" * 400,
    str(2**31),
    str(2**63),
    "99999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    DEEP,
    "x" * 20_000,
    "\u202egnp.exe",
    "💥" * 40,
    "\ufeff\u200b",
    "../../etc/passwd",
    "%00%ff",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "\r\nSet-Cookie: x=1",
    "",
]
QUERY_NAMES = [
    "member",
    "page",
    "action",
    "lang",
    "next",
    "code",
    "language",
    "transcript",
    "sort",
    "order",
    "role",
    "status",
    "signed_out",
]
FORM_NAMES = [
    "email",
    "password",
    "name",
    "member",
    "attempt",
    "segments",
    "module",
    "digest",
    "reason",
    "token",
    "purpose",
    "lang",
    "next",
]
#: Routes that end the session being tested would turn every later example into an anonymous one.
ENDS_SESSION = re.compile(r"sign_out")
ARGUMENT = re.compile(r"<(?:[^:<>]+:)?(\w+)>|<[^>]+>")


def attackable(route: Route) -> bool:
    return not ENDS_SESSION.search(route.endpoint)


TARGETS = [route for route in ROUTES if attackable(route)]


def path_with(route: Route, values: dict[str, str]) -> str:
    """The rule with each ``<converter:name>`` replaced by ``values[name]``, percent-encoded."""

    def replace(match: re.Match) -> str:
        name = re.search(r"(\w+)>$", match.group(0)).group(1)
        return quote(values[name], safe="/" if "path:" in match.group(0) else "")

    return ARGUMENT.sub(replace, route.rule)


def send(client, route: Route, world: dict, path_values: dict, query: dict, body: dict, as_json: bool):
    # A valid value where the attack leaves a slot alone, so hostile bodies reach the views behind real ids.
    # Tokens are never the valid ones: using a sign-in link would switch the signed-in person.
    values = {
        name: path_values.get(name, str(world["values"].get(name, "x")) if name != "token" else "x")
        for name in route.arguments
    }
    path = path_with(route, values)
    if query:
        path += "?" + urlencode(query)
    if route.method == "GET":
        return client.get(path)
    if as_json:
        # Raw text: json.dumps cannot write what an attacker can (numbers of 400 digits, deep nesting).
        fields = ", ".join(f"{json.dumps(key)}: {value}" for key, value in body.items())
        return client.open(
            path, method=route.method, data="{" + fields + "}", content_type="application/json"
        )
    form = {
        key: value for key, value in DATA.get((route.method, route.endpoint), {}).items() if key != "json"
    }
    form.update(body)
    if form.get("file") == "upload" or route.endpoint == "admin.upload_roster":
        content = "name;email\n" + ";".join(body.values() or ["x"]) + "\n"
        form["file"] = (io.BytesIO(content.encode("utf-8", "surrogatepass")), "r.csv")
        return client.open(path, method=route.method, data=form, content_type="multipart/form-data")
    return client.open(path, method=route.method, data=form)


def json_literal(value: str) -> str:
    """A hostile value as JSON source: numbers and nesting raw, anything else as a string."""
    return value if re.fullmatch(r"-?[0-9]+|\[+\]+", value) else json.dumps(value)


@pytest.fixture
def signed_in_world(app, client, make, certify, course, request):
    world = build_world(app, make, certify, course)
    role = request.param
    if role != "anonymous":
        response = client.post("/login", data={"email": world["people"][role].email, "password": PASSWORD})
        assert response.status_code == 302
    return world


def assert_no_server_error(response, route: Route, where: str) -> None:
    response.close()  # a streamed file (a video) is not read
    assert response.status_code < 500, f"{route} with a hostile value in {where}: {response.status_code}"


@pytest.mark.parametrize("signed_in_world", ROLES, indirect=True)
def test_every_route_meets_every_hostile_value(client, signed_in_world):
    world = signed_in_world
    for index, route in enumerate(TARGETS):
        # The values take turns over the routes, so each meets every place on several routes.
        for value in (HOSTILE[index % len(HOSTILE)],):
            if route.arguments:
                hostile_path = dict.fromkeys(route.arguments, value)
                assert_no_server_error(
                    send(client, route, world, hostile_path, {}, {}, False), route, "the path"
                )
            query = dict.fromkeys(QUERY_NAMES, value)
            assert_no_server_error(send(client, route, world, {}, query, {}, False), route, "the query")
            if route.method != "GET":
                fields = DATA.get((route.method, route.endpoint), {})
                body = dict.fromkeys([key for key in fields if key != "json"] + FORM_NAMES, value)
                assert_no_server_error(send(client, route, world, {}, {}, body, False), route, "the form")
                literal = json_literal(value)
                body = dict.fromkeys(["module", "language", "segments", "email"], literal)
                assert_no_server_error(send(client, route, world, {}, {}, body, True), route, "JSON")


hostile_text = st.sampled_from(HOSTILE) | st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40
)


@pytest.mark.parametrize("signed_in_world", ROLES, indirect=True)
def test_hostile_values_mixed_over_routes_and_places(client, signed_in_world):
    world = signed_in_world

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        route=st.sampled_from(TARGETS),
        path_value=hostile_text,
        query=st.dictionaries(st.sampled_from(QUERY_NAMES), hostile_text, max_size=3),
        body=st.dictionaries(st.sampled_from(FORM_NAMES), hostile_text, max_size=4),
        as_json=st.booleans(),
    )
    def attack(route, path_value, query, body, as_json):
        path_values = dict.fromkeys(route.arguments, path_value)
        if as_json:
            body = {key: json_literal(value) for key, value in body.items()}
        response = send(client, route, world, path_values, query, body, as_json)
        response.close()
        assert response.status_code < 500, (str(route), path_value, query, body, response.status_code)

    attack()
