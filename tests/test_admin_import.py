"""Importing a roster: the preview classifies every row, a file with errors imports nothing, and a good
file is written all at once (CSV and XLSX, Danish and Swedish headers and letters)."""

from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import func, select, text

from course.admin.models import PendingImport
from course.audit.models import AuditEvent
from course.extensions import db
from course.people.models import Council, Member

GOOD_ROWS = [
    ("Åse Ødegaard", "aase@importby.example", "byrådsmedlem", "dansk"),
    ("Bjørn Æbelø", "bjorn@importby.example", "stedfortræder", ""),
    ("Kim Kendt", "kim@importby.example", "medarbejder", "da"),
    ("Uffe Uændret", "uffe@importby.example", "", ""),
]
BAD_ROWS = [
    ("Fejl Adresse", "ikke-en-adresse", "medlem", "da"),
    ("Dobbelt", "AASE@importby.example", "medlem", ""),
    ("Ukendt Rolle", "rolle@importby.example", "borgmester", ""),
    ("", "tomt@importby.example", "", ""),
    ("Anden Kommune", "fremmed@otherby.example", "", ""),
    ("Sprog", "sprog@importby.example", "", "klingon"),
]
# (row number in the file, the reason shown)
EXPECTED_ERRORS = {
    6: "ikke-en-adresse is not a valid e-mail address.",
    7: "The same e-mail address as row 2.",
    8: "Unknown role borgmester: use councillor, substitute or staff.",
    9: "The name is missing.",
    10: "This address cannot be added. Use another address for this person.",
    11: "Unknown language klingon: use da, sv or en.",
}


