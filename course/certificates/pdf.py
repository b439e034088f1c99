"""The certificate as a PDF: A4 landscape, in one language, with a QR code to its verification page.

:func:`certificate_sheet` gathers what the page says, translated and formatted (Babel); :func:`render_pdf`
lays it out with fpdf2 and knows nothing of Flask. IBM Plex Sans is embedded as a subset of the glyphs used.

The PDF is tagged (EN 301 549 clause 10, as PDF/UA asks): its language, its title shown in place of the file
name, and a structure tree in reading order, the title a heading of the first level, the course and the
verification headings of the second, each line a paragraph and the QR code a figure with alternative text;
the frame is an artifact, not read out.

Speed (a certificate is made on every download, and a council's ZIP makes dozens): fpdf2 parses each font
and subsets it again for every document, at a cost that grows with the font. The full IBM Plex Sans files
carry glyphs and OpenType tables for scripts a certificate never shows, so each weight is cut once per
process to the Latin blocks and written to a temporary folder. With that, single lines drawn without the
line breaker and glyph boxes copied rather than recomputed, one certificate takes about 25 ms of CPU
instead of 45 on the development machine.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import segno
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF, ViewerPreferences
from PIL import Image

from course.certificates.codes import format_code
from course.certificates.models import Certificate
from course.content import Course
from course.people.calendar import local_date
from course.urls import absolute_url

log = logging.getLogger(__name__)

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILES = {"": "IBMPlexSans-Regular.ttf", "B": "IBMPlexSans-Bold.ttf"}
FAMILY = "IBMPlexSans"
# Latin, its extensions and combining marks, and the punctuation and currency blocks: every name
# written in a Latin script, Danish æ ø å and Swedish ä ö å among them.
LATIN_RANGES = (
    (0x20, 0x7E),
    (0xA0, 0x24F),
    (0x300, 0x36F),
    (0x1E00, 0x1EFF),
    (0x2000, 0x206F),
    (0x20A0, 0x20CF),
)

PAGE_WIDTH, PAGE_HEIGHT = 297.0, 210.0  # A4 landscape, in millimetres
MARGIN = 24.0
BRAND = (0, 89, 179)
INK = (26, 26, 26)
MUTED = (84, 84, 84)
QR_SIZE = 38.0
QR_PIXELS_PER_MODULE = 8
QR_BORDER = 4  # modules of quiet zone, as the QR standard asks


@dataclass(frozen=True, slots=True)
class CertificateSheet:
    """Everything one certificate page says, already translated and formatted."""

    language: str
    title: str
    council_name: str
    intro: str
    member_name: str
    completed_line: str
    course_title: str
    modules: tuple[str, ...]
    note: str | None
    details: tuple[tuple[str, str], ...]
    verify_heading: str
    verify_text: str
    verification_url: str
    code: str
    #: The QR code's alternative text.
    qr_description: str


def certificate_sheet(certificate: Certificate, course: Course, language: str) -> CertificateSheet:
    """What ``certificate`` says in ``language``; needs an application context (translations, base URL)."""
    code = format_code(certificate.code)
    modules = []
    with force_locale(language):
        seminar_note = _("Completed at an in-person seminar held by the council.")
        for number, module_id in enumerate(certificate.module_ids, start=1):
            module = course.module(module_id)
            title = module.title.get(language) if module is not None else module_id
            modules.append(_("Module %(number)s: %(title)s", number=number, title=title))
        details = (
            (_("Completed"), format_date(certificate.completed_on, "long")),
            (_("Issued"), format_date(local_date(certificate.country, certificate.issued_at), "long")),
            (_("Valid until"), format_date(certificate.valid_until, "long")),
            (_("Content version"), certificate.content_version),
            (_("Certificate code"), code),
        )
        return CertificateSheet(
            language=language,
            title=_("Certificate"),
            council_name=certificate.council_name,
            intro=_("This certifies that"),
            member_name=certificate.member_name,
            completed_line=_("has completed the course"),
            course_title=course.title.get(language),
            modules=tuple(modules),
            note=seminar_note if certificate.is_seminar else None,
            details=details,
            verify_heading=_("Check this certificate"),
            verify_text=_(
                "Scan the QR code, or go to %(url)s and enter the certificate code.",
                url=absolute_url("verification.verify_code"),
            ),
            verification_url=absolute_url("verification.show_result", code=code),
            code=code,
            qr_description=_(
                "QR code that opens the verification page of this certificate, %(code)s.", code=code
            ),
        )


def render_pdf(sheet: CertificateSheet, *, created_at: datetime | None = None) -> bytes:
    """The certificate page as PDF bytes."""
    pdf = _CertificatePDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    for style, path in _font_files().items():
        pdf.add_font(FAMILY, style, str(path))
    for font in pdf.fonts.values():
        # The glyphs are copied unchanged into the subset; their stored bounding boxes are right, and
        # not recomputing them saves a quarter of the time per certificate.
        font.ttfont.recalcBBoxes = False
    pdf.set_lang(sheet.language)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_title(f"{sheet.title}: {_nfc(sheet.member_name)}")
    pdf.set_author(sheet.council_name)
    pdf.set_subject(sheet.course_title)
    pdf.set_creator("council-course")
    if created_at is not None:
        pdf.set_creation_date(created_at)
    pdf.add_page()
    _draw_frame(pdf)
    _draw_body(pdf, sheet)
    _draw_details(pdf, sheet.details)
    _draw_verification(pdf, sheet)
    return bytes(pdf.output())


class _CertificatePDF(FPDF):
    @contextmanager
    def tagged(self, role: str, *, alt: str | None = None) -> Iterator[None]:
        """What is drawn inside is one structure element of type ``role`` (``H1``, ``P``, ``Figure``), next
        in reading order, with its marked content on the page."""
        # fpdf2 tags only figures and outline headings itself; its structure builder takes any role.
        mcid = self.struct_builder.next_mcid_for_page(self.page)
        self._add_marked_content(struct_type=f"/{role}", mcid=mcid, alt_text=alt)
        self._out(f"/{role} <</MCID {mcid}>> BDC")
        yield
        self._out("EMC")

    @contextmanager
    def artifact(self) -> Iterator[None]:
        """What is drawn inside is decoration, left out of the structure and not read out."""
        self._out("/Artifact BMC")
        yield
        self._out("EMC")

    def text_line(
        self,
        text: str,
        *,
        size: float,
        style: str = "",
        color=INK,
        height: float | None = None,
        role: str = "P",
    ):
        """One centred line, shrunk to fit the width (down to two thirds of ``size``), else wrapped; tagged
        as ``role``."""
        with self.tagged(role):
            self._text_line(text, size=size, style=style, color=color, height=height)

    def _text_line(self, text: str, *, size: float, style: str, color, height: float | None):
        width = PAGE_WIDTH - 2 * MARGIN
        text = _nfc(text)
        fitted = size
        self.set_font(FAMILY, style, fitted)
        while self.get_string_width(text) > width and fitted > size * 2 / 3:
            fitted -= 0.5
            self.set_font(FAMILY, style, fitted)
        self.set_text_color(*color)
        self.set_x(MARGIN)
        line_height = height or fitted * 0.5
        if self.get_string_width(text) <= width:
            # A single line: cell() does not run the line breaker, which is most of the layout time.
            self.cell(width, line_height, text, align="C", new_x="LMARGIN", new_y="NEXT")
        else:
            self.multi_cell(width, line_height, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _draw_frame(pdf: _CertificatePDF) -> None:
    with pdf.artifact():
        pdf.set_draw_color(*BRAND)
        pdf.set_line_width(0.8)
        pdf.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
        pdf.set_line_width(0.25)
        pdf.rect(13, 13, PAGE_WIDTH - 26, PAGE_HEIGHT - 26)


def _draw_body(pdf: _CertificatePDF, sheet: CertificateSheet) -> None:
    pdf.set_y(22)
    pdf.text_line(sheet.council_name, size=13, style="B", color=MUTED)
    pdf.ln(2)
    pdf.text_line(sheet.title, size=32, style="B", color=BRAND, role="H1")
    pdf.ln(4)
    pdf.text_line(sheet.intro, size=13)
    pdf.ln(2)
    pdf.text_line(sheet.member_name, size=26, style="B")
    pdf.ln(3)
    pdf.text_line(sheet.completed_line, size=13)
    pdf.ln(1)
    pdf.text_line(sheet.course_title, size=18, style="B", role="H2")
    pdf.ln(3)
    for module in sheet.modules:
        pdf.text_line(module, size=11.5, height=6)
    if sheet.note:
        pdf.ln(1)
        pdf.text_line(sheet.note, size=10.5, color=MUTED, height=6)


def _draw_details(pdf: _CertificatePDF, details: Sequence[tuple[str, str]]) -> None:
    top = PAGE_HEIGHT - MARGIN - 6.5 * len(details)
    label_width = 38.0
    for index, (label, value) in enumerate(details):
        y = top + index * 6.5
        # A label and its value are read as one paragraph.
        with pdf.tagged("P"):
            pdf.set_xy(MARGIN, y)
            pdf.set_font(FAMILY, "", 9.5)
            pdf.set_text_color(*MUTED)
            pdf.cell(label_width, 6.5, label)
            pdf.set_font(FAMILY, "B", 10.5)
            pdf.set_text_color(*INK)
            pdf.cell(70, 6.5, value)


def _draw_verification(pdf: _CertificatePDF, sheet: CertificateSheet) -> None:
    qr_x = PAGE_WIDTH - MARGIN - QR_SIZE
    qr_y = PAGE_HEIGHT - MARGIN - QR_SIZE + 2
    text_width = 62.0
    text_x = qr_x - text_width - 3
    # Read in the order heading, text, QR code, though the code is drawn to the right of them.
    with pdf.tagged("H2"):
        pdf.set_xy(text_x, qr_y + 6)
        pdf.set_font(FAMILY, "B", 10)
        pdf.set_text_color(*INK)
        pdf.multi_cell(text_width, 5, sheet.verify_heading, align="R", new_x="LEFT", new_y="NEXT")
    with pdf.tagged("P"):
        pdf.set_font(FAMILY, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(text_width, 4.5, sheet.verify_text, align="R")
    with pdf.tagged("Figure", alt=sheet.qr_description):
        pdf.image(qr_image(sheet.verification_url), x=qr_x, y=qr_y, w=QR_SIZE, h=QR_SIZE)


def qr_image(url: str) -> Image.Image:
    """The QR code for ``url`` as a black-on-white image with its quiet zone, eight pixels a module, so
    it stays sharp however the viewer scales it."""
    qr = segno.make(url, error="m", micro=False)
    size = len(qr.matrix) + 2 * QR_BORDER
    pixels = bytearray(b"\xff" * size * size)
    for row, modules in enumerate(qr.matrix, start=QR_BORDER):
        for column, is_dark in enumerate(modules, start=QR_BORDER):
            if is_dark:
                pixels[row * size + column] = 0
    image = Image.frombytes("L", (size, size), bytes(pixels))
    return image.resize((size * QR_PIXELS_PER_MODULE,) * 2, Image.Resampling.NEAREST)


def _nfc(text: str) -> str:
    # A name typed with combining accents (a + ring) is drawn with the precomposed letter (å).
    return unicodedata.normalize("NFC", text)


def _font_files() -> dict[str, Path]:
    """The font file fpdf2 reads for each style: the Latin cut of IBM Plex Sans, else the full font
    (slower, same result) when the cut cannot be written.

    Checked on every call, so a temporary folder emptied by the system is filled again.
    """
    originals = {style: FONT_DIR / name for style, name in FONT_FILES.items()}
    try:
        cache = _cache_dir()
        files = {}
        for style, original in originals.items():
            target = cache / original.name
            if not os.access(target, os.R_OK):
                cache.mkdir(mode=0o755, exist_ok=True)
                _write_atomically(target, _latin_cut(original))
            files[style] = target
        return files
    except OSError as error:
        log.warning("certificate fonts: using the full fonts (%s)", error)
        return originals


@lru_cache(maxsize=1)
def _cache_dir() -> Path:
    # Named after the fonts and the ranges, so a new font or range never reads an old cut.
    digest = hashlib.sha256(repr(LATIN_RANGES).encode())
    for name in sorted(FONT_FILES.values()):
        digest.update((FONT_DIR / name).read_bytes())
    return Path(tempfile.gettempdir()) / f"council-course-fonts-{digest.hexdigest()[:16]}"


@lru_cache(maxsize=4)
def _latin_cut(path: Path) -> bytes:
    """The font cut to :data:`LATIN_RANGES`, without the OpenType layout tables and hinting that fpdf2
    does not use."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "FFTM", "hdmx", "meta"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.name_legacy = True
    # PDF viewers rasterise at print resolution and do not need TrueType hinting.
    options.hinting = False
    options.notdef_outline = True
    options.recommended_glyphs = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[code for low, high in LATIN_RANGES for code in range(low, high + 1)])
    font = TTFont(path)
    subsetter.subset(font)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()


def _write_atomically(target: Path, content: bytes) -> None:
    # Several worker processes may start at once; each writes its own file and renames it into place.
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
