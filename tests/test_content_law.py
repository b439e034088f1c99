"""The law each country applies: the law tables and country-specific key points of a module, translated
publisher labels, and a list of hosts that are not primary sources."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from course.config import default_data_dir
from course.content import load_course
from tests.content_helpers import copy_content, edit_yaml, errors_for

CONTENT = default_data_dir("modules")
COURSE = load_course(CONTENT)
HARASSMENT = "tone-harassment-threats"

# Mirrors, tabloids, private copies of laws and forum answers that once stood in for primary sources.
NOT_PRIMARY = (
    "batdongsancantim.vn",
    "help.actionsprout.com",
    "dailymail.co.uk",
    "iol.co.za",
    "euroweeklynews.com",
    "eu-digital-services-act.com",
    "sorena.io",
    "ideas.repec.org",
    "utgivarna.se",
    "dailydigital.co.za",
    "familieadvokaten.dk",
    "themis.dk",
    "danskelove.dk",
    "lovguiden.dk",
    "clrn.org",
    "shodan.io",
    "transparency.fb.com/pl-pl",
)


def not_primary(urls: dict[str, str | None]) -> list[str]:
    """The sources whose address is on a host (or host and path) that is not a primary source."""
    problems = []
    for source_id, url in urls.items():
        if not url:
            continue
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        address = host + parts.path
        for bad in NOT_PRIMARY:
            if host == bad or host.endswith("." + bad) or ("/" in bad and address.startswith(bad)):
                problems.append(f"{source_id}: {url}")
    return problems


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return copy_content(tmp_path)


def _module_file(content: Path) -> Path:
    return content / HARASSMENT / "module.yaml"


# --- the shipped content -------------------------------------------------------------------------------


def test_no_source_shown_to_learners_is_a_mirror_tabloid_or_forum():
    assert not_primary({"x": "https://www.dailymail.co.uk/sciencetech/article.html"}) == [
        "x: https://www.dailymail.co.uk/sciencetech/article.html"
    ]
    assert not_primary({"x": "https://transparency.fb.com/pl-pl/policies/"}) != []
    assert not_primary({"x": "https://transparency.meta.com/policies/community-standards/"}) == []
    assert not_primary({source.id: source.url for source in COURSE.sources.values()}) == []


def test_the_harassment_module_has_a_law_table_for_each_country_with_sourced_rows():
    module = COURSE.module(HARASSMENT)
    assert [table.country for table in module.law] == ["dk", "se"]
    danish, swedish = module.law_for("dk"), module.law_for("se")
    danish_text = " ".join(row.offence.da for row in danish.rows)
    for section in ("§ 119", "§ 119 a", "§ 266", "§ 242", "§ 264 d", "§ 267", "§ 268"):
        assert re.search(re.escape(section) + r"\b", danish_text), section
    assert any("§ 275" in row.who_reports.da for row in danish.rows)
    assert "§ 81, nr. 7" in danish.note.da
    swedish_text = " ".join(row.offence.sv for row in swedish.rows)
    for chapter in ("4 kap. 5 §", "4 kap. 7 §", "4 kap. 4 b §", "5 kap. 1 §", "5 kap. 3 §", "17 kap. 1 §"):
        assert chapter in swedish_text, chapter
    assert any("5 kap. 5 §" in row.who_reports.sv for row in swedish.rows)
    for table in module.law:
        for row in table.rows:
            assert row.sources
            assert all(COURSE.sources[ref].url for ref in row.sources)


def test_each_country_reads_its_own_protection_advice():
    module = COURSE.module(HARASSMENT)
    danish = " ".join(point.text.da for point in module.key_points_for("dk"))
    swedish = " ".join(point.text.sv for point in module.key_points_for("se"))
    assert "navne- og adressebeskyttelse" in danish
    assert "PET" in danish
    assert "sekretessmarkera" not in danish
    assert "sekretessmarkera" in swedish
    assert "Mrkoll" in swedish
    assert "navne- og adressebeskyttelse" not in swedish
    # Points without a country are read everywhere.
    shared = [point for point in module.key_points if point.jurisdiction is None]
    assert all(
        point in module.key_points_for("dk") and point in module.key_points_for("se") for point in shared
    )


def test_an_immediate_threat_starts_with_112():
    module = COURSE.module(HARASSMENT)
    point = next(point for point in module.key_points if "114 14" in point.text.en)
    assert point.text.en.index("112") < point.text.en.index("document")


# --- the loader says what is wrong ---------------------------------------------------------------------


def test_a_law_row_without_sources_an_unknown_country_and_a_second_table_are_reported(content: Path):
    def change(data):
        data["law"][0]["rows"][0]["sources"] = []
        data["law"][1]["country"] = "dk"
        data["law"].append({"country": "no", "caption": data["law"][0]["caption"], "rows": []})
        del data["law"][0]["rows"][1]["who_reports"]

    edit_yaml(_module_file(content), change)
    errors = errors_for(content)
    where = f"{HARASSMENT}/module.yaml"
    assert (
        f"modules/{where}: law[0].rows[0].sources: is missing: a row states the law, so it names its sources"
        in errors
    )
    assert f"modules/{where}: law[0].rows[1].who_reports: is missing" in errors
    assert f"modules/{where}: law[1].country: there is already a table for 'dk'" in errors
    assert f"modules/{where}: law[2].country: 'no' is not one of: dk, se" in errors
    assert f"modules/{where}: law[2].rows: must not be empty" in errors


def test_a_key_point_for_an_unknown_country_is_reported(content: Path):
    edit_yaml(_module_file(content), lambda data: data["key_points"][0].update(jurisdiction="fi"))
    assert f"modules/{HARASSMENT}/module.yaml: key_points[0].jurisdiction: 'fi' is not one of: dk, se" in (
        errors_for(content)
    )


def test_a_publisher_is_a_name_or_a_label_in_every_language(content: Path):
    def change(data):
        data["sources"][0]["publisher"] = {"da": "Den Europæiske Union", "en": "European Union"}

    edit_yaml(content / "sources.yaml", change)
    assert "modules/sources.yaml: sources[0].publisher.sv: is missing" in errors_for(content)
    course = load_course(CONTENT)
    assert course.sources["s69"].publisher.sv == "Europeiska unionen"
    assert course.sources["s01"].publisher.da == course.sources["s01"].publisher.en == "KL"


# --- the module page -------------------------------------------------------------------------------------


def _page(client, auth, make, country: str, locale: str) -> str:
    member = make.member(
        make.council(f"law-{country}-{locale}", country=country, locale=locale), locale=locale
    )
    auth.login(member.email)
    html = client.get(f"/modules/{HARASSMENT}").get_data(as_text=True)
    auth.logout()
    return html


def test_learners_see_the_law_table_of_their_councils_country(client, auth, make):
    danish = _page(client, auth, make, "dk", "da")
    swedish = _page(client, auth, make, "se", "sv")
    english_in_sweden = _page(client, auth, make, "se", "en")
    module = COURSE.module(HARASSMENT)

    assert f'<caption id="law-caption">{module.law_for("dk").caption.da}</caption>' in danish
    assert '<th scope="col">' in danish
    assert '<th scope="row"' in danish
    assert "§ 119 a" in danish
    assert "olaga förföljelse" not in danish.casefold()
    assert f'<caption id="law-caption">{module.law_for("se").caption.sv}</caption>' in swedish
    assert "Olaga förföljelse" in swedish
    assert "§ 264 d" not in swedish
    # An English-speaking learner of a Swedish council reads the Swedish table, in English.
    assert f'<caption id="law-caption">{module.law_for("se").caption.en}</caption>' in english_in_sweden
    assert "section 264 d" not in english_in_sweden
    # The country-specific key points follow the council too, and the cached parts do not mix them up.
    assert "navne- og adressebeskyttelse" in danish
    assert "Mrkoll" not in danish
    assert "Mrkoll" in swedish
    assert "Mrkoll" in english_in_sweden


def test_a_module_without_a_law_table_shows_none(client, auth, make):
    member = make.member(make.council("law-none", country="dk"), locale="en")
    auth.login(member.email)
    html = client.get(f"/modules/{COURSE.modules[0].id}").get_data(as_text=True)
    assert COURSE.modules[0].law == ()
    assert 'id="law-heading"' not in html


def test_publisher_labels_are_shown_in_the_learners_language(client, auth, make):
    first = COURSE.modules[0].id
    pages = {}
    for country, locale in (("dk", "da"), ("se", "sv")):
        member = make.member(
            make.council(f"publisher-{locale}", country=country, locale=locale), locale=locale
        )
        auth.login(member.email)
        pages[locale] = client.get(f"/modules/{first}").get_data(as_text=True)
        auth.logout()
    assert "Den Europæiske Union" in pages["da"]
    assert "Europeiska unionen" not in pages["da"]
    assert "Europeiska unionen" in pages["sv"]
    assert "Den Europæiske Union" not in pages["sv"]


def test_the_law_sources_are_in_the_module_list_yaml():
    data = yaml.safe_load((CONTENT / HARASSMENT / "module.yaml").read_text(encoding="utf-8"))
    listed = set(data["sources"])
    cited = {ref for table in data["law"] for row in table["rows"] for ref in row["sources"]}
    assert cited <= listed, sorted(cited - listed)
