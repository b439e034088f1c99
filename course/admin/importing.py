"""Importing a roster from a CSV or XLSX file: parse, preview, then write everything or nothing.

A file is parsed without executing anything (openpyxl in read-only mode with cached values; formulas are
never evaluated). Headers and values are accepted in English, Danish and Swedish. Every row is classified
against the roster as it is at that moment: new, changed, unchanged, or an error with its reasons. The rows
wait in a :class:`PendingImport` until an administrator confirms; confirming classifies them again and writes
all of them in the caller's transaction, or none when any row has an error.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from course.admin.models import PendingImport
from course.admin.roster import ROLE_LABELS
from course.audit.models import AuditEvent
from course.audit.services import record_event
from course.db import utcnow
from course.extensions import db
from course.i18n import PlainText
from course.people.models import Council, Member, Role
from course.people.services import MemberError, add_member, check_email, default_takes_course
from course.web.inputs import has_control_characters

MAX_FILE_BYTES = 1024 * 1024
#: A roster workbook unpacks to well under a megabyte. One that unpacks to more is refused before it is read:
#: a 1 MB file of compressed blanks would otherwise make the parser wade through a gigabyte.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 50
PENDING_LIFETIME = timedelta(hours=1)
EXTENSIONS = (".csv", ".xlsx")


def _key(text: str) -> str:
    """Headers and values are compared without case, spaces, hyphens, dots or underscores."""
    return re.sub(r"[\s_\-.:]+", "", unicodedata.normalize("NFC", text).strip().lower())


HEADERS: dict[str, str] = {
    _key(alias): column
    for column, aliases in {
        "name": ("name", "full name", "navn", "fulde navn", "fuldt navn", "namn", "fullständigt namn"),
        "email": (
            "email",
            "e-mail",
            "e-mail address",
            "email address",
            "mail",
            "e-mailadresse",
            "mailadresse",
            "e-post",
            "epost",
            "e-postadress",
            "mejl",
            "mejladress",
        ),
        "role": ("role", "rolle", "roll", "type"),
        "language": ("language", "locale", "lang", "sprog", "språk"),
        "takes_course": (
            "takes the course",
            "takes course",
            "takes_course",
            "tager kurset",
            "tager kursus",
            "deltager i kurset",
            "går kursen",
            "tar kursen",
            "deltar i kursen",
            "går utbildningen",
        ),
    }.items()
    for alias in aliases
}

ROLES: dict[str, str] = {
    _key(alias): role
    for role, aliases in {
        Role.COUNCILLOR.value: (
            "councillor",
            "councilor",
            "member",
            "council member",
            "byrådsmedlem",
            "kommunalbestyrelsesmedlem",
            "regionsrådsmedlem",
            "medlem",
            "ledamot",
            "fullmäktigeledamot",
            "kommunfullmäktigeledamot",
            "politiker",
        ),
        Role.SUBSTITUTE.value: ("substitute", "stedfortræder", "suppleant", "ersättare"),
        Role.STAFF.value: (
            "staff",
            "employee",
            "medarbejder",
            "ansat",
            "tjenestemand",
            "tjänsteperson",
            "tjänsteman",
            "anställd",
            "medarbetare",
        ),
    }.items()
    for alias in aliases
}

LANGUAGES: dict[str, str] = {
    _key(alias): code
    for code, aliases in {
        "da": ("da", "dk", "dansk", "danska", "danish"),
        "sv": ("sv", "se", "svensk", "svenska", "swedish"),
        "en": ("en", "engelsk", "engelska", "english"),
    }.items()
    for alias in aliases
}


#: The optional "takes the course" column: yes or no in English, Danish or Swedish.
TAKES_COURSE: dict[str, bool] = {
    _key(alias): value
    for value, aliases in {
        True: ("yes", "y", "true", "1", "x", "ja", "j", "sand", "sant"),
        False: ("no", "n", "false", "0", "nej", "falsk", "falskt"),
    }.items()
    for alias in aliases
}


class ImportFileError(ValueError):
    """The file as a whole cannot be read; ``message`` says why in the reader's language."""

    def __init__(self, message: Any) -> None:
        super().__init__(str(message))
        self.message = message


