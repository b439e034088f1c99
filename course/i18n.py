"""Languages: which one a request is answered in, and the switch between them."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from flask import Flask, current_app, request, session
from flask_login import current_user

from course.extensions import babel
from course.people import calendar

LOCALES: tuple[str, ...] = ("da", "sv", "en")
# Each language named in itself, as language switches should be.
LANGUAGE_NAMES: dict[str, str] = {"da": "Dansk", "sv": "Svenska", "en": "English"}


class PlainText:
    """A lazy message holding values a person typed, shown as text wherever it goes.

    flask-babel's lazy strings declare themselves safe HTML (``__html__``), so Jinja prints them unescaped:
    a lazy message quoting a roster file's cell would put the file's ``<script>`` straight into the page.
    Wrapped in this, the message is translated when shown and escaped like any other text.
    """

    __slots__ = ("_message",)

    def __init__(self, message: Any) -> None:
        self._message = message

    def __str__(self) -> str:
        return str(self._message)

    def __repr__(self) -> str:
        return f"PlainText({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def select_locale() -> str:
    """The member's preference, else a ``?lang=`` choice kept in the session, else the browser's
    Accept-Language, else the council's default language, else the site default."""
    member = current_user if current_user and current_user.is_authenticated else None
    if member is not None and member.locale in LOCALES:
        return member.locale
    if session.get("lang") in LOCALES:
        return session["lang"]
    best = request.accept_languages.best_match(LOCALES)
    if best:
        return best
    if member is not None:
        return member.council.default_locale
    return current_app.config["COURSE_DEFAULT_LOCALE"]


def select_timezone() -> tzinfo:
    """The signed-in member's council's time zone (Denmark's for anyone else), as the council's calendar
    gives it: the standard library's zone, which converts a time in C where flask-babel would make a pytz
    zone of a name."""
    member = current_user if current_user and current_user.is_authenticated else None
    return calendar.timezone(member.council.country if member is not None else "dk")


def _remember_language_from_query() -> None:
    language = request.args.get("lang")
    if language in LOCALES and session.get("lang") != language:
        session["lang"] = language


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "en")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(app.config["COURSE_TRANSLATIONS_DIR"])
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(_remember_language_from_query)
