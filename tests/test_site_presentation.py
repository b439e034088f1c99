"""What a reader sees in the markup: source lines punctuated once, sources introduced in the right number,
error summaries with their icon, and the tables that a phone shows row by row."""

from __future__ import annotations

import re

import pytest

from course.content.model import Source, Text

HARASSMENT = "tone-harassment-threats"


def same(name: str) -> Text:
    return Text(da=name, sv=name, en=name)


def render_source_line(app, source, locale: str) -> str:
    with app.test_request_context(headers={"Accept-Language": locale}):
        macro = app.jinja_env.get_template("_macros/ui.html").module.source_line
        return str(macro(source))


@pytest.mark.parametrize(("locale", "no_date"), [("da", "u.å."), ("sv", "u.å."), ("en", "n.d.")])
def test_an_undated_source_ends_with_its_abbreviation_and_no_second_full_stop(app, locale, no_date):
    source = Source(id="sletdet", title="Politianmeldelse", publisher=same("Red Barnet SletDet"), year=None)
    html = render_source_line(app, source, locale)
    assert html.endswith(f">{no_date}</abbr>"), html
    assert ".." not in re.sub(r"<[^>]+>", "", html)


def test_a_title_ending_in_a_question_mark_takes_no_full_stop_after_it(app):
    source = Source(
        id="goteborg",
        title="Vad kan du göra före en hotsituation uppstår?",
        publisher=same("Göteborgs Stad"),
        year=2024,
        url="https://goteborg.se/",
        language="sv",
    )
    text = re.sub(r"<[^>]+>", "", render_source_line(app, source, "da"))
    assert text == "Vad kan du göra före en hotsituation uppstår? Göteborgs Stad, 2024."


def test_a_dated_source_reads_title_publisher_and_year(app):
    source = Source(
        id="ptu", title="Politikernas trygghetsundersökning 2023", publisher=same("Brå"), year=2023
    )
    text = re.sub(r"<[^>]+>", "", render_source_line(app, source, "sv"))
    assert text == "Politikernas trygghetsundersökning 2023. Brå, 2023."


def test_the_module_page_punctuates_every_source_line_once(client, auth, make):
    auth.login(make.member(make.council("kildeby", country="dk")).email)
    text = re.sub(r"<[^>]+>", "", client.get(f"/modules/{HARASSMENT}").get_data(as_text=True))
    assert "u.å.." not in text
    assert "?." not in text


def test_several_sources_are_introduced_as_sources_and_one_as_a_source(client, auth, make):
    auth.login(make.member(make.council("flertalby", country="dk")).email)
    html = client.get(f"/modules/{HARASSMENT}").get_data(as_text=True)
    lines = re.findall(r'<(?:span|p) class="(?:key-point|transcript)-sources">(.*?)</(?:span|p)>', html, re.S)
    assert lines
    for line in lines:
        expected = "Kilder:" if len(re.findall(r"<cite[ >]", line)) > 1 else "Kilde:"
        assert line.startswith(expected), line[:120]
    assert any(line.startswith("Kilder:") for line in lines)
    assert any(line.startswith("Kilde:") for line in lines)


def test_an_error_summary_carries_the_error_icon_like_every_other_alert(client):
    html = client.post("/login", data={"email": "", "password": ""}).get_data(as_text=True)
    summary = re.search(r'<div class="alert alert-error error-summary".*?</div>\s*</div>', html, re.S)
    assert summary, html
    assert re.search(r'<svg class="icon-svg alert-icon"[^>]*aria-hidden="true"', summary.group(0))
    assert "#error" in summary.group(0)


def cells_by_header(table_html: str) -> list[tuple[str, list[str]]]:
    headers = re.findall(r'<th scope="col">(.*?)</th>', table_html)
    rows = re.findall(r"<tr>(.*?)</tr>", table_html.split("<tbody>")[1], re.S)
    return [(row, headers) for row in rows]


@pytest.mark.parametrize(("country", "locale"), [("dk", "da"), ("se", "sv"), ("dk", "en")])
def test_each_law_table_cell_is_labelled_with_its_column_for_a_phone(client, auth, make, country, locale):
    member = make.member(
        make.council(f"lovby-{country}-{locale}", country=country, locale=locale), locale=locale
    )
    auth.login(member.email)
    html = client.get(f"/modules/{HARASSMENT}").get_data(as_text=True)
    table = re.search(r'<table class="([^"]*law-table[^"]*)">(.*?)</table>', html, re.S)
    assert table
    assert "table--responsive-headers" in table.group(1).split()
    for row, headers in cells_by_header(table.group(2)):
        titles = re.findall(r'<t[hd][^>]*\bdata-title="([^"]*)"', row)
        assert titles == headers, row[:200]


def test_the_sign_in_list_is_a_labelled_region_whose_cells_name_their_column(client, auth, make):
    auth.login(make.member(make.council("sessionsby"), locale="sv").email)
    html = client.get("/account/sessions").get_data(as_text=True)
    region = re.search(
        r'<div class="table--responsive-scroll"([^>]*)>\s*<table class="([^"]*)">(.*?)</table>', html, re.S
    )
    assert region, html
    attributes, classes, table = region.groups()
    assert 'role="region"' in attributes
    assert 'tabindex="0"' in attributes
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', attributes).group(1)
    assert f'<caption id="{labelled_by}"' in table
    assert "table--responsive-headers" in classes.split()
    for row, headers in cells_by_header(table):
        assert re.findall(r'<t[hd][^>]*\bdata-title="([^"]*)"', row) == headers
