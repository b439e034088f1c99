"""The roster import's templates: a CSV and an Excel file with the header row in the administrator's
language (the optional "takes the course" column included), named in that language, linked from the
import page; a template filled in imports as it is."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from course.admin.importing import COLUMNS, parse_roster_file
from tests.test_admin_import import upload

EXPECTED = {
    "en": ("roster-template", ["name", "email", "role", "language", "takes the course"], ","),
    "da": ("medlemsliste-skabelon", ["navn", "e-mail", "rolle", "sprog", "tager kurset"], ";"),
    "sv": ("medlemslista-mall", ["namn", "e-post", "roll", "språk", "går kursen"], ";"),
}


@pytest.fixture
def council(make):
    return make.council("mallby")


def sign_in_as(make, auth, council, locale: str):
    admin = make.member(council, f"admin-{locale}@mallby.example", is_admin=True, locale=locale)
    auth.login(admin.email)
    return admin


def workbook_rows(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.mark.parametrize("locale", ["en", "da", "sv"])
def test_the_templates_have_the_header_row_and_a_file_name_in_the_administrators_language(
    make, auth, client, council, locale
):
    sign_in_as(make, auth, council, locale)
    name, headers, delimiter = EXPECTED[locale]

    response = client.get("/admin/members/import/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.csv"'
    assert response.get_data().decode("utf-8-sig") == delimiter.join(headers) + "\r\n"

    response = client.get("/admin/members/import/template.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == f'attachment; filename="{name}.xlsx"'
    assert workbook_rows(response.get_data()) == [headers]


@pytest.mark.parametrize("locale", ["en", "da", "sv"])
def test_every_column_of_the_template_is_one_the_import_reads(make, auth, client, council, locale):
    sign_in_as(make, auth, council, locale)
    template = client.get("/admin/members/import/template.csv").get_data()
    filled = (
        template + "Ida Idé;ida@mallby.example;staff;en;ja\r\n".replace(";", EXPECTED[locale][2]).encode()
    )
    [row] = parse_roster_file("filled.csv", filled)
    assert [getattr(row, column) for column in COLUMNS] == [
        "Ida Idé",
        "ida@mallby.example",
        "staff",
        "en",
        "ja",
    ]


def test_a_filled_in_workbook_template_imports(make, auth, client, council):
    sign_in_as(make, auth, council, "sv")
    workbook = load_workbook(io.BytesIO(client.get("/admin/members/import/template.xlsx").get_data()))
    workbook.worksheets[0].append(["Åsa Öberg", "asa@mallby.example", "tjänsteperson", "sv", "ja"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = upload(client, "medlemslista-mall.xlsx", buffer.getvalue())
    html = client.get(response.location).get_data(as_text=True)
    assert 'class="import-new"' in html
    assert "Åsa Öberg" in html


def test_the_import_page_links_both_templates(make, auth, client, council):
    sign_in_as(make, auth, council, "en")
    html = client.get("/admin/members/import").get_data(as_text=True)
    assert 'href="/admin/members/import/template.xlsx"' in html
    assert 'href="/admin/members/import/template.csv"' in html
