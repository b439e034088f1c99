"""Writing to the audit log."""

from __future__ import annotations

from typing import Any

from course.audit.models import AuditEvent
from course.councils.models import Member
from course.extensions import db


def record_event(
    action: str,
    *,
    actor: Member | None,
    council_id: int | None,
    member: Member | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` (a dotted verb such as ``member.added``); flushes.

    ``details`` hold ids, codes, dates, flags and counts: never names, e-mail addresses or free text
    (reasons, corrections, file names). Events are append-only, so erasing a member's personal data
    (course.privacy) must never need to change one.
    """
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        council_id=council_id,
        member_id=member.id if member is not None else None,
        details=details,
    )
    db.session.add(event)
    db.session.flush()
    return event
