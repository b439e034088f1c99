"""Narration as sentences: the rules the loader checks a storyboard with and the video builder speaks by.

They live here, below both, so the loader can tell a storyboard author that a spoken text and its caption
text do not have the same sentences, with the same rule the builder uses to time captions to speech.
"""

from __future__ import annotations

import re

# A sentence ends at . ! ? or … followed by a space and an upper-case letter or an opening quote; "2,7"
# or "ca. 67" therefore stay whole.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”’»)]?[ \t\r\n]+(?=[\"“„«(]?[A-ZÀ-ÖØ-Þ§])")
_MARKDOWN_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_MARKDOWN_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+", re.MULTILINE)
# Spaces only: a no-break space (U+00A0) an author typed is kept, so "§ 119" stays on one line.
_SPACES = re.compile(r"[ \t\r\n]+")
NBSP = "\u00a0"
# Where a line must not break even when the author typed an ordinary space: after a section sign or a
# legal abbreviation followed by a number ("§ 119", "stk. 3", "kap. 29"), before a letter that belongs to a
# number ("119 a"), and between groups of digits ("114 14", "126 000").
_REFERENCE_SPACE = re.compile(r"(§§?|\b(?:stk|nr|kap|art)\.) (?=\d)")
_NUMBER_SPACE = re.compile(r"(?<=\d) (?=[a-z]\b|\d{2,3}\b)")


def plain_text(text: str) -> str:
    """Narration as it is spoken and captioned: the little Markdown content may use removed, one line."""
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = _MARKDOWN_EMPHASIS.sub(r"\2", text)
    text = _MARKDOWN_LIST.sub("", text)
    return _SPACES.sub(" ", text).strip(" ")


def keep_together(text: str) -> str:
    """``text`` with no-break spaces where a line break would orphan part of a reference or a number."""
    return _NUMBER_SPACE.sub(NBSP, _REFERENCE_SPACE.sub(rf"\1{NBSP}", text))


def split_sentences(text: str) -> list[str]:
    """Cut plain text into sentences, keeping every character but the spaces between them."""
    text = _SPACES.sub(" ", text).strip(" ")
    if not text:
        return []
    parts: list[str] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        # The match holds a closing quote or bracket, which stays with the sentence it closes.
        parts.append(text[start : match.end()].strip(" "))
        start = match.end()
    parts.append(text[start:].strip(" "))
    return [part for part in parts if part]
