"""One-time links by e-mail: invitations, sign-in links and password resets.

A link carries a random token, signed with the site's secret key so a tampered or made-up link is turned
away before the database is asked. Only the token's SHA-256 hash is stored. Each link works once and
expires: an invitation after 14 days (councillors open them between meetings), a sign-in link after
30 minutes and a password reset after 2 hours (both are asked for by the person who then uses them at
once, so a short life limits what a forwarded or leaked e-mail can do). Sending a new link of one kind
retires the member's older unused links of that kind.

The token goes after "#" in the link (:func:`link_to`): browsers never send that part of an address, so a
token never lands in an access log. The pages post it (course/auth/views.py).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, Signer
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager, joinedload

from course.audit.services import record_event
from course.auth.models import AuthToken, TokenPurpose
from course.auth.services import token_hash
from course.db import utcnow
from course.extensions import db
from course.mail import compose, outbox, send_email
from course.people.calendar import local_date
from course.people.models import Council, Member
from course.people.services import normalize_email
from course.urls import absolute_url

INVITE_DAYS = 14
LOGIN_MINUTES = 30
RESET_HOURS = 2
LIFETIMES: dict[str, timedelta] = {
    TokenPurpose.INVITE: timedelta(days=INVITE_DAYS),
    TokenPurpose.LOGIN: timedelta(minutes=LOGIN_MINUTES),
    TokenPurpose.RESET: timedelta(hours=RESET_HOURS),
}


class LinkProblem(enum.StrEnum):
    INVALID = "invalid"
    EXPIRED = "expired"
    USED = "used"


class LinkError(Exception):
    """The link cannot be used; ``problem`` says why, ``token`` is the stored token when one was found."""

    def __init__(self, problem: LinkProblem, token: AuthToken | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.token = token


def _signer(purpose: str) -> Signer:
    return Signer(current_app.secret_key, salt=f"council-course.link.{purpose}")


def issue_token(member: Member, purpose: str, now: datetime | None = None) -> str:
    """Store a new one-time token for ``member`` and return the signed value that goes in the link."""
    now = now or utcnow()
    db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.member_id == member.id,
            AuthToken.purpose == purpose,
            AuthToken.used_at.is_(None),
            AuthToken.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            member_id=member.id,
            purpose=purpose,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + LIFETIMES[purpose],
        )
    )
    db.session.flush()
    return _signer(purpose).sign(token).decode()


def _find(signed: str, purpose: str) -> AuthToken:
    try:
        token = _signer(purpose).unsign(signed.encode()).decode()
    except (BadSignature, UnicodeError):
        raise LinkError(LinkProblem.INVALID) from None
    found = db.session.execute(
        select(AuthToken)
        .where(AuthToken.token_hash == token_hash(token), AuthToken.purpose == purpose)
        # The member and their council are needed for every answer; one query instead of three.
        .options(joinedload(AuthToken.member).joinedload(Member.council))
    ).scalar()
    if found is None or found.member.is_removed or found.member.council.is_archived:
        raise LinkError(LinkProblem.INVALID)
    return found


def link_to(endpoint: str, signed: str, **values: str) -> str:
    """The address for an e-mail: the page, then the token after "#", which browsers keep to themselves."""
    return f"{absolute_url(endpoint, **values)}#{signed}"


def check_token(signed: str, purpose: str, now: datetime | None = None) -> AuthToken:
    """The stored token behind a link, if it can still be used; raises :class:`LinkError` otherwise.

    An invitation chooses a password: once the member has one (from another invitation or a reset), an
    older invitation counts as used and cannot replace it.
    """
    found = _find(signed, purpose)
    if found.used_at is not None or (
        purpose == TokenPurpose.INVITE and found.member.password_hash is not None
    ):
        raise LinkError(LinkProblem.USED, found)
    if found.expires_at <= (now or utcnow()):
        raise LinkError(LinkProblem.EXPIRED, found)
    return found


def use_token(signed: str, purpose: str, now: datetime | None = None) -> Member:
    """Spend a link and return its member. Of two requests racing with the same link, one wins."""
    now = now or utcnow()
    found = check_token(signed, purpose, now)
    result = db.session.execute(
        update(AuthToken)
        .where(AuthToken.id == found.id, AuthToken.used_at.is_(None), AuthToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LinkError(LinkProblem.USED, found)
    return found.member


def find_active_member(email: str) -> Member | None:
    return db.session.execute(
        select(Member)
        .join(Member.council)
        .where(
            Member.email == normalize_email(email),
            Member.removed_at.is_(None),
            Council.archived_at.is_(None),
        )
        .options(contains_eager(Member.council))
    ).scalar()


# --- the e-mails ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentLink:
    member: Member
    purpose: str


def send_invitation(
    member: Member, *, actor: Member | None, now: datetime | None = None, as_administrator: bool = False
) -> None:
    """E-mail ``member`` an invitation to choose a password (or to sign in by link); flushes.

    A member who already has a password gets the same invitation with a sign-in link in place of the link to
    choose a password: that link would let whoever reads it choose a new password without knowing the old
    one. ``as_administrator``: the invitation of a
    council's new administrator, which says so and what to do first (with the sign-in link in it, for a
    member who has a password).
    Raises :class:`course.mail.services.MailError` when the e-mail cannot be sent; the caller rolls back.
    """
    now = now or utcnow()
    if as_administrator:
        _send_administrator_invitation(member, actor=actor, now=now)
        return
    has_password = member.password_hash is not None
    if has_password:
        # The council's invitation all the same, with a sign-in link in place of choosing a password.
        signed = issue_token(member, TokenPurpose.LOGIN, now)
        link = {
            "link": link_to("auth.show_sign_in_link", signed),
            "has_password": True,
            "minutes": LOGIN_MINUTES,
        }
    else:
        signed = issue_token(member, TokenPurpose.INVITE, now)
        expires_on = local_date(member.council.country, now + LIFETIMES[TokenPurpose.INVITE])
        link = {"link": link_to("auth.show_invitation", signed), "expires_on": expires_on}
    email = compose(
        "invitation",
        to=member.email,
        locale=member.language,
        subject=_l("You are invited to the course on social media and local democracy"),
        member=member,
        council=member.council,
        inviter=actor,
        **link,
    )
    send_email(email)
    member.invited_at = now
    extra = {"sign_in_link": True} if has_password else {}
    record_event("invitation.sent", actor=actor, council_id=member.council_id, member=member, **extra)
    db.session.flush()


def _send_administrator_invitation(member: Member, *, actor: Member | None, now: datetime) -> None:
    has_password = member.password_hash is not None
    purpose = TokenPurpose.LOGIN if has_password else TokenPurpose.INVITE
    signed = issue_token(member, purpose, now)
    endpoint = "auth.show_sign_in_link" if has_password else "auth.show_invitation"
    email = compose(
        "admin_invitation",
        to=member.email,
        locale=member.language,
        subject=_l("You are the administrator of %(council)s in the course", council=member.council.name),
        member=member,
        council=member.council,
        link=link_to(endpoint, signed),
        has_password=has_password,
        minutes=LOGIN_MINUTES,
        expires_on=local_date(member.council.country, now + LIFETIMES[purpose]),
        due_date=member.council.current_round.due_date if member.council.current_round else None,
    )
    send_email(email)
    member.invited_at = now
    record_event(
        "invitation.sent",
        actor=actor,
        council_id=member.council_id,
        member=member,
        administrator=True,
        **({"sign_in_link": True} if has_password else {}),
    )
    db.session.flush()


def send_sign_in_link(member: Member, next_path: str | None = None, now: datetime | None = None) -> None:
    """E-mail ``member`` a link that signs them in without a password; flushes."""
    now = now or utcnow()
    signed = issue_token(member, TokenPurpose.LOGIN, now)
    values = {"next": next_path} if next_path else {}
    email = compose(
        "sign_in_link",
        to=member.email,
        locale=member.language,
        subject=_l("Your sign-in link"),
        member=member,
        link=link_to("auth.show_sign_in_link", signed, **values),
        minutes=LOGIN_MINUTES,
    )
    send_email(email)


def send_password_reset(member: Member, now: datetime | None = None) -> None:
    """E-mail ``member`` a link to choose a new password; flushes."""
    now = now or utcnow()
    signed = issue_token(member, TokenPurpose.RESET, now)
    email = compose(
        "password_reset",
        to=member.email,
        locale=member.language,
        subject=_l("Choose a new password"),
        member=member,
        link=link_to("auth.reset_password", signed),
        hours=RESET_HOURS,
    )
    send_email(email)


def deliver_sign_in_link(email: str, next_path: str | None = None) -> bool:
    """E-mail a sign-in link to ``email`` when it belongs to an active member; flushes.

    Runs after the response (:func:`course.mail.background.send_later`), so the answer to the request is
    the same, and as quick, for any address. Returns whether a link was sent.
    """
    member = find_active_member(email)
    if member is None:
        return send_access_ended(email)
    send_sign_in_link(member, next_path)
    return True


def send_access_ended(email: str) -> bool:
    """When ``email`` is a member's of an archived council, e-mail them that their council's access has
    ended (instead of a link that would not work); whether an e-mail was sent."""
    member = db.session.execute(
        select(Member)
        .join(Member.council)
        .where(
            Member.email == normalize_email(email),
            Member.removed_at.is_(None),
            Council.archived_at.is_not(None),
        )
        .options(contains_eager(Member.council))
    ).scalar()
    if member is None:
        return False
    send_email(
        compose(
            "access_ended",
            to=member.email,
            locale=member.language,
            subject=_l("Your council's access to the course has ended"),
            member=member,
            council=member.council,
            contact=current_app.config.get("COURSE_MAIL_REPLY_TO"),
        )
    )
    return True


def deliver_password_reset(email: str) -> bool:
    """E-mail a password reset link to ``email`` when it belongs to an active member; flushes.

    Runs after the response, like :func:`deliver_sign_in_link`.
    """
    member = find_active_member(email)
    if member is None:
        return False
    send_password_reset(member)
    return True


def renew_link(signed: str, purpose: str, now: datetime | None = None) -> SentLink | None:
    """Send a fresh link in place of a used or expired one, to the address the old one went to.

    An invitation that has run out is sent again while the member has no password; otherwise (and for a
    used sign-in link) a new sign-in link goes out, and a new reset link replaces a reset link. Returns
    None for a link that was never issued.
    """
    try:
        found = _find(signed, purpose)
    except LinkError:
        return None
    member = found.member
    if purpose == TokenPurpose.RESET:
        send_password_reset(member, now)
        return SentLink(member, TokenPurpose.RESET)
    if purpose == TokenPurpose.INVITE and member.password_hash is None and found.used_at is None:
        send_invitation(member, actor=None, now=now)
        return SentLink(member, TokenPurpose.INVITE)
    send_sign_in_link(member, now=now)
    return SentLink(member, TokenPurpose.LOGIN)


# The outbox delivers the links a person asked for after the response (course.mail.outbox).
outbox.register_deliverer(
    outbox.SIGN_IN_LINK, lambda email, next_path: deliver_sign_in_link(email, next_path)
)
outbox.register_deliverer(outbox.PASSWORD_RESET, lambda email, next_path: deliver_password_reset(email))  # noqa: ARG005
