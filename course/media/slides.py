"""Slides: one still image per scene, drawn with Pillow from the storyboard.

The look is plain and public-sector: white background, near-black text, one dark blue accent, large type
(body text at least 26 px on a 720 px frame), every text wrapped to fit and shrunk only when it must be.
Colours meet WCAG AAA contrast (7:1) for text. Each slide carries the module number and title and the course
title in a bar at the top. The bottom fifth of every slide is a caption band with no text in it: a player
draws captions there (higher still while its controls show), so they never cover what the slide says.
Lines never break inside a reference or a number ("§ 119", "119 a", "114 14").

Everything is laid out on a 1280×720 grid and scaled to the requested size, drawn at twice that size and
reduced, which smooths the edges of boxes and arrows (Pillow draws shapes without anti-aliasing).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from course.content.model import Post, Slide
from course.content.sentences import NBSP, keep_together, plain_text

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Bump when the drawing changes, so cached slides are drawn again.
RENDERER_VERSION = 3

GRID_WIDTH, GRID_HEIGHT = 1280, 720
SUPERSAMPLE = 2
MARGIN = 80
BAR_HEIGHT = 48  # the top bar: module and course title
# The caption band: nothing is drawn below this line but the background. Two lines of captions at a
# player's default size (5 % of the height each) with the player's controls showing fit in it.
CAPTION_BAND_TOP = 568
CONTENT_BOTTOM = CAPTION_BAND_TOP - 24

WHITE = (255, 255, 255)
INK = (27, 27, 27)  # 17.2:1 on white
ACCENT = (11, 59, 96)  # dark blue, 11.6:1 on white
ACCENT_LIGHT = (230, 238, 245)  # box fill; INK on it is 14.7:1
FOOTER_FILL = (240, 240, 240)
FOOTER_INK = (61, 61, 61)  # 9.5:1 on FOOTER_FILL
ON_ACCENT_MUTED = (205, 222, 236)  # secondary text on ACCENT, 8.4:1
CARD_LINE = (196, 200, 206)  # a post card's border and rules (not text)
BUBBLE = (238, 240, 243)  # a comment's background; INK on it is 15.2:1
MUTED_INK = (74, 74, 74)  # names' meta lines and counts: 8.9:1 on white, 7.9:1 on BUBBLE
# Avatars: initials in white on one of these (each at least 8.9:1 with white), chosen by the name.
AVATARS = (ACCENT, (20, 83, 45), (88, 28, 92), (120, 40, 16))

MODULE_WORD = {"da": "Modul", "sv": "Modul", "en": "Module"}


@dataclass(frozen=True, slots=True)
class SlideFrame:
    """What every slide of one video shows around its content: the footer."""

    language: str
    module_number: int
    module_title: str
    course_title: str

    @property
    def module_label(self) -> str:
        return f"{MODULE_WORD.get(self.language, 'Module')} {self.module_number}"


@cache
def _font(path: Path, pixels: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), max(pixels, 1))


class _Canvas:
    """A drawing surface addressed in 1280×720 grid units."""

    def __init__(self, width: int, height: int, background: tuple[int, int, int] = WHITE) -> None:
        self.size = (width, height)
        self.scale = width / GRID_WIDTH * SUPERSAMPLE
        self.image = Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), background)
        self.draw = ImageDraw.Draw(self.image)

    def px(self, value: float) -> int:
        return round(value * self.scale)

    def font(self, size: float, *, bold: bool = False) -> ImageFont.FreeTypeFont:
        return _font(BOLD if bold else REGULAR, self.px(size))

    def text_width(self, text: str, size: float, *, bold: bool = False) -> float:
        return self.font(size, bold=bold).getlength(text) / self.scale

    def rect(
        self,
        box: tuple[float, float, float, float],
        fill: tuple[int, int, int],
        outline: tuple[int, int, int] | None = None,
        width: float = 0,
        radius: float = 0,
    ) -> None:
        x0, y0, x1, y1 = (self.px(value) for value in box)
        self.draw.rounded_rectangle(
            (x0, y0, x1, y1),
            radius=self.px(radius),
            fill=fill,
            outline=outline,
            width=self.px(width) if outline else 0,
        )

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: float,
        fill: tuple[int, int, int],
        *,
        bold: bool = False,
        anchor: str = "la",
    ) -> None:
        self.draw.text(
            (self.px(xy[0]), self.px(xy[1])), text, font=self.font(size, bold=bold), fill=fill, anchor=anchor
        )

    def line(self, points: list[tuple[float, float]], fill: tuple[int, int, int], width: float) -> None:
        self.draw.line(
            [(self.px(x), self.px(y)) for x, y in points], fill=fill, width=self.px(width), joint="curve"
        )

    def polygon(self, points: list[tuple[float, float]], fill: tuple[int, int, int]) -> None:
        self.draw.polygon([(self.px(x), self.px(y)) for x, y in points], fill=fill)

    def finish(self) -> Image.Image:
        return self.image.resize(self.size, Image.Resampling.LANCZOS)


def wrap(canvas: _Canvas, text: str, size: float, width: float, *, bold: bool = False) -> list[str]:
    """Greedy word wrap to ``width`` grid units; a word wider than that gets a line of its own."""
    lines: list[str] = []
    current = ""
    # Split on spaces only: a no-break space joins a reference or a number ("§ 119", "119 a") into one word.
    for word in keep_together(text).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}".strip(" ")
        if current and canvas.text_width(candidate, size, bold=bold) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


@dataclass(frozen=True, slots=True)
class _Block:
    """Text wrapped at a size that fits its box."""

    size: float
    lines: list[str]
    leading: float

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading


def fit(
    canvas: _Canvas,
    text: str,
    width: float,
    height: float,
    *,
    size: float,
    smallest: float,
    bold: bool = False,
    max_lines: int | None = None,
    spacing: float = 1.22,
) -> _Block:
    """Wrap ``text`` at the largest size from ``size`` down to ``smallest`` that fits the box."""
    current = size
    while True:
        lines = wrap(canvas, text, current, width, bold=bold)
        block = _Block(current, lines, current * spacing)
        widest = max((canvas.text_width(line, current, bold=bold) for line in lines), default=0)
        too_many = max_lines is not None and len(lines) > max_lines
        if (block.height <= height and widest <= width and not too_many) or current <= smallest:
            return block
        current = max(smallest, current - 2)


def _draw_block(
    canvas: _Canvas,
    block: _Block,
    x: float,
    y: float,
    fill: tuple[int, int, int],
    *,
    bold: bool = False,
    align: str = "left",
    width: float = 0,
) -> None:
    for index, line in enumerate(block.lines):
        top = y + index * block.leading
        if align == "center":
            canvas.text((x + width / 2, top), line, block.size, fill, bold=bold, anchor="ma")
        else:
            canvas.text((x, top), line, block.size, fill, bold=bold)


def _top_bar(canvas: _Canvas, frame: SlideFrame, *, on_accent: bool = False) -> None:
    """The module number and title at the left, the course title at the right, both always shown."""
    canvas.rect((0, 0, GRID_WIDTH, BAR_HEIGHT), FOOTER_FILL if on_accent else ACCENT)
    ink = FOOTER_INK if on_accent else WHITE
    muted = FOOTER_INK if on_accent else ON_ACCENT_MUTED
    label = f"{frame.module_label} · {frame.module_title}"
    right = frame.course_title
    room = GRID_WIDTH - 2 * MARGIN - 32
    size = 20.0
    # Both titles shrink together to fit; neither is dropped.
    while size > 14 and canvas.text_width(label, size, bold=True) + canvas.text_width(right, size) > room:
        size -= 1
    canvas.text((MARGIN, BAR_HEIGHT / 2), label, size, ink, bold=True, anchor="lm")
    canvas.text((GRID_WIDTH - MARGIN, BAR_HEIGHT / 2), right, size, muted, anchor="rm")


def _caption_band(canvas: _Canvas, fill: tuple[int, int, int]) -> None:
    """Clear the caption band, so nothing drawn above can reach into it."""
    canvas.rect((0, CAPTION_BAND_TOP, GRID_WIDTH, GRID_HEIGHT), fill)


def _heading(canvas: _Canvas, text: str) -> float:
    """Draw the slide heading below the top bar; return where the content below it may start."""
    top = BAR_HEIGHT + 30
    block = fit(canvas, text, GRID_WIDTH - 2 * MARGIN, 130, size=48, smallest=34, bold=True, max_lines=2)
    _draw_block(canvas, block, MARGIN, top, INK, bold=True)
    rule_top = top + block.height + 12
    canvas.rect((MARGIN, rule_top, MARGIN + 120, rule_top + 6), ACCENT)
    return rule_top + 36


def render_slide(slide: Slide, frame: SlideFrame, size: tuple[int, int] = (1280, 720)) -> Image.Image:
    """Draw one scene's slide in ``frame.language``, at ``size`` pixels (16:9)."""
    language = frame.language
    heading = plain_text(slide.heading[language]) if slide.heading else None
    lines = [plain_text(line[language]) for line in slide.lines]
    labels = [plain_text(label[language]) for label in slide.labels]
    width, height = size
    if slide.layout == "title":
        return _title(width, height, heading or "", lines, frame)
    canvas = _Canvas(width, height)
    top = _heading(canvas, heading) if heading else BAR_HEIGHT + 40
    if slide.layout == "bullets":
        _bullets(canvas, lines, top)
    elif slide.layout == "quote":
        _quote(canvas, lines, plain_text(slide.cite[language]) if slide.cite else None, top)
    elif slide.layout == "post" and slide.post is not None:
        _post_slide(canvas, slide.post, slide.comments, language, top)
    elif slide.layout == "diagram" and slide.diagram == "cycle":
        _cycle(canvas, labels, top)
    elif slide.layout == "diagram" and slide.diagram == "steps":
        _steps(canvas, labels, top)
    elif slide.layout == "diagram" and slide.diagram == "columns":
        _columns(canvas, labels, top)
    else:
        raise ValueError(f"cannot draw a slide with layout {slide.layout!r} and diagram {slide.diagram!r}")
    _caption_band(canvas, WHITE)
    _top_bar(canvas, frame)
    return canvas.finish()


