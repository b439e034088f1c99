"""Reading the audit log back for the council's administrators."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from course.admin.reminders import KIND_LABELS
from course.audit.models import AuditEvent
from course.certificates.codes import format_code
from course.content import Conversation, Text
from course.extensions import db
from course.people.models import Member
from course.seminars.material import find_card
from course.web.inputs import parse_id

# --- -----------------------------------------------------------------------------------

PAGE_SIZE = 50

#: What each action is called in the log viewer. An action missing here (a newer one) shows its code.
ACTION_LABELS: dict[str, Any] = {
    "council.created": _l("Council created"),
    "council.due_date_changed": _l("Due date changed"),
    "council.changed": _l("Council's details changed"),
    "council.administrator_added": _l("Council administrator appointed"),
    "council.archived": _l("Council archived"),
    "council.restored": _l("Council taken out of the archive"),
    "council.logo_changed": _l("Council logo changed"),
    "round.started": _l("New round started"),
    "round.term_changed": _l("Round moved to the new country's council term"),
    "member.added": _l("Member added"),
    "member.changed": _l("Member changed"),
    "member.removed": _l("Member removed"),
    "member.restored": _l("Member restored"),
    "member.address_released": _l("Address released for another council"),
    "member.exported": _l("Member's data exported"),
    "member.erased": _l("Member erased"),
    "council.retention_changed": _l("Retention date changed"),
    "import.confirmed": _l("Roster imported"),
    "invitation.sent": _l("Invitation sent"),
    "reminder.sent": _l("Reminder sent"),
    "certificate.issued": _l("Certificate issued"),
    "certificate.revoked": _l("Certificate revoked"),
    "certificate.reissued": _l("Certificate issued again"),
    "certificate.emailed": _l("Certificate e-mailed"),
    "certificate.settings_changed": _l("Certificate settings changed"),
    "seminar.planned": _l("Seminar planned"),
    "seminar.changed": _l("Seminar changed"),
    "seminar.started": _l("Seminar started"),
    "seminar.results_revealed": _l("Seminar results shown"),
    "seminar.agreement_added": _l("Seminar agreement added"),
    "seminar.answer_moderated": _l("Seminar answer moderated"),
    "seminar.ended": _l("Seminar ended"),
    "seminar.attendance_confirmed": _l("Seminar attendance confirmed"),
    "seminar.settings_changed": _l("Seminar settings changed"),
    "plan.draft_saved": _l("Plan against threats: draft saved"),
    "plan.adopted": _l("Plan against threats adopted"),
    "plan.review_reminder_sent": _l("Plan against threats: review reminder sent"),
}

#: Details worth showing, in this order, with their labels; the rest stays in the database.
DETAIL_LABELS: dict[str, Any] = {
    "code": _l("Certificate code"),
    "reason": _l("Reason"),
    "filename": _l("File"),
    "due_date": _l("Due date"),
    "retention_until": _l("Kept until"),
    "previous": _l("Before"),
    "term_start": _l("Council term from"),
    "term_end": _l("Council term to"),
    "kind": _l("Reminder"),
    "by": _l("Erased"),
    "added": _l("Added"),
    "changed": _l("Changed"),
}
#: Details that hold a date (written as YYYY-MM-DD), shown as dates in the reader's language.
DATE_DETAILS = frozenset({"due_date", "retention_until", "previous", "term_start", "term_end"})
#: Details whose values are codes with labels of their own.
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "kind": KIND_LABELS,
    "by": {
        "administrator": _l("By an administrator"),
        "retention": _l("At the end of the retention period"),
    },
}

#: The fields a "changed" detail names (a list of field codes), by their labels on the forms.
FIELD_LABELS: dict[str, Any] = {
    "name": _l("Name"),
    "country": _l("Country"),
    "default_locale": _l("Language"),
    "is_admin": _l("Administrator"),
}


@dataclass(frozen=True, slots=True)
class Detail:
    """One detail of an event; ``value`` is a :class:`datetime.date` for dates, a :class:`Text` for a
    seminar card's title (the page formats both in the reader's language)."""

    label: str
    value: Any

    @property
    def is_date(self) -> bool:
        return isinstance(self.value, date)

    @property
    def is_text(self) -> bool:
        return isinstance(self.value, Text)


def _detail_value(key: str, value: Any, conversation: Conversation | None = None) -> Any:
    if key == "added" and isinstance(value, str) and ":" in value:
        # A seminar card, written as "source:card-id": its title, or the code of a card no longer there.
        source, _, card_id = value.partition(":")
        card = find_card(conversation, source, card_id)
        return card.title if card is not None else value
    if key == "changed" and isinstance(value, list):
        return ", ".join(str(FIELD_LABELS.get(field, field)) for field in value)
    if key == "code":
        return format_code(str(value))  # as printed on the certificate
    if key in DATE_DETAILS:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if key in VALUE_LABELS and value in VALUE_LABELS[key]:
        return str(VALUE_LABELS[key][value])
    return str(value)


@dataclass(frozen=True, slots=True)
class AuditFilters:
    """Which events the viewer shows: one action, one member, one page."""

    action: str | None = None
    member_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> AuditFilters:
        """Read the query string; anything unusable falls back to the default rather than failing."""
        action = args.get("action") or None
        member = args.get("member") or ""
        page = args.get("page") or ""
        return cls(
            action=action if action and len(action) <= 64 and re.fullmatch(r"[a-z_.]+", action) else None,
            member_id=parse_id(member),
            # str.isdigit() would take "²", which int() refuses: only ASCII digits are a page number.
            page=max(1, int(page)) if re.fullmatch(r"[0-9]{1,6}", page) else 1,
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string values for a link to this view with ``changes`` applied."""
        changed = replace(self, **changes)
        values = {"action": changed.action, "member": changed.member_id, "page": changed.page}
        return {key: value for key, value in values.items() if value and (key != "page" or value > 1)}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    event: AuditEvent
    actor_name: str | None
    member_name: str | None
    #: The course's conversation material, to name the seminar cards an event mentions.
    conversation: Conversation | None = None

    @property
    def label(self) -> str:
        return str(ACTION_LABELS.get(self.event.action, self.event.action))

    @property
    def details(self) -> list[Detail]:
        return [
            Detail(str(label), _detail_value(key, self.event.details[key], self.conversation))
            for key, label in DETAIL_LABELS.items()
            if self.event.details and self.event.details.get(key) not in (None, "")
        ]


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    total: int
    page: int
    pages: int
    filters: AuditFilters


