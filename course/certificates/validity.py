"""How long a certificate is valid: by default, until the end of the council term it was issued in.

Danish municipal councils are elected every four years (2025, 2029, ...) in November and serve from
1 January after the election until 31 December of the next election year. Swedish councils are elected
every four years (2026, 2030, ...) in September and serve from 15 October of the election year until
14 October of the next election year.

The current term is the one running on the day the certificate is issued. Between a Danish election and
the new year, the outgoing council still holds office, so a certificate issued on 1 December 2025 is valid
until 31 December 2025, not 2029; in Sweden the same holds between the September election and 14 October.
A council that wants certificates to cover its next term sets a date of its own.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from course.i18n import TIMEZONES

#: A year in which each country's councils are elected, and the last day of a term in that year.
ELECTION_YEAR = {"dk": 2025, "se": 2026}
TERM_LAST_DAY = {"dk": (12, 31), "se": (10, 14)}
TERM_YEARS = 4


def term_end(country: str, on: date) -> date:
    """The last day of the council term that ``on`` falls in."""
    year = on.year + (ELECTION_YEAR[country] - on.year) % TERM_YEARS
    month, day = TERM_LAST_DAY[country]
    end = date(year, month, day)
    return end if end >= on else date(year + TERM_YEARS, month, day)


def valid_until(country: str, issued_on: date, council_date: date | None = None) -> date:
    """A certificate issued on ``issued_on`` is valid until the council's own date, when it has set one
    that has not passed, else until the end of the current term."""
    if council_date is not None and council_date >= issued_on:
        return council_date
    return term_end(country, issued_on)


def local_date(moment: datetime, country: str) -> date:
    """The calendar date of ``moment`` where the council is (a completion at 00:30 in Copenhagen on
    1 January is a 1 January completion, although it is still 31 December in UTC)."""
    return moment.astimezone(ZoneInfo(TIMEZONES.get(country, TIMEZONES["dk"]))).date()