def _title(width: int, height: int, heading: str, lines: list[str], frame: SlideFrame) -> Image.Image:
    canvas = _Canvas(width, height, background=ACCENT)
    room = GRID_WIDTH - 2 * MARGIN
    kicker_size = 34
    title = fit(canvas, heading, room, 260, size=72, smallest=44, bold=True, max_lines=3, spacing=1.15)
    subtitle = fit(canvas, " ".join(lines), room, 110, size=34, smallest=26, max_lines=3) if lines else None
    total = kicker_size * 1.6 + 10 + title.height + (subtitle.height + 24 if subtitle else 0)
    top = BAR_HEIGHT + max(30, (CONTENT_BOTTOM - BAR_HEIGHT - total) / 2)
    canvas.text((MARGIN, top), frame.module_label.upper(), kicker_size, ON_ACCENT_MUTED, bold=True)
    canvas.rect((MARGIN, top + kicker_size * 1.25, MARGIN + 120, top + kicker_size * 1.25 + 6), WHITE)
    top += kicker_size * 1.6 + 10
    _draw_block(canvas, title, MARGIN, top, WHITE, bold=True)
    if subtitle:
        _draw_block(canvas, subtitle, MARGIN, top + title.height + 24, ON_ACCENT_MUTED)
    _caption_band(canvas, ACCENT)
    _top_bar(canvas, frame, on_accent=True)
    return canvas.finish()


