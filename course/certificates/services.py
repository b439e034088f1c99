"""The rules of certificates: issuing (on completion, by an administrator, for a seminar), revoking,
reissuing, the council's settings; and reading certificates for pages, downloads and verification.

Services take explicit arguments and flush; the view commits once. Every read for an administrator takes
the council's id and never returns another council's rows.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import aliased, joinedload

from course.audit.services import record_event
from course.certificates import codes, validity
from course.certificates.models import Certificate, SeminarCompletion
from course.certificates.pdf import certificate_sheet, render_pdf
from course.content import Course
from course.db import insert_ignoring_conflict, utcnow
from course.extensions import db
from course.learning.models import CourseCompletion
from course.mail import Attachment, Email, compose, send_email
from course.mail.services import MailError
from course.people import calendar
from course.people.models import Council, Member
from course.urls import absolute_url

log = logging.getLogger(__name__)

MAX_REASON_LENGTH = 500
#: Tried this many times when a new code happens to be taken (with 75 random bits it never is).
CODE_ATTEMPTS = 5


class CertificateError(Exception):
    """A certificate action is not possible; the subclass says why."""


class NotCompletedError(CertificateError):
    """Some of the chosen members have not completed the course online (or are not in the council)."""

    def __init__(self, member_ids: Sequence[int]) -> None:
        super().__init__(", ".join(str(member_id) for member_id in member_ids))
        self.member_ids = list(member_ids)


class CompletedOnlineError(CertificateError):
    """The member completed the course online: their certificate comes from that completion."""


class InvalidSeminarDateError(CertificateError):
    """A seminar date in the future."""


class AlreadyRevokedError(CertificateError):
    """The certificate was revoked already."""


class ReplacedError(CertificateError):
    """The certificate was replaced by a reissue; act on the current one."""


class Status:
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


# --- issuing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssueResult:
    certificate: Certificate
    #: False when the completion already had a certificate, which is returned instead of a new one.
    is_new: bool


def _certificate_values(
    member: Member, council: Council, course: Course, completed_on: date, content_version: str, now: datetime
) -> dict[str, Any]:
    issued_on = calendar.local_date(council.country, now)
    # Never valid for less than the day of completion (the database insists too), whatever the clocks say.
    return {
        "council_id": council.id,
        "member_id": member.id,
        "revision": 1,
        "member_name": member.name,
        "council_name": council.name,
        "country": council.country,
        "course_id": course.id,
        "module_ids": list(course.module_ids),
        "content_version": content_version,
        "completed_on": completed_on,
        "valid_until": max(
            validity.valid_until(council.country, issued_on, council.certificate_valid_until), completed_on
        ),
        "issued_at": now,
    }


def _issue_first_revision(
    member: Member,
    council: Council,
    course: Course,
    *,
    completed_on: date,
    content_version: str,
    completion_column: Any,
    completion_id: int,
    actor: Member | None,
    now: datetime,
    **event_details: Any,
) -> IssueResult:
    """Insert revision 1 for a completion (online or seminar) unless it exists, and audit a new one."""
    values = _certificate_values(member, council, course, completed_on, content_version, now)
    values.update({completion_column.key: completion_id, "issued_by_id": actor.id if actor else None})
    inserted = insert_ignoring_conflict(
        Certificate, {**values, "code": _unused_code()}, [completion_column.key, "revision"]
    )
    certificate = _current_for(completion_column, completion_id)
    if inserted:
        record_event(
            "certificate.issued",
            actor=actor,
            council_id=council.id,
            member=member,
            code=certificate.code,
            **event_details,
        )
    return IssueResult(certificate, inserted)


def _current_for(completion_column: Any, completion_id: int) -> Certificate:
    return db.session.execute(
        select(Certificate)
        .where(completion_column == completion_id)
        .order_by(Certificate.revision.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).scalar_one()


def issue_certificate(
    completion: CourseCompletion, course: Course, *, actor: Member | None = None, now: datetime | None = None
) -> IssueResult:
    """The certificate for an online completion, issued now unless it exists (then it is returned).

    ``actor`` is the administrator issuing it, or None when it is issued automatically on completion.
    """
    member = db.session.get(Member, completion.member_id)
    council = member.council
    now = now or utcnow()
    return _issue_first_revision(
        member,
        council,
        course,
        completed_on=calendar.local_date(council.country, completion.completed_at),
        content_version=completion.content_version,
        completion_column=Certificate.course_completion_id,
        completion_id=completion.id,
        actor=actor,
        now=now,
        basis="online",
        automatic=actor is None,
    )


def issue_certificates(
    council: Council, member_ids: Iterable[int], course: Course, *, actor: Member, now: datetime | None = None
) -> list[IssueResult]:
    """Issue certificates for several members of ``council`` who completed the course online.

    Raises :class:`NotCompletedError` naming the members (ids) who have not, or are not in the council;
    nothing is issued then.
    """
    wanted = sorted(set(member_ids))
    completions = {
        completion.member_id: completion
        for completion in db.session.execute(
            select(CourseCompletion)
            .join(Member, Member.id == CourseCompletion.member_id)
            .where(Member.council_id == council.id, CourseCompletion.member_id.in_(wanted))
        ).scalars()
    }
    missing = [member_id for member_id in wanted if member_id not in completions]
    if missing or not wanted:
        raise NotCompletedError(missing)
    return [issue_certificate(completions[member_id], course, actor=actor, now=now) for member_id in wanted]


def record_seminar_completion(
    member: Member,
    completed_on: date,
    reason: str,
    course: Course,
    *,
    actor: Member,
    now: datetime | None = None,
) -> IssueResult:
    """Record that ``member`` completed the course at an in-person council seminar, and issue their
    certificate. Recording it again returns the certificate of the first record.

    The member's online progress is left as it is. Raises :class:`CompletedOnlineError` when they
    completed online (their certificate comes from that), :class:`InvalidSeminarDateError` for a date
    in the future, and ``ValueError`` for an empty or too long reason.
    """
    council = member.council
    now = now or utcnow()
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise ValueError("the reason must have 1 to 500 characters")
    if completed_on > calendar.local_date(council.country, now):
        raise InvalidSeminarDateError(completed_on)
    if db.session.execute(select(CourseCompletion.id).where(CourseCompletion.member_id == member.id)).first():
        raise CompletedOnlineError(member.id)
    recorded = insert_ignoring_conflict(
        SeminarCompletion,
        {
            "council_id": council.id,
            "member_id": member.id,
            "completed_on": completed_on,
            "reason": reason,
            "content_version": course.version,
            "recorded_by_id": actor.id,
            "recorded_at": now,
        },
        ["member_id"],
    )
    seminar = db.session.execute(
        select(SeminarCompletion)
        .where(SeminarCompletion.member_id == member.id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    return _issue_first_revision(
        member,
        council,
        course,
        completed_on=seminar.completed_on,
        content_version=seminar.content_version,
        completion_column=Certificate.seminar_completion_id,
        completion_id=seminar.id,
        actor=actor,
        now=now,
        basis="seminar",
        seminar_date=seminar.completed_on.isoformat(),
        seminar_recorded=recorded,
    )


# --- revoking and reissuing -----------------------------------------------------------------------


def revoke_certificate(
    certificate: Certificate, reason: str, *, actor: Member, now: datetime | None = None
) -> None:
    """Revoke a current certificate. The reason is kept for the council; verification shows only the
    date. Raises :class:`AlreadyRevokedError` or :class:`ReplacedError`."""
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_LENGTH:
        raise ValueError("the reason must have 1 to 500 characters")
    now = now or utcnow()
    # The WHERE clause makes two concurrent revocations one.
    result = db.session.execute(
        update(Certificate)
        .where(
            Certificate.id == certificate.id,
            Certificate.revoked_at.is_(None),
            Certificate.replaced_at.is_(None),
        )
        .values(revoked_at=now, revoked_by_id=actor.id, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(certificate)
    if result.rowcount != 1:
        if certificate.replaced_at is not None:
            raise ReplacedError(certificate.id)
        raise AlreadyRevokedError(certificate.id)
    record_event(
        "certificate.revoked",
        actor=actor,
        council_id=certificate.council_id,
        member=certificate.member,
        code=certificate.code,
    )


def reissue_certificate(
    certificate: Certificate, *, name: str, correction: str, actor: Member, now: datetime | None = None
) -> Certificate:
    """Replace a current certificate after a correction: a new revision with a new code, the corrected
    name and today's issue date; completion date, validity and content version stay. The old code then
    leads to the new certificate. A revoked certificate can be reissued too (the new one is valid).

    Raises :class:`ReplacedError` when ``certificate`` was replaced already, ``ValueError`` for an empty
    name or correction.
    """
    name, correction = name.strip(), correction.strip()
    if not name or len(name) > 200:
        raise ValueError("the name must have 1 to 200 characters")
    if not correction or len(correction) > MAX_REASON_LENGTH:
        raise ValueError("the correction must have 1 to 500 characters")
    now = now or utcnow()
    result = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.replaced_at.is_(None))
        .values(replaced_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ReplacedError(certificate.id)
    db.session.refresh(certificate)
    council = db.session.get(Council, certificate.council_id)
    successor = Certificate(
        council_id=certificate.council_id,
        member_id=certificate.member_id,
        course_completion_id=certificate.course_completion_id,
        seminar_completion_id=certificate.seminar_completion_id,
        revision=certificate.revision + 1,
        code=_unused_code(),
        member_name=name,
        council_name=council.name,
        country=council.country,
        course_id=certificate.course_id,
        module_ids=list(certificate.module_ids),
        content_version=certificate.content_version,
        completed_on=certificate.completed_on,
        valid_until=certificate.valid_until,
        issued_at=now,
        issued_by_id=actor.id,
        correction=correction,
    )
    db.session.add(successor)
    db.session.flush()
    record_event(
        "certificate.reissued",
        actor=actor,
        council_id=certificate.council_id,
        member=certificate.member,
        code=successor.code,
        replaces=certificate.code,
        name_changed=name != certificate.member_name,
    )
    return successor


def _unused_code() -> str:
    for _attempt in range(CODE_ATTEMPTS):
        code = codes.generate_code()
        if db.session.execute(select(Certificate.id).where(Certificate.code == code)).first() is None:
            return code
    # 75 random bits do not collide five times in a row; if they did, something else is wrong.
    raise RuntimeError("could not find an unused certificate code")  # pragma: no cover


# --- settings -------------------------------------------------------------------------------------


def update_certificate_settings(
    council: Council,
    *,
    has_automatic_certificates: bool,
    has_certificate_email: bool,
    valid_until: date | None,
    actor: Member,
) -> bool:
    """Change the council's certificate settings; True (and an audit event) when something changed."""
    changes = {
        name: value
        for name, value in (
            ("has_automatic_certificates", has_automatic_certificates),
            ("has_certificate_email", has_certificate_email),
            ("certificate_valid_until", valid_until),
        )
        if getattr(council, name) != value
    }
    if not changes:
        return False
    for name, value in changes.items():
        setattr(council, name, value)
    db.session.flush()
    record_event(
        "certificate.settings_changed",
        actor=actor,
        council_id=council.id,
        **{name: value.isoformat() if isinstance(value, date) else value for name, value in changes.items()},
    )
    return True


