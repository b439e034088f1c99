"""The council's plan: drafting from the template, adopting versions, what members see, review reminders.

No request here: the views pass the council, the member acting and the template. Functions that write
flush; the caller commits. Every query is scoped to one council.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from course.audit.services import record_event
from course.db import utcnow
from course.extensions import db
from course.people.calendar import local_date
from course.people.models import Council, Member
from course.plan.models import PlanDraft, PlanVersion
from course.plan.template import PlanTemplate
from course.seminars.models import Seminar, SeminarAgreement

#: Administrators are reminded this long before the review date.
REMINDER_LEAD = timedelta(days=30)
MAX_TEXT = 2000


class PlanError(ValueError):
    """The plan cannot be adopted as it is; ``reason`` is a code the views turn into a message."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


# --- the draft ------------------------------------------------------------------------------------------


def template_language(council: Council) -> str:
    """The language of the council's plan: the council's own language."""
    return council.default_locale if council.default_locale in ("da", "sv", "en") else "en"


def content_from_template(template: PlanTemplate) -> dict[str, Any]:
    """A new draft: the template's suggested texts, no contacts, no agreements."""
    texts = {
        f"{section.id}.{field.id}": field.text for section in template.sections for field in section.fields
    }
    return {"texts": texts, "contacts": [], "party_contacts": [], "agreements": []}


@dataclass(frozen=True, slots=True)
class Draft:
    """The draft as the editor shows it: saved, or fresh from the template."""

    content: dict[str, Any]
    review_on: date | None
    is_saved: bool
    updated_at: datetime | None


def get_draft(council_id: int, template: PlanTemplate) -> Draft:
    row = db.session.get(PlanDraft, council_id)
    if row is None:
        return Draft(content_from_template(template), None, False, None)
    content = dict(row.content)
    texts = dict(content.get("texts") or {})
    for key, text in content_from_template(template)["texts"].items():
        texts.setdefault(key, text)  # a field the template gained since the draft was saved
    content["texts"] = texts
    return Draft(content, row.review_on, True, row.updated_at)


def _clean_rows(rows: Iterable[dict[str, Any]], keys: Sequence[str]) -> list[dict[str, Any]]:
    cleaned = []
    for row in rows:
        entry = {
            key: (row.get(key) or "").strip() if key != "out_of_hours" else bool(row.get(key)) for key in keys
        }
        if any(value for key, value in entry.items() if key != "out_of_hours"):
            cleaned.append(entry)
    return cleaned


CONTACT_KEYS = ("name", "role", "phone", "email", "out_of_hours")
PARTY_CONTACT_KEYS = ("group", "name", "phone", "email")


def save_draft(
    council: Council,
    template: PlanTemplate,
    *,
    texts: dict[str, str],
    contacts: Iterable[dict[str, Any]],
    party_contacts: Iterable[dict[str, Any]],
    agreement_ids: Iterable[int],
    review_on: date | None,
    actor: Member,
    now: datetime | None = None,
) -> PlanDraft:
    """Save the draft (the adopted versions never change); flushes and audits ``plan.draft_saved``."""
    now = now or utcnow()
    row = db.session.get(PlanDraft, council.id)
    previous = row.content.get("agreements", []) if row is not None else []
    content = {
        "texts": {key: (texts.get(key) or "").strip()[:MAX_TEXT] for key in template.field_keys},
        "contacts": _clean_rows(contacts, CONTACT_KEYS),
        "party_contacts": _clean_rows(party_contacts, PARTY_CONTACT_KEYS),
        "agreements": _chosen_agreements(council.id, set(agreement_ids), previous),
    }
    if row is None:
        row = PlanDraft(council_id=council.id)
        db.session.add(row)
    row.language = template.language
    row.content = content
    row.review_on = review_on
    row.updated_at = now
    row.updated_by_id = actor.id
    db.session.flush()
    record_event("plan.draft_saved", actor=actor, council_id=council.id)
    return row


@dataclass(frozen=True, slots=True)
class Agreement:
    id: int
    text: str
    seminar: str
    held_on: date


def list_agreements(council_id: int) -> list[Agreement]:
    """The agreements of the council's seminars, newest seminar first (one query)."""
    rows = db.session.execute(
        select(SeminarAgreement.id, SeminarAgreement.text, Seminar.title, Seminar.held_on)
        .join(Seminar, Seminar.id == SeminarAgreement.seminar_id)
        .where(Seminar.council_id == council_id)
        .order_by(Seminar.held_on.desc(), SeminarAgreement.id)
    ).all()
    return [Agreement(*row) for row in rows]