def _bullets(canvas: _Canvas, lines: list[str], top: float) -> None:
    indent = 44
    width = GRID_WIDTH - 2 * MARGIN - indent
    available = CONTENT_BOTTOM - top
    size = 40.0
    while True:
        blocks = [fit(canvas, line, width, available, size=size, smallest=size) for line in lines]
        gap = size * 0.6
        total = sum(block.height for block in blocks) + gap * (len(blocks) - 1)
        if total <= available or size <= 26:
            break
        size -= 2
    y = top
    for block in blocks:
        marker = block.size * 0.34
        middle = y + block.size * 0.62
        canvas.rect((MARGIN, middle - marker / 2, MARGIN + marker, middle + marker / 2), ACCENT)
        _draw_block(canvas, block, MARGIN + indent, y, INK)
        y += block.height + gap


def _quote(canvas: _Canvas, lines: list[str], cite: str | None, top: float) -> None:
    """The quoted words, with a bar beside them; the citation below, apart, smaller and marked with a dash."""
    text = " ".join(lines)
    left = MARGIN + 40
    width = GRID_WIDTH - MARGIN - left - 40
    cite_size, cite_gap = 28, 30
    cite_room = cite_size * 1.22 * 2 + cite_gap if cite else 0
    block = fit(canvas, text, width, CONTENT_BOTTOM - top - cite_room, size=44, smallest=30)
    citation = fit(canvas, f"– {cite}", width, cite_size * 2.5, size=cite_size, smallest=24) if cite else None
    total = block.height + (citation.height + cite_gap if citation else 0)
    y = top + max(0, (CONTENT_BOTTOM - top - total) / 2 - 10)
    canvas.rect((MARGIN, y - 8, MARGIN + 10, y + block.height), ACCENT)
    _draw_block(canvas, block, left, y, INK)
    if citation:
        _draw_block(canvas, citation, left, y + block.height + cite_gap, MUTED_INK)


