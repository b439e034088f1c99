"""The dashboard's table as CSV or XLSX, in the language of whoever downloads it.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a member's
name is typed by whoever filled in the roster, so such cells are written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from course.admin.dashboard import STATUS_LABELS, MemberRow
from course.admin.roster import ROLE_LABELS
from course.content import Course
from course.people.calendar import local_date
from course.people.models import Council
from course.web.templating import localize, percent

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

Cell = str | int | date | None


def neutralize(value: Cell) -> Cell:
    """A text cell that a spreadsheet would run as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def completion_table(
    council: Council, course: Course, rows: Iterable[MemberRow]
) -> tuple[list[str], list[list[Cell]]]:
    """Headers and rows: one line per member, columns per module. Call inside the reader's locale."""
    headers = [_("Name"), _("E-mail address"), _("Role"), _("Takes the course"), _("Status"), _("Overdue")]
    for module in course.modules:
        number = module.number
        headers.append(_("Module %(number)s: video", number=number))
        for quiz in module.quizzes:
            headers.append(_("Module %(number)s: %(quiz)s", number=number, quiz=localize(quiz.title)))
        headers.append(_("Module %(number)s: completed", number=number))
    headers += [
        _("Course completed"),
        _("Last activity"),
        _("Reminders sent"),
        _("Last reminder"),
        _("Certificate"),
        _("Certificate code"),
        _("Certificate valid until"),
    ]
    certificate_labels = {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}

    def day(moment: datetime | None) -> date | None:
        return local_date(council.country, moment) if moment is not None else None

    yes, no = _("Yes"), _("No")
    body: list[list[Cell]] = []
    for row in rows:
        line: list[Cell] = [
            row.member.name,
            row.member.email,
            str(ROLE_LABELS[row.member.role]),
            yes if row.member.takes_course else no,
            str(STATUS_LABELS[row.status]),
            yes if row.is_overdue else no,
        ]
        for cell in row.modules:
            if cell.video_route == "transcript":
                video = _("Transcript read")
            elif cell.is_video_done:
                video = _("Video watched")
            else:
                video = _("%(percent)s watched", percent=percent(cell.coverage))
            line.append(video)
            line += [yes if quiz.is_passed else no for quiz in cell.quiz_states]
            line.append(day(cell.completed_at))
        line += [
            day(row.completed_at),
            day(row.last_activity_at),
            row.reminder_count,
            day(row.last_reminded_at),
        ]
        certificate = row.certificate
        line += (
            [certificate_labels[certificate.status], certificate.code, certificate.valid_until]
            if certificate is not None
            else [None, None, None]
        )
        body.append(line)
    return headers, body


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Cell]], delimiter: str = ";") -> bytes:
    """UTF-8 with a byte-order mark, so Excel reads æ, ø, å and ä, ö right; dates as YYYY-MM-DD."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralize(header) for header in headers])
    for row in rows:
        writer.writerow(["" if value is None else _text(neutralize(value)) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


#: Column widths in the workbook, in characters: enough for the longest value, within reason.
MIN_WIDTH, MAX_WIDTH = 8, 48


def column_widths(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[float]:
    """Each column's width: its longest value (a date is 10 characters), bounded, with a little room."""
    widths = []
    for index, header in enumerate(headers):
        longest = max([len(str(header))] + [len(_text(row[index])) for row in rows if row[index] is not None])
        widths.append(float(min(max(longest + 2, MIN_WIDTH), MAX_WIDTH)))
    return widths


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Cell]], title: str) -> bytes:
    """An Excel workbook with one sheet; dates are real dates, every text is plain text. The header row
    stays in view while scrolling, each column has a filter and is as wide as its values."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    rows = [list(row) for row in rows]
    workbook = Workbook(write_only=True)
    # Excel allows 31 characters in a sheet's name, and none of : \ / ? * [ ].
    sheet = workbook.create_sheet(title=re.sub(r"[:\\/?*\[\]]", "-", title)[:31] or "Sheet")
    for index, width in enumerate(column_widths(headers, rows), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(headers), 1))}{len(rows) + 1}"
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralize(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=neutralize(value))
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            elif isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
