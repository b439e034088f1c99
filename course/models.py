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
from course.mail.models import OutgoingMail
from course.people.models import Council, CourseRound, Member
from course.plan.models import PlanDraft, PlanVersion
from course.seminars.models import (
    Seminar,
    SeminarAgreement,
    SeminarAnswer,
    SeminarAttendance,
    SeminarBallot,
    SeminarItem,
    SeminarSettings,
)

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
    "OutgoingMail",
    "PendingImport",
    "PlanDraft",
    "PlanVersion",
    "QuizAttempt",
    "Reminder",
    "Seminar",
    "SeminarAgreement",
    "SeminarAnswer",
    "SeminarAttendance",
    "SeminarBallot",
    "SeminarCompletion",
    "SeminarItem",
    "SeminarSettings",
    "VideoProgress",
]