BOX_PADDING = 16


def _common_size(
    canvas: _Canvas, labels: list[str], width: float, height: float, *, size: float, smallest: float
) -> float:
    """The largest size at which every label fits its box, so a diagram's labels match."""
    return min(
        fit(canvas, label, width, height, size=size, smallest=smallest, bold=True).size for label in labels
    )


def _box_label(canvas: _Canvas, box: tuple[float, float, float, float], text: str, *, size: float) -> None:
    x0, y0, x1, y1 = box
    canvas.rect(box, ACCENT_LIGHT, outline=ACCENT, width=3, radius=14)
    padding = BOX_PADDING
    block = fit(
        canvas, text, x1 - x0 - 2 * padding, y1 - y0 - 2 * padding, size=size, smallest=size, bold=True
    )
    y = y0 + (y1 - y0 - block.height) / 2 + block.size * 0.08
    _draw_block(canvas, block, x0 + padding, y, INK, bold=True, align="center", width=x1 - x0 - 2 * padding)


def _arrow_head(canvas: _Canvas, tip: tuple[float, float], angle: float, size: float = 20) -> None:
    left = (tip[0] - size * math.cos(angle - 0.45), tip[1] - size * math.sin(angle - 0.45))
    right = (tip[0] - size * math.cos(angle + 0.45), tip[1] - size * math.sin(angle + 0.45))
    canvas.polygon([tip, left, right], ACCENT)


def _cycle(canvas: _Canvas, labels: list[str], top: float) -> None:
    """Boxes around an ellipse, clockwise from the top, joined by arrows along the loop."""
    count = len(labels)
    box_width, box_height = (320, 124) if count <= 4 else (260, 110)
    center_x, center_y = GRID_WIDTH / 2, (top + CONTENT_BOTTOM) / 2
    radius_x = 400 if count <= 4 else 420
    radius_y = max(60.0, (CONTENT_BOTTOM - top - box_height) / 2)
    angles = [-math.pi / 2 + 2 * math.pi * index / count for index in range(count)]
    centres = [(center_x + radius_x * math.cos(a), center_y + radius_y * math.sin(a)) for a in angles]
    boxes = [
        (x - box_width / 2, y - box_height / 2, x + box_width / 2, y + box_height / 2) for x, y in centres
    ]

    def outside(point: tuple[float, float]) -> bool:
        return all(
            not (b[0] - 14 <= point[0] <= b[2] + 14 and b[1] - 14 <= point[1] <= b[3] + 14) for b in boxes
        )

    for index in range(count):
        start, end = angles[index], angles[index] + 2 * math.pi / count
        points = [
            (
                center_x + radius_x * math.cos(start + (end - start) * step / 120),
                center_y + radius_y * math.sin(start + (end - start) * step / 120),
            )
            for step in range(121)
        ]
        path = [point for point in points if outside(point)]
        if len(path) < 2:
            continue
        canvas.line(path[:-1], ACCENT, 5)
        tip, before = path[-1], path[-3] if len(path) > 2 else path[0]
        _arrow_head(canvas, tip, math.atan2(tip[1] - before[1], tip[0] - before[0]))
    size = _common_size(
        canvas, labels, box_width - 2 * BOX_PADDING, box_height - 2 * BOX_PADDING, size=32, smallest=20
    )
    for box, label in zip(boxes, labels, strict=True):
        _box_label(canvas, box, label, size=size)


