"""The council's roster: adding, changing and removing members.

Removing a member marks the row removed instead of deleting it: audit events point at members by id (and
a deleted row would set those references to NULL), and the course history stays with the person. A removed
member cannot sign in (sessions end, links stop working, the password is cleared) and drops out of every
roster, dashboard and count. The same council adding the address again brings the person back, with their
history. Another council adding it gets a fresh member: the removed row stays with the first council, with its
records, and lets the address go (:func:`course.people.services.release_address`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from course.audit.services import record_event
from course.auth.links import send_invitation
from course.auth.models import AuthToken
from course.auth.services import end_all_sessions
from course.db import utcnow
from course.extensions import db
from course.i18n import PlainText
from course.mail.services import MailError
from course.people.models import Council, Member, Role
from course.people.services import (
    LOCALES,
    MemberError,
    add_member,
    check_email,
    default_takes_course,
    take_address,
)
from course.web.paging import Page, clean_search, parse_page

ROLE_LABELS = {
    Role.COUNCILLOR.value: _l("Councillor"),
    Role.SUBSTITUTE.value: _l("Substitute"),
    Role.STAFF.value: _l("Staff"),
}


#: The roster's access filter: where each member is on the way to signing in.
ACCESS_LABELS = {
    "not_invited": _l("Not invited yet"),
    "invited": _l("Invited, not signed in yet"),
    "signed_in": _l("Signed in"),
}


class RosterError(ValueError):
    """A change to the roster was refused; ``message`` says why in the reader's language, ``field`` where."""

    def __init__(self, message: Any, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def active_members(council: Council):
    """A select of the council's members who have not been removed."""
    return select(Member).where(Member.council_id == council.id, Member.removed_at.is_(None))


def list_members(council: Council) -> list[Member]:
    return list(db.session.execute(active_members(council).order_by(func.lower(Member.name))).scalars())


@dataclass(frozen=True, slots=True)
class RosterQuery:
    """What the roster shows: members whose name or address holds ``q``, of one role and access state."""

    q: str = ""
    role: str | None = None
    access: str | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RosterQuery:
        role = args.get("role") or None
        access = args.get("status") or None
        return cls(
            q=clean_search(args.get("q")),
            role=role if role in ROLE_LABELS else None,
            access=access if access in ACCESS_LABELS else None,
            page=parse_page(args.get("page")),
        )

    @property
    def is_filtered(self) -> bool:
        return bool(self.q or self.role or self.access)

    def args(self, **changes: Any) -> dict[str, str]:
        """Query-string values for a link to the roster with ``changes`` applied."""
        values = {
            "q": self.q,
            "role": self.role,
            "status": self.access,
            "page": str(self.page) if self.page > 1 else None,
        }
        values.update({key: str(value) if value is not None else None for key, value in changes.items()})
        if values.get("page") == "1":
            values["page"] = None
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True, slots=True)
class RosterPage:
    members: list[Member]
    page: Page
    query: RosterQuery
    #: Every active member of the council, whatever the filters.
    roster_size: int
    #: Members who would get an invitation from "Invite everyone not yet invited".
    waiting: int


def search_members(council: Council, query: RosterQuery) -> RosterPage:
    """One page of the council's roster, filtered; three queries whatever the size of the council."""
    conditions = []
    if query.q:
        needle = query.q.lower()
        conditions.append(
            func.lower(Member.name).contains(needle, autoescape=True)
            | func.lower(Member.email).contains(needle, autoescape=True)
        )
    if query.role:
        conditions.append(Member.role == query.role)
    if query.access == "not_invited":
        conditions.append(Member.invited_at.is_(None) & Member.joined_at.is_(None))
    elif query.access == "invited":
        conditions.append(Member.invited_at.is_not(None) & Member.joined_at.is_(None))
    elif query.access == "signed_in":
        conditions.append(Member.joined_at.is_not(None))
    scope = [Member.council_id == council.id, Member.removed_at.is_(None)]
    waiting_condition = Member.invited_at.is_(None) & Member.joined_at.is_(None)
    total, roster_size, waiting = db.session.execute(
        select(
            func.count().filter(*conditions) if conditions else func.count(),
            func.count(),
            func.count().filter(waiting_condition),
        ).where(*scope)
    ).one()
    page = Page.of(query.page, total)
    members = list(
        db.session.execute(
            select(Member)
            .where(*scope, *conditions)
            .order_by(func.lower(Member.name), Member.id)
            .limit(page.per_page)
            .offset(page.offset)
        ).scalars()
    )
    return RosterPage(members, page, query, roster_size, waiting)


def count_waiting(council: Council) -> int:
    """How many members "Invite everyone not yet invited" would write to."""
    return db.session.execute(
        select(func.count()).where(
            Member.council_id == council.id,
            Member.removed_at.is_(None),
            Member.invited_at.is_(None),
            Member.joined_at.is_(None),
        )
    ).scalar_one()


def get_member(council: Council, member_id: int) -> Member | None:
    """A member of ``council``; None for a member of another council or a removed one (the view says 404)."""
    return db.session.execute(active_members(council).where(Member.id == member_id)).scalar()


def _valid_address(email: str) -> str:
    try:
        return check_email(email)
    except MemberError:
        raise RosterError(_l("Enter an e-mail address like name@example.dk."), "email") from None


