"""Audit events: who did what, when, to which member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from course.db import UTCDateTime, utcnow
from course.extensions import db


class AuditEvent(db.Model):
    """Append-only: the application inserts events and never updates or deletes them (enforced below)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_council_created", "council_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int | None] = mapped_column(ForeignKey("council.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditLogChangeError(RuntimeError):
    """Something tried to change or delete an audit event through the ORM."""


@event.listens_for(db.session, "before_flush")
def _refuse_changed_or_deleted_events(session: Session, flush_context: Any, instances: Any) -> None:
    for instance in session.deleted:
        if isinstance(instance, AuditEvent):
            raise AuditLogChangeError(f"audit event {instance.id} cannot be deleted: the log is append-only")
    for instance in session.dirty:
        if isinstance(instance, AuditEvent) and session.is_modified(instance):
            raise AuditLogChangeError(f"audit event {instance.id} cannot be changed: the log is append-only")


@event.listens_for(db.session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    # update(AuditEvent) / delete(AuditEvent) through the session never reach the flush above. Compared by
    # name: an ORM statement may hold an annotated copy of the table rather than the table itself.
    table = getattr(state.statement, "table", None)
    if (state.is_update or state.is_delete) and getattr(table, "name", None) == AuditEvent.__tablename__:
        raise AuditLogChangeError("audit events cannot be changed or deleted: the log is append-only")
