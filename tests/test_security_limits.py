"""Rate limits (in memory and in Redis), session cookies, and uploads that try to do harm."""

from __future__ import annotations

import io
import os
import re
import zipfile

import pytest

from course.extensions import limiter
from tests.conftest import IS_CI, PASSWORD, make_test_app

REDIS_URL = os.environ.get("COURSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")


def redis_or_skip():
    """A client for the test database on the local Redis, emptied. On CI a missing Redis fails the test."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"Redis is not running at {REDIS_URL}: {error}"
        if IS_CI:
            pytest.fail(message)
        pytest.skip(message)
    client.flushdb()
    return client


@pytest.fixture(params=["memory", "redis"])
def limited(request, app, database_url, tmp_path, monkeypatch):
    """A site whose rate-limit counters live in memory or in Redis (set as in production, by environment)."""
    # The limiter is one object shared by every app in the process: put the test app's storage back after.
    monkeypatch.setattr(limiter, "_storage", limiter._storage)
    monkeypatch.setattr(limiter, "_limiter", limiter._limiter)
    redis_client = None
    if request.param == "redis":
        redis_client = redis_or_skip()
        monkeypatch.setenv("COURSE_RATELIMIT_STORAGE_URL", REDIS_URL)
    else:
        monkeypatch.setenv("COURSE_RATELIMIT_STORAGE_URL", "memory://")
    site = make_test_app(database_url, tmp_path / "instance")
    assert site.config["RATELIMIT_STORAGE_URI"] == (REDIS_URL if redis_client else "memory://")
    yield site, redis_client
    if redis_client is not None:
        redis_client.flushdb()


def too_many(response, locale: str) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    title = {"da": "For mange forsøg", "sv": "För många försök", "en": "Too many attempts"}[locale]
    assert title in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "data", "allowed"),
    [
        ("/login", {"email": "someone@limitby.example", "password": "wrong"}, 10),
        ("/login/link", {"email": "someone@limitby.example"}, 5),
        ("/password/forgot", {"email": "someone@limitby.example"}, 5),
    ],
)
def test_sign_in_and_link_requests_are_limited_per_account(limited, path, data, allowed):
    site, redis_client = limited
    client = site.test_client()
    statuses = [
        client.post(path, data=data, environ_base={"REMOTE_ADDR": f"10.9.0.{n}"}).status_code
        for n in range(allowed)
    ]
    assert 429 not in statuses
    too_many(
        client.post(
            path, data=data, headers={"Accept-Language": "sv"}, environ_base={"REMOTE_ADDR": "10.9.1.1"}
        ),
        "sv",
    )
    if redis_client is not None:
        assert redis_client.keys("*"), "the counters were not kept in Redis"


def test_sign_in_is_limited_per_address(limited):
    site, _ = limited
    client = site.test_client()
    for n in range(20):
        response = client.post("/login", data={"email": f"u{n}@limitby.example", "password": "wrong"})
        assert response.status_code == 422
    too_many(client.post("/login", data={"email": "last@limitby.example", "password": "wrong"}), "da")


def test_verification_is_limited(limited):
    site, redis_client = limited
    client = site.test_client()
    for _ in range(30):
        assert client.get("/verify/AAAAA-AAAAA-AAAAA").status_code == 404
    # The two verification pages share one budget.
    too_many(client.get("/verify?code=AAAAA-AAAAA-AAAAA", headers={"Accept-Language": "en"}), "en")
    too_many(client.get("/verify/AAAAA-AAAAA-AAAAA", headers={"Accept-Language": "en"}), "en")
    if redis_client is not None:
        assert any(b"verify" in key for key in redis_client.keys("*"))


@pytest.mark.parametrize("limited", ["redis"], indirect=True)
def test_counters_in_redis_are_shared_by_every_process(limited):
    site, _ = limited
    for _ in range(5):
        site.test_client().post("/login/link", data={"email": "shared@limitby.example"})
    # A second site (another gunicorn worker or host) with the same Redis sees the same counters.
    other = make_test_app(site.config["SQLALCHEMY_DATABASE_URI"], site.instance_path + "-2")
    too_many(other.test_client().post("/login/link", data={"email": "shared@limitby.example"}), "da")


# --- sessions -------------------------------------------------------------------------------------------


def session_cookie(client):
    cookie = client.get_cookie("council_course_session")
    return cookie.value if cookie is not None else None


def test_signing_in_replaces_the_session_and_a_planted_cookie_gets_nothing(client, make):
    member = make.member(make.council("fixby"), "fix@fixby.example")
    client.post("/language", data={"lang": "en"})  # an anonymous session, as an attacker could plant it
    planted = session_cookie(client)
    assert planted
    assert client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 302
    signed_in = session_cookie(client)
    assert signed_in != planted
    assert client.get("/").status_code == 200
    # Whoever holds the planted cookie is still anonymous: the sign-in lives in the new session only.
    attacker = client.application.test_client()
    attacker.set_cookie("council_course_session", planted)
    assert attacker.get("/").status_code == 302


def test_a_sign_in_as_someone_else_ends_the_previous_members_session(client, app, make):
    council = make.council("swapby")
    first, second = make.member(council, "one@swapby.example"), make.member(council, "two@swapby.example")
    client.post("/login", data={"email": first.email, "password": PASSWORD})
    first_cookie = session_cookie(client)
    from course.auth.links import issue_token
    from course.councils.models import Member
    from course.extensions import db

    with app.app_context():
        token = issue_token(db.session.get(Member, second.id), "login")
        db.session.commit()
    assert client.post(f"/login/link/{token}").status_code == 302
    replay = app.test_client()
    replay.set_cookie("council_course_session", first_cookie)
    assert replay.get("/").status_code == 302


@pytest.mark.parametrize(
    ("base_url", "secure"), [("https://kursus.example", True), ("http://localhost", False)]
)
def test_session_cookie_flags(database_url, tmp_path, app, make, base_url, secure):
    member = make.member(make.council("cookieby"), "cookie@cookieby.example")
    site = make_test_app(database_url, tmp_path / "instance", COURSE_BASE_URL=base_url)
    response = site.test_client().post(
        "/login", data={"email": member.email, "password": PASSWORD}, base_url=base_url
    )
    assert response.status_code == 302
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("council_course_session=")]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert "httponly" in attributes
    assert "samesite=lax" in cookie.lower()
    assert ("secure" in attributes) is secure


# --- uploads --------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, make):
    admin = make.member(make.council("uploadby"), "admin@uploadby.example", is_admin=True, locale="da")
    client.post("/login", data={"email": admin.email, "password": PASSWORD})
    return client


def upload(client, filename: str, data: bytes):
    return client.post(
        "/admin/members/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_a_request_over_the_size_limit_gets_a_translated_413(admin_client):
    response = upload(admin_client, "big.csv", b"name;email\n" + b"x" * (6 * 1024 * 1024))
    assert response.status_code == 413
    assert "Filen er for stor" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("roster.exe", b"MZ\x90\x00", "Vælg en CSV- eller Excel-fil"),
        ("roster.html", b"<script>alert(1)</script>", "Vælg en CSV- eller Excel-fil"),
        ("roster.xlsx", b"name;email\nA;a@x.example\n", "ikke en Excel-projektmappe"),
        ("roster.csv", b"PK\x03\x04 really a zip", ".xlsx"),
        ("roster.csv", b"name;email\n" + b"a;b@x.example\n" * 90_000, "1 MB"),
    ],
)
def test_uploads_of_the_wrong_type_or_size_are_refused(admin_client, filename, data, message):
    response = upload(admin_client, filename, data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def workbook(mutate=None) -> bytes:
    """A small roster workbook, its first sheet's XML changed by ``mutate``."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["name", "email"])
    sheet.append(['=HYPERLINK("http://evil.example","x")', "a@x.example"])
    buffer = io.BytesIO()
    book.save(buffer)
    if mutate is None:
        return buffer.getvalue()
    source, out = zipfile.ZipFile(io.BytesIO(buffer.getvalue())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = mutate(content)
            target.writestr(info.filename, content)
    return out.getvalue()


def huge_dimensions(xml: bytes) -> bytes:
    # openpyxl writes `<dimension ref="A1:B2" />`: matched loosely, so the claim really is the largest sheet.
    xml = re.sub(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', xml)
    assert b"XFD1048576" in xml
    return xml.replace(
        b"</sheetData>", b'<row r="3"><c r="XFD3" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    )


def zip_bomb(xml: bytes) -> bytes:
    # About 40 MB of blanks after the rows: a few hundred kilobytes once compressed.
    return huge_dimensions(xml).replace(b"</sheetData>", b" " * 40_000_000 + b"</sheetData>")


def entity_expansion(xml: bytes) -> bytes:
    entities = "".join(
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' if n else '<!ENTITY l0 "lol">' for n in range(9)
    )
    if xml.startswith(b"<?xml"):
        xml = xml.split(b"?>", 1)[1]
    return f"<!DOCTYPE bomb [{entities}]>".encode() + xml.replace(
        b"</sheetData>",
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>&l8;</t></is></c></row></sheetData>',
    )


def external_entity(xml: bytes) -> bytes:
    if xml.startswith(b"<?xml"):
        xml = xml.split(b"?>", 1)[1]
    return b'<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>' + xml.replace(
        b"</sheetData>",
        b'<row r="3"><c r="A3" t="inlineStr"><is><t>&secret;</t></is></c></row></sheetData>',
    )


@pytest.mark.parametrize(
    ("mutate", "outcome"),
    [
        (None, "preview"),
        (huge_dimensions, "preview"),
        (zip_bomb, "Projektmappen fylder mere end 20 MB"),
        (entity_expansion, "ikke en Excel-projektmappe"),
        (external_entity, "ikke en Excel-projektmappe"),
    ],
    ids=["formulas", "huge dimensions", "zip bomb", "entity expansion", "external entity"],
)
def test_malicious_workbooks_are_read_without_running_anything(admin_client, mutate, outcome):
    data = workbook(mutate)
    assert len(data) < 1024 * 1024
    response = upload(admin_client, "roster.xlsx", data)
    if outcome == "preview":
        assert response.status_code == 303
        preview = admin_client.get(response.location).get_data(as_text=True)
        # Only values Excel saved are read: the formula is neither evaluated nor carried over as text.
        assert "HYPERLINK" not in preview
        assert "evil.example" not in preview
        assert "a@x.example" in preview
    else:
        assert response.status_code == 422
        page = response.get_data(as_text=True)
        assert outcome in page
        assert "root:" not in page