def _steps(canvas: _Canvas, labels: list[str], top: float) -> None:
    """Numbered boxes from left to right, joined by arrows."""
    count = len(labels)
    gap = 56
    box_width = (GRID_WIDTH - 2 * MARGIN - gap * (count - 1)) / count
    box_height = min(220.0, CONTENT_BOTTOM - top - 70)
    y0 = top + (CONTENT_BOTTOM - top - box_height) / 2 + 20
    size = _common_size(
        canvas,
        labels,
        box_width - 2 * BOX_PADDING,
        box_height - 2 * BOX_PADDING,
        size=34 if count <= 3 else 30,
        smallest=20,
    )
    for index, label in enumerate(labels):
        x0 = MARGIN + index * (box_width + gap)
        _box_label(canvas, (x0, y0, x0 + box_width, y0 + box_height), label, size=size)
        badge = 26
        canvas.draw.ellipse(
            [
                canvas.px(value)
                for value in (
                    x0 + box_width / 2 - badge,
                    y0 - badge * 1.5,
                    x0 + box_width / 2 + badge,
                    y0 + badge * 0.5,
                )
            ],
            fill=ACCENT,
        )
        canvas.text((x0 + box_width / 2, y0 - badge / 2), str(index + 1), 28, WHITE, bold=True, anchor="mm")
        if index < count - 1:
            middle = y0 + box_height / 2
            start, tip = x0 + box_width + 8, x0 + box_width + gap - 8
            canvas.line([(start, middle), (tip - 12, middle)], ACCENT, 5)
            _arrow_head(canvas, (tip, middle), 0.0, 18)


def _columns(canvas: _Canvas, labels: list[str], top: float) -> None:
    """Two or three columns side by side, to compare. A label "Heading: text" draws the heading in bold
    at the top of its column and the text below it, so the comparison reads without the narration."""
    count = len(labels)
    gap = 40
    width = (GRID_WIDTH - 2 * MARGIN - gap * (count - 1)) / count
    height = min(340.0, CONTENT_BOTTOM - top - 10)
    y0 = top + (CONTENT_BOTTOM - top - height) / 2
    parts = [label.split(": ", 1) if ": " in label else [label] for label in labels]
    inner = width - 48
    if all(len(part) == 1 for part in parts):
        size = _common_size(canvas, labels, inner, height - 60, size=42 if count == 2 else 36, smallest=24)
        for index, label in enumerate(labels):
            x0 = MARGIN + index * (width + gap)
            _column_box(canvas, x0, y0, width, height)
            block = fit(canvas, label, inner, height - 60, size=size, smallest=size, bold=True)
            y = y0 + 18 + (height - 18 - block.height) / 2
            _draw_block(canvas, block, x0 + 24, y, INK, bold=True, align="center", width=inner)
        return
    heads = [part[0] for part in parts]
    bodies = [part[1] if len(part) > 1 else "" for part in parts]
    head_size = _common_size(canvas, heads, inner, 100, size=34, smallest=26)
    head_blocks = [
        fit(canvas, head, inner, 100, size=head_size, smallest=head_size, bold=True) for head in heads
    ]
    head_room = max(block.height for block in head_blocks)
    body_room = height - 18 - 24 - head_room - 14 - 24
    body_size = min(fit(canvas, body, inner, body_room, size=30, smallest=24).size for body in bodies if body)
    body_blocks = [fit(canvas, body, inner, body_room, size=body_size, smallest=body_size) for body in bodies]
    # The columns are as tall as their text needs, and centred in the room below the heading.
    height = 18 + 24 + head_room + 14 + max(block.height for block in body_blocks) + 28
    y0 = top + max(0, (CONTENT_BOTTOM - top - height) / 2 - 10)
    for index, (head, body) in enumerate(zip(head_blocks, body_blocks, strict=True)):
        x0 = MARGIN + index * (width + gap)
        _column_box(canvas, x0, y0, width, height)
        y = y0 + 18 + 24
        _draw_block(canvas, head, x0 + 24, y, ACCENT, bold=True)
        _draw_block(canvas, body, x0 + 24, y + head_room + 14, INK)


