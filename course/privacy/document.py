"""A member's data as a document they can read, in their language: the same export as the JSON file, with
each section and field named in words, dates as dates and yes or no for flags (HTML and PDF)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from course.privacy.registry import POLICIES

#: What each section is called; a table without a name here shows its own name.
SECTION_TITLES: dict[str, Any] = {
    "member": _l("You on the roster"),
    "course_round": _l("The council's rounds of the course"),
    "login_session": _l("Signed-in browsers"),
    "auth_token": _l("Links sent to you by e-mail"),
    "outgoing_mail": _l("E-mails waiting to be sent"),
    "pending_import": _l("Roster files waiting for confirmation"),
    "reminder": _l("Reminders"),
    "video_progress": _l("Videos watched"),
    "module_progress": _l("Modules"),
    "quiz_attempt": _l("Quiz attempts"),
    "course_completion": _l("The course completed online"),
    "seminar_completion": _l("Completion at a council seminar"),
    "certificate": _l("Certificates"),
    "seminar_ballot": _l("Seminar questions you answered"),
    "seminar_attendance": _l("Seminars you joined"),
    "audit_event": _l("Administrative actions by or about you"),
}

#: What each field is called; a field without a name here shows its own name.
FIELD_LABELS: dict[str, Any] = {
    "id": _l("Number"),
    "council": _l("Council"),
    "name": _l("Name"),
    "email": _l("E-mail address"),
    "role": _l("Role"),
    "is_admin": _l("Administrator"),
    "is_platform_admin": _l("Platform administrator"),
    "takes_course": _l("Takes the course"),
    "language": _l("Language"),
    "has_password": _l("Has a password"),
    "created_at": _l("Created"),
    "invited_at": _l("Invited"),
    "joined_at": _l("Joined"),
    "removed_at": _l("Removed"),
    "expires_at": _l("Expires"),
    "last_seen_at": _l("Last used"),
    "browser": _l("Browser"),
    "platform": _l("System"),
    "purpose": _l("Purpose"),
    "used_at": _l("Used"),
    "kind": _l("Kind"),
    "requested_at": _l("Asked for"),
    "attempts": _l("Attempts"),
    "round_id": _l("Round"),
    "sent_at": _l("Sent"),
    "module_id": _l("Module"),
    "quiz_id": _l("Quiz"),
    "started_at": _l("Started"),
    "completed_at": _l("Completed"),
    "completed_on": _l("Completed"),
    "score": _l("Score"),
    "passed": _l("Passed"),
    "questions": _l("Questions"),
    "content_version": _l("Version of the course"),
    "carried_from_id": _l("Carried over from round"),
    "term_start": _l("Council term from"),
    "term_end": _l("Council term to"),
    "due_date": _l("Due date"),
    "carries_over": _l("Completions carry over"),
    "started_by_member": _l("Started by you"),
    "reason": _l("Reason"),
    "recorded_at": _l("Recorded"),
    "code": _l("Certificate code"),
    "valid_until": _l("Valid until"),
    "issued_on": _l("Issued"),
    "revoked_at": _l("Revoked"),
    "seminar_id": _l("Seminar"),
    "is_confirmed": _l("Confirmed as present"),
    "item_id": _l("Question"),
    "action": _l("Action"),
    "as": _l("Your part"),
    "actor_id": _l("Done by (number)"),
    "member_id": _l("About (number)"),
    "details": _l("Details"),
    "filename": _l("File"),
    "rows": _l("Rows"),
}


@dataclass(frozen=True, slots=True)
class Field:
    label: str
    #: Text, or a :class:`datetime.date` / :class:`datetime.datetime` for the template to format.
    value: Any

    @property
    def is_date(self) -> bool:
        return isinstance(self.value, date) and not isinstance(self.value, datetime)

    @property
    def is_moment(self) -> bool:
        return isinstance(self.value, datetime)


@dataclass(frozen=True, slots=True)
class Section:
    table: str
    title: str
    records: list[list[Field]]


@dataclass(frozen=True, slots=True)
class Document:
    controller: str
    exported_at: datetime
    sections: list[Section]


def _value(value: Any) -> Any:
    """A value in words: yes or no, a date or a moment, text; lists and objects as compact text."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        return moment.date() if len(value) == 10 else moment
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def build_document(data: Mapping[str, Any]) -> Document:
    """The export (:func:`course.privacy.services.export_member`) as sections of labelled fields, in the
    current locale. The member's own row comes first; empty sections are left out."""
    tables = [policy for policy in POLICIES if policy.export is not None]
    tables.sort(key=lambda policy: policy.table != "member")
    sections = []
    for policy in tables:
        rows = data.get(policy.table) or []
        if not rows:
            continue
        records = [
            [
                Field(str(FIELD_LABELS.get(key, key.replace("_", " "))), _value(value))
                for key, value in row.items()
            ]
            for row in rows
        ]
        sections.append(Section(policy.table, str(SECTION_TITLES.get(policy.table, policy.table)), records))
    return Document(str(data.get("controller") or ""), datetime.fromisoformat(data["exported_at"]), sections)


def render_document_pdf(document: Document, *, title: str, language: str, texts: Mapping[str, str]) -> bytes:
    """The document as a PDF: a heading per section, each record's fields as lines. ``texts`` are the
    formatted strings the PDF needs (the intro, and each field's value as shown)."""
    from fpdf import FPDF

    from course.certificates.pdf import FAMILY, _font_files

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    for style, path in _font_files().items():
        pdf.add_font(FAMILY, style, str(path))
    pdf.set_lang(language)
    pdf.set_title(title)
    pdf.set_author(document.controller)
    pdf.set_creator("council-course")
    pdf.set_display_mode("fullwidth")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    pdf.set_font(FAMILY, "B", 18)
    pdf.multi_cell(width, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)
    pdf.multi_cell(width, 5.5, texts["intro"], new_x="LMARGIN", new_y="NEXT")
    for section_index, section in enumerate(document.sections):
        pdf.ln(4)
        pdf.set_font(FAMILY, "B", 13)
        pdf.multi_cell(width, 7, section.title, new_x="LMARGIN", new_y="NEXT")
        for record_index, record in enumerate(section.records):
            if record_index:
                pdf.ln(2)
            for field_index, field in enumerate(record):
                shown = texts[f"{section_index}.{record_index}.{field_index}"]
                pdf.set_font(FAMILY, "B", 10)
                pdf.cell(pdf.get_string_width(field.label + ": ") + 1, 5.5, field.label + ":")
                pdf.set_font(FAMILY, "", 10)
                pdf.multi_cell(0, 5.5, shown, new_x="LMARGIN", new_y="NEXT")
    buffer = io.BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()
