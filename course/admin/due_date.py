"""Setting the council's due date."""

from __future__ import annotations

from datetime import date

from course.audit.services import record_event
from course.extensions import db
from course.people.models import Council, Member


def set_due_date(council: Council, due_date: date | None, *, actor: Member | None) -> bool:
    """Set or clear the council's due date; True when it changed. Flushes."""
    if council.due_date == due_date:
        return False
    previous = council.due_date
    council.due_date = due_date
    db.session.flush()
    record_event(
        "council.due_date_changed",
        actor=actor,
        council_id=council.id,
        due_date=due_date.isoformat() if due_date else None,
        previous=previous.isoformat() if previous else None,
    )
    return True