def default_valid_until(council: Council, now: datetime | None = None) -> date:
    """The end of the council's current term: the validity of certificates issued today without a date."""
    return calendar.term_end(council.country, calendar.today(council.country, now))


# --- status ---------------------------------------------------------------------------------------


def certificate_status(certificate: Certificate, now: datetime | None = None) -> str:
    """valid, expired or revoked, on today's date where the council is."""
    if certificate.revoked_at is not None:
        return Status.REVOKED
    if certificate.valid_until < calendar.today(certificate.country, now):
        return Status.EXPIRED
    return Status.VALID


# --- reading --------------------------------------------------------------------------------------


def get_council_certificate(council_id: int, certificate_id: int) -> Certificate | None:
    """One of the council's certificates (any revision); another council's is None."""
    return db.session.execute(
        select(Certificate)
        .options(joinedload(Certificate.member), joinedload(Certificate.seminar_completion))
        .where(Certificate.id == certificate_id, Certificate.council_id == council_id)
        # An erased member's certificates are revoked and nameless: nothing left to manage or reissue.
        .where(Certificate.member.has(Member.erased_at.is_(None)))
    ).scalar()


def get_member_certificate(member: Member, certificate_id: int) -> Certificate | None:
    """One of the member's own current certificates that can be downloaded (not revoked)."""
    return db.session.execute(
        select(Certificate).where(
            Certificate.id == certificate_id,
            Certificate.member_id == member.id,
            Certificate.replaced_at.is_(None),
            Certificate.revoked_at.is_(None),
        )
    ).scalar()


