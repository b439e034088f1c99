"""Certificates: issued on completion or by an administrator, downloaded as PDF, verified by anyone."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from course.learning.signals import course_completed


def init_app(app: Flask) -> None:
    """Issue certificates when members complete the course, and send their e-mails after the commit.

    Signal and session listeners are global; registering them again (another app, in tests) is a no-op.
    """
    from course.certificates import delivery, queries
    from course.learning import rounds

    course_completed.connect(_issue_on_completion)
    # The learner's history shows each earlier completion's certificate.
    rounds.register_history_reader(queries.list_member_history)
    for name, listener in (
        ("after_commit", delivery.send_outgoing_emails),
        ("after_soft_rollback", delivery.drop_outgoing_emails),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


def _issue_on_completion(sender: Any, *, member: Any, completion: Any) -> None:
    """In the transaction that completed the course: issue the certificate when the council has
    automatic certificates on, and e-mail it after the commit when the council sends them."""
    from course.certificates import delivery, operations
    from course.extensions import db
    from course.web.course import get_course

    council = member.council
    if not council.has_automatic_certificates:
        return
    course = get_course()
    result = operations.issue_certificate(completion, course)
    if result.is_new and council.has_certificate_email:
        delivery.send_after_commit(
            db.session(), delivery.certificate_email(result.certificate, member, course)
        )
