"""Councils and their members: the records every feature builds on."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, WriteOnlyMapped, deferred, mapped_column, relationship

from course.db import UTCDateTime, utcnow
from course.extensions import db
from course.people.calendar import Term


class Country(enum.StrEnum):
    DENMARK = "dk"
    SWEDEN = "se"


class Role(enum.StrEnum):
    COUNCILLOR = "councillor"
    SUBSTITUTE = "substitute"
    STAFF = "staff"


class Council(db.Model):
    __tablename__ = "council"
    __table_args__ = (
        CheckConstraint("country IN ('dk', 'se')", name="country"),
        CheckConstraint("default_locale IN ('da', 'sv', 'en')", name="default_locale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    default_locale: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: WriteOnlyMapped[Member] = relationship(back_populates="council", passive_deletes=True)
    # The round the council's members are taking now: the course in the current council term (or in the
    # next one, when the council started it early). Every council has one from its creation.
    current_round_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_round.id", ondelete="SET NULL", use_alter=True, name="fk_council_current_round_id")
    )
    current_round: Mapped[CourseRound | None] = relationship(
        foreign_keys=[current_round_id], post_update=True
    )

    # Certificates: issued when a member completes the course, e-mailed to them then, valid until this
    # date (None: the end of the current council term; see course.certificates.validity).
    has_automatic_certificates: Mapped[bool] = mapped_column(default=True, server_default=true())
    has_certificate_email: Mapped[bool] = mapped_column(default=True, server_default=true())
    certificate_valid_until: Mapped[date | None] = mapped_column(Date)

    # After this date `council-course purge` erases the members who have left the roster (None: one year
    # after the end of the council term in which each of them left; see course.privacy.retention).
    retention_until: Mapped[date | None] = mapped_column(Date)

    # When a platform administrator archived the council: its members can no longer sign in, it is left
    # out of the platform overview, and `council-course purge` erases its members once the retention
    # period (counted from this moment) has passed.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The council's own logo, shown with its name in the site header for its members (course.platform):
    # the image itself is loaded only when it is served, its type with the council.
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_type: Mapped[str | None] = mapped_column(String(20))

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def __repr__(self) -> str:
        return f"<Council {self.slug}>"


class CourseRound(db.Model):
    """A round: one council's course in one council term, with its own due date. Every completion,
    attempt and certificate belongs to a round; a new term starts a new round, in which every member takes
    the course afresh (nothing of the earlier round is deleted)."""

    __tablename__ = "course_round"
    __table_args__ = (
        UniqueConstraint("council_id", "term_start"),
        CheckConstraint("term_end > term_start", name="term"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the round started by itself on the first day of the term.
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    # The day by which the council asks every member to have completed the course (its own calendar).
    due_date: Mapped[date | None] = mapped_column(Date)
    # Re-elected members who completed the previous round count as complete in this one.
    carries_over: Mapped[bool] = mapped_column(default=False, server_default=false())

    council: Mapped[Council] = relationship(foreign_keys=[council_id])

    @property
    def term(self) -> Term:
        return Term(self.term_start, self.term_end)

    def __repr__(self) -> str:
        return f"<CourseRound {self.council_id} {self.term_start}>"


class Member(UserMixin, db.Model):
    """A person taking the course: councillor, substitute or staff; possibly an administrator."""

    __tablename__ = "member"
    __table_args__ = (
        CheckConstraint("role IN ('councillor', 'substitute', 'staff')", name="role"),
        CheckConstraint("locale IS NULL OR locale IN ('da', 'sv', 'en')", name="locale"),
        # A council's roster by whether each member takes the course and is still on it: counting a
        # council's (or every council's) members reads this index alone, not the members' rows.
        Index("ix_member_council_roster", "council_id", "takes_course", "removed_at"),
        # Each council's administrators, counted for the platform overview from a few hundred entries
        # rather than from every member. (Written as each database writes `is_admin IS true`.)
        Index(
            "ix_member_council_admins",
            "council_id",
            "removed_at",
            sqlite_where=text("is_admin IS 1"),
            postgresql_where=text("is_admin IS true"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # Stored lower-cased; one account per address across the whole site, since it signs in.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(20), default=Role.COUNCILLOR.value)
    # Whether the member is expected to take the course: by default councillors and substitutes are, staff
    # are not. Completion rates, overdue counts, the funnel, question statistics and reminders count only
    # those who are; the others can still take the course and get a certificate.
    takes_course: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    locale: Mapped[str | None] = mapped_column(String(2))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    council: Mapped[Council] = relationship(back_populates="members")

    # Set by the auth layer when the member is loaded for a request: Flask-Login keeps this token, not
    # the member id, in the session cookie, so signing out can end the session on the server.
    session_token = None
    # Set with it when the session's "last seen" is due to be written: (session id, time).
    session_seen = None

    def get_id(self) -> str | None:
        return self.session_token

    def __repr__(self) -> str:
        return f"<Member {self.id}>"

    # When the last invitation was sent, when the member first signed in, and when an administrator
    # removed them. A removed member keeps their row, so the audit trail keeps pointing at them, but
    # can no longer sign in and is left out of every roster, dashboard and count.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the member's personal data was erased (course.privacy): the row stays, removed and anonymous,
    # so audit events and revoked certificates keep pointing at something.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None

    @property
    def language(self) -> str:
        """The language the member's e-mails and certificates are written in: their own choice, else
        their council's."""
        return self.locale or self.council.default_locale
