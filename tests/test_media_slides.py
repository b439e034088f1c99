"""Slides: every layout and diagram draws at the asked size, with text kept inside the frame and out of the
caption band, references kept on one line, and example posts drawn as a platform shows them."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw, ImageFont

from course.content.model import DIAGRAMS, Post, Slide, Text
from course.media import slides
from course.media.slides import (
    BAR_HEIGHT,
    BOLD,
    BUBBLE,
    CAPTION_BAND_TOP,
    REGULAR,
    WHITE,
    SlideFrame,
    render_slide,
)

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
    "columns-with-text": Slide(
        "diagram",
        heading=same("Loven"),
        diagram="columns",
        labels=(same("Danmark: § 119 og § 119 a om trusler og chikane"), same("Sverige: 29 kap. 2 §")),
    ),
    "quote-with-cite": Slide(
        "quote", heading=same("Citat"), lines=(same("Hvert ord øgede oddsene."),), cite=same("PNAS 2021")
    ),
    "post": Slide(
        "post",
        heading=same("Et opslag"),
        post=Post("Anna Berg", same("Kom til borgermødet på torsdag."), same("3 t"), 48, 12, 5),
    ),
    "post-with-comments": Slide(
        "post",
        heading=same("En tråd"),
        post=Post("Anna Berg", same("Kom til borgermødet på torsdag kl. 17 på rådhuset."), reactions=3),
        comments=(
            Post("Erik Lund", same("Hvorfor først nu?")),
            Post(
                "Jonas Holm",
                same("Du er en løgner."),
                note=same("Dold: skribenten och skribentens vänner ser den fortfarande"),
            ),
            Post("Anna Berg", same("Tak, Erik. Lad os tage en kop kaffe.")),
        ),
    ),
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
    columns = _ink_columns(image, BAR_HEIGHT + 4, 720)  # below the top bar
    assert min(columns) >= 70
    assert max(columns) <= 1280 - 70


@pytest.mark.parametrize("name", ["post-with-comments", "columns-with-text", "quote-with-cite"])
def test_every_text_stays_inside_the_margins(name):
    columns = _ink_columns(render_slide(SLIDES[name], FRAME), BAR_HEIGHT + 4, 720)
    assert min(columns) >= 70
    assert max(columns) <= 1280 - 70


def _band_is_empty(image: Image.Image) -> bool:
    """Whether the caption band holds nothing but one colour: no text a caption could cover."""
    band = image.crop((0, CAPTION_BAND_TOP, image.width, image.height))
    return len(band.getcolors(maxcolors=4) or range(5)) == 1


def test_many_lines_shrink_to_stay_above_the_caption_band():
    slide = Slide(
        "bullets",
        heading=same("Mange punkter"),
        lines=tuple(same(f"Punkt nummer {n} med lidt tekst, der fylder") for n in range(1, 8)),
    )
    assert _band_is_empty(render_slide(slide, FRAME))


@pytest.mark.parametrize("name", SLIDES)
def test_captions_never_cover_text_the_slide_shows(name):
    # A player draws captions at the bottom of the picture: nothing of the slide may be drawn there.
    assert _band_is_empty(render_slide(SLIDES[name], FRAME))
    assert CAPTION_BAND_TOP <= 720 * 0.8


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


def test_the_top_bar_names_the_module():
    plain = render_slide(SLIDES["bullets"], FRAME)
    other = render_slide(SLIDES["bullets"], SlideFrame("da", 3, "Noget andet", FRAME.course_title))
    assert plain.crop((0, 0, 1280, BAR_HEIGHT)).tobytes() != other.crop((0, 0, 1280, BAR_HEIGHT)).tobytes()
    assert (
        plain.crop((0, BAR_HEIGHT, 1280, 720)).tobytes() == other.crop((0, BAR_HEIGHT, 1280, 720)).tobytes()
    )


@pytest.mark.parametrize("layout", ["bullets", "title"])
def test_a_long_module_title_keeps_the_course_title_in_the_bar(layout):
    # Module 3's title is long; the course title used to be dropped for it.
    long = "Stärk den lokala demokratin i sociala medier"
    course = "Sociala medier och den lokala demokratin"
    with_course = render_slide(SLIDES[layout], SlideFrame("sv", 3, long, course))
    without = render_slide(SLIDES[layout], SlideFrame("sv", 3, long, ""))
    right = (760, 0, 1280, BAR_HEIGHT)
    assert with_course.crop(right).tobytes() != without.crop(right).tobytes()


def _lines_of(text: str, width: float) -> list[str]:
    canvas = slides._Canvas(1280, 720)
    return slides.wrap(canvas, text, 40, width)


@pytest.mark.parametrize(
    ("text", "together"),
    [
        ("Danmark: § 119, 119 a", "119\u00a0a"),
        ("Ring til politiet på 114 14 i Sverige", "114\u00a014"),
        ("Efter straffelovens § 119, stk. 3", "§\u00a0119"),
    ],
)
def test_a_reference_or_a_number_is_never_split_across_lines(text, together):
    canvas = slides._Canvas(1280, 720)
    widths = sorted({canvas.text_width(text[:end], 40) + 1 for end in range(4, len(text))})
    for width in widths:
        lines = _lines_of(text, width)
        assert any(together in line for line in lines), (width, lines)
        assert all(line.strip() not in ("a", "§", "14") for line in lines), lines


def _ink_rows(image: Image.Image, left: int, right: int, top: int, bottom: int) -> list[int]:
    pixels = image.load()
    return [y for y in range(top, bottom) if any(pixels[x, y] != WHITE for x in range(left, right, 2))]


def test_a_quote_and_its_citation_are_drawn_apart():
    image = render_slide(SLIDES["quote-with-cite"], FRAME)
    rows = _ink_rows(image, 130, 1200, 200, CAPTION_BAND_TOP)
    gaps = [after - before for before, after in zip(rows, rows[1:], strict=False) if after - before > 1]
    # The quote (one line beside its bar) and the citation below it, with clear space between.
    assert max(gaps) >= 24
    without = render_slide(
        Slide("quote", heading=same("Citat"), lines=SLIDES["quote-with-cite"].lines), FRAME
    )
    assert max(_ink_rows(without, 130, 1200, 200, CAPTION_BAND_TOP)) < max(rows)


def test_a_post_is_drawn_with_its_author_counts_and_comment_thread():
    slide = SLIDES["post-with-comments"]
    image = render_slide(slide, FRAME)
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20)}
    assert BUBBLE in colours  # a comment's bubble
    assert len({slides.avatar_colour(name) for name in ("Anna Berg", "Erik Lund", "Jonas Holm")}) == 3
    assert slides.avatar_colour("Erik Lund") in colours
    # The hidden comment is drawn apart, with its note, in the thread right of the post card.
    plain = Post("Jonas Holm", same("Du er en løgner."))
    unmarked = render_slide(
        Slide(
            "post",
            heading=slide.heading,
            post=slide.post,
            comments=(slide.comments[0], plain, slide.comments[2]),
        ),
        FRAME,
    )
    thread = (640, BAR_HEIGHT, 1280, CAPTION_BAND_TOP)
    assert image.crop(thread).tobytes() != unmarked.crop(thread).tobytes()
    assert image.crop((0, 0, 620, 720)).tobytes() == unmarked.crop((0, 0, 620, 720)).tobytes()
    # Without comments the post stands alone in the middle: nothing is drawn at the right.
    alone = render_slide(SLIDES["post"], FRAME)
    assert alone.crop((1100, 200, 1280, 500)).getcolors(maxcolors=1) is not None


def test_a_thread_too_long_for_the_slide_is_refused_rather_than_drawn_over_the_captions():
    slide = SLIDES["post-with-comments"]
    long = tuple(
        Post(comment.author, same("Alt for lang tekst. " * 8), note=comment.note)
        for comment in slide.comments
    )
    with pytest.raises(ValueError, match="the comments do not fit beside the post in da: shorten them"):
        render_slide(Slide("post", heading=slide.heading, post=slide.post, comments=long), FRAME)


def test_counts_and_buttons_are_in_the_slides_language():
    assert slides._count("da", "comments", 12) == "12 kommentarer"
    assert slides._count("sv", "shares", 1) == "1 delning"
    assert slides._count("en", "comments", 1200) == "1,200 comments"
    assert slides._BUTTONS["sv"] == ("Gilla", "Kommentera", "Dela")


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
        (slides.MUTED_INK, slides.WHITE),
        (slides.MUTED_INK, slides.BUBBLE),
        (slides.INK, slides.BUBBLE),
        *((slides.WHITE, colour) for colour in slides.AVATARS),
    ],
)
def test_text_colours_meet_wcag_aaa_contrast(text, background):
    lighter, darker = sorted((_luminance(text), _luminance(background)), reverse=True)
    assert (lighter + 0.05) / (darker + 0.05) >= 7
