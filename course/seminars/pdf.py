"""The seminar's summary as a PDF (A4 portrait, in the council's language): the cards discussed with the
totals the room saw, and the agreements. Laid out with fpdf2 in the certificate's typeface."""

from __future__ import annotations

import unicodedata

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF

from course.certificates.pdf import FAMILY, FONT_DIR, FONT_FILES
from course.seminars.queries import Question, Summary

INK = (26, 26, 26)
MUTED = (84, 84, 84)
BRAND = (0, 89, 179)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def scale_label(value: str) -> str:
    """The words for a point of the five-point scale (also used by the pages)."""
    return {
        "1": _("Strongly disagree"),
        "2": _("Disagree"),
        "3": _("Neither agree nor disagree"),
        "4": _("Agree"),
        "5": _("Strongly agree"),
    }[value]


def total_lines(question: Question, language: str) -> list[str]:
    lines = []
    for total in question.totals or ():
        label = scale_label(total.value) if question.kind == "scale" else total.label.get(language)
        lines.append(f"{label}: {total.count} ({total.percent} %)")
    return lines


def summary_pdf(summary: Summary, council_name: str, language: str) -> bytes:
    seminar = summary.seminar
    with force_locale(language):
        pdf = FPDF(orientation="P", unit="mm", format="A4")
        pdf.set_auto_page_break(auto=True, margin=18)
        for style, name in FONT_FILES.items():
            pdf.add_font(FAMILY, style, str(FONT_DIR / name))
        pdf.set_title(_nfc(seminar.title))
        pdf.set_lang(language)
        pdf.add_page()
        pdf.set_margins(20, 18, 20)
        width = pdf.w - 40

        def paragraph(text: str, size: float = 11, style: str = "", color=INK, after: float = 1.5) -> None:
            pdf.set_font(FAMILY, style, size)
            pdf.set_text_color(*color)
            pdf.set_x(20)
            pdf.multi_cell(width, size * 0.5, _nfc(text))
            pdf.ln(after)

        paragraph(_("Summary of the council seminar"), 10, color=BRAND)
        paragraph(seminar.title, 20, "B", after=2)
        details = [council_name, format_date(seminar.held_on, "long")]
        if seminar.place:
            details.append(seminar.place)
        paragraph(" · ".join(details), 11, color=MUTED)
        paragraph(
            _("Present: %(num)d", num=summary.present), 11, color=MUTED, after=1 if summary.attendees else 6
        )
        if summary.attendees:
            paragraph(", ".join(summary.attendees), 10, color=MUTED, after=6)

        paragraph(_("Agreements"), 14, "B", after=2)
        if summary.agreements:
            for number, agreement in enumerate(summary.agreements, start=1):
                paragraph(f"{number}. {agreement}", 11)
        else:
            paragraph(_("No agreements were noted."), 11, color=MUTED)
        pdf.ln(4)
        paragraph(_("Cards discussed"), 14, "B", after=2)
        if not summary.cards:
            paragraph(_("No cards were shown."), 11, color=MUTED)
        for entry in summary.cards:
            title = entry.card.title.get(language) if entry.card is not None else "?"
            paragraph(f"{entry.number}. {title}", 12, "B", after=1)
            question = entry.question
            if question is None:
                continue
            paragraph(question.text.get(language), 11, color=MUTED, after=1)
            if question.totals is None:
                paragraph(_("Fewer than %(num)d answered: no totals are shown.", num=summary.min_answers), 10)
            else:
                paragraph(_("%(num)d answered.", num=question.answered), 10, after=0.5)
                for line in total_lines(question, language):
                    paragraph(line, 10, after=0.5)
            pdf.ln(2)
        return bytes(pdf.output())
