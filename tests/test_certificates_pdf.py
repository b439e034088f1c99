"""The certificate PDF: what it says (read back with pypdf), in which language, on which paper, with
which font, and the QR code it carries (read back from the embedded image)."""

from __future__ import annotations

import io

import pytest
import segno
from pypdf import PdfReader

from course.certificates import delivery, operations
from course.certificates.codes import format_code
from course.certificates.models import Certificate
from course.extensions import db

MM_PER_POINT = 25.4 / 72


@pytest.fixture
def danish(make, certify):
    council = make.council("aeroe", name="Ærø Kommune")
    member = make.member(council, "soeren@example.org", name="Søren Åge Kjærsgård")
    return certify(member)


@pytest.fixture
def swedish(make, certify):
    council = make.council("hoor", country="se", locale="sv", name="Höörs kommun")
    member = make.member(council, "asa@example.org", name="Åsa Lärkäng-Öberg")
    return certify(member)


def render(app, issued, language: str) -> tuple[Certificate, bytes]:
    with app.app_context():
        certificate = db.session.get(Certificate, issued.id)
        from course.web.course import get_course

        content = delivery.certificate_pdf(certificate, get_course(), language)
        db.session.expunge(certificate)
        return certificate, content


def read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(content))


def text_of(content: bytes) -> str:
    reader = read(content)
    assert len(reader.pages) == 1
    # Extraction may break a long line; compare on single spaces.
    return " ".join(reader.pages[0].extract_text().split())


def test_the_danish_pdf_says_who_completed_what_where_and_its_code(app, course, danish):
    certificate, content = render(app, danish, "da")
    text = text_of(content)
    assert "Søren Åge Kjærsgård" in text
    assert "Ærø Kommune" in text
    assert course.title.da in text
    assert "Kursusbevis" in text
    assert format_code(certificate.code) in text
    for number, module in enumerate(course.modules, start=1):
        assert f"Modul {number}: {module.title.da}" in text
    assert f"Indholdsversion {course.version}" in text
    assert "Scan QR-koden, eller gå til http://localhost/verify" in text


def test_the_swedish_pdf_is_in_swedish_with_swedish_letters(app, course, swedish):
    certificate, content = render(app, swedish, "sv")
    text = text_of(content)
    assert "Åsa Lärkäng-Öberg" in text
    assert "Höörs kommun" in text
    assert course.title.sv in text
    assert "Kursintyg" in text
    assert "Härmed intygas att" in text
    assert format_code(certificate.code) in text
    assert all(module.title.sv in text for module in course.modules)


def test_the_english_pdf_is_in_english(app, course, danish):
    certificate, content = render(app, danish, "en")
    text = text_of(content)
    assert "Certificate" in text
    assert course.title.en in text
    assert "Søren Åge Kjærsgård" in text
    assert "Valid until" in text


def test_dates_are_written_in_the_certificates_language(app, danish):
    certificate, content = render(app, danish, "da")
    valid_until = certificate.valid_until
    months = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september",
              "oktober", "november", "december"]  # fmt: skip
    assert f"{valid_until.day}. {months[valid_until.month - 1]} {valid_until.year}" in text_of(content)


def test_the_page_is_a4_landscape_with_a_subset_of_ibm_plex_sans_embedded(app, danish):
    _, content = render(app, danish, "da")
    page = read(content).pages[0]
    width, height = float(page.mediabox.width) * MM_PER_POINT, float(page.mediabox.height) * MM_PER_POINT
    assert round(width) == 297
    assert round(height) == 210
    fonts = [font.get_object() for font in page["/Resources"]["/Font"].values()]
    names = {str(font["/BaseFont"]) for font in fonts}
    # A subset font's name starts with a six-letter tag and a plus sign.
    assert all("+" in name and "IBMPlexSans" in name for name in names)
    assert len(names) == 2  # regular and bold
    for font in fonts:
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        embedded = descriptor["/FontFile2"].get_object().get_data()
        # A subset is far smaller than the 180 kB font files it comes from.
        assert 1_000 < len(embedded) < 60_000


def qr_modules_from_pdf(content: bytes) -> list[list[bool]]:
    """The QR code's modules as drawn in the PDF: find the embedded image, measure one module by the
    quiet zone and the finder pattern's top-left corner, and sample the middle of every module."""
    [image_file] = read(content).pages[0].images
    image = image_file.image.convert("L")
    width, height = image.size
    assert width == height
    pixels = image.load()
    # The quiet zone is white; the first dark pixel on the diagonal is the top-left finder pattern's
    # corner. Finder patterns are 7 modules wide and dark along their outer edge; the top-right one
    # ends the symbol's first row.
    start = next(index for index in range(width) if pixels[index, index] < 128)
    module = (next(index for index in range(start, width) if pixels[index, start + 1] >= 128) - start) / 7
    top_row = int(start + module / 2)
    end = next(index for index in range(width - 1, -1, -1) if pixels[index, top_row] < 128) + 1
    count = round((end - start) / module)
    return [
        [
            pixels[int(start + (column + 0.5) * module), int(start + (row + 0.5) * module)] < 128
            for column in range(count)
        ]
        for row in range(count)
    ]


