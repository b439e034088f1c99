"""Server-side sign-in sessions and the one-time links sent by e-mail."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.db import UTCDateTime, utcnow
from course.extensions import db
from course.people.models import Member


class LoginSession(db.Model):
    """One signed-in browser. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the session was last used (kept to within a few minutes): it ends after a long enough pause.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the member sees on their list of sessions, read from the User-Agent header at sign-in: a browser
    # and a system name from a short list, never the header itself (None: not recognised).
    browser: Mapped[str | None] = mapped_column(String(40))
    platform: Mapped[str | None] = mapped_column(String(40))

    member: Mapped[Member] = relationship()


class TokenPurpose(enum.StrEnum):
    INVITE = "invite"
    LOGIN = "login"
    RESET = "reset"


class AuthToken(db.Model):
    """A one-time link sent by e-mail: an invitation, a sign-in link or a password reset.

    The link carries a random token (signed with the site's key); only the token's hash is stored, so a copy
    of the database lets nobody in. A token is used once and expires.
    """

    __tablename__ = "auth_token"
    __table_args__ = (CheckConstraint("purpose IN ('invite', 'login', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