class PendingImportExpiredError(Exception):
    """The preview is older than an hour or was already confirmed."""


class RosterConflictError(Exception):
    """Another change to the roster was saved at the same moment; nothing from the file was written."""


# --- reading files ----------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Excel in Denmark and Sweden saves "CSV" as Windows-1252; Latin-1 reads any byte at all.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _check_archive(data: bytes) -> None:
    # The sizes are the ones the archive declares; zipfile stops at them and fails on a lie (CRC check).
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise ImportFileError(_l("The file is not a readable Excel workbook (.xlsx).")) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _l(
                "The workbook unpacks to more than %(max)s MB. Copy the member list into a new workbook.",
                max=MAX_UNPACKED_BYTES // (1024 * 1024),
            )
        )


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    _check_archive(data)
    try:
        # read_only streams the sheet; data_only gives the values Excel saved, never evaluating formulas.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise ImportFileError(_l("The file is not a readable Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        # The sheet's declared size is the file's claim, not its content: a 148 KB file declaring
        # A1:XFD1048576 made every row 16,384 cells wide. Reading is bounded by our own limits instead, so it
        # costs in proportion to the cells really there (and at most MAX_COLUMNS per row).
        sheet.reset_dimensions()
        for values in sheet.iter_rows(max_col=MAX_COLUMNS, max_row=2 * MAX_ROWS + 1, values_only=True):
            yield [_cell_text(value) for value in values]
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise ImportFileError(_l("The file is not a readable Excel workbook (.xlsx).")) from error
    finally:
        workbook.close()


@dataclass(frozen=True, slots=True)
class RawRow:
    """One data row of the file as written there (stripped); ``number`` is its row in the file."""

    number: int
    name: str
    email: str
    role: str
    language: str
    #: The optional "takes the course" cell; empty when the file has no such column or the cell is empty.
    takes_course: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "name": self.name,
            "email": self.email,
            "role": self.role,
            "language": self.language,
            "takes_course": self.takes_course,
        }


def parse_roster_file(filename: str, data: bytes) -> list[RawRow]:
    """The data rows of a CSV or XLSX roster.

    Raises :class:`ImportFileError` for a file that cannot be used at all.
    """
    lower = filename.lower()
    if not lower.endswith(EXTENSIONS):
        raise ImportFileError(_l("Choose a CSV or Excel file (.csv or .xlsx)."))
    if len(data) > MAX_FILE_BYTES:
        raise ImportFileError(_l("The file is larger than 1 MB. Split it into smaller files."))
    if not data.strip():
        raise ImportFileError(_l("The file is empty."))
    if lower.endswith(".xlsx") and not data.startswith(b"PK"):
        raise ImportFileError(_l("The file is not a readable Excel workbook (.xlsx)."))
    if lower.endswith(".csv") and data.startswith(b"PK"):
        raise ImportFileError(
            _l("This looks like an Excel workbook. Save it with the ending .xlsx, or as CSV.")
        )
    rows = _xlsx_rows(data) if lower.endswith(".xlsx") else _csv_rows(data)
    try:
        return _read_table(rows)
    except csv.Error as error:
        raise ImportFileError(_l("The file could not be read as CSV.")) from error


#: The columns a roster file may have, in the order of the downloadable template.
COLUMNS = ("name", "email", "role", "language", "takes_course")

#: The header row of the downloadable template in each language; every name is one the parser knows
#: (HEADERS), so a template filled in is imported as it is.
TEMPLATE_HEADERS: dict[str, tuple[str, ...]] = {
    "en": ("name", "email", "role", "language", "takes the course"),
    "da": ("navn", "e-mail", "rolle", "sprog", "tager kurset"),
    "sv": ("namn", "e-post", "roll", "språk", "går kursen"),
}


