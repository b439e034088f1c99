"""The content loader: real content loads; every kind of bad file is reported with file, field, reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from course.config import default_data_dir
from course.content import InvalidContentError, QuizKind, course_as_dict, load_course
from tests.content_helpers import copy_content, edit_yaml, errors_for

CONTENT = default_data_dir("modules")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the real content to break in different ways."""
    return copy_content(tmp_path)


def first_module(content_dir: Path) -> Path:
    return content_dir / yaml.safe_load((content_dir / "course.yaml").read_text())["modules"][0]


def test_real_content_loads_with_three_modules_and_two_quizzes_each():
    course = load_course(CONTENT)
    assert len(course.modules) == 3
    for module in course.modules:
        assert [quiz.kind for quiz in module.quizzes] == [QuizKind.MECHANICS, QuizKind.CONDUCT]
        for quiz in module.quizzes:
            assert len(quiz.questions) >= 3
            for country in ("dk", "se"):
                assert len(quiz.pool(country)) >= quiz.draw


def test_missing_language_names_file_field_and_reason(content: Path):
    module_file = first_module(content) / "module.yaml"
    edit_yaml(module_file, lambda data: data["title"].pop("sv"))
    errors = errors_for(content)
    assert any(
        error.startswith(f"modules/{module_file.parent.name}/module.yaml: title.sv: is missing")
        for error in errors
    ), errors


def test_invalid_yaml_reports_the_line(content: Path):
    (first_module(content) / "storyboard.yaml").write_text("scenes:\n  - id: a\n   title: [unclosed\n")
    errors = errors_for(content)
    assert any("storyboard.yaml: is not valid YAML" in error and "line" in error for error in errors), errors


def test_single_choice_question_with_two_correct_options_is_rejected(content: Path):
    quiz_file = first_module(content) / "quizzes" / "mechanics.yaml"

    def two_correct(data):
        question = next(q for q in data["questions"] if q["type"] == "single")
        for option in question["options"]:
            option["correct"] = True

    edit_yaml(quiz_file, two_correct)
    errors = errors_for(content)
    assert any(
        "needs exactly one correct option, found" in error and "mechanics.yaml" in error for error in errors
    ), errors


def test_option_without_feedback_is_rejected(content: Path):
    quiz_file = first_module(content) / "quizzes" / "conduct.yaml"
    edit_yaml(quiz_file, lambda data: data["questions"][0]["options"][1].pop("feedback"))
    errors = errors_for(content)
    assert any("questions[0].options[1].feedback: is missing" in error for error in errors), errors


def test_duplicate_question_id_is_rejected(content: Path):
    quiz_file = first_module(content) / "quizzes" / "mechanics.yaml"

    def duplicate(data):
        data["questions"][1]["id"] = data["questions"][0]["id"]

    edit_yaml(quiz_file, duplicate)
    assert any("question id" in error and "is used 2 times" in error for error in errors_for(content))


def test_question_id_reused_in_another_quiz_is_rejected(content: Path):
    module = first_module(content)
    mechanics = yaml.safe_load((module / "quizzes" / "mechanics.yaml").read_text())
    edit_yaml(
        module / "quizzes" / "conduct.yaml",
        lambda data: data["questions"][0].update(id=mechanics["questions"][0]["id"]),
    )
    assert any("also used in" in error for error in errors_for(content))


def test_unknown_source_and_unknown_field_are_reported(content: Path):
    module_file = first_module(content) / "module.yaml"

    def break_it(data):
        data["sources"].append("no-such-source")
        data["titel"] = "typo"

    edit_yaml(module_file, break_it)
    errors = errors_for(content)
    assert any("unknown source 'no-such-source'" in error for error in errors), errors
    assert any("titel: unknown field" in error for error in errors), errors


def test_draw_larger_than_a_countrys_pool_is_rejected(content: Path):
    quiz_file = first_module(content) / "quizzes" / "mechanics.yaml"
    edit_yaml(quiz_file, lambda data: data.update(draw=len(data["questions"]) + 1))
    assert any(
        "draws" in error and "only" in error and "apply to councils in" in error
        for error in errors_for(content)
    )


def test_true_false_question_needs_true_and_false_options(content: Path):
    quiz_file = first_module(content) / "quizzes" / "mechanics.yaml"

    def rename(data):
        data["questions"][0]["type"] = "true_false"

    edit_yaml(quiz_file, rename)
    assert any("exactly the options 'true' and 'false'" in error for error in errors_for(content))


def test_every_problem_is_reported_not_just_the_first(content: Path):
    module = first_module(content)
    edit_yaml(module / "module.yaml", lambda data: data["summary"].pop("da"))
    edit_yaml(module / "quizzes" / "conduct.yaml", lambda data: data["questions"][0].pop("explanation"))
    errors = errors_for(content)
    assert any("summary.da" in error for error in errors)
    assert any("questions[0].explanation" in error for error in errors)


def test_missing_video_manifest_is_reported(content: Path, tmp_path: Path):
    with pytest.raises(InvalidContentError) as raised:
        load_course(content, tmp_path / "no-videos")
    assert any(
        "manifest.json" in error.path and "build-videos" in error.reason for error in raised.value.errors
    )


def test_video_manifest_missing_captions_for_a_language_is_reported(tmp_path: Path):
    course = load_course(CONTENT)
    video_dir = tmp_path / "videos"
    for module in course.modules:
        for language in ("da", "sv", "en"):
            folder = video_dir / module.id / language
            folder.mkdir(parents=True)
            (folder / "video.mp4").write_bytes(b"\0")
            for caption_language in ("da", "en"):
                (folder / f"captions.{caption_language}.vtt").write_text("WEBVTT\n")
            (folder / "manifest.json").write_text(
                json.dumps(
                    {
                        "duration": 120.0,
                        "sources": ["video.mp4"],
                        "captions": {"da": "captions.da.vtt", "en": "captions.en.vtt"},
                    }
                )
            )
    with pytest.raises(InvalidContentError) as raised:
        load_course(CONTENT, video_dir)
    assert any(error.field == "captions.sv" for error in raised.value.errors)


def test_export_has_every_option_with_correct_flag():
    exported = course_as_dict(load_course(CONTENT))
    json.dumps(exported)  # plain data, ready for JSON
    options = [
        option
        for module in exported["modules"]
        for quiz in module["quizzes"]
        for question in quiz["questions"]
        for option in question["options"]
    ]
    assert options
    assert all(isinstance(option["correct"], bool) for option in options)
    assert all(set(option["text"]) == {"da", "sv", "en"} for option in options)
