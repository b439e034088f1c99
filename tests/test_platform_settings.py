"""The platform's settings in one place, the Reply-To on every e-mail, and the privacy page naming the
controller and the data-protection contact."""

from __future__ import annotations

import re

import pytest

from course.config import settings_from_env
from course.mail import Email, send_email


@pytest.fixture
def platform_admin(make):
    return make.member(make.council("hostby"), "pia@host.example", is_platform_admin=True, locale="en")


@pytest.fixture
def signed_in(client, auth, platform_admin):
    auth.login(platform_admin.email)
    return client


def _settings(html: str) -> dict[str, str]:
    return {
        label: re.sub(r"<[^>]+>|\s+", " ", value).strip()
        for label, value in re.findall(r"<dt>([^<]+)</dt>\s*<dd>(.*?)</dd>", html, re.S)
    }


def test_the_settings_page_shows_every_setting_with_its_variable(app, signed_in, monkeypatch):
    for name, value in {
        "COURSE_OPERATOR_NAME": "KL Digital",
        "COURSE_PRIVACY_CONTROLLER": "Aarhus Kommune",
        "COURSE_PRIVACY_CONTACT": "dpo@aarhus.example",
        "COURSE_MAIL_FROM": "Kurset <kursus@kl.example>",
        "COURSE_MAIL_REPLY_TO": "sekretariat@kl.example",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    response = signed_in.get("/platform/settings")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    shown = _settings(html)
    assert shown["Operator"].startswith("KL Digital")
    assert shown["Data controller"].startswith("Aarhus Kommune")
    assert shown["Data-protection contact"].startswith("dpo@aarhus.example")
    assert shown["Sender"].startswith("Kurset &lt;kursus@kl.example&gt;")
    assert shown["Reply-to address"].startswith("sekretariat@kl.example")
    assert shown["Contact for accessibility problems"].startswith("Not set")
    assert "<code>COURSE_MAIL_REPLY_TO</code>" in html
    assert "Nobody can answer" not in html


def test_the_settings_page_warns_of_a_no_reply_sender_without_a_reply_to(app, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_MAIL_FROM", "council-course <no-reply@localhost>")
    monkeypatch.setitem(app.config, "COURSE_MAIL_REPLY_TO", None)
    html = signed_in.get("/platform/settings").get_data(as_text=True)
    assert (
        "Nobody can answer the site&#39;s e-mails" in html or "Nobody can answer the site's e-mails" in html
    )
    assert _settings(html)["Reply-to address"].startswith("Not set")


def test_the_overview_links_to_the_settings(signed_in):
    assert 'href="/platform/settings"' in signed_in.get("/platform/").get_data(as_text=True)


def test_the_reply_to_setting_is_read_from_the_environment():
    assert settings_from_env({})["COURSE_MAIL_REPLY_TO"] is None
    values = settings_from_env({"COURSE_MAIL_REPLY_TO": " kursus@kl.example "})
    assert values["COURSE_MAIL_REPLY_TO"] == "kursus@kl.example"


def test_every_email_carries_the_reply_to(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_MAIL_REPLY_TO", "sekretariat@kl.example")
    with app.app_context():
        send_email(Email(to="a@example.org", subject="Hej", text="Hej", html="<p>Hej</p>"))
    [message] = smtp_server.to("a@example.org")
    assert message["Reply-To"] == "sekretariat@kl.example"


def test_without_a_reply_to_there_is_no_reply_to_header(app, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_MAIL_REPLY_TO", None)
    with app.app_context():
        send_email(Email(to="a@example.org", subject="Hej", text="Hej", html="<p>Hej</p>"))
    [message] = smtp_server.to("a@example.org")
    assert message["Reply-To"] is None


def test_the_privacy_page_names_the_controller_operator_and_contact(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_PRIVACY_CONTROLLER", "Aarhus Kommune")
    monkeypatch.setitem(app.config, "COURSE_OPERATOR_NAME", "KL Digital")
    monkeypatch.setitem(app.config, "COURSE_PRIVACY_CONTACT", "dpo@aarhus.example")
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "The data controller is Aarhus Kommune." in html
    assert "The site is run by KL Digital" in html
    assert "Data-protection contact: dpo@aarhus.example" in html


def test_without_a_controller_the_privacy_page_names_the_members_municipality(client, auth, make):
    member = make.member(make.council("aarhus", name="Aarhus Kommune"), "c@aarhus.example", locale="en")
    auth.login(member.email)
    html = client.get("/privacy").get_data(as_text=True)
    assert "Your municipality is the data controller" in html
    assert "For you, that is Aarhus Kommune." in html
    assert "Data-protection contact" not in html


@pytest.mark.parametrize(("code", "name"), [("da", "Danish"), ("sv", "Swedish"), ("en", "English")])
def test_the_default_language_is_shown_by_its_name(app, signed_in, monkeypatch, code, name):
    monkeypatch.setitem(app.config, "COURSE_DEFAULT_LOCALE", code)
    shown = _settings(signed_in.get("/platform/settings").get_data(as_text=True))
    assert shown["Default language"].startswith(f"{name} ({code})")
