"""``{% cache %}``: template parts that depend only on the course content and the language.

A module page is mostly content (goals, chapters, the transcript, key points, sources) around a few lines
about the member's own progress. The content is loaded once when the application starts and never changes
while it runs, so its HTML is the same for every member who reads the page in the same language. Wrapping
such a part in ``{% cache "name", module.id %} ... {% endcache %}`` renders it once per application,
language and key, and serves the stored HTML afterwards.

Only what the key, the language and the loaded content determine may go inside: nothing about the member,
the request's query string, a CSRF token or a flashed message. ``tests/test_fragments.py`` renders the
cached pages for members in different states and checks that their cached parts agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, has_request_context, request
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

EXTENSION_KEY = "council_course.web.fragments"

#: Far more than the templates' keys can make (a few parts × modules × languages); a guard, not a policy.
MAX_FRAGMENTS = 2048


def fragment_store() -> dict[tuple[Any, ...], Markup]:
    return current_app.extensions.setdefault(EXTENSION_KEY, {})


class ContentCache(Extension):
    tags = {"cache"}

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        parts = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            parts.append(parser.parse_expression())
        body = parser.parse_statements(("name:endcache",), drop_needle=True)
        call = self.call_method("_render", [nodes.List(parts), nodes.Name("current_locale", "load")])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _render(
        self, parts: list[Any], current_locale: Callable[[], str], caller: Callable[[], str]
    ) -> Markup:
        # The addresses inside depend on where the site is mounted, which a proxy may tell per request.
        root = request.script_root if has_request_context() else ""
        key = (*parts, current_locale(), root)
        store = fragment_store()
        html = store.get(key)
        if html is None:
            if len(store) >= MAX_FRAGMENTS:
                store.clear()
            html = store[key] = Markup(caller())  # noqa: S704 - rendered by an autoescaping template
        return html
