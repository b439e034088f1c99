"""Every council side by side, and setting up a new council with its first administrator."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from course.audit.services import record_event
from course.auth.links import send_invitation
from course.certificates.queries import count_certificates_by_council
from course.db import utcnow
from course.extensions import db
from course.learning.progress import CouncilFigures, count_progress_by_council
from course.learning.rounds import RoundError, move_to_country_term
from course.people.calendar import DueState, Term, get_due_state, today
from course.people.models import Council, CourseRound, Member, Role
from course.people.services import (
    SLUG_PATTERN,
    MemberError,
    add_member,
    check_email,
    create_council,
    get_council,
    get_member_by_email,
    take_address,
)
from course.privacy.services import retention_deadline
from course.web.sorting import ColumnSorting

NO_MEMBERS = CouncilFigures(members=0, complete=0, started=0)


@dataclass(frozen=True, slots=True)
class CouncilListing:
    """What the overview shows of a council itself, read as plain columns: the overview lists every
    council on the platform, and loading each as a mapped object (with its round) cost more than the page
    draws from it."""

    id: int
    slug: str
    name: str
    country: str
    archived_at: datetime | None

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True, slots=True)
class CouncilSummary:
    council: CouncilListing
    members: int
    complete: int
    started: int
    due: DueState | None
    #: The council term of the council's current round.
    term: Term | None = None
    certificates: int = 0
    admins: int = 0

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


def count_admins_by_council() -> dict[int, int]:
    """Active administrators per council id, in one query (councils without any are absent)."""
    return dict(
        db.session.execute(
            select(Member.council_id, func.count())
            .where(Member.is_admin.is_(True), Member.removed_at.is_(None))
            .group_by(Member.council_id)
        ).all()
    )


def list_council_summaries(
    now: datetime | None = None, *, include_archived: bool = False
) -> list[CouncilSummary]:
    """Every council (the archived ones too, when asked) with its figures, in four queries whatever the
    number of councils."""
    now = now or utcnow()
    # Each council with its current round's term and due date (one join).
    query = (
        select(
            Council.id,
            Council.slug,
            Council.name,
            Council.country,
            Council.archived_at,
            CourseRound.term_start,
            CourseRound.term_end,
            CourseRound.due_date,
        )
        .outerjoin(CourseRound, CourseRound.id == Council.current_round_id)
        .order_by(Council.name)
    )
    if not include_archived:
        query = query.where(Council.archived_at.is_(None))
    rows = db.session.execute(query).all()
    figures = count_progress_by_council()
    certificates = count_certificates_by_council()
    admins = count_admins_by_council()
    # A due date is judged from today in the council's country (the same day for all its councils).
    today_in = {country: today(country, now) for country in {row.country for row in rows}}
    summaries = []
    for council_id, slug, name, country, archived_at, term_start, term_end, due_date in rows:
        counts = figures.get(council_id, NO_MEMBERS)
        summaries.append(
            CouncilSummary(
                council=CouncilListing(council_id, slug, name, country, archived_at),
                members=counts.members,
                complete=counts.complete,
                started=counts.started,
                due=DueState(due_date, today_in[country]) if due_date is not None else None,
                term=Term(term_start, term_end) if term_start is not None else None,
                certificates=certificates.get(council_id, 0),
                admins=admins.get(council_id, 0),
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
    """Which councils the overview shows (all, or those whose current round is of one term, named by its
    first day: a Danish and a Swedish term may begin in the same year) and in which order."""

    sort: str = "name"
    is_descending: bool = False
    term_start: date | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Sorting:
        sort = args.get("sort") or "name"
        return cls(
            sort if sort in SORT_KEYS else "name", args.get("order") == "desc", _parse_day(args.get("term"))
        )

    def args(self, **changes: Any) -> dict[str, str]:
        changed = replace(self, **changes)
        values = {
            "sort": changed.sort if changed.sort != "name" else None,
            "order": "desc" if changed.is_descending else None,
            "term": changed.term_start.isoformat() if changed.term_start else None,
        }
        return {key: value for key, value in values.items() if value}

    def apply(self, summaries: list[CouncilSummary]) -> list[CouncilSummary]:
        if self.term_start is not None:
            summaries = [s for s in summaries if s.term is not None and s.term.start == self.term_start]
        key = SORT_KEYS[self.sort]
        ordered = sorted(summaries, key=SORT_KEYS["name"])
        with_value = [summary for summary in ordered if key(summary) is not None]
        without = [summary for summary in ordered if key(summary) is None]
        return sorted(with_value, key=key, reverse=self.is_descending) + without


def _parse_day(value: str | None) -> date | None:
    """A term's first day from the query string (2026-10-15); None for anything else."""
    if not value or len(value) != 10 or not value.isascii():
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class SetupError(ValueError):
    """A council could not be set up; ``message`` says why in the reader's language, ``field`` where."""

    def __init__(self, message: Any, field: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field


def check_new_council(*, slug: str, admin_email: str) -> list[SetupError]:
    """Every problem with a new council's short name and its administrator's address (a bad or taken
    short name, a bad address or one registered with another council), so a form can show them all at
    once; an empty list when both are fine. At most two queries."""
    problems = []
    slug = slug.strip().lower()
    if not SLUG_PATTERN.match(slug):
        problems.append(
            SetupError(
                _l("Use 2 to 63 lower-case letters (a-z), digits and hyphens, for example aarhus."), "slug"
            )
        )
    elif get_council(slug) is not None:
        problems.append(SetupError(_l("A council with this short name exists already."), "slug"))
    try:
        address = check_email(admin_email)
    except MemberError:
        problems.append(SetupError(_l("Enter an e-mail address like name@example.dk."), "admin_email"))
    else:
        if get_member_by_email(address) is not None:
            problems.append(
                SetupError(
                    _l(
                        "%(email)s is registered with another council. A person can be a member of one council only.",  # noqa: E501
                        email=address,
                    ),
                    "admin_email",
                )
            )
    return problems


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
    problems = check_new_council(slug=slug, admin_email=admin_email)
    if problems:
        raise problems[0]
    slug, address = slug.strip().lower(), check_email(admin_email)
    council = create_council(slug, name, country, locale, actor=actor)
    admin = add_member(council, address, admin_name, role=Role.STAFF.value, is_admin=True, actor=actor)
    send_invitation(admin, actor=actor, as_administrator=True)
    return council, admin


# --- one council ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CouncilPage:
    council: Council
    summary: CouncilSummary
    admins: list[Member]


def get_council_page(slug: str, now: datetime | None = None) -> CouncilPage | None:
    """A council with its figures and its active administrators, in five queries; None for no such
    council."""
    council = db.session.execute(
        select(Council).options(joinedload(Council.current_round)).where(Council.slug == slug)
    ).scalar()
    if council is None:
        return None
    admins = list(
        db.session.execute(
            select(Member)
            .where(Member.council_id == council.id, Member.is_admin.is_(True), Member.removed_at.is_(None))
            .order_by(Member.name, Member.id)
        ).scalars()
    )
    counts = count_progress_by_council().get(council.id, NO_MEMBERS)
    current = council.current_round
    summary = CouncilSummary(
        council=CouncilListing(council.id, council.slug, council.name, council.country, council.archived_at),
        members=counts.members,
        complete=counts.complete,
        started=counts.started,
        due=get_due_state(council, now),
        term=current.term if current is not None else None,
        certificates=count_certificates_by_council().get(council.id, 0),
        admins=len(admins),
    )
    return CouncilPage(council, summary, admins)


def update_council(council: Council, *, name: str, country: str, locale: str, actor: Member) -> bool:
    """Rename the council or change its country or language; True and an audit event when something
    changed; flushes. A new country moves the council's current round to that country's current council
    term (see :func:`course.learning.rounds.move_to_country_term`); raises :class:`SetupError` when it
    cannot."""
    changes = {
        field: value
        for field, value in (("name", name.strip()), ("country", country), ("default_locale", locale))
        if getattr(council, field) != value
    }
    if not changes:
        return False
    for field, value in changes.items():
        setattr(council, field, value)
    db.session.flush()
    # The event names what changed, not the values (a name is free text).
    record_event("council.changed", actor=actor, council_id=council.id, changed=sorted(changes))
    if "country" in changes:
        # A round's term is stored as dates: the current round moves to the new country's current term.
        try:
            move_to_country_term(council, actor=actor)
        except RoundError:
            raise SetupError(
                _l(
                    "The council already has a round for the current council term of that country, so its country cannot be changed."  # noqa: E501
                ),
                "country",
            ) from None
    return True


def add_administrator(
    council: Council, *, name: str, email: str, replace: bool, actor: Member
) -> tuple[Member, list[Member]]:
    """Make someone the council's administrator and e-mail them the administrator's invitation; with
    ``replace``, the council's other administrators stop being administrators (they stay members).
    Returns the administrator and those replaced; flushes.

    The person may be a member of the council already, or new to the site (then added as staff). Raises
    :class:`SetupError` for a bad address, an address of another council or of a member who left, and
    :class:`course.mail.services.MailError` when the invitation cannot be sent (the caller rolls back).
    """
    try:
        address = check_email(email)
    except MemberError:
        raise SetupError(_l("Enter an e-mail address like name@example.dk."), "email") from None
    existing = take_address(council, address)
    if existing is not None and existing.council_id != council.id:
        raise SetupError(
            _l(
                "%(email)s is registered with another council. A person can be a member of one council only.",  # noqa: E501
                email=address,
            ),
            "email",
        )
    if existing is not None and existing.is_removed:
        raise SetupError(
            _l(
                "%(email)s has left the council. Restore the member first, then make them administrator.",
                email=address,
            ),  # noqa: E501
            "email",
        )
    if existing is None:
        admin = add_member(council, address, name, role=Role.STAFF.value, is_admin=True, actor=actor)
    else:
        admin = existing
        if not admin.is_admin:
            admin.is_admin = True
            db.session.flush()
            record_event(
                "member.changed", actor=actor, council_id=council.id, member=admin, changed=["is_admin"]
            )
    replaced = []
    if replace:
        replaced = list(
            db.session.execute(
                select(Member).where(
                    Member.council_id == council.id,
                    Member.is_admin.is_(True),
                    Member.removed_at.is_(None),
                    Member.id != admin.id,
                )
            ).scalars()
        )
        for former in replaced:
            former.is_admin = False
            db.session.flush()
            record_event(
                "member.changed", actor=actor, council_id=council.id, member=former, changed=["is_admin"]
            )
    record_event(
        "council.administrator_added",
        actor=actor,
        council_id=council.id,
        member=admin,
        replaced=[former.id for former in replaced],
    )
    send_invitation(admin, actor=actor, as_administrator=True)
    return admin, replaced


def count_active_members(council: Council) -> int:
    """Everyone on the council's roster who can sign in (administrators and staff who do not take the
    course included): those who lose access when it is archived. One query."""
    return db.session.scalar(
        select(func.count()).where(Member.council_id == council.id, Member.removed_at.is_(None))
    )


def archive_council(council: Council, *, actor: Member, now: datetime | None = None) -> None:
    """Archive the council: its members can no longer sign in, no round starts for it, and its members'
    data is erased when the retention period counted from now has passed (``council-course purge``).
    A council with a platform administrator among its members cannot be archived (they would be locked
    out). Raises :class:`SetupError`; flushes."""
    if council.is_archived:
        return
    has_platform_admin = db.session.scalar(
        select(func.count()).where(
            Member.council_id == council.id, Member.is_platform_admin.is_(True), Member.removed_at.is_(None)
        )
    )
    if has_platform_admin or council.id == actor.council_id:
        raise SetupError(
            _l("A platform administrator is a member of this council, so it cannot be archived."), "confirm"
        )
    council.archived_at = now or utcnow()
    db.session.flush()
    record_event("council.archived", actor=actor, council_id=council.id)


def archived_retention(council: Council, now: datetime | None = None) -> date:
    """The last day the members of ``council`` are kept when it is archived now (or was archived)."""
    return retention_deadline(council, council.archived_at or now or utcnow())


def restore_council(council: Council, *, actor: Member) -> None:
    """Take the council out of the archive (members already erased stay erased); flushes."""
    if not council.is_archived:
        return
    council.archived_at = None
    db.session.flush()
    record_event("council.restored", actor=actor, council_id=council.id)


# --- the council's logo -----------------------------------------------------------------------------------

MAX_LOGO_BYTES = 200 * 1024
LOGO_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def check_logo(data: bytes) -> str:
    """The content type of a logo, read from its content (not its name); :class:`SetupError` for a file
    too large or not a PNG, JPEG or WebP image."""
    if len(data) > MAX_LOGO_BYTES:
        raise SetupError(_l("The logo is larger than 200 KB. Save it smaller and try again."), "logo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        kind = None
    if kind not in LOGO_TYPES:
        raise SetupError(_l("The logo must be a PNG, JPEG or WebP image."), "logo")
    return LOGO_TYPES[kind]


def set_logo(council: Council, data: bytes | None, *, actor: Member) -> None:
    """Store the council's logo (None removes it); raises :class:`SetupError` for a file that is not a
    small enough image; flushes."""
    if data is None:
        council.logo, council.logo_type = None, None
    else:
        council.logo_type = check_logo(data)
        council.logo = data
    db.session.flush()
    record_event("council.logo_changed", actor=actor, council_id=council.id, removed=data is None)


def get_logo(slug: str) -> tuple[bytes, str] | None:
    """A council's logo and its content type, or None; one query."""
    row = db.session.execute(
        select(Council.logo, Council.logo_type).where(Council.slug == slug, Council.logo.is_not(None))
    ).first()
    return (row.logo, row.logo_type) if row is not None else None


# --- the platform's settings ------------------------------------------------------------------------------

#: The site's languages by name, in the reader's language.
LANGUAGES = {"da": _l("Danish"), "sv": _l("Swedish"), "en": _l("English")}


@dataclass(frozen=True, slots=True)
class PlatformSetting:
    """One setting as the settings page shows it: what it is for, its value (None: not set) and the
    environment variable that sets it."""

    label: Any
    value: str | None
    variable: str
    hint: Any = None


@dataclass(frozen=True, slots=True)
class PlatformSettings:
    groups: list[tuple[Any, list[PlatformSetting]]]
    #: Whether e-mail goes out from a no-reply address that nobody can answer.
    sends_from_no_reply: bool


def describe_settings(config: Mapping[str, Any]) -> PlatformSettings:
    """The platform's settings (read from the environment when the site started), grouped as the settings
    page shows them. No query."""
    reply_to = config.get("COURSE_MAIL_REPLY_TO")
    sender = config.get("COURSE_MAIL_FROM") or ""

    def setting(label: Any, variable: str, hint: Any = None) -> PlatformSetting:
        value = config.get(variable)
        return PlatformSetting(label, str(value) if value not in (None, "") else None, variable, hint)

    def language(label: Any, variable: str) -> PlatformSetting:
        """A language setting shown by its name, with its code (Danish (da))."""
        code = config.get(variable)
        name = LANGUAGES.get(code) if code else None
        value = f"{name} ({code})" if name is not None else (str(code) if code else None)
        return PlatformSetting(label, value, variable)

    groups = [
        (
            _l("Who runs the site"),
            [
                setting(
                    _l("Operator"),
                    "COURSE_OPERATOR_NAME",
                    _l("Named on the privacy and accessibility pages."),
                ),
                setting(
                    _l("Data controller"),
                    "COURSE_PRIVACY_CONTROLLER",
                    _l("Named on the privacy page. Not set: each member's municipality."),
                ),
                setting(
                    _l("Data-protection contact"), "COURSE_PRIVACY_CONTACT", _l("Named on the privacy page.")
                ),
                setting(
                    _l("Contact for accessibility problems"),
                    "COURSE_ACCESSIBILITY_CONTACT",
                    _l("Named in the accessibility statement. Not set: the reply-to address."),
                ),
            ],
        ),
        (
            _l("E-mail"),
            [
                setting(_l("Sender"), "COURSE_MAIL_FROM"),
                setting(
                    _l("Reply-to address"),
                    "COURSE_MAIL_REPLY_TO",
                    _l("Where answers to the site's e-mails go."),
                ),
                setting(
                    _l("SMTP server"),
                    "COURSE_SMTP_HOST",
                    _l("Not set: e-mails are written to the outbox folder in the instance folder."),
                ),
            ],
        ),
        (
            _l("The site"),
            [
                setting(
                    _l("Public address"), "COURSE_BASE_URL", _l("Used in e-mails and certificate QR codes.")
                ),
                language(_l("Default language"), "COURSE_DEFAULT_LOCALE"),
            ],
        ),
    ]
    no_reply = "no-reply" in sender.lower() or "noreply" in sender.lower()
    return PlatformSettings(groups, sends_from_no_reply=no_reply and not reply_to)
