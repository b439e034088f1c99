"""Absolute links for e-mails, PDFs and QR codes, built from COURSE_BASE_URL (also outside a request)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    base = urlsplit(current_app.config["COURSE_BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)
