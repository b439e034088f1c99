"""Rate limits (in memory and in Redis), session cookies, and uploads that try to do harm."""

from __future__ import annotations

import io
import os
import re
import zipfile

import pytest

from course.extensions import limiter
from tests.conftest import IS_CI, PASSWORD, make_test_app

# A database of its own for each pytest-xdist worker: a test empties it.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
REDIS_URL = os.environ.get("COURSE_TEST_REDIS_URL", f"redis://127.0.0.1:6379/{13 + _WORKER % 3}")


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
    # Behind one trusted proxy, as in production: the tests name each client's address in X-Forwarded-For.
    site = make_test_app(database_url, tmp_path / "instance", COURSE_PROXY_FIX=True)
    assert site.config["RATELIMIT_STORAGE_URI"] == (REDIS_URL if redis_client else "memory://")
    yield site, redis_client
    if redis_client is not None:
        redis_client.flushdb()


def too_many(response, locale: str) -> None:
    assert response.status_code == 429
    assert response.headers["Retry-After"]
    title = {"da": "For mange forsøg", "sv": "För många försök", "en": "Too many attempts"}[locale]
    assert title in response.get_data(as_text=True)


def from_address(address: str) -> dict:
    """Request options for a client at ``address``, as the trusted proxy reports it."""
    return {"headers": {"X-Forwarded-For": address}}


@pytest.mark.parametrize(
    ("path", "data", "allowed"),
    [
        ("/login", {"email": "someone@limitby.example", "password": "wrong"}, 10),
        ("/login/link", {"email": "someone@limitby.example"}, 5),
        ("/password/forgot", {"email": "someone@limitby.example"}, 5),
    ],
)
def test_guessing_one_account_from_one_address_is_limited(limited, path, data, allowed):
    site, redis_client = limited
    client = site.test_client()
    statuses = [
        client.post(path, data=data, **from_address("198.51.100.7")).status_code for _ in range(allowed)
    ]
    assert 429 not in statuses
    response = client.post(
        path, data=data, headers={"Accept-Language": "sv", "X-Forwarded-For": "198.51.100.7"}
    )
    too_many(response, "sv")
    if redis_client is not None:
        assert redis_client.keys("*"), "the counters were not kept in Redis"


def test_failed_sign_ins_are_limited_per_address(limited):
    site, _ = limited
    client = site.test_client()
    for n in range(20):
        response = client.post(
            "/login",
            data={"email": f"u{n}@limitby.example", "password": "wrong"},
            **from_address("192.0.2.9"),
        )
        assert response.status_code == 422
    too_many(
        client.post(
            "/login", data={"email": "last@limitby.example", "password": "wrong"}, **from_address("192.0.2.9")
        ),
        "da",
    )
    # Another address has its own budget.
    response = client.post(
        "/login", data={"email": "last@limitby.example", "password": "wrong"}, **from_address("192.0.2.10")
    )
    assert response.status_code == 422


def test_forty_members_sign_in_from_one_town_hall_address(limited, make):
    """A council seminar: the whole council signs in within two minutes behind the town hall's one public
    address. Successful sign-ins do not count against the address, and neither do the links they open."""
    site, _ = limited
    council = make.council("raadhusby")
    members = [make.member(council, f"m{n}@raadhusby.example") for n in range(40)]
    for member in members:
        browser = site.test_client()
        response = browser.post(
            "/login", data={"email": member.email, "password": PASSWORD}, **from_address("203.0.113.40")
        )
        assert response.status_code == 302, member.email
    # A few typos among them still leave everyone else in.
    for member in members[:5]:
        response = site.test_client().post(
            "/login", data={"email": member.email, "password": "typo"}, **from_address("203.0.113.40")
        )
        assert response.status_code == 422
    for member in members:
        response = site.test_client().post(
            "/login", data={"email": member.email, "password": PASSWORD}, **from_address("203.0.113.40")
        )
        assert response.status_code == 302, member.email


def test_forty_members_open_their_sign_in_links_from_one_address(limited, make):
    from course.auth.links import issue_token
    from course.extensions import db
    from course.people.models import Member

    site, _ = limited
    council = make.council("linkhallby")
    members = [make.member(council, f"l{n}@linkhallby.example", password=None) for n in range(40)]
    with site.app_context():
        tokens = [issue_token(db.session.get(Member, member.id), "login") for member in members]
        db.session.commit()
    for token in tokens:
        browser = site.test_client()
        assert (
            browser.post(
                "/login/link/open", data={"token": token}, **from_address("203.0.113.41")
            ).status_code
            == 200
        )
        response = browser.post(
            "/login/link/open", data={"token": token, "action": "sign-in"}, **from_address("203.0.113.41")
        )
        assert response.status_code == 302


def test_forty_members_ask_for_sign_in_links_from_one_address(limited, make):
    site, _ = limited
    council = make.council("askhallby")
    for n in range(40):
        member = make.member(council, f"a{n}@askhallby.example", password=None)
        response = site.test_client().post(
            "/login/link", data={"email": member.email}, **from_address("203.0.113.42")
        )
        assert response.status_code == 200


def test_someone_guessing_does_not_lock_the_owner_out(limited, make):
    """10 wrong passwords, 5 link requests and 5 reset requests from one address, the attack of the report:
    the owner, elsewhere, still signs in with the password, by link and by reset."""
    site, _ = limited
    owner = make.member(make.council("laasby"), "ejer@laasby.example")
    attacker = site.test_client()
    for _ in range(2):  # the attack repeated: once refused, it stays refused and counts nothing more
        for _ in range(10):
            attacker.post(
                "/login", data={"email": owner.email, "password": "guess"}, **from_address("198.51.100.66")
            )
        for path in ("/login/link", "/password/forgot"):
            for _ in range(5):
                attacker.post(path, data={"email": owner.email}, **from_address("198.51.100.66"))
    assert (
        attacker.post(
            "/login", data={"email": owner.email, "password": "guess"}, **from_address("198.51.100.66")
        ).status_code
        == 429
    )
    home = from_address("192.0.2.200")
    assert site.test_client().post("/login/link", data={"email": owner.email}, **home).status_code == 200
    assert site.test_client().post("/password/forgot", data={"email": owner.email}, **home).status_code == 200
    response = site.test_client().post("/login", data={"email": owner.email, "password": PASSWORD}, **home)
    assert response.status_code == 302


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
    from course.extensions import db
    from course.people.models import Member

    with app.app_context():
        token = issue_token(db.session.get(Member, second.id), "login")
        db.session.commit()
    assert client.post("/login/link/open", data={"token": token, "action": "sign-in"}).status_code == 302
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
