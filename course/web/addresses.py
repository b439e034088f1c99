"""One route's address for many values of one of its parts, built once.

``url_for`` costs some ten microseconds a call; the platform overview links each of some 400 councils, and
the same address with only the short name changed was a sixth of its rendering. An :class:`AddressPattern`
is built by ``url_for`` itself once, with a marker in place of the part, and puts each value where the marker
was, quoted as the route's converter quotes a path segment. The dashboard links each member's certificate the
same way, by the certificate's id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import url_for

_MARKER = "address-part-marker"
# More digits than any database id has (they stay below 2**31).
_ID_MARKER = 98765432109
# What werkzeug's path converters leave unquoted in a path segment (BaseConverter.to_url).
_SAFE = "!$&'()*+,/:;=@"


@dataclass(frozen=True, slots=True)
class AddressPattern:
    before: str
    after: str

    def __call__(self, value: str | int) -> str:
        return f"{self.before}{quote(str(value), safe=_SAFE)}{self.after}"


def address_pattern(endpoint: str, part: str, **values: Any) -> AddressPattern:
    """What ``url_for(endpoint, **{part: value}, **values)`` gives, for any ``value`` of a plain path
    segment (a string without "/")."""
    return _pattern(endpoint, part, _MARKER, values)


def id_address_pattern(endpoint: str, part: str, **values: Any) -> AddressPattern:
    """The same for a part that is a database id (``<id:...>``, whose converter takes numbers only)."""
    return _pattern(endpoint, part, _ID_MARKER, values)


def _pattern(endpoint: str, part: str, marker: str | int, values: dict[str, Any]) -> AddressPattern:
    address = url_for(endpoint, **{part: marker}, **values)
    before, found, after = address.partition(str(marker))
    # Not found, found twice, or found in the query string (url_for puts what the route does not take
    # there): the pattern would not be the route's.
    if not found or str(marker) in after or "?" in before:
        raise ValueError(f"{endpoint} does not take {part} once in its path")
    return AddressPattern(before, after)
