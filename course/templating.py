"""Jinja filters and globals: localised content text, sanitised Markdown, times and percentages."""

from __future__ import annotations

from functools import lru_cache

import nh3
from flask import Flask, current_app, url_for
from flask_babel import format_percent, get_locale
from markdown_it import MarkdownIt
from markupsafe import Markup

from course.content import Text, Video
from course.i18n import LANGUAGE_NAMES, LOCALES
from course.registry import get_course

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("strikethrough")
ALLOWED_TAGS = {"p", "em", "strong", "a", "ul", "ol", "li", "br", "s", "code"}


def current_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LOCALES else "en"


def localize(text: Text | None) -> str:
    return text.get(current_locale()) if text is not None else ""


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


def markdown_filter(text: Text | str | None) -> Markup:
    if text is None:
        return Markup("")
    return render_markdown(localize(text) if isinstance(text, Text) else text)


def timestamp(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60}:{seconds % 60:02d}"


def percent(value: float) -> str:
    return format_percent(value, format="#,##0 %" if current_locale() != "en" else "#,##0%")


def video_url(video: Video, path: str) -> str:
    base = current_app.config["COURSE_VIDEO_BASE_URL"]
    if base:
        return f"{base}/{video.module_id}/{video.language}/{path}"
    return url_for("site.serve_media", module_id=video.module_id, language=video.language, filename=path)


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters.update(t=localize, md=markdown_filter, timestamp=timestamp, percent=percent)
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        LOCALES=LOCALES,
        current_locale=current_locale,
        video_url=video_url,
    )
    app.context_processor(lambda: {"the_course": get_course()})
