"""A council's calendar: its time zone, its today, its terms and its due date.

Danish municipal councils are elected every four years (2025, 2029, ...) in November and serve from
1 January after the election until 31 December of the next election year. Swedish councils are elected
every four years (2026, 2030, ...) in September and serve from 15 October of the election year until
14 October of the next election year. Between a Danish election and the new year the outgoing council
still holds office; in Sweden the same holds between the September election and 14 October.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from course.db import utcnow

if TYPE_CHECKING:
    from course.people.models import Council, CourseRound

TIMEZONES: dict[str, str] = {"dk": "Europe/Copenhagen", "se": "Europe/Stockholm"}

#: A year in which each country's councils are elected, and the last day of a term in that year.
ELECTION_YEAR = {"dk": 2025, "se": 2026}
TERM_LAST_DAY = {"dk": (12, 31), "se": (10, 14)}
TERM_YEARS = 4


def timezone(country: str) -> ZoneInfo:
    return ZoneInfo(TIMEZONES.get(country, TIMEZONES["dk"]))


def local_date(country: str, moment: datetime) -> date:
    """The calendar day ``moment`` falls on in ``country`` (a completion at 00:30 in Copenhagen on
    1 January is a 1 January completion, although it is still 31 December in UTC)."""
    return moment.astimezone(timezone(country)).date()


def today(country: str, now: datetime | None = None) -> date:
    return local_date(country, now or utcnow())


def term_end(country: str, on: date) -> date:
    """The last day of the council term that ``on`` falls in."""
    year = on.year + (ELECTION_YEAR[country] - on.year) % TERM_YEARS
    month, day = TERM_LAST_DAY[country]
    end = date(year, month, day)
    return end if end >= on else date(year + TERM_YEARS, month, day)


@dataclass(frozen=True, slots=True)
class Term:
    """One council term: Denmark 2026-01-01 to 2029-12-31, Sweden 2026-10-15 to 2030-10-14."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """The years it spans, as councils name their terms: "2026–2029", "2026–2030"."""
        return f"{self.start.year}\u2013{self.end.year}"

    def next(self) -> Term:
        return Term(self.end + timedelta(days=1), _years_later(self.end, TERM_YEARS))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _years_later(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


def term_of(country: str, on: date) -> Term:
    """The council term that ``on`` falls in."""
    end = term_end(country, on)
    return Term(_years_later(end, -TERM_YEARS) + timedelta(days=1), end)


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


def get_due_state(
    council: Council, now: datetime | None = None, course_round: CourseRound | None = None
) -> DueState | None:
    """The due date of the council's current round (or of ``course_round``) as of today in the council's
    time zone; None when it has set none."""
    course_round = course_round if course_round is not None else council.current_round
    if course_round is None or course_round.due_date is None:
        return None
    return DueState(course_round.due_date, today(council.country, now))