def template_headers(locale: str) -> tuple[str, ...]:
    """The template's header row in ``locale`` (English for a language the site does not have)."""
    return TEMPLATE_HEADERS.get(locale, TEMPLATE_HEADERS["en"])


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _read_table(rows: Iterable[list[str]]) -> list[RawRow]:
    columns: dict[str, int] | None = None
    result: list[RawRow] = []
    for number, cells in enumerate(rows, start=1):
        # Empty rows count too: a small file can declare a million of them.
        if number > 2 * MAX_ROWS:
            raise ImportFileError(_l("The file has more than %(max)s rows.", max=MAX_ROWS))
        cells = [cell.strip() for cell in cells[:MAX_COLUMNS]]
        if not any(cells):
            continue
        if columns is None:
            columns = {}
            for index, header in enumerate(cells):
                column = HEADERS.get(_key(header))
                if column is not None and column not in columns:
                    columns[column] = index
            if "name" not in columns or "email" not in columns:
                raise ImportFileError(
                    _l("The first row must name the columns, at least name and e-mail (navn, namn, e-post).")
                )
            continue
        if len(result) >= MAX_ROWS:
            raise ImportFileError(_l("The file has more than %(max)s rows.", max=MAX_ROWS))
        name, email, role, language, takes_course = (_cell(cells, columns.get(column)) for column in COLUMNS)
        result.append(RawRow(number, name, email, role, language, takes_course))
    if columns is None:
        raise ImportFileError(_l("The file is empty."))
    if not result:
        raise ImportFileError(_l("The file has column names but no members."))
    return result


# --- classifying rows against the roster ------------------------------------------------------------


NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


@dataclass(slots=True)
class PlannedRow:
    number: int
    raw: RawRow
    status: str = NEW
    name: str = ""
    email: str = ""
    role: str | None = None
    locale: str | None = None
    #: Whether the member takes the course; None until the row is classified (an error row stays None).
    takes_course: bool | None = None
    member_id: int | None = None
    #: For a changed row, the fields that change (name, role, locale, takes_course).
    changes: list[str] = field(default_factory=list)
    #: For an error row, why (translated when shown).
    reasons: list[Any] = field(default_factory=list)
    #: A removed member with this address comes back.
    is_returning: bool = False

    @property
    def role_label(self) -> Any:
        return ROLE_LABELS.get(self.role or Role.COUNCILLOR.value)


@dataclass(slots=True)
class ImportPlan:
    rows: list[PlannedRow]

    def count(self, status: str) -> int:
        return sum(row.status == status for row in self.rows)

    @property
    def has_errors(self) -> bool:
        return any(row.status == ERROR for row in self.rows)

    @property
    def has_changes(self) -> bool:
        return any(row.status in (NEW, CHANGED) for row in self.rows)

    @property
    def digest(self) -> str:
        """A fingerprint of what confirming would do, to notice when the roster moved since the preview."""
        summary = [(row.number, row.status, row.email, row.member_id, row.changes) for row in self.rows]
        return hashlib.sha256(json.dumps(summary).encode()).hexdigest()[:32]