def list_events(
    council_id: int,
    filters: AuditFilters,
    page_size: int = PAGE_SIZE,
    conversation: Conversation | None = None,
) -> AuditPage:
    """One page of the council's audit log, newest first, in two queries (a count and the page)."""
    conditions = [AuditEvent.council_id == council_id]
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.member_id:
        conditions.append(AuditEvent.member_id == filters.member_id)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    pages = max(1, -(-total // page_size))
    page = min(filters.page, pages)
    actor, subject = aliased(Member), aliased(Member)
    rows = db.session.execute(
        # Names come with the events (two outer joins), not one query per row from the template.
        select(AuditEvent, actor.name, subject.name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .outerjoin(subject, subject.id == AuditEvent.member_id)
        .where(*conditions)
        .order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    entries = [
        AuditEntry(event, actor_name, member_name, conversation) for event, actor_name, member_name in rows
    ]
    return AuditPage(entries, total, page, pages, replace(filters, page=page))


def list_logged_members(council_id: int) -> list[tuple[int, str]]:
    """The council's members that the log mentions, by name: the choices of the member filter."""
    rows = db.session.execute(
        select(Member.id, Member.name)
        .where(
            Member.council_id == council_id,
            Member.id.in_(select(AuditEvent.member_id).where(AuditEvent.council_id == council_id)),
        )
        .order_by(Member.name, Member.id)
    ).all()
    return [(member_id, name) for member_id, name in rows]
