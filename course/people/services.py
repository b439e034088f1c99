"""Creating councils and members, and finding them."""

from __future__ import annotations

import re
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from course.audit.services import record_event
from course.content import LOCALES
from course.db import utcnow
from course.extensions import db
from course.people import calendar
from course.people.models import Council, Country, CourseRound, Member, Role

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

#: A council's language unless chosen otherwise: its country's.
COUNTRY_LOCALES = {"dk": "da", "se": "sv"}


class CouncilError(ValueError):
    """A council could not be created; the message says why."""


class MemberError(ValueError):
    """A member could not be added or changed; the message says why."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(email: str) -> str:
    """The normalised address, or :class:`MemberError` saying what is wrong with it."""
    try:
        return normalize_email(validate_email(email.strip(), check_deliverability=False).normalized)
    except EmailNotValidError as error:
        raise MemberError(str(error)) from None


def create_council(
    slug: str,
    name: str,
    country: str,
    default_locale: str,
    *,
    actor: Member | None = None,
    now: datetime | None = None,
) -> Council:
    if not SLUG_PATTERN.match(slug):
        raise CouncilError(f"{slug!r} is not a valid slug (2-63 lower-case letters, digits and hyphens)")
    if not name.strip():
        raise CouncilError("the council needs a name")
    if country not in {c.value for c in Country}:
        raise CouncilError(f"country must be dk or se, not {country!r}")
    if default_locale not in LOCALES:
        raise CouncilError(f"locale must be da, sv or en, not {default_locale!r}")
    if get_council(slug) is not None:
        raise CouncilError(f"a council with the slug {slug!r} already exists")
    council = Council(slug=slug, name=name.strip(), country=country, default_locale=default_locale)
    db.session.add(council)
    db.session.flush()
    record_event("council.created", actor=actor, council_id=council.id, slug=slug)
    open_first_round(council, now)
    return council


def open_first_round(council: Council, now: datetime | None = None) -> CourseRound:
    """A new council's first round: the course in the current council term. Flushes."""
    now = now or utcnow()
    term = calendar.term_of(council.country, calendar.today(council.country, now))
    first = CourseRound(council_id=council.id, term_start=term.start, term_end=term.end, started_at=now)
    db.session.add(first)
    db.session.flush()
    council.current_round = first
    db.session.flush()
    return first


def get_council(slug: str) -> Council | None:
    return db.session.execute(select(Council).where(Council.slug == slug)).scalar()


def get_member_by_email(email: str) -> Member | None:
    return db.session.execute(select(Member).where(Member.email == normalize_email(email))).scalar()


def is_alone_on_roster(member: Member) -> bool:
    """True when ``member`` is the only active member of their council: a new administrator's first visit."""
    others = db.session.execute(
        select(func.count()).where(
            Member.council_id == member.council_id, Member.removed_at.is_(None), Member.id != member.id
        )
    ).scalar_one()
    return others == 0


def default_takes_course(role: str) -> bool:
    return role != Role.STAFF.value


def released_email(member_id: int) -> str:
    """The placeholder a left member's row keeps once its address is taken elsewhere. It has no @, so no
    address anyone types can match it, and nothing is ever sent to it."""
    return f"left-{member_id}"


def release_address(member: Member) -> None:
    """Free the address of a member who has left their council, so another council can add the person.

    The row stays with its council, and so does everything that hangs on it (certificates, seminar
    notes, attempts, audit events): those are the first council's records, not the person's to carry.
    The event goes to the platform's log only: neither council is told about the other.
    """
    if not member.is_removed:
        raise ValueError("only the address of a member who has left can be released")
    member.email = released_email(member.id)
    db.session.flush()
    record_event("member.address_released", actor=None, council_id=None, member=member)


def take_address(council: Council, address: str) -> Member | None:
    """Who holds ``address`` once ``council`` wants it: a member who left *another* council lets it go
    (:func:`release_address`) and None is returned, as for an unknown address; anyone else is returned."""
    existing = get_member_by_email(address)
    if existing is not None and existing.is_removed and existing.council_id != council.id:
        release_address(existing)
        return None
    return existing


def add_member(
    council: Council,
    email: str,
    name: str,
    *,
    role: str = Role.COUNCILLOR.value,
    is_admin: bool = False,
    is_platform_admin: bool = False,
    locale: str | None = None,
    takes_course: bool | None = None,
    actor: Member | None = None,
) -> Member:
    """Add a member to ``council``; raises :class:`MemberError` for a bad or taken e-mail address.

    ``takes_course`` defaults to the role's: councillors and substitutes take the course, staff do not.
    """
    address = check_email(email)
    if not name.strip():
        raise MemberError("the member needs a name")
    if role not in {r.value for r in Role}:
        raise MemberError(f"role must be councillor, substitute or staff, not {role!r}")
    if locale is not None and locale not in LOCALES:
        raise MemberError(f"language must be da, sv or en, not {locale!r}")
    if take_address(council, address) is not None:
        raise MemberError(f"{address} is already a member")
    member = Member(
        council=council,
        email=address,
        name=name.strip(),
        role=role,
        is_admin=is_admin,
        is_platform_admin=is_platform_admin,
        locale=locale,
        takes_course=default_takes_course(role) if takes_course is None else takes_course,
    )
    db.session.add(member)
    db.session.flush()
    record_event(
        "member.added",
        actor=actor,
        council_id=council.id,
        member=member,
        role=role,
        is_admin=is_admin,
        is_platform_admin=is_platform_admin,
        takes_course=member.takes_course,
    )
    return member
