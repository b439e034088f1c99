"""Certificates as files and e-mails: the PDF, a ZIP of several, and the e-mail that carries one, sent
after the transaction that issued it commits.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from course.audit.services import record_event
from course.certificates import codes
from course.certificates.models import Certificate
from course.certificates.pdf import certificate_sheet, render_pdf
from course.content import Course
from course.mail import Attachment, Email, compose, send_email
from course.mail.services import MailError
from course.people.models import Member
from course.urls import absolute_url

log = logging.getLogger(__name__)

# --- files and e-mail ---------------------------------------------------------------------------------


def certificate_pdf(certificate: Certificate, course: Course, language: str) -> bytes:
    return render_pdf(certificate_sheet(certificate, course, language), created_at=certificate.issued_at)


def pdf_filename(certificate: Certificate, language: str) -> str:
    with force_locale(language):
        # i18n: the file name of a downloaded certificate, lower case, without spaces
        stem = _("certificate")
    return f"{stem}-{codes.format_code(certificate.code)}.pdf"


def certificates_zip(certificates: Sequence[Certificate], course: Course, default_language: str) -> bytes:
    """One PDF per certificate, each in its member's language, in a ZIP file."""
    buffer = io.BytesIO()
    # The PDFs are compressed already; storing them keeps the ZIP fast to build.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            language = certificate.member.locale or default_language
            name = _safe_filename(certificate.member_name)
            archive.writestr(
                f"{name}-{codes.format_code(certificate.code)}.pdf",
                certificate_pdf(certificate, course, language),
            )
    return buffer.getvalue()


def _safe_filename(name: str) -> str:
    kept = "".join(character if character.isalnum() else "-" for character in name.strip())
    return "-".join(part for part in kept.split("-") if part)[:80] or "certificate"


EMAIL_SUBJECT = _l("Your course certificate")


def certificate_email(certificate: Certificate, member: Member, course: Course) -> Email:
    """The certificate as an e-mail to the member, in their language, with the PDF attached."""
    language = member.language
    attachment = Attachment(
        pdf_filename(certificate, language), certificate_pdf(certificate, course, language), "application/pdf"
    )
    code = codes.format_code(certificate.code)
    return compose(
        "certificate",
        to=member.email,
        locale=language,
        subject=EMAIL_SUBJECT,
        attachments=(attachment,),
        certificate=certificate,
        code=code,
        verification_url=absolute_url("verification.show_result", code=code),
        certificate_url=absolute_url("certificates.show_certificate"),
    )


REVOKED_SUBJECT = _l("Your course certificate has been revoked")


def revoked_email(certificate: Certificate, member: Member, council_name: str) -> Email:
    """Telling the member, in their language, that their certificate was revoked and why."""
    return compose(
        "certificate_revoked",
        to=member.email,
        locale=member.language,
        subject=REVOKED_SUBJECT,
        certificate=certificate,
        code=codes.format_code(certificate.code),
        council_name=council_name,
        certificate_url=absolute_url("certificates.show_certificate"),
    )


def send_certificate_emails(emails: Iterable[Email]) -> list[str]:
    """Send each message; returns the addresses that could not be reached (the rest went out)."""
    failed = []
    for email in emails:
        try:
            send_email(email)
        except MailError as error:
            log.warning("certificate e-mail not sent: %s", error)
            failed.append(email.to)
    return failed


def email_certificates(
    certificates: Iterable[Certificate], course: Course, *, actor: Member | None = None
) -> list[str]:
    """E-mail each certificate to its member; returns the addresses that could not be reached.

    Called after the commit that issued the certificates. With ``actor`` (an administrator sending a
    certificate again) each sent message is an audit event; the caller commits.
    """
    failed = []
    for certificate in certificates:
        member = certificate.member
        missed = send_certificate_emails([certificate_email(certificate, member, course)])
        failed.extend(missed)
        if actor is not None and not missed:
            record_event(
                "certificate.emailed",
                actor=actor,
                council_id=certificate.council_id,
                member=member,
                code=certificate.code,
            )
    return failed


# E-mails for certificates issued inside a transaction wait for its commit: a rolled-back completion
# must not announce a certificate that does not exist.
_OUTGOING = "course.certificates.outgoing"


def send_after_commit(session: OrmSession, email: Email) -> None:
    session.info.setdefault(_OUTGOING, []).append(email)


def send_outgoing_emails(session: OrmSession) -> None:
    emails = session.info.pop(_OUTGOING, None)
    if emails:
        send_certificate_emails(emails)


def drop_outgoing_emails(session: OrmSession, previous_transaction: Any = None) -> None:
    session.info.pop(_OUTGOING, None)