@dataclass(frozen=True, slots=True)
class CertificateEntry:
    certificate: Certificate
    status: str


def list_member_certificates(member: Member, now: datetime | None = None) -> list[CertificateEntry]:
    """The member's current certificates (usually one) with their status, newest first."""
    certificates = db.session.execute(
        select(Certificate)
        .where(Certificate.member_id == member.id, Certificate.replaced_at.is_(None))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).scalars()
    return [CertificateEntry(entry, certificate_status(entry, now)) for entry in certificates]


def list_council_certificates(council_id: int, now: datetime | None = None) -> list[CertificateEntry]:
    """The council's current certificates with their status, by name, in one query."""
    certificates = db.session.execute(
        select(Certificate)
        .where(Certificate.council_id == council_id, Certificate.replaced_at.is_(None))
        .where(Certificate.member.has(Member.erased_at.is_(None)))
        .order_by(func.lower(Certificate.member_name), Certificate.id)
    ).scalars()
    return [CertificateEntry(entry, certificate_status(entry, now)) for entry in certificates]


def list_downloadable_certificates(council_id: int) -> list[Certificate]:
    """The council's current, unrevoked certificates with their members (for the language), one query."""
    return list(
        db.session.execute(
            select(Certificate)
            # The member's language decides each PDF's language: loaded here, not once per certificate.
            .options(joinedload(Certificate.member))
            .where(
                Certificate.council_id == council_id,
                Certificate.replaced_at.is_(None),
                Certificate.revoked_at.is_(None),
            )
            .order_by(func.lower(Certificate.member_name), Certificate.id)
        ).scalars()
    )


