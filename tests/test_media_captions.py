"""Captions: narration cut into readable cues, and WebVTT written and read back."""

from __future__ import annotations

from pathlib import Path

import pytest

from course.content import load_course
from course.content.model import LOCALES
from course.media.captions import (
    Cue,
    VttError,
    chunk_narration,
    chunk_sentence,
    distribute,
    parse_vtt,
    plain_text,
    split_sentences,
    wrap_cue,
    write_vtt,
)

CONTENT = Path(__file__).resolve().parents[1] / "modules"
NARRATIONS = [
    pytest.param(scene.narration[code], id=f"{module.id}-{scene.id}-{code}")
    for module in load_course(CONTENT).modules
    for scene in module.scenes
    for code in LOCALES
]
LONG = (
    "Et studie af 2,7 millioner opslag fra amerikanske medier og politikere viste, at opslag om den "
    "politiske modpart blev delt omkring dobbelt så ofte som opslag om ens egen side, og at hvert ord om "
    "modparten øgede chancen for en deling med 67 procent."
)


def test_markdown_is_removed_from_spoken_text():
    assert plain_text("Read *this* and **that** at [the site](https://example.org).") == (
        "Read this and that at the site."
    )


def test_sentences_split_at_full_stops_but_not_in_numbers_or_abbreviations():
    text = "Det er 2,7 millioner. Ca. 67 procent delte f.eks. mere! Hvorfor? Fordi det virker."
    assert split_sentences(text) == [
        "Det er 2,7 millioner.",
        "Ca. 67 procent delte f.eks. mere!",
        "Hvorfor?",
        "Fordi det virker.",
    ]


def test_a_closing_quote_stays_with_its_sentence():
    assert split_sentences('Hun sagde "stop." Så gik hun.') == ['Hun sagde "stop."', "Så gik hun."]


@pytest.mark.parametrize("narration", [*NARRATIONS, pytest.param(LONG, id="long-sentence")])
def test_every_cue_fits_two_lines_of_42_characters(narration):
    for sentence in chunk_narration(narration):
        for cue in sentence:
            lines = wrap_cue(cue)
            assert len(lines) <= 2
            assert all(len(line) <= 42 for line in lines)


@pytest.mark.parametrize("narration", [*NARRATIONS, pytest.param(LONG, id="long-sentence")])
def test_cues_joined_give_back_the_narration(narration):
    cues = [cue for sentence in chunk_narration(narration) for cue in sentence]
    # Spaces inside a reference or a number ("§ 119", "114 14") become no-break spaces, nothing else changes.
    assert " ".join(cues).replace("\u00a0", " ") == " ".join(narration.split())


def test_a_long_sentence_is_cut_after_commas():
    chunks = chunk_sentence(LONG)
    # 236 characters need at least three cues; the clause between the commas is too long for one.
    assert len(chunks) == 4
    assert chunks[0].endswith("viste,")
    assert chunks[2].endswith("side,")
    assert chunks[3].startswith("og at hvert ord")


def test_two_lines_are_balanced():
    assert wrap_cue("Hvert ord om modparten øgede chancen for en deling med 67 procent.") == [
        "Hvert ord om modparten øgede chancen",
        "for en deling med 67 procent.",
    ]


def test_webvtt_round_trips_with_escaped_text():
    cues = [
        Cue(0.6, 4.25, "Fish & chips <b>are</b> nice"),
        Cue(3725.5, 3730.0, "An hour later", "late"),
    ]
    text = write_vtt(cues)
    assert text.startswith("WEBVTT\n\n00:00:00.600 --> 00:00:04.250\n")
    assert "late\n01:02:05.500 --> 01:02:10.000" in text
    assert "Fish &amp; chips &lt;b&gt;are&lt;/b&gt; nice" in text
    assert parse_vtt(text) == [
        Cue(0.6, 4.25, "Fish & chips <b>are</b> nice"),
        Cue(3725.5, 3730.0, "An hour later", "late"),
    ]


def test_parse_skips_notes_and_styles_and_accepts_short_times():
    text = (
        "WEBVTT - a title\n\nNOTE made by hand\n\nSTYLE\n::cue { color: white }\n\n"
        "00:01.000 --> 00:02.500 align:start\n<v Anna>Hej</v>\n"
    )
    assert parse_vtt(text) == [Cue(1.0, 2.5, "Hej")]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("00:00:01.000 --> 00:00:02.000\nHej\n", "starts with WEBVTT"),
        ("WEBVTT\n\n00:00:01.000 -> 00:00:02.000\nHej\n", "bad cue timing"),
        ("WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nHej\n", "ends before it starts"),
        ("WEBVTT\n\n00:00:01,000 --> 00:00:02,000\nHej\n", "bad cue timing"),
    ],
)
def test_malformed_webvtt_is_refused(text, problem):
    with pytest.raises(VttError, match=problem):
        parse_vtt(text)


def test_cues_in_another_language_share_out_the_scene_in_order():
    cues = distribute(["Kort.", "En noget længere sætning her."], 10.0, 20.0)
    assert cues[0].start == 10.0
    assert cues[0].end == cues[1].start
    assert cues[1].end == pytest.approx(20.0)
    assert cues[1].end - cues[1].start > cues[0].end - cues[0].start
