"""How long a certificate is valid: by default, until the end of the council term it was issued in.

The current term is the one running on the day the certificate is issued (the terms are in
:mod:`course.people.calendar`). Between a Danish election and the new year, the outgoing council still
holds office, so a certificate issued on 1 December 2025 is valid until 31 December 2025, not 2029; in
Sweden the same holds between the September election and 14 October. A council that wants certificates to
cover its next term sets a date of its own.
"""

from __future__ import annotations

from datetime import date

from course.people.calendar import term_end


def valid_until(country: str, issued_on: date, council_date: date | None = None) -> date:
    """A certificate issued on ``issued_on`` is valid until the council's own date, when it has set one
    that has not passed, else until the end of the current term."""
    if council_date is not None and council_date >= issued_on:
        return council_date
    return term_end(country, issued_on)