def plan_import(council: Council, raw_rows: Iterable[RawRow]) -> ImportPlan:
    """Classify each row against the roster as it is now (two queries, whatever the size of the file)."""
    planned: list[PlannedRow] = []
    for raw in raw_rows:
        row = PlannedRow(number=raw.number, raw=raw, name=raw.name)
        if any(
            has_control_characters(cell, allow_line_breaks=False)
            for cell in (raw.name, raw.email, raw.role, raw.language, raw.takes_course)
        ):
            # Checked first, and the address is left out of the look-ups below: PostgreSQL refuses a NUL.
            row.reasons.append(
                _l("The row contains a control character (such as a NUL byte). Remove it from the file.")
            )
            planned.append(row)
            continue
        if not raw.name:
            row.reasons.append(_l("The name is missing."))
        if not raw.email:
            row.reasons.append(_l("The e-mail address is missing."))
        else:
            try:
                row.email = check_email(raw.email)
            except MemberError:
                row.email = raw.email.strip().lower()
                row.reasons.append(PlainText(_l("%(value)s is not a valid e-mail address.", value=raw.email)))
        if raw.role:
            row.role = ROLES.get(_key(raw.role))
            if row.role is None:
                row.reasons.append(
                    PlainText(
                        _l("Unknown role %(value)s: use councillor, substitute or staff.", value=raw.role)
                    )
                )
        if raw.language:
            row.locale = LANGUAGES.get(_key(raw.language))
            if row.locale is None:
                row.reasons.append(
                    PlainText(_l("Unknown language %(value)s: use da, sv or en.", value=raw.language))
                )
        takes_course = TAKES_COURSE.get(_key(raw.takes_course)) if raw.takes_course else None
        if raw.takes_course and takes_course is None:
            row.reasons.append(
                PlainText(
                    _l(
                        "Unknown value %(value)s for takes the course: use yes or no (ja or nej).",
                        value=raw.takes_course,
                    )
                )
            )
        row.takes_course = takes_course
        planned.append(row)

    first_with: dict[str, int] = {}
    for row in planned:
        if not row.email:
            continue
        if row.email in first_with:
            row.reasons.append(_l("The same e-mail address as row %(row)s.", row=first_with[row.email]))
        else:
            first_with[row.email] = row.number

    addresses = [row.email for row in planned if row.email]
    existing = (
        {
            member.email: member
            for member in db.session.execute(select(Member).where(Member.email.in_(addresses))).scalars()
        }
        if addresses
        else {}
    )

    for row in planned:
        member = existing.get(row.email)
        if member is not None and member.council_id != council.id:
            if not member.is_removed:
                # Another council's current member: the answer names no council (SECURITY.md, "Tenancy").
                row.reasons.append(_l("This address cannot be added. Use another address for this person."))
            # Someone who left another council joins this one afresh; the other council's row lets the
            # address go when the import is confirmed (course.people.services.take_address).
            member = None
        if row.reasons:
            row.status = ERROR
            continue
        if member is None or member.is_removed:
            row.status = NEW
            row.is_returning = member is not None
            row.member_id = member.id if member is not None else None
            if row.takes_course is None:
                row.takes_course = default_takes_course(row.role or Role.COUNCILLOR.value)
            continue
        row.member_id = member.id
        # An empty role or language cell leaves the member's current value alone. An empty "takes the
        # course" cell does too, except that a member who followed their role's default follows the new role.
        role = row.role or member.role
        if row.takes_course is not None:
            takes_course = row.takes_course
        elif member.takes_course == default_takes_course(member.role):
            takes_course = default_takes_course(role)
        else:
            takes_course = member.takes_course
        wanted = {
            "name": row.name,
            "role": role,
            "locale": row.locale or member.locale,
            "takes_course": takes_course,
        }
        row.role, row.locale, row.takes_course = wanted["role"], wanted["locale"], wanted["takes_course"]
        row.changes = [name for name, value in wanted.items() if getattr(member, name) != value]
        row.status = CHANGED if row.changes else UNCHANGED
    return ImportPlan(planned)


# --- pending imports --------------------------------------------------------------------------------


