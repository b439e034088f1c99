"""Languages: how the language is chosen, the switch, and complete Danish and Swedish catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from course.config import default_data_dir
from course.extensions import db

TRANSLATIONS = default_data_dir("translations")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def catalogue(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po_file:
        return read_po(po_file, locale=locale)


@pytest.mark.parametrize("locale", ["da", "sv"])
def test_every_interface_string_is_translated(locale):
    untranslated = [
        message.id
        for message in catalogue(locale)
        if message.id
        and (
            not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
            or message.fuzzy
        )
    ]
    assert not untranslated, f"{locale}: {len(untranslated)} untranslated: {untranslated[:10]}"


@pytest.mark.parametrize("locale", ["da", "sv"])
def test_translations_keep_their_placeholders(locale):
    wrong = []
    for message in catalogue(locale):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for index, string in enumerate(strings):
            found = set(PLACEHOLDER.findall(string))
            # A singular plural form may leave the count out ("one question"), nothing else may differ.
            allowed = expected - {"num"} if len(strings) > 1 and index == 0 else expected
            if not (allowed <= found <= expected):
                wrong.append((message.id, string))
    assert not wrong, wrong


def test_catalogue_template_matches_the_code():
    """A string added to the code but not extracted would silently stay English."""
    template = {
        message.id if isinstance(message.id, str) else message.id[0]
        for message in read_po((TRANSLATIONS / "messages.pot").open("rb"))
        if message.id
    }
    source = Path(__file__).resolve().parent.parent / "course"
    pattern = re.compile(r"""(?<![\w.])(?:_|_l|gettext|lazy_gettext)\(\s*(["'])(.+?)(?<!\\)\1""")
    used = set()
    for path in list(source.rglob("*.py")) + list((source / "templates").rglob("*.html")):
        for match in pattern.finditer(path.read_text(encoding="utf-8")):
            used.add(match.group(2).replace("\\'", "'").replace('\\"', '"'))
    missing = sorted(used - template)
    assert not missing, f"run scripts/update_translations.sh; not extracted: {missing[:10]}"


def test_the_extractor_can_read_every_template():
    """Babel's Jinja extractor skips a template it cannot parse without a word, and its strings with it:
    every tag the templates use must be among the extensions babel.cfg gives it."""
    from configparser import ConfigParser

    from jinja2 import Environment, TemplateSyntaxError

    root = Path(__file__).resolve().parent.parent
    config = ConfigParser()
    config.read(root / "babel.cfg")
    extensions = config["jinja2: templates/**.html"]["extensions"].split(",")
    environment = Environment(extensions=[name.strip() for name in extensions])
    unreadable = []
    for path in sorted((root / "course" / "templates").rglob("*.*")):
        if path.suffix in (".html", ".txt"):
            try:
                environment.parse(path.read_text(encoding="utf-8"))
            except TemplateSyntaxError as error:
                unreadable.append(f"{path.name}: {error}")
    assert not unreadable


@pytest.fixture
def member(make):
    return make.member(make.council("sprogby", country="dk", locale="da"))


def test_member_preference_wins(client, auth, app, member):
    from course.people.models import Member

    with app.app_context():
        db.session.get(Member, member.id).locale = "sv"
        db.session.commit()
    auth.login(member.email)
    page = client.get("/?lang=en", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert '<html lang="sv">' in page


def test_query_choice_is_kept_in_the_session(client):
    assert '<html lang="sv">' in client.get("/login?lang=sv").get_data(as_text=True)
    assert '<html lang="sv">' in client.get("/login", headers={"Accept-Language": "da"}).get_data(
        as_text=True
    )


def test_browser_language_is_used_without_a_choice(client):
    page = client.get("/login", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Logga in" in page


def test_council_default_is_used_when_the_browser_names_no_supported_language(client, auth, make):
    swedish = make.member(make.council("sverigeby", country="se", locale="sv"))
    auth.login(swedish.email)
    page = client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="sv">' in page


def test_unsupported_query_language_is_ignored(client):
    assert '<html lang="en">' in client.get("/login?lang=xx", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_switch_sets_the_members_preference_and_returns_to_the_page(client, auth, app, member, course):
    from course.people.models import Member

    auth.login(member.email)
    target = f"/modules/{course.modules[0].id}"
    response = client.post("/language", data={"lang": "en", "next": target})
    assert response.location == target
    with app.app_context():
        assert db.session.get(Member, member.id).locale == "en"
    assert '<html lang="en">' in client.get(target, headers={"Accept-Language": "da"}).get_data(as_text=True)


def test_switch_rejects_an_unknown_language(client):
    assert client.post("/language", data={"lang": "de"}).status_code == 400


def test_every_page_has_the_language_switch(client, auth, member, course):
    auth.login(member.email)
    for path in ("/", f"/modules/{course.modules[0].id}"):
        html = client.get(path).get_data(as_text=True)
        assert html.count('name="lang"') == 3, path


def test_dates_are_formatted_for_the_language(client, auth, app, course, member):
    from tests.helpers import complete_module

    auth.login(member.email)
    complete_module(client, app, course, course.modules[0].id)
    danish = client.get(f"/modules/{course.modules[0].id}", headers={"Accept-Language": "da"}).get_data(
        as_text=True
    )
    assert re.search(r"den \d{1,2}\. \w+ \d{4}", danish)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("da", "4. maj 2026"), ("sv", "4 maj 2026"), ("en", "May 4, 2026")],
)
def test_the_date_filter_uses_the_language_and_the_time_zone(app, language, expected):
    from datetime import UTC, date, datetime

    from flask import render_template_string
    from flask_babel import force_locale

    # 23:30 in UTC is already the next day in Copenhagen (summer time, UTC+2).
    late_evening = datetime(2026, 5, 3, 23, 30, tzinfo=UTC)
    with app.test_request_context(), force_locale(language):
        rendered = render_template_string(
            "{{ moment | dateformat('long') }}|{{ day | dateformat('long') }}",
            moment=late_evening,
            day=date(2026, 5, 4),
        )
    assert rendered == f"{expected}|{expected}"


def test_the_percent_filter_formats_each_share_in_the_language_it_is_shown_in(app):
    """Shares are formatted once per language and kept: the same share in another language is its own."""
    from flask import render_template_string
    from flask_babel import force_locale

    template = "{{ 0.5 | percent }}|{{ 1234.5 | percent }}|{{ (2 / 3) | percent }}"
    rendered = {}
    with app.test_request_context():
        for language in ("da", "en", "sv", "da"):
            with force_locale(language):
                rendered.setdefault(language, []).append(render_template_string(template))
    assert rendered["da"] == ["50 %|123.450 %|67 %"] * 2
    assert rendered["sv"] == ["50 %|123\xa0450 %|67 %"]
    assert rendered["en"] == ["50%|123,450%|67%"]