def test_the_qr_code_leads_to_the_verification_page(app, danish):
    certificate, content = render(app, danish, "da")
    expected_url = f"http://localhost/verify/{format_code(certificate.code)}"
    drawn = qr_modules_from_pdf(content)
    expected = [[bool(value) for value in row] for row in segno.make(expected_url, error="m").matrix]
    assert drawn == expected
    # And not merely any QR code: another URL gives other modules.
    other = [[bool(value) for value in row] for row in segno.make(expected_url + "X", error="m").matrix]
    assert drawn != other


def test_the_verification_address_follows_the_base_url(app, danish, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_BASE_URL", "https://kursus.example.dk")
    certificate, content = render(app, danish, "da")
    expected = segno.make(f"https://kursus.example.dk/verify/{format_code(certificate.code)}", error="m")
    assert qr_modules_from_pdf(content) == [[bool(value) for value in row] for row in expected.matrix]
    assert "https://kursus.example.dk/verify" in text_of(content)


def test_a_seminar_certificate_says_so(app, course, make):
    from datetime import date

    from course.people.models import Member

    council = make.council("seminarby")
    admin, member = make.member(council, is_admin=True), make.member(council, name="Kai Kjær")
    with app.app_context():
        result = operations.record_seminar_completion(
            db.session.get(Member, member.id),
            date(2026, 9, 3),
            "Seminar",
            course,
            actor=db.session.get(Member, admin.id),
        )
        db.session.commit()
        content = delivery.certificate_pdf(result.certificate, course, "da")
    text = text_of(content)
    assert "Gennemført ved et fysisk seminar, som kommunen holdt." in text
    assert "3. september 2026" in text


def test_a_long_name_still_fits_on_the_page(app, make, certify):
    long_name = "Anne-Sophie Kristiane Margrethe Østergaard-Bjørnholm Lindqvist-Åkesson"
    issued = certify(make.member(make.council("langby"), name=long_name))
    _, content = render(app, issued, "da")
    assert long_name in text_of(content)


def test_the_font_cut_is_written_again_when_the_temporary_folder_was_emptied(
    app, danish, monkeypatch, tmp_path
):
    import shutil

    from course.certificates import pdf

    # A temporary folder of this test's own, so other tests' certificates are not disturbed.
    monkeypatch.setattr(pdf.tempfile, "gettempdir", lambda: str(tmp_path))
    pdf._cache_dir.cache_clear()
    try:
        first = pdf._font_files()
        assert {path.parent.parent for path in first.values()} == {tmp_path}
        shutil.rmtree(next(iter(first.values())).parent)
        _, content = render(app, danish, "da")
        assert "Søren Åge Kjærsgård" in text_of(content)
        assert all(path.exists() for path in first.values())
    finally:
        pdf._cache_dir.cache_clear()


def test_without_a_usable_temporary_folder_the_full_fonts_are_used(app, danish, monkeypatch, tmp_path):
    from course.certificates import pdf

    # A file where the folder should be: nothing can be written under it, not even by root.
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    monkeypatch.setattr(pdf.tempfile, "gettempdir", lambda: str(blocked))
    pdf._cache_dir.cache_clear()
    try:
        files = pdf._font_files()
        assert {path.parent for path in files.values()} == {pdf.FONT_DIR}
        _, content = render(app, danish, "da")
        assert "Søren Åge Kjærsgård" in text_of(content)
    finally:
        pdf._cache_dir.cache_clear()


def _structure(reader: PdfReader) -> list:
    """The structure elements under the document element, each resolved."""
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    document = root["/K"][0].get_object() if isinstance(root["/K"], list) else root["/K"].get_object()
    assert document["/S"] == "/Document"
    return [kid.get_object() for kid in document["/K"]]


def test_the_pdf_is_tagged_with_its_language_title_headings_and_the_qr_code_as_a_figure(app, danish):
    """A tagged PDF (EN 301 549 clause 10, PDF/UA): a structure tree, marked content, the language, the
    title shown instead of the file name, headings, and the QR code a figure with alternative text."""
    certificate, content = render(app, danish, "da")
    reader = read(content)
    catalog = reader.trailer["/Root"]
    assert catalog["/Lang"] == "da"
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert reader.metadata.title == "Kursusbevis: Søren Åge Kjærsgård"

    elements = _structure(reader)
    kinds = [element["/S"] for element in elements]
    assert kinds.count("/H1") == 1
    assert "/H2" in kinds
    assert kinds.index("/H1") < kinds.index("/H2")
    assert "/P" in kinds
    figures = [element for element in elements if element["/S"] == "/Figure"]
    assert len(figures) == 1
    alt = figures[0]["/Alt"]
    assert "QR" in alt
    assert format_code(certificate.code) in alt

    # Every structure element points at marked content on the page, and the page's content marks it.
    page = reader.pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    for mcid, element in enumerate(elements):
        assert element["/K"] == [mcid] or element["/K"] == mcid
        assert f"<</MCID {mcid}>> BDC" in stream
    assert "/H1 <</MCID" in stream
    assert "/Figure <</MCID" in stream
    # The frame is decoration, marked as an artifact so that it is not read out.
    assert "/Artifact BMC" in stream


def test_the_heading_element_holds_the_certificates_title_text(app, danish):
    _, content = render(app, danish, "en")
    reader = read(content)
    page = reader.pages[0]
    stream = page.get_contents().get_data().decode("latin-1")
    heading = stream.split("/H1 <</MCID")[1].split("EMC")[0]
    # The title is drawn inside the heading's marked content (as glyph ids of the embedded subset).
    assert " Tj" in heading or " TJ" in heading