def create_pending_import(
    council: Council, uploader: Member | None, filename: str, rows: list[RawRow], now: datetime | None = None
) -> PendingImport:
    now = now or utcnow()
    # Old previews of this council are of no further use; keep the table small.
    db.session.execute(
        delete(PendingImport).where(PendingImport.council_id == council.id, PendingImport.expires_at <= now)
    )
    pending = PendingImport(
        council_id=council.id,
        uploaded_by_id=uploader.id if uploader is not None else None,
        filename=filename[-255:],
        rows=[row.as_dict() for row in rows],
        created_at=now,
        expires_at=now + PENDING_LIFETIME,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


def get_pending_import(council: Council, import_id: int, now: datetime | None = None) -> PendingImport | None:
    """A preview of ``council``; None for another council's (the view says 404).

    Raises :class:`PendingImportExpiredError` when it is older than an hour.
    """
    pending = db.session.execute(
        select(PendingImport).where(PendingImport.id == import_id, PendingImport.council_id == council.id)
    ).scalar()
    if pending is not None and pending.expires_at <= (now or utcnow()):
        raise PendingImportExpiredError(import_id)
    return pending


def raw_rows(pending: PendingImport) -> list[RawRow]:
    return [RawRow(**row) for row in pending.rows]


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    changed: int
    unchanged: int


def was_imported(council: Council, import_id: int) -> bool:
    """Whether the council's preview ``import_id`` (gone now) was confirmed: the Back button after an import.

    Looks at the council's latest confirmed imports in the audit log, in one query.
    """
    details = db.session.execute(
        select(AuditEvent.details)
        .where(AuditEvent.council_id == council.id, AuditEvent.action == "import.confirmed")
        .order_by(AuditEvent.id.desc())
        .limit(20)
    ).scalars()
    return any((value or {}).get("import_id") == import_id for value in details)


def confirm_import(
    council: Council, pending: PendingImport, plan: ImportPlan, *, actor: Member | None
) -> ImportResult:
    """Write every new and changed row of ``plan`` (made from ``pending`` just before); flushes.

    All or nothing: the caller commits once, or rolls back on an exception. The preview row is deleted
    first, so of two requests confirming the same preview one writes and the other finds it gone
    (:class:`PendingImportExpiredError`). A member added by someone else in the meantime makes the unique
    e-mail constraint fail: :class:`RosterConflictError`, and the caller rolls back.
    """
    if plan.has_errors:
        raise ValueError("a plan with errors cannot be confirmed")
    claimed = db.session.execute(
        delete(PendingImport)
        .where(PendingImport.id == pending.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise PendingImportExpiredError(pending.id)
    members = {
        member.id: member
        for member in db.session.execute(
            select(Member).where(Member.id.in_([row.member_id for row in plan.rows if row.member_id]))
        ).scalars()
    }
    try:
        for row in plan.rows:
            if row.status == NEW and row.is_returning:
                _restore(council, members[row.member_id], row, actor)
            elif row.status == NEW:
                add_member(
                    council,
                    row.email,
                    row.name,
                    role=row.role or Role.COUNCILLOR.value,
                    locale=row.locale,
                    takes_course=row.takes_course,
                    actor=actor,
                )
            elif row.status == CHANGED:
                member = members[row.member_id]
                member.name, member.role, member.locale = row.name, row.role, row.locale
                member.takes_course = row.takes_course
                record_event(
                    "member.changed",
                    actor=actor,
                    council_id=council.id,
                    member=member,
                    fields=row.changes,
                    role=member.role,
                    is_admin=member.is_admin,
                    takes_course=member.takes_course,
                    source="import",
                )
        db.session.flush()
    except (IntegrityError, MemberError) as error:
        raise RosterConflictError(str(error)) from error
    result = ImportResult(added=plan.count(NEW), changed=plan.count(CHANGED), unchanged=plan.count(UNCHANGED))
    record_event(
        "import.confirmed",
        actor=actor,
        council_id=council.id,
        import_id=pending.id,
        added=result.added,
        changed=result.changed,
        unchanged=result.unchanged,
    )
    return result


def _restore(council: Council, member: Member, row: PlannedRow, actor: Member | None) -> None:
    previous = member.council_id
    member.council_id = council.id
    member.name = row.name
    member.role = row.role or Role.COUNCILLOR.value
    member.locale = row.locale
    member.takes_course = row.takes_course
    member.removed_at = None
    member.invited_at = None
    member.joined_at = None
    db.session.flush()
    record_event(
        "member.restored",
        actor=actor,
        council_id=council.id,
        member=member,
        role=member.role,
        is_admin=member.is_admin,
        takes_course=member.takes_course,
        from_council_id=previous,
        source="import",
    )
