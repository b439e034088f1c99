"""What a member has done in a round: watched video, quiz attempts, completed modules and the course
(online or at a council seminar).

Content is referred to by its stable ids (module, quiz, question, option); no content text is stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.db import UTCDateTime, utcnow
from course.extensions import db


class VideoProgress(db.Model):
    """The parts of one module's video (in one language) a member has played in a round."""

    __tablename__ = "video_progress"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id", "module_id", "language"),
        CheckConstraint("seconds_watched >= 0", name="seconds_watched"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(63))
    language: Mapped[str] = mapped_column(String(2))
    # Merged, sorted, non-overlapping [start, end] pairs in seconds.
    intervals: Mapped[list[list[float]]] = mapped_column(JSON, default=list)
    seconds_watched: Mapped[float] = mapped_column(default=0.0)
    duration: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ModuleProgress(db.Model):
    """A member's state in one module in a round; one row per round, member and module, so one completion
    each."""

    __tablename__ = "module_progress"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id", "module_id"),
        CheckConstraint("video_coverage >= 0 AND video_coverage <= 1", name="video_coverage"),
        CheckConstraint("video_route IS NULL OR video_route IN ('video', 'transcript')", name="video_route"),
        CheckConstraint(
            "completed_at IS NULL OR video_completed_at IS NOT NULL", name="completed_after_video"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(63))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The share of the video watched, whatever the language it was watched in (counted per scene: see
    # course.learning.watching.coverage_across_languages).
    video_coverage: Mapped[float] = mapped_column(default=0.0, server_default="0")
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    video_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    video_route: Mapped[str | None] = mapped_column(String(10))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class QuizAttempt(db.Model):
    """One draw of a quiz's questions for a member, and, once submitted, its grade."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (
        Index("ix_quiz_attempt_round_member_quiz", "round_id", "member_id", "quiz_id"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 1)", name="score"),
        CheckConstraint("number >= 1", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    module_id: Mapped[str] = mapped_column(String(63))
    quiz_id: Mapped[str] = mapped_column(String(63))
    # The member's 1st, 2nd, ... attempt at this quiz in the round; question statistics use first attempts.
    number: Mapped[int] = mapped_column(default=1)
    content_version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correct_count: Mapped[int | None]
    score: Mapped[float | None]
    is_passed: Mapped[bool | None]

    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt",
        order_by="AttemptQuestion.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class AttemptQuestion(db.Model):
    """A question drawn into an attempt, the order its options were shown in, and the answer given."""

    __tablename__ = "attempt_question"
    __table_args__ = (
        UniqueConstraint("attempt_id", "position"),
        Index("ix_attempt_question_question", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempt.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[str] = mapped_column(String(63))
    option_order: Mapped[list[str]] = mapped_column(JSON)
    chosen: Mapped[list[str] | None] = mapped_column(JSON)
    is_correct: Mapped[bool | None]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="questions")


class CourseCompletion(db.Model):
    """The member completed every module online in a round; stored when it happens, once per round."""

    __tablename__ = "course_completion"
    __table_args__ = (UniqueConstraint("round_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content_version: Mapped[str] = mapped_column(String(40))
    # Set when the completion was carried over from the previous round for a re-elected member.
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_completion.id", ondelete="SET NULL")
    )


class SeminarCompletion(db.Model):
    """A member completed the course at an in-person council seminar, as an administrator recorded.

    Kept apart from the online completion (``course_completion``), which only the learner's own progress
    creates; one per round and member. It is a completion all the same: everything that counts completed
    members counts it.
    """

    __tablename__ = "seminar_completion"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        CheckConstraint("length(reason) > 0", name="reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("course_round.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    completed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    content_version: Mapped[str] = mapped_column(String(40))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
