"""Compose and send e-mail.

With ``COURSE_SMTP_HOST`` set, messages go to that SMTP server; otherwise each message is written as an
``.eml`` file to the ``outbox`` folder in the instance folder (the demo reads them there). Every message
has a plain-text and an HTML part, rendered in the recipient's language.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from course.db import utcnow


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Email:
    to: str
    subject: str
    text: str
    html: str
    attachments: tuple[Attachment, ...] = ()


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


def compose(
    template: str,
    *,
    to: str,
    locale: str,
    subject: Any,
    attachments: tuple[Attachment, ...] = (),
    **context: Any,
) -> Email:
    """Render ``emails/<template>.txt`` and ``.html`` in ``locale``; ``subject`` may be a lazy string."""
    with force_locale(locale):
        subject_text = str(subject)
        context = {"locale": locale, "subject": subject_text, **context}
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    return Email(to=to, subject=subject_text, text=text, html=html, attachments=attachments)


def build_message(email: Email, sender: str, reply_to: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    if reply_to:
        # Someone to answer: a message from a bare no-reply address looks like the phishing the course
        # teaches people to spot.
        message["Reply-To"] = reply_to
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].rstrip(">") or "localhost")
    message.set_content(email.text)
    message.add_alternative(email.html, subtype="html")
    for attachment in email.attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(
            attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


def send_email(email: Email, config: Mapping[str, Any] | None = None) -> None:
    """Send one message through SMTP, or write it to the outbox folder when no SMTP host is set."""
    config = config if config is not None else current_app.config
    message = build_message(email, config["COURSE_MAIL_FROM"], config.get("COURSE_MAIL_REPLY_TO"))
    host = config.get("COURSE_SMTP_HOST")
    if not host:
        _write_to_outbox(message, Path(current_app.instance_path) / "outbox")
        return
    try:
        with smtplib.SMTP(host, config["COURSE_SMTP_PORT"], timeout=30) as smtp:
            smtp.ehlo()
            if config.get("COURSE_SMTP_STARTTLS") and smtp.has_extn("starttls"):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if config.get("COURSE_SMTP_USER"):
                smtp.login(config["COURSE_SMTP_USER"], config.get("COURSE_SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"could not send e-mail through {host}: {error}") from error


def _write_to_outbox(message: EmailMessage, outbox: Path) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    path = outbox / f"{utcnow():%Y%m%dT%H%M%S}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    return path
