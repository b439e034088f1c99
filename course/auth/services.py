"""Signing in: checking passwords and keeping server-side sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import contains_eager

from course.auth.models import LoginSession
from course.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from course.db import utcnow
from course.extensions import db
from course.people.models import Council, Member
from course.people.services import normalize_email

SESSION_LIFETIME = timedelta(days=14)


class WeakPasswordError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(email: str, password: str) -> Member | None:
    """The member with this e-mail and password, or None; takes as long either way.

    Removed members cannot sign in.
    """
    member = db.session.execute(
        select(Member).where(Member.email == normalize_email(email), Member.removed_at.is_(None))
    ).scalar()
    if not verify_password(member.password_hash if member else None, password):
        return None
    if member is not None and needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member


def set_password(member: Member, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(MIN_PASSWORD_LENGTH)
    member.password_hash = hash_password(password)
    db.session.flush()


def start_login_session(member: Member, now: datetime | None = None) -> str:
    """Create a session for ``member`` and return its token (the cookie keeps the token, we its hash)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            member_id=member.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    if member.joined_at is None:
        member.joined_at = now
    db.session.flush()
    member.session_token = token
    return token


#: The sign-in check of every request, built once: the member of a live session, with their council (needed
#: on nearly every page) in the same query.
_MEMBER_FOR_SESSION = (
    select(Member)
    .join(LoginSession, LoginSession.member_id == Member.id)
    .join(Member.council)
    # The council and its current round come with the member: every page reads them.
    .options(contains_eager(Member.council).joinedload(Council.current_round))
    .where(
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now"),
        Member.removed_at.is_(None),
    )
)


def load_member_for_session(token: str, now: datetime | None = None) -> Member | None:
    """The signed-in member for a session token, with their council, in one query."""
    member = db.session.execute(
        _MEMBER_FOR_SESSION, {"token_hash": token_hash(token), "now": now or utcnow()}
    ).scalar()
    if member is not None:
        member.session_token = token
    return member


def end_login_session(token: str) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_sessions(member: Member) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.member_id == member.id))
