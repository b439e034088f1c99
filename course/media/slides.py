"""Slides: one still image per scene, drawn with Pillow from the storyboard.

The look is plain and public-sector: white background, near-black text, one dark blue accent, large type
(body text at least 26 px on a 720 px frame), every text wrapped to fit and shrunk only when it must be.
Colours meet WCAG AAA contrast (7:1) for text. Each slide carries the module number and title in a footer.

Everything is laid out on a 1280×720 grid and scaled to the requested size, drawn at twice that size and
reduced, which smooths the edges of boxes and arrows (Pillow draws shapes without anti-aliasing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from course.content.model import Slide
from course.media.captions import plain_text

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = FONT_DIR / "DejaVuSans.ttf"
BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"

# Bump when the drawing changes, so cached slides are drawn again.
RENDERER_VERSION = 2

GRID_WIDTH, GRID_HEIGHT = 1280, 720
SUPERSAMPLE = 2
MARGIN = 80
FOOTER_TOP = 656
CONTENT_BOTTOM = 624

WHITE = (255, 255, 255)
INK = (27, 27, 27)  # 17.2:1 on white
ACCENT = (11, 59, 96)  # dark blue, 11.6:1 on white
ACCENT_LIGHT = (230, 238, 245)  # box fill; INK on it is 14.7:1
FOOTER_FILL = (240, 240, 240)
FOOTER_INK = (61, 61, 61)  # 9.5:1 on FOOTER_FILL
ON_ACCENT_MUTED = (205, 222, 236)  # secondary text on ACCENT, 8.4:1

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
    for word in text.split():
        candidate = f"{current} {word}".strip()
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


def _footer(canvas: _Canvas, frame: SlideFrame, *, on_accent: bool = False) -> None:
    canvas.rect((0, FOOTER_TOP, GRID_WIDTH, GRID_HEIGHT), ACCENT if on_accent else FOOTER_FILL)
    ink = ON_ACCENT_MUTED if on_accent else FOOTER_INK
    label = f"{frame.module_label} · {frame.module_title}"
    right = frame.course_title
    size = 24
    # The course title gives way to the module title when both do not fit.
    room = GRID_WIDTH - 2 * MARGIN
    label_width = canvas.text_width(label, size, bold=True)
    if label_width + 40 + canvas.text_width(right, size) > room:
        right = ""
    if label_width > room:
        size = max(16, size * room / label_width)
    canvas.text((MARGIN, FOOTER_TOP + 32), label, size, ink, bold=True, anchor="lm")
    if right:
        canvas.text((GRID_WIDTH - MARGIN, FOOTER_TOP + 32), right, size, ink, anchor="rm")


def _heading(canvas: _Canvas, text: str) -> float:
    """Draw the slide heading at the top; return where the content below it may start."""
    canvas.rect((0, 0, GRID_WIDTH, 12), ACCENT)
    block = fit(canvas, text, GRID_WIDTH - 2 * MARGIN, 150, size=52, smallest=36, bold=True, max_lines=2)
    _draw_block(canvas, block, MARGIN, 64, INK, bold=True)
    rule_top = 64 + block.height + 14
    canvas.rect((MARGIN, rule_top, MARGIN + 120, rule_top + 6), ACCENT)
    return rule_top + 46


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
    top = _heading(canvas, heading) if heading else 72
    if not heading:
        canvas.rect((0, 0, GRID_WIDTH, 12), ACCENT)
    if slide.layout == "bullets":
        _bullets(canvas, lines, top)
    elif slide.layout == "quote":
        _quote(canvas, lines, top)
    elif slide.layout == "diagram" and slide.diagram == "cycle":
        _cycle(canvas, labels, top)
    elif slide.layout == "diagram" and slide.diagram == "steps":
        _steps(canvas, labels, top)
    elif slide.layout == "diagram" and slide.diagram == "columns":
        _columns(canvas, labels, top)
    else:
        raise ValueError(f"cannot draw a slide with layout {slide.layout!r} and diagram {slide.diagram!r}")
    _footer(canvas, frame)
    return canvas.finish()


def _title(width: int, height: int, heading: str, lines: list[str], frame: SlideFrame) -> Image.Image:
    canvas = _Canvas(width, height, background=ACCENT)
    room = GRID_WIDTH - 2 * MARGIN
    kicker_size = 34
    title = fit(canvas, heading, room, 300, size=72, smallest=44, bold=True, max_lines=3, spacing=1.15)
    subtitle = fit(canvas, " ".join(lines), room, 120, size=34, smallest=26, max_lines=3) if lines else None
    total = kicker_size * 1.6 + title.height + (subtitle.height + 24 if subtitle else 0)
    top = max(60, (FOOTER_TOP - total) / 2)
    canvas.text((MARGIN, top), frame.module_label.upper(), kicker_size, ON_ACCENT_MUTED, bold=True)
    canvas.rect((MARGIN, top + kicker_size * 1.25, MARGIN + 120, top + kicker_size * 1.25 + 6), WHITE)
    top += kicker_size * 1.6 + 10
    _draw_block(canvas, title, MARGIN, top, WHITE, bold=True)
    if subtitle:
        _draw_block(canvas, subtitle, MARGIN, top + title.height + 24, ON_ACCENT_MUTED)
    canvas.rect((0, FOOTER_TOP - 2, GRID_WIDTH, FOOTER_TOP), ON_ACCENT_MUTED)
    _footer(canvas, frame, on_accent=True)
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


def _quote(canvas: _Canvas, lines: list[str], top: float) -> None:
    text = " ".join(lines)
    left = MARGIN + 40
    width = GRID_WIDTH - MARGIN - left - 40
    block = fit(canvas, text, width, CONTENT_BOTTOM - top - 20, size=44, smallest=28)
    y = top + max(0, (CONTENT_BOTTOM - top - block.height) / 2 - 20)
    canvas.rect((MARGIN, y - 8, MARGIN + 10, y + block.height), ACCENT)
    _draw_block(canvas, block, left, y, INK)


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
    """Two or three headings side by side, to compare."""
    count = len(labels)
    gap = 40
    width = (GRID_WIDTH - 2 * MARGIN - gap * (count - 1)) / count
    height = min(300.0, CONTENT_BOTTOM - top - 20)
    y0 = top + (CONTENT_BOTTOM - top - height) / 2
    size = _common_size(canvas, labels, width - 48, height - 60, size=42 if count == 2 else 36, smallest=24)
    for index, label in enumerate(labels):
        x0 = MARGIN + index * (width + gap)
        canvas.rect((x0, y0, x0 + width, y0 + height), ACCENT_LIGHT, radius=14)
        canvas.rect((x0, y0, x0 + width, y0 + 18), ACCENT, radius=0)
        block = fit(canvas, label, width - 48, height - 60, size=size, smallest=size, bold=True)
        y = y0 + 18 + (height - 18 - block.height) / 2
        _draw_block(canvas, block, x0 + 24, y, INK, bold=True, align="center", width=width - 48)
