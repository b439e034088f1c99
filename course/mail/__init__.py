"""E-mail: composing messages in the member's language and sending them (SMTP, or an outbox folder)."""

from course.mail.services import Attachment, Email, compose, send_email

__all__ = ["Attachment", "Email", "compose", "send_email"]
