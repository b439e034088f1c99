"""A council's calendar: its time zone, its today, and its due date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from course.audit.services import record_event
from course.councils.models import Council, Member
from course.db import utcnow
from course.extensions import db
from course.i18n import TIMEZONES


def council_timezone(council: Council) -> ZoneInfo:
    return ZoneInfo(TIMEZONES.get(council.country, TIMEZONES["dk"]))


def local_date(council: Council, moment: datetime) -> date:
    """The calendar day ``moment`` falls on where the council is."""
    return moment.astimezone(council_timezone(council)).date()


def council_today(council: Council, now: datetime | None = None) -> date:
    return local_date(council, now or utcnow())


@dataclass(frozen=True, slots=True)
class DueState:
    """The council's due date seen from one day: how many days are left, or whether it has passed."""

    due_date: date
    today: date

    @property
    def days_left(self) -> int:
        return (self.due_date - self.today).days

    @property
    def is_past(self) -> bool:
        return self.today > self.due_date

    @property
    def is_this_week(self) -> bool:
        return 0 <= self.days_left <= 7


def get_due_state(council: Council, now: datetime | None = None) -> DueState | None:
    """The council's due date as of today in its own time zone; None when it has set none."""
    if council.due_date is None:
        return None
    return DueState(council.due_date, council_today(council, now))


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
