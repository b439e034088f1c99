"""Every council side by side, and setting up a new council with its first administrator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from course.auth.links import send_invitation
from course.certificates.queries import count_certificates_by_council
from course.db import utcnow
from course.extensions import db
from course.learning.progress import CouncilFigures, count_progress_by_council
from course.people.calendar import DueState, Term, get_due_state
from course.people.models import Council, Member, Role
from course.people.services import (
    SLUG_PATTERN,
    MemberError,
    add_member,
    check_email,
    create_council,
    get_council,
    get_member_by_email,
)
from course.web.sorting import ColumnSorting

NO_MEMBERS = CouncilFigures(members=0, complete=0, started=0)


@dataclass(frozen=True, slots=True)
class CouncilSummary:
    council: Council
    members: int
    complete: int
    started: int
    due: DueState | None
    certificates: int = 0

    @property
    def term(self) -> Term | None:
        """The council term of the council's current round."""
        current = self.council.current_round
        return current.term if current is not None else None

    @property
    def in_progress(self) -> int:
        return self.started - self.complete

    @property
    def not_started(self) -> int:
        return self.members - self.started

    @property
    def complete_share(self) -> float:
        return self.complete / self.members if self.members else 0.0

    @property
    def overdue(self) -> int:
        return self.members - self.complete if self.due is not None and self.due.is_past else 0


def list_terms(summaries: list[CouncilSummary]) -> list[Term]:
    """The terms of the councils' current rounds, the latest first: the choices of the term filter."""
    return sorted(
        {summary.term for summary in summaries if summary.term}, key=lambda t: t.start, reverse=True
    )


def list_council_summaries(now: datetime | None = None) -> list[CouncilSummary]:
    """Every council with its figures, in three queries whatever the number of councils."""
    now = now or utcnow()
    # Each council's current round comes with it (one join): its term and due date are on the page.
    councils = (
        db.session.execute(select(Council).options(joinedload(Council.current_round)).order_by(Council.name))
        .scalars()
        .all()
    )
    figures = count_progress_by_council()
    certificates = count_certificates_by_council()
    summaries = []
    for council in councils:
        counts = figures.get(council.id, NO_MEMBERS)
        summaries.append(
            CouncilSummary(
                council=council,
                members=counts.members,
                complete=counts.complete,
                started=counts.started,
                due=get_due_state(council, now),
                certificates=certificates.get(council.id, 0),
            )
        )
    return summaries


SORT_KEYS: dict[str, Callable[[CouncilSummary], Any]] = {
    "name": lambda summary: summary.council.name.lower(),
    "members": lambda summary: summary.members,
    "complete": lambda summary: (summary.complete_share, summary.complete),
    "overdue": lambda summary: summary.overdue,
    "due": lambda summary: summary.due.due_date if summary.due else None,
    "certificates": lambda summary: summary.certificates,
}


@dataclass(frozen=True, slots=True)
class Sorting(ColumnSorting):
    """Which councils the overview shows (all, or those whose current round is of one term, by the year it
    began) and in which order."""

    sort: str = "name"
    is_descending: bool = False
    term_year: int | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Sorting:
        sort = args.get("sort") or "name"
        term = args.get("term") or ""
        return cls(
            sort if sort in SORT_KEYS else "name",
            args.get("order") == "desc",
            int(term) if term.isascii() and term.isdigit() and len(term) == 4 else None,
        )

    def args(self, **changes: Any) -> dict[str, str]:
        changed = replace(self, **changes)
        values = {
            "sort": changed.sort if changed.sort != "name" else None,
            "order": "desc" if changed.is_descending else None,
            "term": str(changed.term_year) if changed.term_year else None,
        }
        return {key: value for key, value in values.items() if value}

    def apply(self, summaries: list[CouncilSummary]) -> list[CouncilSummary]:
        key = SORT_KEYS[self.sort]
        if self.term_year is not None:
            summaries = [s for s in summaries if s.term is not None and s.term.start.year == self.term_year]
        ordered = sorted(summaries, key=SORT_KEYS["name"])
        with_value = [summary for summary in ordered if key(summary) is not None]
        without = [summary for summary in ordered if key(summary) is None]
        return sorted(with_value, key=key, reverse=self.is_descending) + without


class SetupError(ValueError):
    """A council could not be set up; ``message`` says why in the reader's language, ``field`` where."""

    def __init__(self, message: Any, field: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def create_council_with_admin(
    *,
    name: str,
    slug: str,
    country: str,
    locale: str,
    admin_name: str,
    admin_email: str,
    actor: Member,
) -> tuple[Council, Member]:
    """Create a council and its first administrator, and e-mail the administrator an invitation; flushes.

    Raises :class:`SetupError` for a taken short name or address, and
    :class:`course.mail.services.MailError` when the invitation cannot be sent (the caller rolls back, so
    nothing is half made).
    """
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        raise SetupError(
            _l("Use 2 to 63 lower-case letters (a-z), digits and hyphens, for example aarhus."), "slug"
        )
    if get_council(slug) is not None:
        raise SetupError(_l("A council with this short name exists already."), "slug")
    try:
        address = check_email(admin_email)
    except MemberError:
        raise SetupError(_l("Enter an e-mail address like name@example.dk."), "admin_email") from None
    if get_member_by_email(address) is not None:
        raise SetupError(
            _l(
                "%(email)s is registered with another council. A person can be a member of one council only.",  # noqa: E501
                email=address,
            ),
            "admin_email",
        )
    council = create_council(slug, name, country, locale, actor=actor)
    admin = add_member(council, address, admin_name, role=Role.STAFF.value, is_admin=True, actor=actor)
    send_invitation(admin, actor=actor)
    return council, admin
