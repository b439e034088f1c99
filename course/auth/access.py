"""Who may open which page: one decorator per role, so no view can forget its check.

Every view carries an ``access_rule``; a test walks the URL map and fails for a view without one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, flash, g, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
MEMBER = "member"
ADMIN = "admin"
PLATFORM_ADMIN = "platform_admin"


def _mark(view: F, rule: str) -> F:
    view.access_rule = rule  # type: ignore[attr-defined]
    return view


def public(view: F) -> F:
    """Open to anyone, signed in or not."""
    return _mark(view, PUBLIC)


def member_required(view: F) -> F:
    """Any signed-in member."""
    return _mark(login_required(view), MEMBER)


def admin_required(view: F) -> F:
    """An administrator of the member's own council (views then scope every query to that council)."""

    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapped, ADMIN)  # type: ignore[arg-type]


def platform_admin_required(view: F) -> F:
    """An administrator of the whole platform."""

    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_platform_admin:
            abort(403)
        return view(*args, **kwargs)

    return _mark(wrapped, PLATFORM_ADMIN)  # type: ignore[arg-type]


def safe_next_url(target: str | None) -> str | None:
    """``target`` when it is a path on this site; None for anything that could leave it."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def load_member(token: str, idle_limit: timedelta) -> Any:
    """The signed-in member of a session token (Flask-Login's user loader). A session whose council has
    been archived since is ended, and the sign-in page then says why (:func:`unauthorized`)."""
    from course.auth.services import end_archived_session, load_member_for_session
    from course.extensions import db

    member = load_member_for_session(token, idle_limit=idle_limit)
    if member is None:
        council_name = end_archived_session(token)
        if council_name is not None:
            db.session.commit()
            g.access_ended_council = council_name
    return member


def access_ended_message(council_name: str) -> str:
    """What a member of an archived council is told: their council's access has ended, and whom to ask."""
    from flask_babel import gettext as _

    contact = current_app.config.get("COURSE_MAIL_REPLY_TO")
    if contact:
        return _(
            "%(council)s's access to the course has ended, so you can no longer sign in. If you have questions, ask your council's secretariat or write to %(contact)s.",  # noqa: E501
            council=council_name,
            contact=contact,
        )
    return _(
        "%(council)s's access to the course has ended, so you can no longer sign in. If you have questions, ask your council's secretariat.",  # noqa: E501
        council=council_name,
    )


def unauthorized() -> Any:
    """Anonymous visitors are sent to sign in; the JSON API answers 401 instead of redirecting. A member
    whose session ended because their council was archived is told so on the sign-in page."""
    if request.path.startswith("/api/"):
        return jsonify(error="sign in first"), 401
    council_name = g.pop("access_ended_council", None)
    if council_name is not None:
        flash(access_ended_message(council_name), "error")
    return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