def csv_bytes(header, rows, *, delimiter=";", encoding="utf-8-sig") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(header, rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def council(make):
    return make.council("importby")


@pytest.fixture
def admin(make, council):
    return make.member(
        council, "sekretariat@importby.example", name="Sekretariatet", is_admin=True, locale="en"
    )


@pytest.fixture
def existing(make, council):
    make.member(council, "kim@importby.example", name="Kim Kendt", role="councillor")
    make.member(council, "uffe@importby.example", name="Uffe Uændret", role="councillor")
    make.member(make.council("otherby"), "fremmed@otherby.example")


@pytest.fixture
def signed_in(client, auth, admin):
    auth.login(admin.email)
    return client


def upload(client, filename: str, data: bytes):
    return client.post(
        "/admin/members/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def roster(app, council) -> dict[str, tuple[str, str, str | None]]:
    with app.app_context():
        return {
            member.email: (member.name, member.role, member.locale)
            for member in db.session.execute(
                select(Member).where(Member.council_id == council.id, Member.removed_at.is_(None))
            ).scalars()
        }


def preview_statuses(html: str) -> dict[int, str]:
    return {
        int(number): status
        for number, status in re.findall(r'<tr id="row-(\d+)" class="import-(\w+)">', html)
    }


def digest_of(html: str) -> str:
    return re.search(r'name="digest" value="(\w+)"', html).group(1)


@pytest.mark.parametrize(
    ("filename", "make_file", "header"),
    [
        ("medlemmer.csv", csv_bytes, ("Navn", "E-mail", "Rolle", "Sprog")),
        ("ledamöter.xlsx", xlsx_bytes, ("Namn", "E-post", "Roll", "Språk")),
    ],
)
def test_a_file_with_errors_shows_every_row_and_imports_nothing_until_fixed(
    app, signed_in, council, admin, existing, filename, make_file, header
):
    before = roster(app, council)
    response = upload(signed_in, filename, make_file(header, GOOD_ROWS + BAD_ROWS))
    assert response.status_code == 303
    preview_url = response.location
    page = signed_in.get(preview_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert preview_statuses(html) == {
        2: "new",
        3: "new",
        4: "changed",
        5: "unchanged",
        **{number: "error" for number in EXPECTED_ERRORS},
    }
    for reason in EXPECTED_ERRORS.values():
        assert reason in html
    assert "Åse Ødegaard" in html
    assert "Bjørn Æbelø" in html
    assert "6 rows have errors. Nothing is imported until every row is right" in html
    assert 'name="digest"' not in html  # no way to confirm

    # Confirming anyway (a tampered form) is refused and writes nothing.
    response = signed_in.post(preview_url, data={"digest": "x"})
    assert response.status_code == 422
    assert roster(app, council) == before

    # The corrected file imports everything at once.
    response = upload(signed_in, filename, make_file(header, GOOD_ROWS))
    preview_url = response.location
    html = signed_in.get(preview_url).get_data(as_text=True)
    assert preview_statuses(html) == {2: "new", 3: "new", 4: "changed", 5: "unchanged"}
    assert roster(app, council) == before  # the preview wrote nothing
    response = signed_in.post(preview_url, data={"digest": digest_of(html)})
    assert response.status_code == 303
    after = roster(app, council)
    assert after["aase@importby.example"] == ("Åse Ødegaard", "councillor", "da")
    assert after["bjorn@importby.example"] == ("Bjørn Æbelø", "substitute", None)
    assert after["kim@importby.example"] == ("Kim Kendt", "staff", "da")
    assert after["uffe@importby.example"] == ("Uffe Uændret", "councillor", None)
    assert len(after) == len(before) + 2
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "import.confirmed")
        ).scalar_one()
        assert (event.details["added"], event.details["changed"], event.details["unchanged"]) == (2, 1, 1)
        assert event.actor_id == admin.id
    # The same preview cannot be imported twice.
    assert signed_in.post(preview_url, data={"digest": digest_of(html)}).status_code == 410


def test_a_windows_1252_csv_with_commas_from_excel(app, signed_in, council):
    data = csv_bytes(
        ("name", "email", "role", "language"),
        [
            ("Søren Ærø", "soren@importby.example", "Stedfortræder", "Dansk"),
            ("Åsa Öberg", "asa@importby.example", "Ersättare", "svenska"),
        ],
        delimiter=",",
        encoding="cp1252",
    )
    response = upload(signed_in, "roster.CSV", data)
    html = signed_in.get(response.location).get_data(as_text=True)
    assert "Søren Ærø" in html
    assert "Åsa Öberg" in html
    signed_in.post(response.location, data={"digest": digest_of(html)})
    after = roster(app, council)
    assert after["soren@importby.example"] == ("Søren Ærø", "substitute", "da")
    assert after["asa@importby.example"] == ("Åsa Öberg", "substitute", "sv")


def test_formulas_in_a_workbook_are_never_evaluated_or_imported(app, signed_in, council):
    data = xlsx_bytes(
        ("name", "email"),
        [
            ('=HYPERLINK("https://evil.example","Klik")', "formel@importby.example"),
            ("Ok", "ok@importby.example"),
        ],
    )
    html = signed_in.get(upload(signed_in, "x.xlsx", data).location).get_data(as_text=True)
    assert preview_statuses(html) == {2: "error", 3: "new"}
    assert "The name is missing." in html
    assert "evil.example" not in html


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("roster.pdf", b"%PDF-1.7", "Choose a CSV or Excel file (.csv or .xlsx)."),
        ("roster.csv", b"", "The file is empty."),
        ("roster.csv", b"   \r\n", "The file is empty."),
        ("roster.csv", b"x" * (1024 * 1024 + 1), "The file is larger than 1 MB."),
        ("roster.csv", "fornavn;telefon\nÅse;1234\n".encode(), "The first row must name the columns"),
        ("roster.csv", b"name;email\n", "The file has column names but no members."),
        ("roster.xlsx", b"PK\x03\x04 not really a zip", "The file is not a readable Excel workbook (.xlsx)."),
        ("roster.xlsx", b"name;email\n", "The file is not a readable Excel workbook (.xlsx)."),
    ],
)
def test_a_file_that_cannot_be_read_says_why(app, signed_in, filename, data, message):
    response = upload(signed_in, filename, data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert 'class="alert alert-error error-summary"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_confirming_a_preview_after_the_roster_changed_asks_again(app, make, signed_in, council):
    data = csv_bytes(
        ("name", "email"), [("Ny Person", "ny@importby.example"), ("Anden", "anden@importby.example")]
    )
    preview_url = upload(signed_in, "a.csv", data).location
    old_digest = digest_of(signed_in.get(preview_url).get_data(as_text=True))
    make.member(council, "ny@importby.example", name="Ny Person")  # someone else added her meanwhile

    response = signed_in.post(preview_url, data={"digest": old_digest})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The roster has changed since you opened the preview." in html
    assert "anden@importby.example" not in roster(app, council)
    assert preview_statuses(html) == {2: "unchanged", 3: "new"}

    assert signed_in.post(preview_url, data={"digest": digest_of(html)}).status_code == 303
    assert "anden@importby.example" in roster(app, council)


def test_a_member_added_while_confirming_makes_the_whole_import_fail_cleanly(app, make, admin, council):
    """The database's unique e-mail constraint decides; the import writes nothing and says so."""
    from course.admin import importing

    rows = [
        importing.RawRow(2, "Race", "race@importby.example", "", ""),
        importing.RawRow(3, "Other", "other@importby.example", "", ""),
    ]
    with app.app_context():
        council_row = db.session.get(Council, council.id)
        pending = importing.create_pending_import(council_row, None, "race.csv", rows)
        db.session.commit()
        pending_id = pending.id
        plan = importing.plan_import(council_row, importing.raw_rows(pending))
        # Another administrator's transaction adds the same address and commits in between.
        with db.engine.begin() as other:
            other.execute(
                text(
                    "INSERT INTO member (council_id, name, email, role, is_admin, is_platform_admin, "
                    "created_at) VALUES (:council, 'Race', 'race@importby.example', 'councillor', false, "
                    "false, :now)"
                ),
                {"council": council.id, "now": "2026-01-01 00:00:00"},
            )
        with pytest.raises(importing.RosterConflictError):
            importing.confirm_import(council_row, pending, plan, actor=None)
        db.session.rollback()
    after = roster(app, council)
    assert "other@importby.example" not in after
    assert list(after).count("race@importby.example") == 1
    with app.app_context():
        assert db.session.get(PendingImport, pending_id) is not None  # the preview can be checked again


def test_two_administrators_import_overlapping_files_at_the_same_time(app, make, council):
    """Whatever the interleaving, nothing is lost or counted twice, and a refused import writes nothing."""
    first_admin = make.member(council, "a1@importby.example", is_admin=True, locale="en")
    second_admin = make.member(council, "a2@importby.example", is_admin=True, locale="en")
    files = {
        first_admin.email: [("Fælles", "shared@importby.example"), ("Kun Første", "first@importby.example")],
        second_admin.email: [("Fælles", "shared@importby.example"), ("Kun Anden", "second@importby.example")],
    }
    clients, previews = {}, {}
    for email, rows in files.items():
        client = app.test_client()
        client.post("/login", data={"email": email, "password": "correct horse battery staple"})
        url = upload(client, "roster.csv", csv_bytes(("name", "email"), rows)).location
        previews[email] = (url, digest_of(client.get(url).get_data(as_text=True)))
        clients[email] = client

    barrier = threading.Barrier(2)
    results = {}

    def confirm(email):
        url, digest = previews[email]
        barrier.wait()
        results[email] = clients[email].post(url, data={"digest": digest}).status_code

    threads = [threading.Thread(target=confirm, args=(email,)) for email in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    after = roster(app, council)
    assert sorted(results.values()) in ([303, 303], [303, 409]), results
    assert list(after).count("shared@importby.example") == 1
    for email, rows in files.items():
        own = rows[1][1]
        assert (own in after) == (results[email] == 303)


def test_someone_elses_or_an_expired_preview(app, make, signed_in, council):
    other_admin = make.member(make.council("otherby"), "admin@otherby.example", is_admin=True)
    other = app.test_client()
    other.post("/login", data={"email": other_admin.email, "password": "correct horse battery staple"})
    url = upload(other, "x.csv", csv_bytes(("name", "email"), [("A", "a@otherby.example")])).location
    assert signed_in.get(url).status_code == 404
    assert signed_in.post(url, data={"digest": "x"}).status_code == 404

    url = upload(signed_in, "y.csv", csv_bytes(("name", "email"), [("B", "b@importby.example")])).location
    with app.app_context():
        db.session.execute(text("UPDATE pending_import SET expires_at = created_at"))
        db.session.commit()
    response = signed_in.get(url)
    assert response.status_code == 410
    assert "The preview has expired" in response.get_data(as_text=True)
    assert signed_in.post(url, data={"digest": "x"}).status_code == 410


def test_the_command_line_import_prints_the_preview_and_writes_all_or_nothing(
    app, runner, council, existing, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(("Navn", "E-mail", "Rolle", "Sprog"), GOOD_ROWS + BAD_ROWS))
    before = roster(app, council)
    result = runner.invoke(args=["import-members", "importby", str(bad)])
    assert result.exit_code == 1
    assert "row    2  new        Åse Ødegaard <aase@importby.example>" in result.output
    assert (
        "row    4  changed    Kim Kendt <kim@importby.example>  changes role, locale, takes_course"
        in result.output
    )
    assert "Unknown role borgmester" in result.output
    assert "10 rows: 2 new, 1 changed, 1 unchanged, 6 error" in result.output
    assert "6 rows with errors; nothing was imported" in result.output
    assert roster(app, council) == before

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx_bytes(("Namn", "E-post", "Roll", "Språk"), GOOD_ROWS))
    result = runner.invoke(args=["import-members", "importby", str(good), "--dry-run"])
    assert result.exit_code == 0
    assert "Nothing was written." in result.output
    assert roster(app, council) == before
    result = runner.invoke(args=["import-members", "importby", str(good)])
    assert result.exit_code == 0, result.output
    assert "Imported into importby: 2 added, 1 changed" in result.output
    assert len(roster(app, council)) == len(before) + 2
    assert runner.invoke(args=["import-members", "nowhere", str(good)]).exit_code == 1


def test_a_file_with_too_many_rows_is_refused(signed_in):
    rows = [(f"P {n}", f"p{n}@importby.example") for n in range(5001)]
    response = upload(signed_in, "big.csv", csv_bytes(("name", "email"), rows))
    assert response.status_code == 422
    assert "The file has more than 5000 rows." in response.get_data(as_text=True)
    empty_rows = "name;email\n" + "\n" * 20_000 + "A;a@importby.example\n"
    response = upload(signed_in, "empty.csv", empty_rows.encode())
    assert response.status_code == 422
    assert "The file has more than 5000 rows." in response.get_data(as_text=True)


def test_uploading_without_a_file(signed_in):
    response = signed_in.post("/admin/members/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Choose a file to import." in response.get_data(as_text=True)


def hostile_workbook(*, empty_rows: int) -> bytes:
    """A workbook declaring the largest sheet Excel allows (A1:XFD1048576), holding a header, one member
    and ``empty_rows`` empty rows: 148 KB that used to cost a worker 25 seconds of CPU."""
    import zipfile

    plain = xlsx_bytes(("name", "email"), [("Dora Dimension", "dora@importby.example")])
    rows = "".join(f'<row r="{number}"/>' for number in range(3, 3 + empty_rows))
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(plain)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1:XFD1048576"/>', content
                )
                content = content.replace(b"</sheetData>", rows.encode() + b"</sheetData>")
            out.writestr(info.filename, content)
    return buffer.getvalue()


@pytest.mark.parametrize("empty_rows", [0, 10_000])
def test_a_workbook_declaring_a_huge_sheet_costs_only_its_real_cells(empty_rows):
    from course.admin import importing

    data = hostile_workbook(empty_rows=empty_rows)
    # What the reader hands on is what it worked through: the declared size must not matter.
    visited = sum(len(cells) for cells in importing._xlsx_rows(data))
    rows_read = min(2 + empty_rows, 2 * importing.MAX_ROWS + 1)
    assert visited <= importing.MAX_COLUMNS * rows_read
    if empty_rows:
        with pytest.raises(importing.ImportFileError, match="more than 5000 rows"):
            importing.parse_roster_file("roster.xlsx", data)
    else:
        assert [row.email for row in importing.parse_roster_file("roster.xlsx", data)] == [
            "dora@importby.example"
        ]


def test_uploading_a_workbook_declaring_a_huge_sheet_is_refused_with_a_reason(signed_in):
    response = upload(signed_in, "huge.xlsx", hostile_workbook(empty_rows=10_000))
    assert response.status_code == 422
    assert "The file has more than 5000 rows." in response.get_data(as_text=True)


def test_going_back_to_a_finished_import_says_it_was_done(app, signed_in, council):
    url = upload(signed_in, "z.csv", csv_bytes(("name", "email"), [("Zia", "zia@importby.example")])).location
    preview = signed_in.get(url).get_data(as_text=True)
    digest = re.search(r'name="digest" value="([^"]+)"', preview).group(1)
    assert signed_in.post(url, data={"digest": digest}).status_code == 303
    # The browser's Back button, and a second press of the button.
    for response in (signed_in.get(url), signed_in.post(url, data={"digest": digest})):
        assert response.status_code == 410
        html = response.get_data(as_text=True)
        assert "This file has been imported already" in html
        assert 'href="/admin/members"' in html
        assert 'href="/admin/members/import"' in html


def test_an_unknown_preview_is_a_friendly_not_found(signed_in):
    response = signed_in.get("/admin/members/import/999999")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "imported already or has expired" in html
    assert 'href="/admin/members/import"' in html