def _column_box(canvas: _Canvas, x0: float, y0: float, width: float, height: float) -> None:
    canvas.rect((x0, y0, x0 + width, y0 + height), ACCENT_LIGHT, radius=14)
    canvas.rect((x0, y0, x0 + width, y0 + 18), ACCENT, radius=0)


# What a platform shows under a post, in the slide's language: the counts and the buttons.
_POST_WORDS = {
    "da": {"comments": ("kommentar", "kommentarer"), "shares": ("deling", "delinger")},
    "sv": {"comments": ("kommentar", "kommentarer"), "shares": ("delning", "delningar")},
    "en": {"comments": ("comment", "comments"), "shares": ("share", "shares")},
}
_BUTTONS = {
    "da": ("Synes godt om", "Kommentér", "Del"),
    "sv": ("Gilla", "Kommentera", "Dela"),
    "en": ("Like", "Comment", "Share"),
}


def _initials(name: str) -> str:
    parts = [part for part in name.replace("-", " ").split() if part[:1].isalpha()]
    return "".join(part[0].upper() for part in parts[:2]) or "?"


def avatar_colour(name: str) -> tuple[int, int, int]:
    """The same colour for a name on every slide, and in practice different ones for a thread's names."""
    return AVATARS[hashlib.sha256(name.encode()).digest()[1] % len(AVATARS)]


def _avatar(canvas: _Canvas, x: float, y: float, diameter: float, name: str) -> None:
    colour = avatar_colour(name)
    canvas.draw.ellipse([canvas.px(v) for v in (x, y, x + diameter, y + diameter)], fill=colour)
    size = diameter * 0.4
    canvas.text((x + diameter / 2, y + diameter / 2), _initials(name), size, WHITE, bold=True, anchor="mm")


def _count(language: str, key: str, value: int) -> str:
    one, many = _POST_WORDS.get(language, _POST_WORDS["en"])[key]
    number = f"{value:,}".replace(",", "." if language == "da" else NBSP if language == "sv" else ",")
    return f"{number} {one if value == 1 else many}"


def _post_card(
    canvas: _Canvas, post: Post, language: str, box: tuple[float, float, float, float], *, size: float
) -> None:
    """A post as a platform shows it: avatar, name and meta line, the text, the counts and the buttons."""
    x0, y0, x1, y1 = box
    canvas.rect(box, WHITE, outline=CARD_LINE, width=2, radius=12)
    pad = 22
    avatar = 56
    _avatar(canvas, x0 + pad, y0 + pad, avatar, post.author)
    name_x = x0 + pad + avatar + 14
    has_meta = post.meta is not None
    name_y = y0 + pad + (avatar / 2 - (13 if has_meta else 0))
    canvas.text((name_x, name_y), post.author, 24, INK, bold=True, anchor="lm")
    if post.meta is not None:
        canvas.text(
            (name_x, y0 + pad + avatar / 2 + 15), plain_text(post.meta[language]), 20, MUTED_INK, anchor="lm"
        )
    text_top = y0 + pad + avatar + 16
    footer = 0.0
    counts = [post.reactions, post.comments, post.shares]
    if any(value is not None for value in counts):
        footer += 44
    footer += 50  # the buttons
    block = fit(
        canvas,
        plain_text(post.text[language]),
        x1 - x0 - 2 * pad,
        y1 - text_top - footer - pad,
        size=size,
        smallest=24,
    )
    _draw_block(canvas, block, x0 + pad, text_top, INK)
    y = y1 - footer
    if any(value is not None for value in counts):
        middle = y + 22
        if post.reactions is not None:
            canvas.draw.ellipse(
                [canvas.px(v) for v in (x0 + pad, middle - 13, x0 + pad + 26, middle + 13)], fill=ACCENT
            )
            canvas.text((x0 + pad + 13, middle + 1), "♥", 15, WHITE, anchor="mm")
            canvas.text((x0 + pad + 36, middle), f"{post.reactions}", 21, MUTED_INK, anchor="lm")
        others = [
            _count(language, key, value)
            for key, value in (("comments", post.comments), ("shares", post.shares))
            if value is not None
        ]
        if others:
            canvas.text((x1 - pad, middle), "   ".join(others), 21, MUTED_INK, anchor="rm")
        y += 44
    canvas.rect((x0 + pad, y, x1 - pad, y + 2), CARD_LINE)
    buttons = _BUTTONS.get(language, _BUTTONS["en"])
    third = (x1 - x0 - 2 * pad) / 3
    button_size = 21.0
    while (
        button_size > 16
        and max(canvas.text_width(word, button_size, bold=True) for word in buttons) > third - 12
    ):
        button_size -= 1
    for index, word in enumerate(buttons):
        canvas.text(
            (x0 + pad + third * (index + 0.5), y + 26), word, button_size, MUTED_INK, bold=True, anchor="mm"
        )


