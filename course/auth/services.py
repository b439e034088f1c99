"""Signing in: checking passwords and keeping server-side sessions."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import contains_eager

from course.auth.models import LoginSession
from course.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from course.db import utcnow
from course.extensions import db
from course.people.models import Council, Member
from course.people.services import normalize_email

SESSION_LIFETIME = timedelta(days=14)
#: A session ends after this long without a request (COURSE_SESSION_IDLE_HOURS), as well as after 14 days.
DEFAULT_IDLE_LIMIT = timedelta(hours=8)
#: How stale a session's "last seen" may get before a request writes it again: one write per session every
#: few minutes, not one per request.
TOUCH_INTERVAL = timedelta(minutes=5)

# (pattern, name): the first that matches names the browser or the system. Order matters: Edge and Opera say
# "Chrome" too, Chrome says "Safari", Android says "Linux".
_BROWSERS = (
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)
_PLATFORMS = (
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"CrOS", "ChromeOS"),
    (r"Macintosh|Mac OS X", "macOS"),
    (r"Linux", "Linux"),
)


class WeakPasswordError(ValueError):
    pass


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CouncilArchivedError(Exception):
    """The right password of a member whose council is archived: their council's access has ended."""

    def __init__(self, council_name: str) -> None:
        super().__init__(council_name)
        self.council_name = council_name


def authenticate(email: str, password: str) -> Member | None:
    """The member with this e-mail and password, or None; takes as long either way.

    Removed members cannot sign in. Nor can members of an archived council: given their right password,
    :class:`CouncilArchivedError` says so (a wrong one is just wrong, so the address is not given away).
    """
    member = db.session.execute(
        select(Member)
        .join(Member.council)
        .options(contains_eager(Member.council))
        .where(Member.email == normalize_email(email), Member.removed_at.is_(None))
    ).scalar()
    if not verify_password(member.password_hash if member else None, password):
        return None
    if member is not None and member.council.is_archived:
        raise CouncilArchivedError(member.council.name)
    if member is not None and needs_rehash(member.password_hash):
        member.password_hash = hash_password(password)
    return member


def set_password(member: Member, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(MIN_PASSWORD_LENGTH)
    member.password_hash = hash_password(password)
    db.session.flush()


def describe_user_agent(user_agent: str | None) -> tuple[str | None, str | None]:
    """The browser and the system named by a User-Agent header, from a short list; None for either one
    not recognised. Only these two names are kept, never the header."""
    text = (user_agent or "")[:1000]

    def first(patterns: tuple[tuple[str, str], ...]) -> str | None:
        return next((name for pattern, name in patterns if re.search(pattern, text)), None)

    return first(_BROWSERS), first(_PLATFORMS)


def start_login_session(member: Member, now: datetime | None = None, user_agent: str | None = None) -> str:
    """Create a session for ``member`` and return its token (the cookie keeps the token, we its hash)."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    browser, platform = describe_user_agent(user_agent)
    db.session.add(
        LoginSession(
            member_id=member.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
            last_seen_at=now,
            browser=browser,
            platform=platform,
        )
    )
    if member.joined_at is None:
        member.joined_at = now
    db.session.flush()
    member.session_token = token
    return token


#: The sign-in check of every request, built once: the member of a live session (neither past its 14 days nor
#: idle too long), with their council (needed on nearly every page) and the session's own state, in one query.
_MEMBER_FOR_SESSION = (
    select(Member, LoginSession.id, LoginSession.last_seen_at)
    .join(LoginSession, LoginSession.member_id == Member.id)
    .join(Member.council)
    # The council and its current round come with the member: every page reads them.
    .options(contains_eager(Member.council).joinedload(Council.current_round))
    .where(
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.expires_at > bindparam("now"),
        LoginSession.last_seen_at > bindparam("idle_since"),
        Member.removed_at.is_(None),
        Council.archived_at.is_(None),
    )
)


def load_member_for_session(
    token: str, now: datetime | None = None, idle_limit: timedelta = DEFAULT_IDLE_LIMIT
) -> Member | None:
    """The signed-in member for a session token, with their council, in one query.

    When the session's "last seen" is older than :data:`TOUCH_INTERVAL`, ``member.session_seen`` holds the
    session's id and the time to write (:func:`touch_login_session`, after the response is ready).
    """
    now = now or utcnow()
    row = db.session.execute(
        _MEMBER_FOR_SESSION, {"token_hash": token_hash(token), "now": now, "idle_since": now - idle_limit}
    ).first()
    if row is None:
        return None
    member, session_id, last_seen_at = row
    member.session_token = token
    member.session_seen = (session_id, now) if last_seen_at <= now - TOUCH_INTERVAL else None
    return member


def end_archived_session(token: str) -> str | None:
    """When ``token`` is the session of a member whose council has been archived since they signed in:
    end it, and return the council's name (for the sign-in page to say why); else None. Asked only when
    :func:`load_member_for_session` found no member, so signed-in pages read nothing more. Flushes."""
    row = db.session.execute(
        select(LoginSession.id, Council.name)
        .join(Member, Member.id == LoginSession.member_id)
        .join(Council, Council.id == Member.council_id)
        .where(
            LoginSession.token_hash == token_hash(token),
            Member.removed_at.is_(None),
            Council.archived_at.is_not(None),
        )
    ).first()
    if row is None:
        return None
    db.session.execute(delete(LoginSession).where(LoginSession.id == row.id))
    db.session.flush()
    return row.name


def touch_login_session(session_id: int, now: datetime) -> None:
    """Write when a session was last used, on a connection of its own, committed at once: the request's
    own transaction (often a read) is left alone."""
    with db.engine.begin() as connection:
        connection.execute(update(LoginSession).where(LoginSession.id == session_id).values(last_seen_at=now))


@dataclass(frozen=True, slots=True)
class SessionSummary:
    id: int
    browser: str | None
    platform: str | None
    created_at: datetime
    last_seen_at: datetime
    is_current: bool


def list_login_sessions(
    member: Member,
    current_token: str | None,
    now: datetime | None = None,
    idle_limit: timedelta = DEFAULT_IDLE_LIMIT,
) -> list[SessionSummary]:
    """Where ``member`` is signed in: their live sessions, the most recently used first, the one holding
    ``current_token`` marked."""
    now = now or utcnow()
    current = token_hash(current_token) if current_token else None
    sessions = db.session.execute(
        select(LoginSession)
        .where(
            LoginSession.member_id == member.id,
            LoginSession.expires_at > now,
            LoginSession.last_seen_at > now - idle_limit,
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    ).scalars()
    return [
        SessionSummary(
            id=session.id,
            browser=session.browser,
            platform=session.platform,
            created_at=session.created_at,
            last_seen_at=session.last_seen_at,
            is_current=session.token_hash == current,
        )
        for session in sessions
    ]


def end_login_session(token: str) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.token_hash == token_hash(token)))


def end_all_sessions(member: Member) -> None:
    db.session.execute(delete(LoginSession).where(LoginSession.member_id == member.id))
