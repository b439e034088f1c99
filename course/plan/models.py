"""What the council's plan keeps: one draft per council, and each adopted version.

A version is a frozen copy of the draft at adoption (section titles and texts included, so a later change of
template or draft never changes what members read) with the date, the decision reference and who adopted
it. The contacts in a plan are personal data (names, phone numbers, e-mail addresses): the privacy registry
exports and erases them. Nothing about incidents is ever stored.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime, utcnow
from course.extensions import db


class PlanDraft(db.Model):
    """The plan being edited: texts per field, contacts, included seminar agreements, next review date."""

    __tablename__ = "plan_draft"

    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    #: {"texts": {"section.field": str}, "contacts": [...], "party_contacts": [...], "agreements": [...]}
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    review_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))


class PlanVersion(db.Model):
    """An adopted plan, as adopted. Members read the council's latest version."""

    __tablename__ = "plan_version"
    __table_args__ = (
        UniqueConstraint("council_id", "number"),
        CheckConstraint("number > 0", name="number"),
        CheckConstraint("length(decision_reference) > 0", name="decision_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    language: Mapped[str] = mapped_column(String(2))
    #: The whole plan as members read it: title, intro, sections with their texts, contacts, agreements,
    #: the emergency and police numbers and the source ids.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    adopted_on: Mapped[date] = mapped_column(Date)
    decision_reference: Mapped[str] = mapped_column(String(300))
    next_review_on: Mapped[date] = mapped_column(Date)
    adopted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    adopted_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    #: When the administrators were reminded of the review date (once per version).
    review_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
