"""What the site accepts from outside: ids, text and JSON, each bounded before anything else sees it.

Bad input is the visitor's mistake (or an attack) and gets a 400 or 404 with a clear message. Without these
bounds it reached the database instead: a NUL byte, or an id above PostgreSQL's integer range, came back as
a database error and the site answered "database unavailable" (503); a huge integer or JSON nested
thousands deep raised in Python (500).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

#: Ids are PostgreSQL ``integer`` columns: 1 to 2^31 - 1.
MAX_ID = 2**31 - 1

#: C0 and C1 control characters and DEL. Tab, line feed and carriage return are allowed in form text
#: (a reason typed over two lines); nowhere else.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ID = re.compile(r"[0-9]{1,10}")

#: The JSON the site takes (video progress reports) is a small object holding a list of pairs.
MAX_JSON_DEPTH = 8
MAX_JSON_NUMBER_DIGITS = 20
MAX_JSON_BYTES = 64 * 1024


#: The only paths that take a JSON body (each parses it with :func:`parse_json`).
JSON_PATHS = ("/api/",)


class InputError(ValueError):
    """Input that the site does not accept; the message says why (in English, for logs and JSON)."""


def parse_id(value: object) -> int | None:
    """An id written in ASCII digits within the database's range, else None (superscripts, signs, 2^31)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


class IdConverter(BaseConverter):
    """``<id:name>``: a database id in a URL. Anything else, 2^31 included, is not found (404).

    Not found rather than "no match": Werkzeug would answer 405 where another rule takes the same path with
    another method (a preview page and its confirmation).
    """

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise NotFound()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def has_control_characters(text: str, *, allow_line_breaks: bool = True) -> bool:
    return (_CONTROL if allow_line_breaks else _CONTROL_OR_BREAK).search(text) is not None


def _walk_strings(value: Any) -> Iterable[str]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _nesting_depth(text: str) -> int:
    # Brackets inside strings do not nest; strings are removed first (escaped quotes included).
    depth = deepest = 0
    for bracket in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif bracket in "]}":
            depth -= 1
    return deepest


def _bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_JSON_NUMBER_DIGITS:
        raise InputError("a number has too many digits")
    return int(digits)


def parse_json(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, max_bytes: int = MAX_JSON_BYTES) -> Any:
    """Parse JSON that a visitor sent: small, shallow, numbers a float can hold, no control characters.

    Raises :class:`InputError` for anything else, before Python's parser could recurse or overflow.
    """
    if len(data) > max_bytes:
        raise InputError("the JSON is too large")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError("the JSON is not UTF-8") from error
    if _nesting_depth(data) > max_depth:
        raise InputError("the JSON is nested too deeply")
    try:
        value = json.loads(data, parse_int=_bounded_int, parse_constant=_refuse_constant)
    except InputError:
        raise
    except (ValueError, RecursionError) as error:
        raise InputError("the body is not valid JSON") from error
    if any(has_control_characters(text) for text in _walk_strings(value)):
        raise InputError("a string contains a control character")
    return value


def _refuse_constant(name: str) -> Any:
    raise InputError(f"{name} is not a number")


def _control_character_in_request() -> bool:
    if has_control_characters(request.path, allow_line_breaks=False):
        return True
    for key, value in request.args.items(multi=True):
        # A tab in a value is whitespace, as when a name copied from a spreadsheet is pasted into a search
        # field (the search collapses it); a line break in the query string is not let through.
        if has_control_characters(key, allow_line_breaks=False) or has_control_characters(
            value.replace("\t", " "), allow_line_breaks=False
        ):
            return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    for key, value in request.form.items(multi=True):
        if has_control_characters(key, allow_line_breaks=False) or has_control_characters(value):
            return True
    return any(
        has_control_characters(upload.filename or "", allow_line_breaks=False)
        for upload in request.files.values()
    )


def init_app(app: Flask) -> None:
    """Register the ``id`` URL converter; refuse control characters in paths, queries and forms, and JSON
    bodies outside the API.

    The check sits before every view, so a name, an e-mail address, a reason or a certificate code with a NUL
    byte gets one clear message, whichever form it came through, and never reaches the database.
    """
    app.url_map.converters["id"] = IdConverter

    @app.before_request
    def refuse_control_characters():
        if request.is_json and not request.path.startswith(JSON_PATHS):
            # Flask-WTF reads a JSON body as a form's data, where a number, a list or deep nesting is no
            # text and breaks the validators. The site's forms are sent as forms; only the API takes JSON.
            from course.web.errors import render_error

            return render_error(400)
        if _control_character_in_request():
            from course.web.errors import render_error

            return render_error(
                400,
                _("What you sent contains a control character (such as NUL). Remove it and try again."),
            )
        return None