def _comment_height(canvas: _Canvas, comment: Post, language: str, width: float, size: float) -> float:
    text = wrap(canvas, plain_text(comment.text[language]), size, width - 32)
    note = wrap(canvas, plain_text(comment.note[language]), 20, width, bold=True) if comment.note else []
    return 14 + 26 + 6 + len(text) * size * 1.22 + 14 + (len(note) * 24 + 8 if note else 0)


def _comment(
    canvas: _Canvas, comment: Post, language: str, x: float, y: float, width: float, size: float
) -> float:
    """A comment: avatar, then a bubble with the name and the text; a note (its state) under the bubble."""
    avatar = 44
    _avatar(canvas, x, y, avatar, comment.author)
    bubble_x = x + avatar + 12
    bubble_width = width - avatar - 12
    lines = wrap(canvas, plain_text(comment.text[language]), size, bubble_width - 32)
    height = 14 + 26 + 6 + len(lines) * size * 1.22 + 14
    widest = max(
        [canvas.text_width(line, size) for line in lines] + [canvas.text_width(comment.author, 22, bold=True)]
    )
    box = (bubble_x, y, bubble_x + min(bubble_width, widest + 32), y + height)
    if comment.note is None:
        canvas.rect(box, BUBBLE, radius=18)
    else:
        # A comment with a note (hidden, restricted) is drawn apart: outlined, not filled.
        canvas.rect(box, WHITE, outline=ACCENT, width=2, radius=18)
    canvas.text((bubble_x + 16, y + 12), comment.author, 22, INK, bold=True)
    _draw_block(canvas, _Block(size, lines, size * 1.22), bubble_x + 16, y + 14 + 26 + 6, INK)
    bottom = y + height
    if comment.note is not None:
        note = _Block(
            20, wrap(canvas, plain_text(comment.note[language]), 20, bubble_width - 8, bold=True), 24
        )
        _draw_block(canvas, note, bubble_x + 4, bottom + 6, ACCENT, bold=True)
        bottom += note.height + 8
    return bottom


def _post_slide(canvas: _Canvas, post: Post, comments: tuple[Post, ...], language: str, top: float) -> None:
    """One example post; with comments, the post at the left and the thread of comments beside it."""
    bottom = CONTENT_BOTTOM
    if not comments:
        width = 820
        x0 = (GRID_WIDTH - width) / 2
        _post_card(canvas, post, language, (x0, top, x0 + width, bottom), size=30)
        return
    gap = 36
    left_width = 520
    _post_card(canvas, post, language, (MARGIN, top, MARGIN + left_width, bottom), size=28)
    x = MARGIN + left_width + gap
    width = GRID_WIDTH - MARGIN - x
    size = 26.0
    while True:
        total = sum(_comment_height(canvas, comment, language, width - 56, size) for comment in comments)
        if total + 18 * (len(comments) - 1) <= bottom - top:
            break
        if size <= 20:
            # Smaller text would not be read on a phone, and the caption band must stay clear.
            raise ValueError(f"the comments do not fit beside the post in {language}: shorten them")
        size -= 1
    y = top
    for comment in comments:
        y = _comment(canvas, comment, language, x, y, width, size) + 18
