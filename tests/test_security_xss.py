"""Cross-site scripting and formula injection: whatever people type, and whatever the content folder holds,
comes back as text.

Names, e-mail addresses and a council's name carrying script payloads are shown on every page, export,
PDF and e-mail that repeats them; none of them carries a live tag. Course content from a poisoned
content folder is rendered through Markdown and nh3, so its script and event-handler tags and its
``javascript:`` links are gone. Spreadsheet exports never start a cell with a formula character.
"""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
import yaml
from sqlalchemy import select

from course.extensions import db
from course.people.models import Council, Member
from tests.admin_helpers import html_of
from tests.conftest import PASSWORD, make_test_app
from tests.content_helpers import copy_content

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
LINK = "javascript:alert(1)"


class _LiveParts(HTMLParser):
    """What a browser would run in a page: script elements with code, event-handler attributes, links and
    sources that are ``javascript:`` or HTML ``data:`` URLs. Text, even text that looks like a tag, is not."""

    URL_ATTRIBUTES = ("href", "src", "action", "formaction", "xlink:href")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.targets: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        for name, value in attrs:
            value = (value or "").strip()
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name in self.URL_ATTRIBUTES:
                self.targets.append(value)
                if re.match(r"(javascript|vbscript|data:text/html)", value.replace(" ", ""), re.I):
                    self.found.append(f"<{tag} {name}={value}>")
        if tag == "img" and dict(attrs).get("src") == "x":
            self.found.append("<img src=x>")

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:40]}")


def live_parts(html: str) -> _LiveParts:
    parser = _LiveParts()
    parser.feed(html)
    parser.close()
    return parser


def assert_inert(html: str, where: str) -> None:
    found = live_parts(html).found
    assert not found, f"live in {where}: {found}"


@pytest.fixture
def poisoned(app, make, certify):
    """A council and members whose names and addresses are script payloads."""
    council = make.council("xssby", name=f"Xss {SCRIPT} Kommune")
    admin = make.member(council, "admin@xssby.example", name=f"Admin {IMG}", is_admin=True, locale="en")
    named = make.member(council, "named@xssby.example", name=f"Named {SCRIPT}{IMG}")
    # An address the form would refuse, written straight into the database: output escaping must hold
    # even for data that got past validation.
    addressed = make.member(council, "plain@xssby.example", name="Addressed Person", password=None)
    with app.app_context():
        db.session.get(Member, addressed.id).email = f'x"><img src=x onerror=alert(1)>{SCRIPT}@xssby.example'
        db.session.commit()
    pending = make.member(council, "pending@xssby.example", name=f"Pending {IMG}")
    certificate = certify(named)
    return {
        "council": council,
        "admin": admin,
        "named": named,
        "pending": pending,
        "certificate": certificate,
    }


def signed_in_admin(client, poisoned):
    assert (
        client.post("/login", data={"email": poisoned["admin"].email, "password": PASSWORD}).status_code
        == 302
    )


