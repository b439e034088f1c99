"""Downloads named in the reader's language: a file name any browser saves as written."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from flask import Response


def attachment(response: Response, filename: str) -> Response:
    """Mark ``response`` as a download named ``filename``: the UTF-8 name (RFC 6266's ``filename*``), and a
    plain ASCII one for the few programs that read only ``filename`` (æ, ø, å, ä, ö spelled as ae, oe, aa,
    ae, oe)."""
    plain = filename
    for letter, spelled in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("ä", "ae"), ("ö", "oe")):
        plain = plain.replace(letter, spelled).replace(letter.upper(), spelled.capitalize())
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]", "-", plain)
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
