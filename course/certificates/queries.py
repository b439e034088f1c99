"""Certificates, the read side: status, the lists for pages and downloads, the candidates, and public
verification. Every read for an administrator takes the council's id and never returns another council's
rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from course.certificates import codes
from course.certificates.models import Certificate
from course.extensions import db
from course.learning import rounds
from course.learning.models import CourseCompletion, SeminarCompletion
from course.people import calendar
from course.people.calendar import Term
from course.people.models import CourseRound, Member


class Status:
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


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
        # Each certificate's round (its council term) is on the page: loaded with it, not once per card.
        .options(joinedload(Certificate.round))
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


def get_candidates(council_id: int, round_id: int) -> Candidates:
    """The council's members without a certificate in the round, in one query."""
    has_certificate = (
        exists().where(Certificate.course_completion_id == CourseCompletion.id).correlate(CourseCompletion)
    )
    has_seminar = (
        exists()
        .where(SeminarCompletion.member_id == Member.id, SeminarCompletion.round_id == round_id)
        .correlate(Member)
    )
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
        .outerjoin(
            CourseCompletion,
            and_(CourseCompletion.member_id == Member.id, CourseCompletion.round_id == round_id),
        )
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
    council_id: int, round_id: int, now: datetime | None = None
) -> dict[int, CertificateSummary]:
    """Each member's best current certificate of the round (valid before expired before revoked, then the
    newest), by member id, in one query. Members without a certificate are absent."""
    rows = db.session.execute(
        select(Certificate)
        .where(
            Certificate.council_id == council_id,
            Certificate.round_id == round_id,
            Certificate.replaced_at.is_(None),
        )
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
    """What the public verification page may show: nothing beyond these fields. Of a revoked certificate
    only that it is revoked, and since when: not whose it was, nor anything else it said."""

    status: str
    code: str
    member_name: str | None = None
    council_name: str | None = None
    course_id: str | None = None
    completed_on: date | None = None
    valid_until: date | None = None
    #: The council term of the round the certificate was issued in.
    term: Term | None = None
    revoked_on: date | None = None
    #: The code that was looked up, when it belongs to an earlier revision (it now leads to ``code``).
    replaced_code: str | None = None


def verify_certificate(raw_code: str, now: datetime | None = None) -> Verification | None:
    """Look a code up, as typed or scanned. None when no certificate has it.

    Every lookup runs the same single query, whether the code is malformed, unknown or known, so the
    answer takes as long either way. A code of an earlier revision finds the current one.
    """
    code = codes.normalize_code(raw_code)
    asked = aliased(Certificate)
    current = aliased(Certificate)
    row = db.session.execute(
        select(current, asked.code, CourseRound.term_start, CourseRound.term_end)
        .join(CourseRound, CourseRound.id == current.round_id)
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
    certificate, asked_code, term_start, term_end = row
    code = codes.format_code(certificate.code)
    replaced_code = codes.format_code(asked_code) if asked_code != certificate.code else None
    if certificate.revoked_at is not None:
        return Verification(
            status=Status.REVOKED,
            code=code,
            replaced_code=replaced_code,
            revoked_on=calendar.local_date(certificate.country, certificate.revoked_at),
        )
    return Verification(
        status=certificate_status(certificate, now),
        code=code,
        replaced_code=replaced_code,
        member_name=certificate.member_name,
        council_name=certificate.council_name,
        course_id=certificate.course_id,
        completed_on=certificate.completed_on,
        valid_until=certificate.valid_until,
        term=Term(term_start, term_end),
    )


# --- the member's history -------------------------------------------------------------------------


def list_member_history(member: Member, now: datetime | None = None) -> list[rounds.PastCompletion]:
    """What the member did in earlier rounds, each completion with its certificate (the current revision,
    if one was issued), the latest term first. One query (registered as the learning feature's history
    reader)."""
    query, online, seminar = rounds.past_completions_select(member)
    query = query.add_columns(Certificate).outerjoin(
        Certificate,
        and_(
            Certificate.replaced_at.is_(None),
            or_(
                and_(online.id.is_not(None), Certificate.course_completion_id == online.id),
                and_(seminar.id.is_not(None), Certificate.seminar_completion_id == seminar.id),
            ),
        ),
    )
    history: dict[int, rounds.PastCompletion] = {}
    for course_round, completed_at, seminar_on, modules, certificate in db.session.execute(query).all():
        # A round completed both online and at a seminar has a row per certificate: the first one counts.
        if course_round.id in history and history[course_round.id].certificate is not None:
            continue
        history[course_round.id] = rounds.PastCompletion(
            course_round,
            completed_at,
            seminar_on,
            rounds.PastCertificate(
                codes.format_code(certificate.code),
                certificate.valid_until,
                certificate_status(certificate, now),
            )
            if certificate is not None
            else None,
            modules_completed=modules,
        )
    return list(history.values())
