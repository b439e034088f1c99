"""E-mail a person was told is on its way, kept in the database until the SMTP server has accepted it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from course.db import UTCDateTime, utcnow
from course.extensions import db


class OutgoingMail(db.Model):
    """One requested e-mail (a sign-in link, a password reset) that has not been delivered yet.

    The request writes the row in its own transaction, before it answers "we have sent you an e-mail"; the
    row is deleted once the message is delivered (or, for an address that is no member's, once it is clear
    there is nothing to send). So an e-mail the person was told about survives a worker that exits.
    """

    __tablename__ = "outgoing_mail"
    __table_args__ = (
        CheckConstraint("kind IN ('sign_in_link', 'password_reset')", name="kind"),
        Index("ix_outgoing_mail_claimed_until", "claimed_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: The address as typed in the form: it is looked up only when the e-mail is sent, after the answer.
    email: Mapped[str] = mapped_column(String(254))
    next_path: Mapped[str | None] = mapped_column(String(2000))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    #: While set and in the future, one worker is delivering the row (or waits before trying it again).
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
