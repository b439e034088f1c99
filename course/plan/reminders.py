"""The review reminder: a month before the plan's review date, the council's administrators get one e-mail
(once per adopted version), sent by the daily ``council-course send-reminders``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from course.db import utcnow
from course.extensions import db
from course.mail import compose, send_email
from course.mail.services import MailError
from course.people.models import Council
from course.plan.services import DueReminder, due_review_reminders, mark_reminded
from course.urls import absolute_url

SUBJECT = _l("Time to review the council's plan against threats and harassment")


@dataclass(slots=True)
class ReviewResult:
    reminded: list[DueReminder] = field(default_factory=list)
    failed: list[tuple[DueReminder, str]] = field(default_factory=list)


def send_review_reminders(now: datetime | None = None, council: Council | None = None) -> ReviewResult:
    """E-mail the administrators of every council whose plan is due for review; commits per council, so a
    council whose e-mail failed is tried again the next day and the others are not sent twice."""
    now = now or utcnow()
    result = ReviewResult()
    for due in due_review_reminders(now, council):
        try:
            for administrator in due.administrators:
                send_email(
                    compose(
                        "plan_review",
                        to=administrator.email,
                        locale=administrator.language,
                        subject=SUBJECT,
                        member=administrator,
                        council=due.council,
                        version=due.version,
                        plan_link=absolute_url("plan_admin.edit_plan"),
                    )
                )
        except MailError as error:
            db.session.rollback()
            result.failed.append((due, str(error)))
            continue
        mark_reminded(due, now)
        db.session.commit()
        result.reminded.append(due)
    return result
