"""Slides: every layout and diagram draws at the asked size, with text kept inside the frame."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from course.content.model import DIAGRAMS, Slide, Text
from course.media import slides
from course.media.slides import BOLD, REGULAR, WHITE, SlideFrame, render_slide

FRAME = SlideFrame("da", 2, "Tonen, chikane og trusler", "Sociale medier og lokaldemokratiet")


def same(text: str) -> Text:
    return Text(text, text, text)


def labels(count: int) -> tuple[Text, ...]:
    words = ["Opslag", "Reaktioner", "Rangering", "Rækkevidde", "Mere debat", "Gentag"]
    return tuple(same(word) for word in words[:count])


SLIDES = {
    "title": Slide("title", heading=same("Sådan virker sociale medier")),
    "bullets": Slide(
        "bullets", heading=same("Fire trin"), lines=(same("Først"), same("Så"), same("Til sidst"))
    ),
    "quote": Slide("quote", heading=same("Citat"), lines=(same("Hvert ord om modparten øgede chancen."),)),
    **{
        f"{diagram}-{count}": Slide("diagram", heading=same("Diagram"), diagram=diagram, labels=labels(count))
        for diagram, (low, high) in DIAGRAMS.items()
        for count in (low, high)
    },
    "diagram-without-heading": Slide("diagram", diagram="cycle", labels=labels(4)),
}


@pytest.mark.parametrize("name", SLIDES)
@pytest.mark.parametrize("size", [(1280, 720), (320, 180)])
def test_every_layout_draws_at_the_asked_size(name, size):
    image = render_slide(SLIDES[name], FRAME, size)
    assert image.size == size
    assert image.mode == "RGB"
    # Something is drawn besides the background: text, boxes, the footer.
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 20


def _ink_columns(image: Image.Image, top: int, bottom: int) -> list[int]:
    """The x positions between two heights where anything but white is drawn."""
    pixels = image.load()
    return [x for x in range(image.width) if any(pixels[x, y] != WHITE for y in range(top, bottom, 2))]


def test_long_text_wraps_inside_the_margins():
    long_line = same(
        "En meget lang linje, som bliver ved og ved og ved, indtil den ikke kan stå på én linje. " * 2
    )
    slide = Slide(
        "bullets",
        heading=same("En overskrift, der også er alt for lang til at stå på én linje her"),
        lines=(long_line, long_line, same("Kort")),
    )
    image = render_slide(slide, FRAME)
    columns = _ink_columns(image, 20, 650)  # below the top bar, above the footer
    assert min(columns) >= 70
    assert max(columns) <= 1280 - 70


def test_many_lines_shrink_to_stay_above_the_footer():
    slide = Slide(
        "bullets",
        heading=same("Mange punkter"),
        lines=tuple(same(f"Punkt nummer {n} med lidt tekst") for n in range(1, 8)),
    )
    image = render_slide(slide, FRAME)
    pixels = image.load()
    gap = [y for y in range(630, 655) if all(pixels[x, y] == WHITE for x in range(60, 1220, 3))]
    assert gap, "text runs into the footer"


def _glyph(font: ImageFont.FreeTypeFont, letter: str) -> bytes:
    image = Image.new("L", (60, 60))
    ImageDraw.Draw(image).text((5, 5), letter, font=font, fill=255)
    return image.tobytes()


@pytest.mark.parametrize("path", [REGULAR, BOLD])
def test_the_vendored_font_has_danish_and_swedish_letters(path):
    font = ImageFont.truetype(str(path), 40)
    missing = _glyph(font, "\U000e0fff")  # a code point no font has: drawn as the "missing glyph" box
    for letter in "æøåÆØÅäöÄÖé":
        assert _glyph(font, letter) not in (missing, bytes(60 * 60)), letter


def test_the_footer_names_the_module():
    plain = render_slide(SLIDES["bullets"], FRAME)
    other = render_slide(SLIDES["bullets"], SlideFrame("da", 3, "Noget andet", FRAME.course_title))
    assert plain.crop((0, 660, 1280, 720)).tobytes() != other.crop((0, 660, 1280, 720)).tobytes()
    assert plain.crop((0, 0, 1280, 650)).tobytes() == other.crop((0, 0, 1280, 650)).tobytes()


def _luminance(colour: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(value) for value in colour)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize(
    ("text", "background"),
    [
        (slides.INK, slides.WHITE),
        (slides.INK, slides.ACCENT_LIGHT),
        (slides.ACCENT, slides.WHITE),
        (slides.WHITE, slides.ACCENT),
        (slides.ON_ACCENT_MUTED, slides.ACCENT),
        (slides.FOOTER_INK, slides.FOOTER_FILL),
    ],
)
def test_text_colours_meet_wcag_aaa_contrast(text, background):
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 7
