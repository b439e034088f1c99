"""Certificates, the write side: issuing (on completion, by an administrator, for a seminar), revoking,
reissuing, and the council's settings.

Services take explicit arguments and flush; the view commits once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from course.audit.services import record_event
from course.certificates import codes, validity
from course.certificates.models import Certificate
from course.content import Course
from course.db import insert_ignoring_conflict, utcnow
from course.extensions import db
from course.learning import rounds
from course.learning.models import CourseCompletion, SeminarCompletion
from course.people import calendar
from course.people.models import Council, CourseRound, Member

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
    """A seminar date in the future, or before the council's current round (a seminar of an earlier term
    counts for that term, not this one)."""


class AlreadyRevokedError(CertificateError):
    """The certificate was revoked already."""


class ReplacedError(CertificateError):
    """The certificate was replaced by a reissue; act on the current one."""


# --- issuing ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssueResult:
    certificate: Certificate
    #: False when the completion already had a certificate, which is returned instead of a new one.
    is_new: bool


def _certificate_values(
    member: Member,
    council: Council,
    course_round: CourseRound,
    course: Course,
    completed_on: date,
    content_version: str,
    now: datetime,
) -> dict[str, Any]:
    issued_on = calendar.local_date(council.country, now)
    valid_until = validity.valid_until(
        council.country, issued_on, council.certificate_valid_until, round_end=course_round.term_end
    )
    # Never valid for less than the day of completion (the database insists too), whatever the clocks say.
    return {
        "council_id": council.id,
        "round_id": course_round.id,
        "member_id": member.id,
        "revision": 1,
        "member_name": member.name,
        "council_name": council.name,
        "country": council.country,
        "course_id": course.id,
        "module_ids": list(course.module_ids),
        "content_version": content_version,
        "completed_on": completed_on,
        "valid_until": max(valid_until, completed_on),
        "issued_at": now,
    }


def _issue_first_revision(
    member: Member,
    council: Council,
    course_round: CourseRound,
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
    values = _certificate_values(member, council, course_round, course, completed_on, content_version, now)
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
        db.session.get(CourseRound, completion.round_id),
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
    """Issue certificates for several members of ``council`` who completed the course online in its current
    round.

    Raises :class:`NotCompletedError` naming the members (ids) who have not, or are not in the council;
    nothing is issued then.
    """
    wanted = sorted(set(member_ids))
    completions = {
        completion.member_id: completion
        for completion in db.session.execute(
            select(CourseCompletion)
            .join(Member, Member.id == CourseCompletion.member_id)
            .where(
                Member.council_id == council.id,
                CourseCompletion.round_id == council.current_round_id,
                CourseCompletion.member_id.in_(wanted),
            )
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
    """Record that ``member`` completed the course at an in-person council seminar, in their council's
    current round, and issue their certificate. Recording it again returns the certificate of the first
    record.

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
    course_round = council.current_round
    assert course_round is not None
    if completed_on < rounds.first_day(course_round, council.country):
        raise InvalidSeminarDateError(completed_on)
    online = select(CourseCompletion.id).where(
        CourseCompletion.round_id == course_round.id, CourseCompletion.member_id == member.id
    )
    if db.session.execute(online).first():
        raise CompletedOnlineError(member.id)
    recorded = insert_ignoring_conflict(
        SeminarCompletion,
        {
            "round_id": course_round.id,
            "council_id": council.id,
            "member_id": member.id,
            "completed_on": completed_on,
            "reason": reason,
            "content_version": course.version,
            "recorded_by_id": actor.id,
            "recorded_at": now,
        },
        ["round_id", "member_id"],
    )
    seminar = db.session.execute(
        select(SeminarCompletion)
        .where(SeminarCompletion.round_id == course_round.id, SeminarCompletion.member_id == member.id)
        .execution_options(populate_existing=True)
    ).scalar_one()
    return _issue_first_revision(
        member,
        council,
        course_round,
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
        round_id=certificate.round_id,
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
    """The end of the term of the council's current round: the validity of certificates issued today
    without a date of the council's own."""
    if council.current_round is not None:
        return council.current_round.term_end
    return calendar.term_end(council.country, calendar.today(council.country, now))
