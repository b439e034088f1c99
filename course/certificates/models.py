"""Certificates, and completions recorded at an in-person council seminar.

A certificate records what it says at the moment it is issued (name, council, dates, content version), so
a later change to the roster does not rewrite a certificate someone already holds; a correction is a
reissue, which adds the next revision and leaves the earlier one in place, marked as replaced.
The course and its modules are stored by their content ids; their titles come from the content.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.db import UTCDateTime, utcnow
from course.extensions import db
from course.learning.models import SeminarCompletion
from course.people.models import CourseRound, Member


class Certificate(db.Model):
    """One revision of a member's certificate for one completion (online or at a seminar)."""

    __tablename__ = "certificate"
    __table_args__ = (
        # Issuing twice for the same completion finds revision 1 instead of adding a certificate.
        UniqueConstraint("course_completion_id", "revision"),
        UniqueConstraint("seminar_completion_id", "revision"),
        CheckConstraint(
            "(course_completion_id IS NULL) <> (seminar_completion_id IS NULL)", name="one_completion"
        ),
        CheckConstraint("revision >= 1", name="revision"),
        CheckConstraint("length(code) = 15", name="code"),
        CheckConstraint("valid_until >= completed_on", name="valid_after_completion"),
        CheckConstraint(
            "(revoked_at IS NULL AND revoke_reason IS NULL) OR "
            "(revoked_at IS NOT NULL AND revoke_reason IS NOT NULL)",
            name="revoke_reason",
        ),
        # Each council's certificates in force (neither replaced nor revoked), counted for the platform
        # overview from this small index rather than from every certificate ever issued.
        Index(
            "ix_certificate_council_in_force",
            "council_id",
            sqlite_where=text("replaced_at IS NULL AND revoked_at IS NULL"),
            postgresql_where=text("replaced_at IS NULL AND revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    # The round whose completion it certifies: it is valid until the end of that round's term at most.
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    course_completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_completion.id", ondelete="CASCADE")
    )
    seminar_completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("seminar_completion.id", ondelete="CASCADE")
    )
    revision: Mapped[int] = mapped_column(default=1)
    # 15 symbols of Crockford's base32 (75 random bits), stored without the dashes shown to people.
    code: Mapped[str] = mapped_column(String(15), unique=True)

    member_name: Mapped[str] = mapped_column(String(200))
    council_name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    course_id: Mapped[str] = mapped_column(String(63))
    module_ids: Mapped[list[str]] = mapped_column(JSON)
    content_version: Mapped[str] = mapped_column(String(40))
    completed_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)

    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the certificate was issued automatically on completion.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # What a reissue corrected (None for revision 1).
    correction: Mapped[str | None] = mapped_column(String(500))
    replaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    round: Mapped[CourseRound] = relationship()
    seminar_completion: Mapped[SeminarCompletion | None] = relationship()

    @property
    def is_seminar(self) -> bool:
        return self.seminar_completion_id is not None

    @property
    def is_current(self) -> bool:
        return self.replaced_at is None

    def __repr__(self) -> str:
        return f"<Certificate {self.code} r{self.revision}>"
