"""Every model, imported in one place so the mappers and Alembic see the whole schema."""

from course.admin.models import PendingImport, Reminder
from course.audit.models import AuditEvent
from course.auth.models import AuthToken, LoginSession
from course.certificates.models import Certificate
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    SeminarCompletion,
    VideoProgress,
)
from course.people.models import Council, CourseRound, Member

__all__ = [
    "AttemptQuestion",
    "AuditEvent",
    "AuthToken",
    "Certificate",
    "Council",
    "CourseCompletion",
    "CourseRound",
    "LoginSession",
    "Member",
    "ModuleProgress",
    "PendingImport",
    "QuizAttempt",
    "Reminder",
    "SeminarCompletion",
    "VideoProgress",
]
