"""An adopted plan as a PDF (A4 portrait, in the council's language), laid out with fpdf2 in the
certificate's typeface, as the seminar summary is."""

from __future__ import annotations

import unicodedata
from datetime import date

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF

from course.certificates.pdf import FAMILY, FONT_DIR, FONT_FILES
from course.content import Course
from course.plan.models import PlanVersion

INK = (26, 26, 26)
MUTED = (84, 84, 84)
BRAND = (0, 89, 179)
MARGIN = 20


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def contact_line(entry: dict) -> str:
    """A contact on one line: name, role or group, phone, e-mail (the parts that are filled)."""
    parts = [entry.get("name", ""), entry.get("role", "") or entry.get("group", "")]
    parts += [entry.get("phone", ""), entry.get("email", "")]
    return " · ".join(part for part in parts if part)


def plan_pdf(version: PlanVersion, council_name: str, course: Course) -> bytes:
    plan = version.content
    with force_locale(version.language):
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=True, margin=18)
        for style, name in FONT_FILES.items():
            pdf.add_font(FAMILY, style, str(FONT_DIR / name))
        pdf.set_title(_nfc(plan["title"]))
        pdf.set_lang(version.language)
        pdf.set_margins(MARGIN, 18, MARGIN)
        pdf.add_page()
        width = pdf.w - 2 * MARGIN

        def paragraph(text: str, size: float = 11, style: str = "", color=INK, after: float = 1.5) -> None:
            pdf.set_font(FAMILY, style, size)
            pdf.set_text_color(*color)
            pdf.set_x(MARGIN)
            pdf.multi_cell(width, size * 0.5, _nfc(text))
            pdf.ln(after)

        paragraph(council_name, 10, color=BRAND)
        paragraph(plan["title"], 18, "B", after=2)
        paragraph(
            _(
                "Version %(number)s, adopted on %(date)s (%(reference)s). Next review: %(review)s.",
                number=version.number,
                date=format_date(version.adopted_on, "long"),
                reference=version.decision_reference,
                review=format_date(version.next_review_on, "long"),
            ),
            10,
            color=MUTED,
            after=4,
        )
        paragraph(
            _(
                "Immediate danger: %(emergency)s. Police: %(police)s.",
                emergency=plan["emergency"],
                police=plan["police"],
            ),
            12,
            "B",
            after=3,
        )
        paragraph(plan["intro"], 11, after=4)
        for section in plan["sections"]:
            paragraph(section["title"], 14, "B", after=1.5)
            if section["kind"] == "contacts":
                for entry in plan.get("contacts", []):
                    line = contact_line(entry)
                    if entry.get("out_of_hours"):
                        line += " · " + _("also out of hours")
                    paragraph(line, 11, after=1)
                if plan.get("party_contacts"):
                    paragraph(_("Contacts in the party groups"), 11, "B", after=1)
                    for entry in plan["party_contacts"]:
                        paragraph(contact_line(entry), 11, after=1)
            for field in section["fields"]:
                paragraph(field["label"], 11, "B", after=0.5)
                paragraph(field["text"], 11, after=1.5)
            if section["kind"] == "review":
                paragraph(_("Next review: %(date)s", date=format_date(version.next_review_on, "long")), 11)
            pdf.ln(2)
        if plan.get("agreements"):
            paragraph(_("Agreements from the council's seminars"), 14, "B", after=1.5)
            for item in plan["agreements"]:
                held_on = format_date(date.fromisoformat(item["held_on"]), "long")
                paragraph(f"{item['text']} ({item['seminar']}, {held_on})", 11, after=1)
            pdf.ln(2)
        paragraph(_("Sources"), 12, "B", after=1)
        for source in course.sources_for(plan.get("sources", [])):
            year = source.year or _("n.d.")
            paragraph(
                f"{source.title}. {source.publisher.get(version.language)}, {year}.",
                9,
                color=MUTED,
                after=0.5,
            )
        return bytes(pdf.output())
