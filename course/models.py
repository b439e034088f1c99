"""Every model, imported in one place so the mappers and Alembic see the whole schema."""

from course.audit.models import AuditEvent
from course.auth.models import AuthToken, LoginSession
from course.certificates.models import Certificate, SeminarCompletion
from course.councils.models import Council, Member, PendingImport, Reminder
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    VideoProgress,
)
from course.mail.models import OutgoingMail

__all__ = [
    "AttemptQuestion",
    "AuditEvent",
    "AuthToken",
    "Certificate",
    "Council",
    "CourseCompletion",
    "LoginSession",
    "Member",
    "ModuleProgress",
    "OutgoingMail",
    "PendingImport",
    "QuizAttempt",
    "Reminder",
    "SeminarCompletion",
    "VideoProgress",
]