def _check_fields(name: str, role: str, locale: str | None) -> None:
    if not name.strip():
        raise RosterError(_l("Enter the member's name."), "name")
    if role not in ROLE_LABELS:
        raise RosterError(_l("Choose councillor, substitute or staff."), "role")
    if locale is not None and locale not in LOCALES:
        raise RosterError(_l("Choose Danish, Swedish or English."), "locale")


def _taken_message(existing: Member, council: Council) -> Any:
    if existing.council_id == council.id:
        return PlainText(_l("%(email)s is already on the roster.", email=existing.email))
    # Another council's current member. The address signs in, so it can belong to one member only; the
    # answer names no council and says nothing of the person's records (see SECURITY.md, "Tenancy").
    return PlainText(
        _l(
            "%(email)s cannot be added. Use another address for this person, for example their address at the council.",  # noqa: E501
            email=existing.email,
        )
    )


def add_to_roster(
    council: Council,
    *,
    name: str,
    email: str,
    role: str = Role.COUNCILLOR.value,
    is_admin: bool = False,
    locale: str | None = None,
    takes_course: bool | None = None,
    actor: Member | None,
    now: datetime | None = None,
) -> Member:
    """Add a member, or bring back one who was removed from this council; raises :class:`RosterError`.

    ``takes_course`` None follows the role (councillors and substitutes take the course, staff do not).
    An address last used by someone who left another council gets a fresh member: nothing of the other
    council's comes along.
    """
    address = _valid_address(email)
    _check_fields(name, role, locale)
    existing = take_address(council, address)
    if existing is None:
        return add_member(
            council,
            address,
            name,
            role=role,
            is_admin=is_admin,
            locale=locale,
            takes_course=takes_course,
            actor=actor,
        )
    if not existing.is_removed:
        raise RosterError(_taken_message(existing, council), "email")
    previous_council_id = existing.council_id
    existing.council_id = council.id
    existing.name = name.strip()
    existing.role = role
    existing.is_admin = is_admin
    existing.locale = locale
    existing.takes_course = default_takes_course(role) if takes_course is None else takes_course
    # Back on the roster like a new member: no password, to be invited again.
    existing.removed_at = None
    existing.invited_at = None
    existing.joined_at = None
    db.session.flush()
    record_event(
        "member.restored",
        actor=actor,
        council_id=council.id,
        member=existing,
        role=role,
        is_admin=is_admin,
        takes_course=existing.takes_course,
        from_council_id=previous_council_id,
    )
    return existing


def update_member(
    council: Council,
    member: Member,
    *,
    name: str,
    email: str,
    role: str,
    is_admin: bool,
    locale: str | None,
    takes_course: bool | None = None,
    actor: Member,
) -> list[str]:
    """Change a member's details; returns the names of the fields that changed (empty: nothing did).

    ``takes_course`` None follows the (new) role: councillors and substitutes take the course, staff do not.
    """
    address = _valid_address(email)
    _check_fields(name, role, locale)
    if member.id == actor.id and not is_admin:
        raise RosterError(_l("You cannot take away your own administrator rights."), "is_admin")
    # Whoever controls an address can reset its password: a platform administrator's address is theirs
    # to change, or another platform administrator's.
    if member.is_platform_admin and address != member.email and not actor.is_platform_admin:
        raise RosterError(
            _l("Only a platform administrator can change a platform administrator's address."),
            "email",
        )
    if address != member.email:
        existing = take_address(council, address)
        if existing is not None:
            raise RosterError(_taken_message(existing, council), "email")
    changes = {
        "name": name.strip(),
        "email": address,
        "role": role,
        "is_admin": is_admin,
        "locale": locale,
        "takes_course": default_takes_course(role) if takes_course is None else takes_course,
    }
    changed = [field for field, value in changes.items() if getattr(member, field) != value]
    for field in changed:
        setattr(member, field, changes[field])
    if changed:
        db.session.flush()
        record_event(
            "member.changed",
            actor=actor,
            council_id=council.id,
            member=member,
            fields=changed,
            role=member.role,
            is_admin=member.is_admin,
            takes_course=member.takes_course,
        )
    return changed


def remove_member(council: Council, member: Member, *, actor: Member, now: datetime | None = None) -> None:
    """Take a member off the roster: they can no longer sign in, and drop out of the council's figures."""
    if member.id == actor.id:
        raise RosterError(_l("You cannot remove yourself. Ask another administrator to do it."))
    if member.is_platform_admin:
        raise RosterError(_l("This member administers the whole platform and cannot be removed here."))
    now = now or utcnow()
    member.removed_at = now
    member.is_admin = False
    member.password_hash = None
    end_all_sessions(member)
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.member_id == member.id, AuthToken.used_at.is_(None), AuthToken.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    record_event("member.removed", actor=actor, council_id=council.id, member=member)


def invite_waiting(council: Council, *, actor: Member) -> tuple[list[Member], list[Member]]:
    """Invite every member who has neither been invited nor signed in yet; flushes.

    Returns the members invited and those whose e-mail could not be sent (they stay uninvited).
    """
    invited, failed = [], []
    for member in list_members(council):
        if member.invited_at is not None or member.joined_at is not None:
            continue
        try:
            send_invitation(member, actor=actor)
        except MailError:
            failed.append(member)
        else:
            invited.append(member)
    return invited, failed
