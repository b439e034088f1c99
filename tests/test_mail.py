"""E-mail: plain-text and HTML parts, attachments, SMTP on loopback, and the outbox folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.mail import Attachment, Email, send_email
from course.mail.services import MailError

MESSAGE = Email(
    to="åse@example.org",
    subject="Påmindelse: kurset om sociale medier",
    text="Hej Åse\n\nDu mangler modul 2.",
    html="<p>Hej Åse</p><p>Du mangler modul 2.</p>",
)


def test_message_goes_through_smtp_with_text_and_html_parts(app, smtp_server):
    with app.app_context():
        send_email(MESSAGE)
    [message] = smtp_server.to("åse@example.org")
    assert message["Subject"] == MESSAGE.subject
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n").strip() == MESSAGE.text
    assert "<p>Hej Åse</p>" in message.get_body(("html",)).get_content()


def test_attachments_arrive_intact(app, smtp_server):
    pdf = Attachment("bevis.pdf", b"%PDF-1.7 test \x00\xff", "application/pdf")
    with app.app_context():
        send_email(Email(MESSAGE.to, MESSAGE.subject, MESSAGE.text, MESSAGE.html, attachments=(pdf,)))
    [message] = smtp_server.messages
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "bevis.pdf"
    assert attachment.get_content() == pdf.content


def test_without_an_smtp_host_messages_are_written_to_the_outbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", None)
    outbox = Path(app.instance_path) / "outbox"
    before = set(outbox.glob("*.eml")) if outbox.exists() else set()
    with app.app_context():
        send_email(MESSAGE)
    [written] = set(outbox.glob("*.eml")) - before
    content = written.read_bytes().decode()
    assert "Subject:" in content
    assert "multipart/alternative" in content


def test_an_unreachable_smtp_server_raises_a_clear_error(app, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", 1)
    with app.app_context(), pytest.raises(MailError, match="could not send e-mail through 127.0.0.1"):
        send_email(MESSAGE)


def test_danish_e_mails_quote_with_guillemets_only():
    """The Danish catalogue's e-mail texts use one quotation style, » «, not also “ ” or straight quotes."""
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    with (root / "translations/da/LC_MESSAGES/messages.po").open("rb") as file:
        catalogue = read_po(file)
    mixed = [
        message.string
        for message in catalogue
        if message.id
        and any("templates/emails/" in location for location, _ in message.locations)
        and any(
            mark in "".join(message.string if isinstance(message.string, tuple) else [message.string])
            for mark in '“”"„'
        )
    ]
    assert mixed == []