def _chosen_agreements(
    council_id: int, chosen: set[int], previous: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The chosen agreements, copied (a seminar deleted later leaves the plan as it was); an included
    agreement whose seminar is gone stays unless it is unticked."""
    available = {agreement.id: agreement for agreement in list_agreements(council_id)}
    result = []
    for agreement_id in sorted(chosen):
        agreement = available.get(agreement_id)
        if agreement is not None:
            result.append(
                {
                    "id": agreement.id,
                    "text": agreement.text,
                    "seminar": agreement.seminar,
                    "held_on": agreement.held_on.isoformat(),
                }
            )
    kept = [item for item in previous if item.get("id") not in available and item.get("id") in chosen]
    return kept + result


# --- adoption and versions ----------------------------------------------------------------------------


def snapshot(template: PlanTemplate, draft: Draft) -> dict[str, Any]:
    """The plan as members will read it, frozen: titles and texts, contacts, agreements, numbers, sources."""
    texts = draft.content.get("texts", {})
    return {
        "title": template.title,
        "intro": template.intro,
        "emergency": template.emergency_number,
        "police": template.police_number,
        "sources": list(template.all_sources),
        "sections": [
            {
                "id": section.id,
                "kind": section.kind,
                "title": section.title,
                "fields": [
                    {"label": field.label, "text": texts.get(f"{section.id}.{field.id}", "")}
                    for field in section.fields
                    if texts.get(f"{section.id}.{field.id}", "")
                ],
            }
            for section in template.sections
        ],
        "contacts": list(draft.content.get("contacts", [])),
        "party_contacts": list(draft.content.get("party_contacts", [])),
        "agreements": list(draft.content.get("agreements", [])),
    }


def adopt_plan(
    council: Council,
    template: PlanTemplate,
    *,
    adopted_on: date,
    decision_reference: str,
    actor: Member,
    now: datetime | None = None,
) -> PlanVersion:
    """Adopt the saved draft as the council's next version; flushes and audits ``plan.adopted``.

    Raises :class:`PlanError`: ``no_draft`` (nothing saved yet), ``no_contact`` (no security contact
    reachable out of hours), ``review_not_after`` (the review date is not after the adoption),
    ``no_reference``.
    """
    now = now or utcnow()
    reference = decision_reference.strip()
    if not reference:
        raise PlanError("no_reference")
    row = db.session.get(PlanDraft, council.id, with_for_update=True)
    if row is None:
        raise PlanError("no_draft")
    draft = get_draft(council.id, template)
    if not any(contact.get("out_of_hours") and contact.get("name") for contact in draft.content["contacts"]):
        raise PlanError("no_contact")
    next_review = draft.review_on or _one_year_after(adopted_on)
    if next_review <= adopted_on:
        raise PlanError("review_not_after")
    number = (
        db.session.scalar(select(func.max(PlanVersion.number)).where(PlanVersion.council_id == council.id))
        or 0
    ) + 1
    version = PlanVersion(
        council_id=council.id,
        number=number,
        language=template.language,
        content=snapshot(template, draft),
        adopted_on=adopted_on,
        decision_reference=reference[:300],
        next_review_on=next_review,
        adopted_at=now,
        adopted_by_id=actor.id,
    )
    db.session.add(version)
    db.session.flush()
    record_event(
        "plan.adopted",
        actor=actor,
        council_id=council.id,
        version=version.id,
        number=number,
        adopted_on=adopted_on.isoformat(),
        next_review_on=next_review.isoformat(),
    )
    return version


def _one_year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True, slots=True)
class VersionRow:
    id: int
    number: int
    adopted_on: date
    decision_reference: str
    next_review_on: date
    adopted_at: datetime
    adopted_by: str | None


def list_versions(council_id: int) -> list[VersionRow]:
    """The council's versions, newest first, with who adopted each (one query)."""
    rows = db.session.execute(
        select(
            PlanVersion.id,
            PlanVersion.number,
            PlanVersion.adopted_on,
            PlanVersion.decision_reference,
            PlanVersion.next_review_on,
            PlanVersion.adopted_at,
            Member.name,
        )
        .outerjoin(Member, Member.id == PlanVersion.adopted_by_id)
        .where(PlanVersion.council_id == council_id)
        .order_by(PlanVersion.number.desc())
    ).all()
    return [VersionRow(*row) for row in rows]


def get_version(council_id: int, version_id: int) -> PlanVersion | None:
    return db.session.scalar(
        select(PlanVersion).where(PlanVersion.council_id == council_id, PlanVersion.id == version_id)
    )


def current_version(council_id: int) -> PlanVersion | None:
    """The version members read: the council's latest."""
    return db.session.scalar(
        select(PlanVersion)
        .where(PlanVersion.council_id == council_id)
        .order_by(PlanVersion.number.desc())
        .limit(1)
    )


# --- what members and administrators see elsewhere -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    role: str
    phone: str
    email: str

    @property
    def tel(self) -> str:
        """The phone number for a ``tel:`` link: digits and a leading +."""
        digits = "".join(character for character in self.phone if character.isdigit())
        return ("+" if self.phone.strip().startswith("+") else "") + digits


def contact_of(entry: dict[str, Any]) -> Contact:
    return Contact(
        entry.get("name", ""), entry.get("role", ""), entry.get("phone", ""), entry.get("email", "")
    )


@dataclass(frozen=True, slots=True)
class PlanStatus:
    """One line about the council's plan: the course pages and the dashboard show it (one query)."""

    version_id: int | None
    adopted_on: date | None
    next_review_on: date | None
    contact: Contact | None
    #: The emergency number in the adopted version (112).
    emergency: str | None = None

    @property
    def is_adopted(self) -> bool:
        return self.version_id is not None

    def is_review_due(self, today: date) -> bool:
        return self.next_review_on is not None and self.next_review_on <= today


NO_PLAN = PlanStatus(None, None, None, None)


def plan_status(council_id: int) -> PlanStatus:
    version = current_version(council_id)
    if version is None:
        return NO_PLAN
    contacts = version.content.get("contacts") or []
    first = next(
        (entry for entry in contacts if entry.get("out_of_hours")), contacts[0] if contacts else None
    )
    return PlanStatus(
        version.id,
        version.adopted_on,
        version.next_review_on,
        contact_of(first) if first is not None else None,
        version.content.get("emergency"),
    )


@dataclass(frozen=True, slots=True)
class CouncilPlan:
    """For the platform overview: whether a council has adopted a plan, and when it was last reviewed
    (its latest adoption). Never the plan's content."""

    versions: int
    last_adopted_on: date


def adopted_plans_by_council() -> dict[int, CouncilPlan]:
    """Every council with an adopted plan (one query)."""
    rows = db.session.execute(
        select(PlanVersion.council_id, func.count(), func.max(PlanVersion.adopted_on)).group_by(
            PlanVersion.council_id
        )
    ).all()
    return {council_id: CouncilPlan(count, last) for council_id, count, last in rows}


# --- review reminders -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueReminder:
    council: Council
    version: PlanVersion
    administrators: tuple[Member, ...]


def due_review_reminders(now: datetime | None = None, council: Council | None = None) -> list[DueReminder]:
    """Current versions whose review date is a month away or nearer and whose administrators have not
    been reminded yet."""
    now = now or utcnow()
    latest = (
        select(PlanVersion.council_id, func.max(PlanVersion.number).label("number"))
        .group_by(PlanVersion.council_id)
        .subquery()
    )
    statement = (
        select(PlanVersion, Council)
        .join(
            latest,
            (latest.c.council_id == PlanVersion.council_id) & (latest.c.number == PlanVersion.number),
        )
        .join(Council, Council.id == PlanVersion.council_id)
        .where(PlanVersion.review_reminded_at.is_(None))
        .order_by(Council.id)
    )
    if council is not None:
        statement = statement.where(PlanVersion.council_id == council.id)
    due = []
    for version, each in db.session.execute(statement).all():
        if local_date(each.country, now) < version.next_review_on - REMINDER_LEAD:
            continue
        administrators = tuple(
            db.session.execute(
                select(Member)
                .where(
                    Member.council_id == each.id,
                    Member.is_admin,
                    Member.removed_at.is_(None),
                    Member.erased_at.is_(None),
                )
                .order_by(Member.id)
            ).scalars()
        )
        due.append(DueReminder(each, version, administrators))
    return due


def mark_reminded(reminder: DueReminder, now: datetime | None = None) -> None:
    """Record that the administrators were reminded (once per version); flushes and audits."""
    reminder.version.review_reminded_at = now or utcnow()
    db.session.flush()
    record_event(
        "plan.review_reminder_sent",
        actor=None,
        council_id=reminder.council.id,
        version=reminder.version.id,
        administrators=len(reminder.administrators),
    )


# --- personal data (course.privacy) ---------------------------------------------------------------------

CONTACT_LISTS = ("contacts", "party_contacts")


def names_person(entry: dict[str, Any], name: str, email: str) -> bool:
    """Whether a contact entry is this person: the same e-mail address, or the same name."""
    entry_email = (entry.get("email") or "").strip().casefold()
    entry_name = (entry.get("name") or "").strip().casefold()
    return bool(entry_email and entry_email == email.strip().casefold()) or bool(
        entry_name and entry_name == name.strip().casefold()
    )


def contacts_naming(content: dict[str, Any], name: str, email: str) -> list[dict[str, Any]]:
    return [
        entry for key in CONTACT_LISTS for entry in content.get(key, []) if names_person(entry, name, email)
    ]


def without_person(content: dict[str, Any], name: str, email: str) -> dict[str, Any]:
    """``content`` with every contact entry naming the person removed (a new dict, so the change is saved)."""
    changed = dict(content)
    for key in CONTACT_LISTS:
        changed[key] = [entry for entry in content.get(key, []) if not names_person(entry, name, email)]
    return changed