def test_admin_pages_show_the_payloads_as_text(app, client, poisoned):
    signed_in_admin(client, poisoned)
    named, certificate = poisoned["named"], poisoned["certificate"]
    pages = [
        "/admin/",
        "/admin/print",
        "/admin/members",
        f"/admin/members/{named.id}",
        f"/admin/members/{named.id}/remove",
        "/admin/certificates",
        f"/admin/certificates/{certificate.id}",
        "/admin/questions",
        "/admin/audit/",
        "/",
        f"/verify/{certificate.code}",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert_inert(response.get_data(as_text=True), path)
    roster = client.get("/admin/members").get_data(as_text=True)
    assert "Named &lt;script&gt;alert(1)&lt;/script&gt;&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in roster
    assert "&lt;script&gt;alert(1)&lt;/script&gt;@xssby.example" in roster
    assert "Xss &lt;script&gt;" in client.get("/admin/").get_data(as_text=True)


def test_the_member_and_the_platform_see_the_payloads_as_text(app, client, make, poisoned):
    client.post("/login", data={"email": poisoned["named"].email, "password": PASSWORD})
    for path in ("/", "/certificate", "/cards"):
        assert_inert(client.get(path).get_data(as_text=True), path)
    client.post("/logout")
    host = make.member(make.council("hostby"), "pia@host.example", is_platform_admin=True)
    client.post("/login", data={"email": host.email, "password": PASSWORD})
    overview = client.get("/platform/").get_data(as_text=True)
    assert_inert(overview, "/platform/")
    assert "Xss &lt;script&gt;alert(1)&lt;/script&gt; Kommune" in overview


def test_the_import_preview_shows_the_files_payloads_as_text(client, poisoned):
    signed_in_admin(client, poisoned)
    data = f'name;email;role\r\n"{SCRIPT}";"{IMG}@x.example";"{SCRIPT}"\r\nFine;fine@x.example;{IMG}\r\n'
    response = client.post(
        "/admin/members/import",
        data={"file": (io.BytesIO(data.encode()), f"{SCRIPT}.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    preview = client.get(response.location).get_data(as_text=True)
    assert_inert(preview, "the import preview")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in preview


def test_the_certificate_pdf_holds_the_name_as_plain_text_and_no_active_content(client, poisoned):
    from pypdf import PdfReader

    signed_in_admin(client, poisoned)
    pdf = client.get(f"/admin/certificates/{poisoned['certificate'].id}/pdf").get_data()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Named" in text
    assert "alert(1)" in re.sub(r"\s+", "", text)  # written out as letters, nothing more
    # No script, no program to launch, no embedded file; the only link is the verification address.
    for action in (b"/JavaScript", b"/JS ", b"/Launch", b"/EmbeddedFile", b"/AA "):
        assert action not in pdf
    assert re.findall(rb"/URI \((.*?)\)", pdf) in (
        [],
        [f"http://localhost/verify/{poisoned['certificate'].code}".encode()],
    )


def test_the_certificate_zip_names_files_safely(app, client, make, certify, poisoned):
    slashed = make.member(
        make.council("zipby"), "zip@zipby.example", name="../../etc/passwd", is_admin=True, password=PASSWORD
    )
    certify(slashed)
    client.post("/login", data={"email": slashed.email, "password": PASSWORD})
    archive = zipfile.ZipFile(io.BytesIO(client.get("/admin/certificates/all.zip").get_data()))
    for name in archive.namelist():
        assert "/" not in name
        assert "\\" not in name
        assert not name.startswith(".")


def test_e_mails_carry_the_payloads_as_text(app, client, smtp_server, poisoned):
    signed_in_admin(client, poisoned)
    named, pending = poisoned["named"], poisoned["pending"]
    client.post(f"/admin/members/{named.id}/invite")
    client.post(f"/admin/certificates/{poisoned['certificate'].id}/email")
    client.post("/admin/reminders", data={"member": str(pending.id), "confirm": "yes"})
    messages = smtp_server.to(named.email) + smtp_server.to(pending.email)
    assert len(messages) == 3
    for message in messages:
        html = html_of(message)
        assert_inert(html, message["Subject"])
        assert "&lt;script&gt;" in html or "&lt;img src=x" in html, message["Subject"]


FORMULAS = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://evil","x")']


@pytest.mark.parametrize("export", ["/admin/export.csv", "/admin/export.xlsx", "/platform/export.csv"])
def test_every_export_neutralises_formulas(app, client, make, export):
    council = make.council("formulaby", name="=cmd|' /C calc'!A0")
    for n, formula in enumerate(FORMULAS):
        make.member(council, f"f{n}@formulaby.example", name=formula, password=None)
    both = make.member(
        council, "both@formulaby.example", name="Both", is_admin=True, is_platform_admin=True, locale="en"
    )
    client.post("/login", data={"email": both.email, "password": PASSWORD})
    response = client.get(export)
    assert response.status_code == 200
    if export.endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
        cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
        assert all(cell.data_type == "s" for cell in cells)
        values = [cell.value for cell in cells]
    else:
        import csv

        text = response.get_data().decode("utf-8-sig")
        values = [value for row in csv.reader(io.StringIO(text, newline="")) for value in row]
    assert values
    for value in values:
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), repr(value)
    # Names are stored stripped, so the tab and carriage return are gone and the formula follows directly.
    expected = (
        ["'=cmd|' /C calc'!A0"] if export.startswith("/platform") else ["'" + f.strip() for f in FORMULAS]
    )
    for neutralised in expected:
        assert neutralised in values


# --- course content ------------------------------------------------------------------------------------


def poison(text: dict) -> dict:
    return {
        language: f"{value} {SCRIPT} {IMG} [click]({LINK}) <a href='{LINK}'>x</a>"
        for language, value in text.items()
    }


@pytest.fixture
def poisoned_site(tmp_path, course):
    """A site whose content folder carries script in a module's texts and a question's feedback."""
    content = copy_content(tmp_path)
    module_file = content / "how-social-media-work" / "module.yaml"
    module = yaml.safe_load(module_file.read_text())
    module["summary"] = poison(module["summary"])
    module["title"] = {language: f"{value} {SCRIPT}" for language, value in module["title"].items()}
    module_file.write_text(yaml.safe_dump(module, allow_unicode=True))
    for quiz_file in (content / "how-social-media-work" / "quizzes").glob("*.yaml"):
        quiz = yaml.safe_load(quiz_file.read_text())
        quiz["intro"] = poison(quiz["intro"])
        for question in quiz["questions"]:
            question["prompt"] = {k: f"{v} {IMG}" for k, v in question["prompt"].items()}
            for option in question["options"]:
                option["feedback"] = poison(option["feedback"])
            if "explanation" in question:
                question["explanation"] = poison(question["explanation"])
        quiz_file.write_text(yaml.safe_dump(quiz, allow_unicode=True))
    from flask_migrate import upgrade

    site = make_test_app(
        "sqlite:///" + str(tmp_path / "poisoned.db"), tmp_path / "instance", COURSE_CONTENT_DIR=str(content)
    )
    with site.app_context():
        upgrade()
    yield site
    with site.app_context():
        db.engine.dispose()


def test_poisoned_content_renders_sanitised(poisoned_site):
    from course.auth.services import set_password
    from course.people.services import add_member, create_council
    from course.web.course import get_course
    from tests.helpers import answers_for, attempt_id_from

    with poisoned_site.app_context():
        council = create_council("contentby", "Contentby Kommune", "dk", "en")
        set_password(add_member(council, "reader@contentby.example", "Reader", locale="en"), PASSWORD)
        db.session.commit()
        course = get_course()
    module = course.module("how-social-media-work")
    quiz = module.quizzes[0]
    client = poisoned_site.test_client()
    client.post("/login", data={"email": "reader@contentby.example", "password": PASSWORD})
    client.post(f"/modules/{module.id}/transcript", data={"read": "yes"})
    quiz_page = client.get(f"/modules/{module.id}/quizzes/{quiz.id}").get_data(as_text=True)
    answers = answers_for(poisoned_site, quiz, attempt_id_from(quiz_page), wrong=quiz.draw)
    result = client.post(f"/modules/{module.id}/quizzes/{quiz.id}", data=answers)
    assert result.status_code == 303
    pages = {
        "overview": client.get("/").get_data(as_text=True),
        "module": client.get(f"/modules/{module.id}").get_data(as_text=True),
        "quiz": quiz_page,
        "attempt": client.get(result.location).get_data(as_text=True),
    }
    for where, html in pages.items():
        assert_inert(html, where)
    # The payloads are there, as text: in the title (plain text), the summary and the feedback (Markdown).
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["module"]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages["attempt"]


@pytest.mark.parametrize(
    "source",
    [
        SCRIPT,
        IMG,
        f"[x]({LINK})",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=//evil></iframe>",
        "![x](x onerror=alert(1))",
        '<svg onload="alert(1)">',
    ],
)
def test_markdown_keeps_only_harmless_tags(app, source):
    from course.web.templating import render_markdown

    html = str(render_markdown(source))
    assert_inert(html, source)
    assert not re.search(r"<(script|img|iframe|svg)", html)
    assert all(target.startswith(("http://", "https://", "mailto:")) for target in live_parts(html).targets)


@pytest.mark.parametrize("target", [LINK, "//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_redirect_targets_never_leave_the_site(client, make, target):
    member = make.member(make.council("nextby"), "next@nextby.example")
    response = client.post(
        "/login", query_string={"next": target}, data={"email": member.email, "password": PASSWORD}
    )
    assert response.location == "/"
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.location == "/"
    page = client.get("/login/link", query_string={"next": target}).get_data(as_text=True)
    assert_inert(page, "/login/link")
    # Every link and form on the page stays on the site (the target may appear inside a query string).
    for url in live_parts(page).targets:
        assert url.startswith(("/", "#")), url
        assert not url.startswith("//"), url
        assert not url.startswith("/\\"), url


def test_the_poisoned_fixture_really_holds_payloads(app, poisoned):
    with app.app_context():
        names = db.session.scalars(select(Member.name)).all()
        council = db.session.get(Council, poisoned["council"].id)
        assert any(SCRIPT in name for name in names)
        assert SCRIPT in council.name
