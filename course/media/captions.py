"""Captions: narration split into short cues, and WebVTT files written and read.

A cue shows at most two lines of 42 characters, the usual limit for readable subtitles. Narration is cut
into sentences first and a long sentence into chunks, preferring the pauses a speaker makes (after a
comma, semicolon, colon or dash). The chunks joined with spaces give back the narration exactly, so the
captions say everything that is spoken.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from course.content.sentences import keep_together, plain_text, split_sentences

MAX_LINE = 42
MAX_LINES = 2
MAX_CUE = MAX_LINE * MAX_LINES

_CLAUSE_END = re.compile(r"[,;:–—]$|[,;:][\"”’»)]$")


def fits(text: str) -> bool:
    """Whether ``text`` shows as one cue: at most two lines of 42 characters."""
    lines = wrap_cue(text)
    return len(lines) <= MAX_LINES and all(len(line) <= MAX_LINE for line in lines)


def wrap_cue(text: str) -> list[str]:
    """The lines a cue is shown in: one line if it fits, else two lines of about equal length."""
    if len(text) <= MAX_LINE:
        return [text]
    words = text.split(" ")
    best: tuple[int, list[str]] | None = None
    for index in range(1, len(words)):
        first, second = " ".join(words[:index]), " ".join(words[index:])
        if len(first) <= MAX_LINE and len(second) <= MAX_LINE:
            score = max(len(first), len(second))
            if best is None or score < best[0]:
                best = (score, [first, second])
    if best is not None:
        return best[1]
    return textwrap.wrap(text, MAX_LINE, break_long_words=False, break_on_hyphens=False)


def chunk_sentence(sentence: str) -> list[str]:
    """Cut one sentence into as few cues as possible, at natural pauses, of similar length.

    A small dynamic programme over the word boundaries: every cue costs a lot (so there are few of them),
    a cut that is not after a comma or similar costs a little, and so does a very short or unbalanced cue.
    """
    if fits(sentence):
        return [sentence]
    words = sentence.split(" ")
    count = len(words)
    # best[i] = (cost, cut positions) for the words before i
    best: list[tuple[float, list[int]] | None] = [None] * (count + 1)
    best[0] = (0.0, [])
    for end in range(1, count + 1):
        for start in range(end - 1, -1, -1):
            text = " ".join(words[start:end])
            if len(text) > MAX_CUE and end - start > 1:
                break
            if end - start > 1 and not fits(text):
                continue
            previous = best[start]
            if previous is None:
                continue
            cost = previous[0] + 100.0
            if end < count and not _CLAUSE_END.search(words[end - 1]):
                cost += 20.0
            if len(text) < 20:
                cost += 20.0
            cost += ((MAX_CUE - len(text)) / MAX_CUE) ** 2 * 10.0
            if best[end] is None or cost < best[end][0]:  # type: ignore[index]
                best[end] = (cost, [*previous[1], end])
    cuts = best[count][1]  # type: ignore[index]
    chunks, start = [], 0
    for end in cuts:
        chunks.append(" ".join(words[start:end]))
        start = end
    return chunks


def chunk_narration(narration: str) -> list[list[str]]:
    """The narration as sentences, each a list of cue texts."""
    return [chunk_sentence(keep_together(sentence)) for sentence in split_sentences(plain_text(narration))]


@dataclass(frozen=True, slots=True)
class Cue:
    """One caption or chapter: shown from ``start`` to ``end`` seconds."""

    start: float
    end: float
    text: str
    identifier: str | None = None


def timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm``, as WebVTT writes a time."""
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def write_vtt(cues: Iterable[Cue], *, wrap: bool = True) -> str:
    """A WebVTT file. Caption text is wrapped to two lines; ``<``, ``>`` and ``&`` are escaped."""
    blocks = ["WEBVTT"]
    for cue in cues:
        lines = wrap_cue(cue.text) if wrap else [cue.text]
        body = "\n".join(_escape(line) for line in lines)
        head = f"{cue.identifier}\n" if cue.identifier else ""
        blocks.append(f"{head}{timestamp(cue.start)} --> {timestamp(cue.end)}\n{body}")
    return "\n\n".join(blocks) + "\n"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class VttError(ValueError):
    """A WebVTT file is not well-formed; the message names the line."""


_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_TIMING = re.compile(rf"^{_TIME}[ \t]+-->[ \t]+{_TIME}(?:[ \t].*)?$")


def _seconds(hours: str | None, minutes: str, secs: str, millis: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000


def parse_vtt(text: str) -> list[Cue]:
    """Read a WebVTT file into cues (text lines joined with a space, entities decoded).

    Checks what a browser needs: the ``WEBVTT`` signature, well-formed timings, end after start.
    NOTE, STYLE and REGION blocks are skipped.
    """
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    blocks = re.split(r"\n{2,}", text.strip("\n"))
    if not blocks or not re.match(r"^WEBVTT(?:[ \t].*)?$", blocks[0].split("\n")[0]):
        raise VttError("line 1: a WebVTT file starts with WEBVTT")
    cues = []
    line_number = blocks[0].count("\n") + 1
    for block in blocks[1:]:
        line_number += 1
        lines = block.split("\n")
        first = line_number
        line_number += len(lines)
        if lines[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        identifier = None
        if "-->" not in lines[0]:
            identifier, lines = lines[0], lines[1:]
            first += 1
        if not lines:
            raise VttError(f"line {first}: cue {identifier!r} has no timing")
        match = _TIMING.match(lines[0])
        if match is None:
            raise VttError(f"line {first}: bad cue timing {lines[0]!r}")
        start = _seconds(*match.groups()[:4])
        end = _seconds(*match.groups()[4:])
        if end <= start:
            raise VttError(f"line {first}: cue ends before it starts")
        body = " ".join(line.strip() for line in lines[1:])
        body = re.sub(r"<[^>]+>", "", body)
        body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&")
        cues.append(Cue(start, end, body, identifier))
    return cues


def distribute(chunks: Sequence[str], start: float, end: float) -> list[Cue]:
    """Spread cues over ``start`` to ``end`` in proportion to their length.

    Used for the captions in the two languages the video does not speak: their narration differs from the
    spoken one, so each scene's cues are fitted to that scene's time in the video.
    """
    total = sum(len(chunk) + 8 for chunk in chunks)  # + 8: even a short cue needs time to be read
    cues, cursor = [], start
    for chunk in chunks:
        length = (end - start) * (len(chunk) + 8) / total
        cues.append(Cue(cursor, cursor + length, chunk))
        cursor += length
    return cues
