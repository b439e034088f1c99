"""Setting the due date of the council's current round."""

from __future__ import annotations

from datetime import date

from course.audit.services import record_event
from course.extensions import db
from course.people.models import Council, Member


def set_due_date(council: Council, due_date: date | None, *, actor: Member | None) -> bool:
    """Set or clear the due date of the council's current round; True when it changed. Flushes."""
    course_round = council.current_round
    assert course_round is not None
    if course_round.due_date == due_date:
        return False
    previous = course_round.due_date
    course_round.due_date = due_date
    db.session.flush()
    record_event(
        "council.due_date_changed",
        actor=actor,
        council_id=council.id,
        round_id=course_round.id,
        due_date=due_date.isoformat() if due_date else None,
        previous=previous.isoformat() if previous else None,
    )
    return True
