"""Jinja filters and globals: localised content text, sanitised Markdown, times and percentages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache

import nh3
from babel import Locale, dates, numbers
from babel.numbers import NumberPattern
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, url_for
from flask_babel import get_locale, get_timezone, get_translations
from jinja2 import pass_context
from jinja2.runtime import Context
from markdown_it import MarkdownIt
from markupsafe import Markup

from course.content import Text, Video
from course.i18n import LANGUAGE_NAMES, LOCALES
from course.web.course import get_course
from course.web.fragments import ContentCache

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "br", "s", "code"}


def current_locale() -> str:
    return _language(get_locale())


def _language(locale: Locale | None) -> str:
    """The course language for ``locale``: one of :data:`LOCALES`, else English."""
    return locale.language if locale is not None and locale.language in LOCALES else "en"


def localize(text: Text | None) -> str:
    return text.get(current_locale()) if text is not None else ""


# --- the language a page is rendered in -------------------------------------------------------------
#
# A dashboard asks for its language some 1,500 times (every date, share, content text and translated
# string), and each of flask-babel's lookups walks the request context again. So a page reads its language
# from flask-babel once, when it is rendered (a context processor runs inside render_template, so inside a
# force_locale block too, as e-mails in another language are), and the filters and gettext read it from the
# page's context. A template that has no such context (a macro file imported without context) asks
# flask-babel as before.

RENDER_LANGUAGE = "_render_language"


@dataclass(frozen=True, slots=True)
class RenderLanguage:
    locale: Locale | None
    language: str
    timezone: tzinfo
    translations: NullTranslations


def read_render_language() -> RenderLanguage:
    locale = get_locale()
    return RenderLanguage(locale, _language(locale), get_timezone(), get_translations())


def _render_language(context: Context) -> RenderLanguage:
    found = context.get(RENDER_LANGUAGE)
    return found if found is not None else read_render_language()


@pass_context
def _localize_filter(context: Context, text: Text | None) -> str:
    return text.get(_render_language(context).language) if text is not None else ""


@pass_context
def _dateformat_filter(context: Context, value: date | datetime, format: str = "medium") -> str:
    language = _render_language(context)
    return _format_moment(value, format, language.language, language.timezone)


@pass_context
def _percent_filter(context: Context, value: float) -> str:
    return _format_percent(value, _render_language(context).language)


@pass_context
def _markdown_filter(context: Context, text: Text | str | None) -> Markup:
    if text is None:
        return Markup("")
    if isinstance(text, Text):
        text = text.get(_render_language(context).language)
    return render_markdown(text)


@pass_context
def _gettext(context: Context, message: str) -> str:
    return _render_language(context).translations.ugettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, number: int) -> str:
    return _render_language(context).translations.ungettext(singular, plural, number)


@lru_cache(maxsize=8192)
def render_markdown(source: str) -> Markup:
    """Content Markdown as HTML; whatever the source holds, only harmless tags come out."""
    html = _markdown.render(source)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        link_rel="noopener noreferrer",
        url_schemes={"https", "http", "mailto"},
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def timestamp(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def dateformat(value: date | datetime, format: str = "medium") -> str:
    """The date in the current language, a time of day first moved to the member's time zone.

    What flask-babel's ``dateformat`` does, each day formatted once per format and language: a dashboard
    formats some 300 dates, many of them the same day.
    """
    return _format_moment(value, format, current_locale(), get_timezone())


def _format_moment(value: date | datetime, format: str, language: str, timezone: tzinfo) -> str:
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        value = moment.astimezone(timezone).date()
    return _format_date(value, format, language)


# The formatting caches are keyed by the language's code, which names the locale a page is rendered in
# (one of LOCALES): a babel Locale as a key would be hashed and compared in Python at every look-up.
@lru_cache(maxsize=4096)
def _format_date(day: date, format: str, language: str) -> str:
    return dates.format_date(day, format, locale=language)


@lru_cache(maxsize=8)
def _percent_pattern(language: str) -> NumberPattern:
    # Danish and Swedish put a space before the sign.
    return numbers.parse_pattern("#,##0%" if language == "en" else "#,##0 %")


def percent(value: float) -> str:
    """``value`` (0.85) as a percentage in the current language.

    The pattern is parsed once, and each share is formatted once per language: the platform overview
    shows some 800 shares, most of them the same few fractions of a council's size.
    """
    return _format_percent(value, current_locale())


@lru_cache(maxsize=4096)
def _format_percent(value: float, language: str) -> str:
    return _percent_pattern(language).apply(value, language)


def video_url(video: Video, path: str) -> str:
    base = current_app.config["COURSE_VIDEO_BASE_URL"]
    if base:
        return f"{base}/{video.module_id}/{video.language}/{path}"
    return url_for("site.serve_media", module_id=video.module_id, language=video.language, filename=path)


def icon_sprite_url() -> str:
    """The icon sprite's address, built once per request: pages draw hundreds of icons."""
    if not has_request_context():
        return url_for("static", filename="vendor/dkfds/img/icons.svg")
    if "_course_icon_sprite" not in g:
        g._course_icon_sprite = url_for("static", filename="vendor/dkfds/img/icons.svg")
    return g._course_icon_sprite


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.add_extension(ContentCache)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    app.jinja_env.filters.update(
        t=_localize_filter,
        md=_markdown_filter,
        timestamp=timestamp,
        percent=_percent_filter,
        dateformat=_dateformat_filter,
    )
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        LOCALES=LOCALES,
        current_locale=current_locale,
        icon_sprite_url=icon_sprite_url,
        video_url=video_url,
    )
    app.context_processor(lambda: {"the_course": get_course(), RENDER_LANGUAGE: read_render_language()})
