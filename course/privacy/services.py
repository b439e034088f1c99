"""Access requests, erasure and retention of members' personal data (GDPR: the municipality controls it).

- :func:`export_member` gathers everything stored about a member, table by table, as the registry says.
- :func:`erase_member` removes a member's personal data and keeps an anonymous row (see
  :mod:`course.privacy.registry` for why and what stays).
- Retention: a member who has left the roster is erased one year after the end of the council term in
  which they left, or after the council's own date (the members of an archived council count as having
  left when it was archived); :func:`plan_purge` lists who is due and
  :func:`purge` erases them (``council-course purge``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import joinedload

from course.admin.models import PendingImport
from course.audit.services import record_event
from course.db import utcnow
from course.extensions import db
from course.people import calendar
from course.people.models import Council, Member
from course.privacy.registry import POLICIES

#: The version of the export's layout, for whoever reads a file later.
EXPORT_FORMAT = 1

#: Who asked for an erasure, as the audit event records it.
BY_ADMINISTRATOR = "administrator"
BY_RETENTION = "retention"


class ErasureError(ValueError):
    """The member cannot be erased here; ``reason`` says why (``self``, ``platform_admin``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- finding members ----------------------------------------------------------------------------------


def get_member(council: Council, member_id: int) -> Member | None:
    """A member of ``council`` whose data is still held: on the roster or left, not yet erased. Another
    council's member, and an erased one, is None (the view says 404)."""
    return db.session.execute(
        select(Member).where(
            Member.id == member_id, Member.council_id == council.id, Member.erased_at.is_(None)
        )
    ).scalar()


@dataclass(frozen=True, slots=True)
class LeftMember:
    member: Member
    erase_after: date


def list_left_members(council: Council) -> list[LeftMember]:
    """Members who have left the roster and are not erased yet, with the day after which the purge
    erases them; the most recently removed first, in one query."""
    members = db.session.execute(
        select(Member)
        .where(Member.council_id == council.id, Member.removed_at.is_not(None), Member.erased_at.is_(None))
        .order_by(Member.removed_at.desc(), Member.id)
    ).scalars()
    return [LeftMember(member, retention_deadline(council, member.removed_at)) for member in members]


# --- access requests ----------------------------------------------------------------------------------


def export_member(member: Member, *, actor: Member | None, now: datetime | None = None) -> dict[str, Any]:
    """Everything stored about ``member``, one section per table that holds personal data, and an audit
    event saying who exported it; flushes. Secrets (password and token hashes) are left out."""
    now = now or utcnow()
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "exported_at": now.isoformat(),
        "controller": member.council.name,
    }
    for policy in POLICIES:
        if policy.export is not None:
            data[policy.table] = policy.export(member)
    record_event("member.exported", actor=actor, council_id=member.council_id, member=member)
    return data


# --- erasure --------------------------------------------------------------------------------------------


def check_erasable(member: Member, actor: Member | None) -> None:
    """Raises :class:`ErasureError` when ``actor`` may not erase ``member``."""
    if actor is not None and member.id == actor.id:
        raise ErasureError("self")
    if member.is_platform_admin:
        raise ErasureError("platform_admin")


def erase_member(
    member: Member, *, actor: Member | None, by: str = BY_ADMINISTRATOR, now: datetime | None = None
) -> None:
    """Erase ``member``'s personal data from every table (as the registry says) and audit it; flushes.

    The audit event holds the member's id and who asked, nothing that names them. Raises
    :class:`ErasureError` for the administrator themself and for a platform administrator.
    """
    check_erasable(member, actor)
    now = now or utcnow()
    council_id = member.council_id
    for policy in POLICIES:
        if policy.erase is not None:
            policy.erase(member, now)
    db.session.flush()
    record_event("member.erased", actor=actor, council_id=council_id, member=member, by=by)


# --- retention ------------------------------------------------------------------------------------------


def default_retention_until(country: str, left_on: date) -> date:
    """One year after the end of the council term that ``left_on`` falls in."""
    end = calendar.term_end(country, left_on)
    return end.replace(year=end.year + 1)


def current_default_retention(council: Council, now: datetime | None = None) -> date:
    """The default for a member who leaves today (what the settings page shows)."""
    return default_retention_until(council.country, calendar.today(council.country, now))


def retention_deadline(council: Council, removed_at: datetime) -> date:
    """The last day a member who left at ``removed_at`` is kept: the council's own date when it has set
    one, else one year after the end of the term in which they left."""
    if council.retention_until is not None:
        return council.retention_until
    return default_retention_until(council.country, calendar.local_date(council.country, removed_at))


def set_retention_until(council: Council, retention_until: date | None, *, actor: Member) -> bool:
    """Change the council's retention date (None: the default rule); True and an audit event when it
    changed; flushes."""
    previous = council.retention_until
    if previous == retention_until:
        return False
    council.retention_until = retention_until
    db.session.flush()
    record_event(
        "council.retention_changed",
        actor=actor,
        council_id=council.id,
        retention_until=retention_until.isoformat() if retention_until else None,
        previous=previous.isoformat() if previous else None,
    )
    return True


@dataclass(frozen=True, slots=True)
class PurgeItem:
    member: Member
    council: Council
    left_on: date
    kept_until: date


@dataclass(frozen=True, slots=True)
class PurgePlan:
    members: list[PurgeItem]
    #: Ids of roster previews past their hour (they hold names and addresses from uploaded files).
    expired_imports: list[int]


def plan_purge(now: datetime | None = None, council_slug: str | None = None) -> PurgePlan:
    """Who the purge would erase today: members who left and whose council's retention has passed,
    where each council is; in two queries."""
    now = now or utcnow()
    query = (
        select(Member)
        # The council decides the date and the calendar: loaded with the member, not once per member.
        .options(joinedload(Member.council))
        .join(Council, Council.id == Member.council_id)
        .where(
            # Members who left, and every member of an archived council (a platform administrator
            # excepted: they are never erased by the purge).
            or_(
                Member.removed_at.is_not(None),
                and_(Council.archived_at.is_not(None), Member.is_platform_admin.is_(False)),
            ),
            Member.erased_at.is_(None),
        )
        .order_by(Council.slug, Member.removed_at, Member.id)
    )
    expired = select(PendingImport.id).where(PendingImport.expires_at <= now)
    if council_slug is not None:
        query = query.where(Council.slug == council_slug)
        expired = expired.join(Council, Council.id == PendingImport.council_id).where(
            Council.slug == council_slug
        )
    items = []
    for member in db.session.execute(query).scalars():
        council = member.council
        left_at = min(moment for moment in (member.removed_at, council.archived_at) if moment is not None)
        kept_until = retention_deadline(council, left_at)
        if calendar.local_date(council.country, now) > kept_until:
            left_on = calendar.local_date(council.country, left_at)
            items.append(PurgeItem(member, council, left_on, kept_until))
    return PurgePlan(items, list(db.session.execute(expired).scalars()))


def purge(plan: PurgePlan, now: datetime | None = None) -> None:
    """Erase every member of ``plan`` and delete expired roster previews; flushes."""
    now = now or utcnow()
    for item in plan.members:
        erase_member(item.member, actor=None, by=BY_RETENTION, now=now)
    if plan.expired_imports:
        db.session.execute(
            delete(PendingImport)
            .where(PendingImport.id.in_(plan.expired_imports))
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
