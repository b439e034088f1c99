"""The accessibility statement: in the form the Danish and Swedish supervisory authorities ask for, in each
language, with the known limitations and a contact, and linked from every page's footer."""

from __future__ import annotations

import re

import pytest

from course.site import accessibility

SECTIONS = {
    "en": [
        "Compliance status",
        "Content that is not accessible",
        "How the site was assessed",
        "Report a problem",
        "Enforcement procedure",
    ],
}


def headings(html: str) -> list[str]:
    return re.findall(r"<h2>([^<]+)</h2>", html)


def test_the_statement_has_every_section_the_authorities_ask_for(client):
    response = client.get("/accessibility?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert headings(html) == SECTIONS["en"]
    assert "partially compliant with the Web Content Accessibility Guidelines (WCAG) 2.1 at level AA" in html
    # Both supervisory authorities, each with where to complain.
    assert "Digitaliseringsstyrelsen" in html
    assert 'href="https://was.digst.dk/"' in html
    assert "Myndigheten för digital förvaltning (DIGG" in html
    assert 'href="https://www.digg.se/tdosanmalan"' in html
    # The dates it was prepared and reviewed.
    assert f"prepared on {accessibility.PREPARED_ON:%B} {accessibility.PREPARED_ON.day}, " in html
    assert "last reviewed on" in html


def test_every_known_limitation_is_listed_with_its_success_criteria(client):
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    listed = re.findall(
        r"<li>(.*?)</li>", html.split('class="accessibility-limitations"')[1].split("</ul>")[0], re.S
    )
    assert len(listed) == len(accessibility.LIMITATIONS) > 0
    assert "Success criteria: 1.1.1, 1.3.1, EN 301 549 10" in listed[0]
    assert "Success criterion: 1.4.10" in listed[1]


def test_the_list_is_the_one_place_to_update(client, monkeypatch):
    monkeypatch.setattr(accessibility, "LIMITATIONS", ())
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "We know of no content that is not accessible." in html


@pytest.mark.parametrize(
    ("language", "heading", "authority_first"),
    [
        ("da", "Tilgængelighedserklæring", "Digitaliseringsstyrelsen"),
        ("sv", "Tillgänglighetsredogörelse", "Myndigheten för digital förvaltning"),
    ],
)
def test_the_statement_is_in_danish_and_swedish_with_the_readers_authority_first(
    client, language, heading, authority_first
):
    html = client.get(f"/accessibility?lang={language}").get_data(as_text=True)
    assert f'<html lang="{language}">' in html
    assert f"<h1>{heading}</h1>" in html
    enforcement = html.split("<h3>")[1]
    assert authority_first in enforcement


def test_problems_are_reported_to_the_configured_contact(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_ACCESSIBILITY_CONTACT", "tilgaengelighed@kl.example")
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "write to tilgaengelighed@kl.example" in html


def test_without_an_accessibility_contact_the_reply_to_address_is_named(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_ACCESSIBILITY_CONTACT", None)
    monkeypatch.setitem(app.config, "COURSE_MAIL_REPLY_TO", "sekretariat@kl.example")
    assert "write to sekretariat@kl.example" in client.get("/accessibility?lang=en").get_data(as_text=True)
    monkeypatch.setitem(app.config, "COURSE_MAIL_REPLY_TO", None)
    html = client.get("/accessibility?lang=en").get_data(as_text=True)
    assert "secretariat, which administers the course" in html


@pytest.mark.parametrize("path", ["/login", "/privacy", "/accessibility", "/"])
def test_every_page_links_the_statement_in_its_footer(client, auth, make, path):
    auth.login(make.member().email)
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    footer = html.split('<footer class="site-footer">')[1]
    assert 'href="/accessibility"' in footer


def test_the_statement_reads_nothing_from_the_database_for_a_visitor(client, count_queries):
    client.get("/accessibility")
    with count_queries() as counter:
        assert client.get("/accessibility").status_code == 200
    assert counter.count == 0
