"""Storyboards: the spoken text beside the caption text, example posts, and citations, each checked with
file, field and reason; and the shipped storyboards show numbers as digits where the voice says words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from course.content import load_course
from course.content.sentences import keep_together, split_sentences
from tests.content_helpers import copy_content, edit_yaml, errors_for
from tests.media_helpers import MODULE_ID, text, tiny_scenes, write_tiny_course

CONTENT = Path(__file__).resolve().parents[1] / "modules"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return copy_content(tmp_path)


def storyboard(content_dir: Path, module_id: str) -> Path:
    return content_dir / module_id / "storyboard.yaml"


def scene_index(path: Path, scene_id: str) -> int:
    scenes = yaml.safe_load(path.read_text(encoding="utf-8"))["scenes"]
    return next(index for index, scene in enumerate(scenes) if scene["id"] == scene_id)


def test_a_spoken_text_is_loaded_beside_the_narration(tmp_path: Path):
    scenes = tiny_scenes()
    scenes[1]["narration"]["da"] = "Ring 112 ved akut fare. Ellers 114."
    scenes[1]["spoken"] = {"da": "Ring et et to ved akut fare. Ellers et et fire."}
    course = load_course(write_tiny_course(tmp_path / "modules", scenes))
    scene = course.module(MODULE_ID).scenes[1]
    assert scene.narration.da == "Ring 112 ved akut fare. Ellers 114."
    assert scene.speech("da") == "Ring et et to ved akut fare. Ellers et et fire."
    # A language without a spoken text speaks its narration.
    assert scene.speech("sv") == scene.narration.sv


def test_a_spoken_text_with_other_sentences_than_the_narration_is_reported(content: Path):
    path = storyboard(content, "tone-harassment-threats")
    index = scene_index(path, "what-to-do")

    def break_it(data):
        data["scenes"][index]["spoken"]["da"] = "Ring et et to. Det er alt."

    edit_yaml(path, break_it)
    errors = errors_for(content)
    expected = f"modules/tone-harassment-threats/storyboard.yaml: scenes[{index}].spoken.da: has 2 sentences"
    assert any(error.startswith(expected) and "narration" in error for error in errors), errors


@pytest.mark.parametrize(
    ("spoken", "reason"),
    [
        ({"de": "Hallo."}, "spoken.de: unknown field"),
        ({"da": ""}, "spoken.da: is missing"),
        ({"da": ["a list"]}, "spoken.da: must be text"),
        ("Just text.", "spoken: expected a mapping"),
        ({}, "spoken: is empty"),
    ],
)
def test_a_malformed_spoken_text_is_reported(tmp_path: Path, spoken, reason):
    scenes = tiny_scenes()
    scenes[0]["spoken"] = spoken
    errors = errors_for(write_tiny_course(tmp_path / "modules", scenes))
    assert any(f"storyboard.yaml: scenes[0].{reason}" in error for error in errors), errors


def test_a_post_slide_is_loaded_with_its_comments(tmp_path: Path):
    scenes = tiny_scenes()
    scenes[1]["slide"] = {
        "layout": "post",
        "heading": text("Et opslag", "Ett inlägg", "A post"),
        "post": {"author": "Anna Berg", "text": text("Hej", "Hej hej", "Hello"), "reactions": 4, "shares": 0},
        "comments": [
            {
                "author": "Erik Lund",
                "text": text("Nej", "Nej nej", "No"),
                "note": text("Skjult", "Dold", "Hidden"),
            }
        ],
    }
    slide = load_course(write_tiny_course(tmp_path / "modules", scenes)).module(MODULE_ID).scenes[1].slide
    assert slide.post.author == "Anna Berg"
    assert (slide.post.reactions, slide.post.comments, slide.post.shares) == (4, None, 0)
    assert [comment.note.en for comment in slide.comments] == ["Hidden"]


@pytest.mark.parametrize(
    ("slide", "reason"),
    [
        ({"layout": "post", "heading": text("A", "B", "C")}, "slide.post: is missing"),
        (
            {"layout": "post", "heading": text("A", "B", "C"), "post": {"text": text("a", "b", "c")}},
            "slide.post.author: is missing",
        ),
        (
            {
                "layout": "post",
                "heading": text("A", "B", "C"),
                "post": {"author": "X", "text": text("a", "b", "c"), "reactions": -1},
            },
            "slide.post.reactions: must be between 0",
        ),
        (
            {
                "layout": "post",
                "heading": text("A", "B", "C"),
                "post": {"author": "X", "text": text("a", "b", "c")},
                "comments": [{"author": f"P{n}", "text": text("a", "b", "c")} for n in range(4)],
            },
            "slide.comments: a post slide shows at most 3 comments",
        ),
        (
            {
                "layout": "bullets",
                "heading": text("A", "B", "C"),
                "lines": [text("a", "b", "c")],
                "cite": text("x", "y", "z"),
            },
            "slide.cite: is only used with layout: quote",
        ),
        (
            {
                "layout": "bullets",
                "heading": text("A", "B", "C"),
                "lines": [text("a", "b", "c")],
                "post": {"author": "X", "text": text("a", "b", "c")},
            },
            "slide.post: is only used with layout: post",
        ),
    ],
)
def test_a_malformed_post_or_citation_is_reported(tmp_path: Path, slide, reason):
    scenes = tiny_scenes()
    scenes[1]["slide"] = slide
    errors = errors_for(write_tiny_course(tmp_path / "modules", scenes))
    assert any(f"storyboard.yaml: scenes[1].{reason}" in error for error in errors), errors


# --- the shipped storyboards ---------------------------------------------------------------------------

COURSE = load_course(CONTENT)
SCENES = [(module, scene) for module in COURSE.modules for scene in module.scenes]
# Numbers a voice must say digit by digit: emergency and police numbers.
_PHONE = re.compile(r"\b11[24](?: 14)?\b")


@pytest.mark.parametrize(("module", "scene"), SCENES, ids=[f"{m.id}-{s.id}" for m, s in SCENES])
def test_the_voice_says_phone_numbers_in_words_while_captions_show_digits(module, scene):
    for language in ("da", "sv", "en"):
        said = scene.speech(language)
        assert not _PHONE.search(said), f"{module.id}/{scene.id}/{language}: the voice would say {said!r}"
        if _PHONE.search(scene.narration[language]):
            assert scene.spoken.get(language), f"{module.id}/{scene.id}/{language} needs a spoken text"


@pytest.mark.parametrize(("module", "scene"), SCENES, ids=[f"{m.id}-{s.id}" for m, s in SCENES])
def test_captions_show_numbers_as_digits(module, scene):
    # The caption text is what learners read: no number spelled out digit by digit, as a voice would.
    spelled = re.compile(r"\b(?:et et|ett ett|one one) (?:to|två|two|fire|fyra|four)\b", re.IGNORECASE)
    for language in ("da", "sv", "en"):
        assert not spelled.search(scene.narration[language]), f"{module.id}/{scene.id}/{language}"


@pytest.mark.parametrize(("module", "scene"), SCENES, ids=[f"{m.id}-{s.id}" for m, s in SCENES])
def test_spoken_texts_keep_the_narrations_sentences(module, scene):
    for language, spoken in scene.spoken.items():
        assert len(split_sentences(spoken)) == len(split_sentences(scene.narration[language]))


def test_the_safety_steps_start_with_112():
    scene = COURSE.module("tone-harassment-threats").scenes
    steps = next(item for item in scene if item.id == "what-to-do")
    for language in ("da", "sv", "en"):
        assert "112" in steps.slide.labels[0][language]
        assert steps.narration[language].index("112") < min(
            steps.narration[language].index(word)
            for word in ("Dokumentér", "Dokumentera", "document")
            if word in steps.narration[language]
        )


def test_keep_together_joins_references_and_numbers_only():
    assert keep_together("§ 119, 119 a og stk. 3") == "§\u00a0119, 119\u00a0a og stk.\u00a03"
    assert keep_together("ring 114 14 nu") == "ring 114\u00a014 nu"
    assert keep_together("ring 112 eller mød op") == "ring 112 eller mød op"
