"""E-mail that a person was told is on its way, delivered from the database.

A request for a sign-in link or a password reset writes an :class:`OutgoingMail` row and commits it before it
answers "we have sent you an e-mail"; a worker thread delivers the row after the response (looking the
address up, writing the link, talking to the SMTP server) and deletes it. Nothing is lost when the process
stops in between: a row that is still there is delivered by the next worker that starts (its first job is
:func:`deliver_pending`) or by ``council-course send-mail``.

Two workers never deliver the same row at once: a worker first *claims* it (one UPDATE that succeeds for one
of them), and the claim is committed before the message is sent. Delivery is at least once: a worker that
dies after the SMTP server accepted the message and before it deleted the row sends it again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update

from course.db import utcnow
from course.extensions import db
from course.mail.models import OutgoingMail
from course.mail.services import MailError

SIGN_IN_LINK = "sign_in_link"
PASSWORD_RESET = "password_reset"

#: How long a worker may take to deliver a row before another worker may take it over (the SMTP timeout is
#: 30 seconds); also how long a row waits when its worker died, or the database went away, while sending.
CLAIM_SECONDS = 2 * 60
#: After a failed attempt the row waits 1, 2, 4, ... minutes, at most an hour, before the next one.
MAX_RETRY_SECONDS = 60 * 60
#: A request older than this is dropped unsent: the person has asked again, or no longer waits for it.
MAX_AGE = timedelta(hours=24)

logger = logging.getLogger(__name__)


#: What writes and sends each kind of e-mail: ``(address, next_path) -> sent``. The sign-in layer registers
#: its two (course.auth.links), so this package needs to know nothing of links.
_DELIVERERS: dict[str, Callable[[str, str | None], bool]] = {}


def register_deliverer(kind: str, deliverer: Callable[[str, str | None], bool]) -> None:
    _DELIVERERS[kind] = deliverer


def _deliverers() -> dict[str, Callable[[str, str | None], bool]]:
    return _DELIVERERS


def queue_mail(kind: str, email: str, next_path: str | None = None) -> OutgoingMail:
    """Record that ``kind`` of e-mail was requested for ``email``; flushes. Commit before answering."""
    if kind not in (SIGN_IN_LINK, PASSWORD_RESET):
        raise ValueError(f"unknown kind of e-mail: {kind!r}")
    mail = OutgoingMail(kind=kind, email=email, next_path=next_path)
    db.session.add(mail)
    db.session.flush()
    return mail


def _claim(mail_id: int, now: datetime) -> bool:
    """Take the row for this worker; False when another worker has it (or it waits for a retry)."""
    result = db.session.execute(
        update(OutgoingMail)
        .where(
            OutgoingMail.id == mail_id,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until <= now),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS))


def deliver(mail_id: int, now: datetime | None = None) -> bool | None:
    """Deliver one requested e-mail and delete its row; commits.

    Returns True when a message went out, False when there was nothing to send (the address is no active
    member's; the row is deleted all the same), None when the row was not this worker's to deliver or the
    SMTP server failed (the row stays and is tried again after a pause).
    """
    now = now or utcnow()
    if not _claim(mail_id, now):
        db.session.rollback()
        return None
    db.session.commit()  # the claim holds even if this worker stops while it sends
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None:
        return None
    attempts = mail.attempts
    try:
        sent = _deliverers()[mail.kind](mail.email, mail.next_path)
    except Exception as error:
        # The SMTP server, or the database, failed: the row stays for a later attempt. Should the database
        # not take even this, the claim runs out after CLAIM_SECONDS and the row is tried again then.
        db.session.rollback()
        logger.warning("e-mail %s not delivered (attempt %s), will retry: %r", mail_id, attempts, error)
        db.session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id)
            .values(claimed_until=now + _retry_delay(attempts))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if not isinstance(error, MailError):
            raise
        return None
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.id == mail_id))
    db.session.commit()
    return sent


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    nothing_to_send: int = 0
    not_delivered: int = 0
    dropped: int = 0


def deliver_pending(now: datetime | None = None, limit: int = 500) -> DeliveryReport:
    """Deliver every row that no worker holds (left by a worker that stopped, or waiting for a retry);
    drop requests older than :data:`MAX_AGE`. Commits after each row."""
    now = now or utcnow()
    dropped = db.session.execute(
        delete(OutgoingMail)
        .where(OutgoingMail.requested_at < now - MAX_AGE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if dropped:
        logger.warning("dropped %s e-mail request(s) older than %s", dropped, MAX_AGE)
    ids = db.session.scalars(
        select(OutgoingMail.id)
        .where(or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until <= now))
        .order_by(OutgoingMail.id)
        .limit(limit)
    ).all()
    results = [deliver(mail_id, now) for mail_id in ids]
    return DeliveryReport(
        sent=results.count(True),
        nothing_to_send=results.count(False),
        not_delivered=results.count(None),
        dropped=dropped or 0,
    )


def count_pending() -> int:
    """Rows not yet delivered (for the command's summary and the tests)."""
    from sqlalchemy import func

    return db.session.scalar(select(func.count()).select_from(OutgoingMail)) or 0
