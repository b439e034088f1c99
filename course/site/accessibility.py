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
            "The course certificate (PDF) is not tagged: a screen reader reads its text without headings or structure, and the QR code has no text alternative."  # noqa: E501
        ),
        ("1.1.1", "1.3.1", "EN 301 549 10"),
        _l("The certificate's page on the site shows the same facts, and its code can be checked there."),
    ),
    Limitation(
        _l(
            "At 200 % zoom, the lists of members and of certificates in the council administration make the whole page scroll sideways."  # noqa: E501
        ),
        ("1.4.10",),
    ),
    Limitation(
        _l(
            "On a screen 320 pixels wide, the figures table on the administration's overview and the file field on the import page are wider than the screen."  # noqa: E501
        ),
        ("1.4.10",),
    ),
    Limitation(
        _l(
            "On a phone the video captions are small, and the help text names a captions button that not every browser shows. Translated caption tracks are marked as captions rather than subtitles."  # noqa: E501
        ),
        ("1.2.2", "1.4.4"),
        _l("Every video has a full transcript under it, which can be read instead of watching."),
    ),
    Limitation(
        _l("The titles of sources in another language than the page's are not marked with their language."),
        ("3.1.2",),
    ),
    Limitation(
        _l(
            "When a quiz is sent with unanswered questions, the link in the error message puts the focus on the question's group, and its focus outline runs through the question's text."  # noqa: E501
        ),
        ("2.4.7",),
    ),
)


def reporting_contact(config: Any) -> str | None:
    """Where to report a problem: the accessibility contact, else the address e-mails can be answered at."""
    return config.get("COURSE_ACCESSIBILITY_CONTACT") or config.get("COURSE_MAIL_REPLY_TO")
