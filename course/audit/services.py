"""Writing to the audit log. Administrators read it back in :mod:`course.admin.audit_log`."""

from __future__ import annotations

from typing import Any, Protocol

from course.audit.models import AuditEvent
from course.extensions import db


class Person(Protocol):
    """Whoever an event names: a member, as the actor or as the one acted on. The log sits below the
    people it records, so it knows them only by their id."""

    @property
    def id(self) -> int: ...


def record_event(
    action: str,
    *,
    actor: Person | None,
    council_id: int | None,
    member: Person | None = None,
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
