"""What the administration keeps: roster files waiting for confirmation, and the reminders sent."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime, utcnow
from course.extensions import db


class PendingImport(db.Model):
    """A roster file an administrator uploaded and has not confirmed yet.

    The parsed rows wait here between the preview and the confirmation (they are too large for the session
    cookie); confirming validates them again against the roster as it is then.
    """

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReminderKind(enum.StrEnum):
    MANUAL = "manual"  # sent by an administrator from the dashboard
    SCHEDULED = "scheduled"  # the weekly reminder of `council-course send-reminders`
    DUE_SOON = "due_soon"  # in the week before the council's due date
    OVERDUE = "overdue"  # the one reminder after the due date


class Reminder(db.Model):
    """One reminder e-mail sent to a member; the log the dashboard and the scheduler read."""

    __tablename__ = "reminder"
    __table_args__ = (
        CheckConstraint("kind IN ('manual', 'scheduled', 'due_soon', 'overdue')", name="kind"),
        Index("ix_reminder_member_sent", "member_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    # The round whose course the reminder was about.
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"), index=True)
    # None when the scheduler sent it.
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(10))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
