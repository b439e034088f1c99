"""Certificates on the council dashboard, its print view and exports, and the platform overview."""

from __future__ import annotations

import csv
import io

import pytest

from course.certificates.codes import format_code


@pytest.fixture
def council(make):
    return make.council("bevisby", country="dk", locale="da")


@pytest.fixture
def admin(make, council):
    return make.member(council, "sekretariat@example.org", name="Sekretariatet", is_admin=True)


def test_dashboard_shows_each_members_certificate(client, auth, make, council, admin, certify):
    certified = make.member(council, "bevis@example.org", name="Birte Bevis")
    make.member(council, "uden@example.org", name="Ulla Uden")
    issued = certify(certified)
    auth.login(admin.email)
    html = client.get("/admin/").get_data(as_text=True)
    assert "Kursusbevis" in html
    assert format_code(issued.code) in html
    assert f"/admin/certificates/{issued.id}" in html
    assert client.get("/admin/print").status_code == 200
    assert format_code(issued.code) in client.get("/admin/print").get_data(as_text=True)


def test_exports_carry_the_certificate_columns(client, auth, make, council, admin, certify):
    certified = make.member(council, "bevis@example.org", name="Birte Bevis")
    issued = certify(certified)
    auth.login(admin.email)
    text = client.get("/admin/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert "Kursusbevis" in header
    line = next(row for row in lines if row[0] == "Birte Bevis")
    assert line[header.index("Kursusbevis")] == "Gyldigt"
    assert line[header.index("Beviskode")] == format_code(issued.code)


def test_platform_overview_counts_certificates_per_council(client, auth, make, council, certify):
    other = make.council("andenby")
    platform = make.member(other, "platform@example.org", is_platform_admin=True)
    for number in range(2):
        certify(make.member(council, f"bevis{number}@example.org"))
    auth.login(platform.email)
    html = client.get("/platform/").get_data(as_text=True)
    assert "Udstedte kursusbeviser" in html
    text = client.get("/platform/export.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    column = rows[0].index("Udstedte kursusbeviser")
    counts = {row[1]: row[column] for row in rows[1:]}
    assert counts == {"bevisby": "2", "andenby": "0"}
