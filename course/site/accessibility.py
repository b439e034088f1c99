"""The accessibility statement's facts: its dates, its compliance status and the known limitations.

Keep this list true. When a limitation is fixed, delete its entry and set ``REVIEWED_ON`` to the day the
site was checked again; when a new one is found, add it here (what does not work, for whom, which WCAG 2.1
success criterion it fails, and what to do instead). The page (course/templates/site/accessibility.html)
follows the model statements of Digitaliseringsstyrelsen (Denmark, was.digst.dk) and DIGG (Sweden).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

#: When the statement was first prepared, and when the site was last checked against it.
PREPARED_ON = date(2026, 12, 4)
REVIEWED_ON = date(2026, 12, 4)


@dataclass(frozen=True, slots=True)
class Limitation:
    #: What does not work, and for whom.
    text: Any
    #: The WCAG 2.1 success criteria (or EN 301 549 clauses) it fails.
    criteria: tuple[str, ...]
    #: What a person can do instead, if anything.
    workaround: Any = None


LIMITATIONS: tuple[Limitation, ...] = (
    Limitation(
        _l(
            "Three documents offered as PDF files are not tagged, so a screen reader reads them without headings or structure: the council's plan against threats and harassment, the summary of a council seminar and the document of a member's personal data."  # noqa: E501
        ),
        ("1.3.1", "EN 301 549 10"),
        _l(
            "Each of them is also a page on the site, with headings, which can be read or printed instead."  # noqa: E501
        ),
    ),
)


def reporting_contact(config: Any) -> str | None:
    """Where to report a problem: the accessibility contact, else the address e-mails can be answered at."""
    return config.get("COURSE_ACCESSIBILITY_CONTACT") or config.get("COURSE_MAIL_REPLY_TO")
