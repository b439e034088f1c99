"""What a seminar keeps: its plan, the facilitator's position, anonymous answer totals, who joined, and the
agreements.

Answers are anonymous by construction: ``seminar_answer`` holds totals per answer value (a scale point, an
option or a word) and nothing that could link them to a member or to a moment finer than the question.
``seminar_ballot`` says only that a member has answered a question (so each member counts once), never what;
``seminar_attendance`` says who joined.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.db import UTCDateTime, utcnow
from course.extensions import db

#: Where a seminar card comes from in the conversation material.
SOURCES = ("council", "administration", "dos-and-donts")
STATUSES = ("planned", "live", "ended")
QUESTION_KINDS = ("scale", "choice", "words")
QUESTION_STATES = ("idle", "open", "closed")
ANSWER_STATUSES = ("counted", "pending", "approved", "rejected")
#: The smallest group whose answers a council may show (the default is in ``SeminarSettings``).
MIN_ANSWERS_RANGE = (3, 50)
DEFAULT_MIN_ANSWERS = 5


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class SeminarSettings(db.Model):
    """A council's seminar settings: how many must have answered before totals may be shown."""

    __tablename__ = "seminar_settings"
    __table_args__ = (
        CheckConstraint(f"min_answers BETWEEN {MIN_ANSWERS_RANGE[0]} AND {MIN_ANSWERS_RANGE[1]}", name="min"),
    )

    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), primary_key=True)
    min_answers: Mapped[int] = mapped_column(default=DEFAULT_MIN_ANSWERS)


class Seminar(db.Model):
    __tablename__ = "seminar"
    __table_args__ = (
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("position >= -1", name="position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="planned")
    #: The card on the screen: -1 is the welcome screen with the join code, 0 the first card.
    position: Mapped[int] = mapped_column(default=-1)
    #: Raised by every change; open event streams in every process compare it (and number events by it).
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list[SeminarItem]] = relationship(
        back_populates="seminar", order_by="SeminarItem.position", cascade="all, delete-orphan"
    )
    agreements: Mapped[list[SeminarAgreement]] = relationship(
        back_populates="seminar", order_by="SeminarAgreement.id", cascade="all, delete-orphan"
    )


class SeminarItem(db.Model):
    """One card of a seminar, in its place in the order, with the question put to the room (if any)."""

    __tablename__ = "seminar_item"
    __table_args__ = (
        UniqueConstraint("seminar_id", "position"),
        CheckConstraint(_in("source", SOURCES), name="source"),
        CheckConstraint(f"question_kind IS NULL OR {_in('question_kind', QUESTION_KINDS)}", name="kind"),
        CheckConstraint(_in("question_state", QUESTION_STATES), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminar.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    source: Mapped[str] = mapped_column(String(20))
    card_id: Mapped[str] = mapped_column(String(64))
    question_kind: Mapped[str | None] = mapped_column(String(10))
    question_text: Mapped[str | None] = mapped_column(String(300))
    options: Mapped[list[str] | None] = mapped_column(JSON)
    question_state: Mapped[str] = mapped_column(String(10), default="idle")
    is_revealed: Mapped[bool] = mapped_column(default=False)
    #: The card was on the screen during the seminar (the summary lists the cards discussed).
    was_shown: Mapped[bool] = mapped_column(default=False)

    seminar: Mapped[Seminar] = relationship(back_populates="items")


class SeminarAnswer(db.Model):
    """The anonymous total of one answer value to one question.

    No member, no time: a scale point or an option is a counter, and a word for the word list is one row
    per distinct word with its count and whether the facilitator let the room see it.
    """

    __tablename__ = "seminar_answer"
    __table_args__ = (
        UniqueConstraint("item_id", "value"),
        CheckConstraint(_in("status", ANSWER_STATUSES), name="status"),
        CheckConstraint("count >= 0", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("seminar_item.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(80))
    count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(10), default="counted")


class SeminarBallot(db.Model):
    """That a member has answered a question (so each counts once); it holds nothing of the answer."""

    __tablename__ = "seminar_ballot"

    item_id: Mapped[int] = mapped_column(ForeignKey("seminar_item.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)


class SeminarAttendance(db.Model):
    """Who joined the seminar, and whether the facilitator confirmed them as present at the end."""

    __tablename__ = "seminar_attendance"

    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminar.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    is_confirmed: Mapped[bool] = mapped_column(default=False)


class SeminarAgreement(db.Model):
    """An agreement the council reached, typed by the facilitator during the seminar."""

    __tablename__ = "seminar_agreement"
    __table_args__ = (CheckConstraint("length(text) > 0", name="text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seminar_id: Mapped[int] = mapped_column(ForeignKey("seminar.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    seminar: Mapped[Seminar] = relationship(back_populates="agreements")