def list_revisions(certificate: Certificate) -> list[Certificate]:
    """Every revision of the certificate's completion, oldest first."""
    column = (
        Certificate.course_completion_id
        if certificate.course_completion_id is not None
        else Certificate.seminar_completion_id
    )
    completion_id = certificate.course_completion_id or certificate.seminar_completion_id
    return list(
        db.session.execute(
            select(Certificate)
            .where(column == completion_id, Certificate.council_id == certificate.council_id)
            .order_by(Certificate.revision)
        ).scalars()
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    member_id: int
    name: str
    email: str
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Candidates:
    #: Completed the course online, and that completion has no certificate yet.
    to_issue: tuple[Candidate, ...]
    #: Neither completed online nor recorded at a seminar: a seminar completion can be recorded.
    for_seminar: tuple[Candidate, ...]


def get_candidates(council_id: int) -> Candidates:
    """The council's members without a certificate, in one query."""
    has_certificate = (
        exists().where(Certificate.course_completion_id == CourseCompletion.id).correlate(CourseCompletion)
    )
    has_seminar = exists().where(SeminarCompletion.member_id == Member.id).correlate(Member)
    rows = db.session.execute(
        select(
            Member.id,
            Member.name,
            Member.email,
            CourseCompletion.completed_at,
            # Without a completion (outer join) the correlated EXISTS finds nothing: no certificate.
            has_certificate,
            has_seminar,
        )
        .outerjoin(CourseCompletion, CourseCompletion.member_id == Member.id)
        .where(Member.council_id == council_id, Member.removed_at.is_(None))
        .order_by(func.lower(Member.name), Member.id)
    ).all()
    to_issue, for_seminar = [], []
    for member_id, name, email, completed_at, is_certified, is_seminar in rows:
        if completed_at is not None and not is_certified:
            to_issue.append(Candidate(member_id, name, email, completed_at))
        elif completed_at is None and not is_seminar:
            for_seminar.append(Candidate(member_id, name, email, None))
    return Candidates(tuple(to_issue), tuple(for_seminar))


def get_council_member(council_id: int, member_id: int) -> Member | None:
    return db.session.execute(
        select(Member).where(Member.id == member_id, Member.council_id == council_id)
    ).scalar()


@dataclass(frozen=True, slots=True)
class CertificateSummary:
    """What the council dashboard shows about a member's certificate."""

    certificate_id: int
    code: str
    status: str
    issued_at: datetime
    valid_until: date


_STATUS_RANK = {Status.VALID: 0, Status.EXPIRED: 1, Status.REVOKED: 2}


def get_certificate_status_by_member(
    council_id: int, now: datetime | None = None
) -> dict[int, CertificateSummary]:
    """Each member's best current certificate (valid before expired before revoked, then the newest),
    by member id, in one query. Members without a certificate are absent."""
    rows = db.session.execute(
        select(Certificate)
        .where(Certificate.council_id == council_id, Certificate.replaced_at.is_(None))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).scalars()
    summaries: dict[int, CertificateSummary] = {}
    for certificate in rows:
        summary = CertificateSummary(
            certificate.id,
            codes.format_code(certificate.code),
            certificate_status(certificate, now),
            certificate.issued_at,
            certificate.valid_until,
        )
        best = summaries.get(certificate.member_id)
        if best is None or _STATUS_RANK[summary.status] < _STATUS_RANK[best.status]:
            summaries[certificate.member_id] = summary
    return summaries


def count_certificates_by_council() -> dict[int, int]:
    """Current, unrevoked certificates per council id, in one query (councils without any are absent)."""
    return dict(
        db.session.execute(
            select(Certificate.council_id, func.count())
            .where(Certificate.replaced_at.is_(None), Certificate.revoked_at.is_(None))
            .group_by(Certificate.council_id)
        ).all()
    )


# --- verification -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Verification:
    """What the public verification page may show: nothing beyond these fields."""

    status: str
    member_name: str
    council_name: str
    course_id: str
    completed_on: date
    valid_until: date
    revoked_on: date | None
    code: str
    #: The code that was looked up, when it belongs to an earlier revision (it now leads to ``code``).
    replaced_code: str | None


def verify_certificate(raw_code: str, now: datetime | None = None) -> Verification | None:
    """Look a code up, as typed or scanned. None when no certificate has it.

    Every lookup runs the same single query, whether the code is malformed, unknown or known, so the
    answer takes as long either way. A code of an earlier revision finds the current one.
    """
    code = codes.normalize_code(raw_code)
    asked = aliased(Certificate)
    current = aliased(Certificate)
    row = db.session.execute(
        select(current, asked.code)
        .join(
            asked,
            or_(
                and_(
                    asked.course_completion_id.is_not(None),
                    current.course_completion_id == asked.course_completion_id,
                ),
                and_(
                    asked.seminar_completion_id.is_not(None),
                    current.seminar_completion_id == asked.seminar_completion_id,
                ),
            ),
        )
        .where(asked.code == code)
        .order_by(current.revision.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    certificate, asked_code = row
    return Verification(
        status=certificate_status(certificate, now),
        member_name=certificate.member_name,
        council_name=certificate.council_name,
        course_id=certificate.course_id,
        completed_on=certificate.completed_on,
        valid_until=certificate.valid_until,
        revoked_on=(
            calendar.local_date(certificate.country, certificate.revoked_at)
            if certificate.revoked_at is not None
            else None
        ),
        code=codes.format_code(certificate.code),
        replaced_code=codes.format_code(asked_code) if asked_code != certificate.code else None,
    )


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
