"""The conversation material in the content layer: the real files load; every kind of bad file is reported
with file, field and reason; a course without the material still loads; export and check-content show it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from course.cli import main
from course.config import default_data_dir
from course.content import AdviceKind, CardKind, course_as_dict, load_course
from tests.content_helpers import copy_content, edit_yaml, errors_for

CONTENT = default_data_dir("modules")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the real content to break in different ways."""
    return copy_content(tmp_path)


def test_real_material_has_both_card_sets_and_the_dos_and_donts():
    conversation = load_course(CONTENT).conversation
    assert conversation is not None
    assert [card_set.id for card_set in conversation.card_sets] == ["council", "administration"]
    council, administration = conversation.card_sets
    assert [card.number for card in council.cards] == list(range(1, len(council.cards) + 1))
    assert {card.kind for card in council.cards} == {CardKind.DILEMMA, CardKind.QUESTION}
    assert all(card.situation is not None for card in conversation.cards if card.kind == CardKind.DILEMMA)
    assert conversation.card_set("administration") is administration
    assert conversation.card_set("nope") is None
    assert council.card(council.cards[2].id) is council.cards[2]
    kinds = {item.kind for item in conversation.dos_and_donts.items}
    assert kinds == {AdviceKind.DO, AdviceKind.DONT}


def test_course_without_conversation_material_still_loads(content: Path):
    edit_yaml(content / "course.yaml", lambda data: data.pop("conversation"))
    shutil.rmtree(content / "conversation")
    course = load_course(content)
    assert course.conversation is None
    assert course_as_dict(course)["conversation"] is None


def test_declared_folder_that_is_missing_is_reported(content: Path):
    shutil.rmtree(content / "conversation")
    assert "modules/conversation: conversation folder is missing" in errors_for(content)


def test_missing_file_is_reported(content: Path):
    (content / "conversation" / "administration-cards.yaml").unlink()
    assert "modules/conversation/administration-cards.yaml: file is missing" in errors_for(content)


def test_missing_language_names_file_field_and_reason(content: Path):
    edit_yaml(
        content / "conversation" / "council-cards.yaml",
        lambda data: data["cards"][0]["question"].pop("sv"),
    )
    assert "modules/conversation/council-cards.yaml: cards[0].question.sv: is missing" in errors_for(content)


def test_dilemma_without_a_situation_is_rejected(content: Path):
    def drop_situation(data):
        card = next(card for card in data["cards"] if card["kind"] == "dilemma")
        card.pop("situation")

    edit_yaml(content / "conversation" / "council-cards.yaml", drop_situation)
    errors = errors_for(content)
    assert any(error.endswith(".situation: is missing") for error in errors), errors


def test_card_without_notes_or_follow_up_questions_is_rejected(content: Path):
    def strip(data):
        data["cards"][0].pop("notes")
        data["cards"][1]["notes"]["follow_up"] = []

    edit_yaml(content / "conversation" / "administration-cards.yaml", strip)
    errors = errors_for(content)
    assert (
        "modules/conversation/administration-cards.yaml: cards[0].notes: is missing (the facilitator notes)"
        in errors
    )
    assert (
        "modules/conversation/administration-cards.yaml: cards[1].notes.follow_up: must not be empty"
        in errors
    )


def test_unknown_module_and_source_links_are_reported(content: Path):
    def break_links(data):
        data["cards"][0]["notes"]["modules"].append("no-such-module")
        data["cards"][1]["notes"]["sources"] = ["no-such-source"]

    edit_yaml(content / "conversation" / "council-cards.yaml", break_links)
    errors = errors_for(content)
    assert any("cards[0].notes.modules" in e and "unknown module 'no-such-module'" in e for e in errors), (
        errors
    )
    assert any("cards[1].notes.sources[0]: unknown source 'no-such-source'" in e for e in errors), errors


def test_card_id_used_in_both_sets_is_rejected(content: Path):
    council = yaml.safe_load((content / "conversation" / "council-cards.yaml").read_text(encoding="utf-8"))
    taken = council["cards"][0]["id"]
    edit_yaml(
        content / "conversation" / "administration-cards.yaml",
        lambda data: data["cards"][0].update(id=taken),
    )
    assert (
        f"modules/conversation/administration-cards.yaml: cards: card id {taken!r} is also used in "
        "council-cards.yaml" in errors_for(content)
    )


def test_bad_advice_kind_duplicate_item_and_unknown_field_are_reported(content: Path):
    def break_it(data):
        first, second = data["sections"][0]["items"][:2]
        first["kind"] = "maybe"
        second["id"] = data["sections"][1]["items"][0]["id"]
        second["reason"] = "typo for why"

    edit_yaml(content / "conversation" / "dos-and-donts.yaml", break_it)
    errors = errors_for(content)
    assert any("sections[0].items[0].kind: 'maybe' is not one of: do, dont" in e for e in errors), errors
    assert any("item id" in e and "is used 2 times" in e for e in errors), errors
    assert any("sections[0].items[1].reason: unknown field" in e for e in errors), errors


def test_conversation_cannot_reuse_a_module_folder(content: Path):
    edit_yaml(content / "course.yaml", lambda data: data.update(conversation=data["modules"][0]))
    assert any(
        "conversation:" in error and "also a module's folder" in error for error in errors_for(content)
    )


def test_export_content_includes_the_material_in_three_languages():
    result = CliRunner().invoke(main, ["export-content", "--no-videos"])
    assert result.exit_code == 0, result.output
    material = json.loads(result.output)["conversation"]
    council, administration = material["card_sets"]
    assert (council["id"], administration["id"]) == ("council", "administration")
    card = council["cards"][0]
    assert set(card["question"]) == {"da", "sv", "en"}
    assert card["notes"]["modules"]
    assert card["notes"]["bring_out"]
    assert card["notes"]["follow_up"]
    items = [item for section in material["dos_and_donts"]["sections"] for item in section["items"]]
    assert {item["kind"] for item in items} == {"do", "dont"}
    assert all(set(item["why"]) == {"da", "sv", "en"} for item in items)


def test_check_content_counts_the_material():
    result = CliRunner().invoke(main, ["check-content", "--no-videos"])
    assert result.exit_code == 0, result.output
    course = load_course(CONTENT)
    assert f"{len(course.conversation.cards)} conversation cards" in result.output
    assert f"{len(course.conversation.dos_and_donts.items)} do's and don'ts" in result.output


# --- the seminar questions and the facilitator guide ------------------------------------------------------


def _first_card_of_kind(data, kind: str) -> tuple[int, dict]:
    return next(
        (index, card) for index, card in enumerate(data["cards"]) if card["seminar_question"]["kind"] == kind
    )


def test_seminar_question_of_an_unknown_kind_is_rejected_with_file_field_and_reason(content: Path):
    edit_yaml(
        content / "conversation" / "council-cards.yaml",
        lambda data: data["cards"][0]["seminar_question"].update(kind="poll"),
    )
    assert (
        "modules/conversation/council-cards.yaml: cards[0].seminar_question.kind: "
        "'poll' is not one of: scale, choice, words"
    ) in errors_for(content)


@pytest.mark.parametrize("count", [1, 7])
def test_a_choice_needs_two_to_six_options(content: Path, count: int):
    path = content / "conversation" / "administration-cards.yaml"
    found = {}

    def set_options(data):
        index, card = _first_card_of_kind(data, "choice")
        options = card["seminar_question"]["options"]
        card["seminar_question"]["options"] = [
            {language: f"{text} {number}" for language, text in options[0].items()} for number in range(count)
        ]
        found["index"] = index

    edit_yaml(path, set_options)
    assert (
        f"modules/conversation/administration-cards.yaml: cards[{found['index']}].seminar_question.options: "
        f"a choice has 2 to 6 options, found {count}"
    ) in errors_for(content)


def test_seminar_question_missing_a_language_or_with_options_it_cannot_have_is_rejected(content: Path):
    found = {}

    def break_it(data):
        index, card = _first_card_of_kind(data, "scale")
        card["seminar_question"]["text"].pop("sv")
        card["seminar_question"]["options"] = [{"da": "Ja", "sv": "Ja", "en": "Yes"}] * 2
        choice_index, choice = _first_card_of_kind(data, "choice")
        choice["seminar_question"]["options"][1].pop("en")
        found.update(scale=index, choice=choice_index)

    edit_yaml(content / "conversation" / "council-cards.yaml", break_it)
    errors = errors_for(content)
    prefix = "modules/conversation/council-cards.yaml: "
    assert f"{prefix}cards[{found['scale']}].seminar_question.text.sv: is missing" in errors
    assert (
        f"{prefix}cards[{found['scale']}].seminar_question.options: "
        "only a choice has options, not a scale question" in errors
    )
    assert f"{prefix}cards[{found['choice']}].seminar_question.options[1].en: is missing" in errors


def test_card_without_a_seminar_question_is_rejected(content: Path):
    edit_yaml(
        content / "conversation" / "council-cards.yaml", lambda data: data["cards"][2].pop("seminar_question")
    )
    assert (
        "modules/conversation/council-cards.yaml: cards[2].seminar_question: "
        "is missing (the question the material proposes for a seminar)"
    ) in errors_for(content)


def test_facilitator_guide_missing_a_section_is_rejected(content: Path):
    edit_yaml(
        content / "conversation" / "facilitator-guide.yaml",
        lambda data: data.update(sections=[s for s in data["sections"] if s["id"] != "heated-moment"]),
    )
    assert "modules/conversation/facilitator-guide.yaml: sections: missing: heated-moment" in errors_for(
        content
    )


def test_facilitator_guide_missing_a_language_names_file_field_and_reason(content: Path):
    def break_it(data):
        data["title"].pop("da")
        data["sections"][0]["points"][0].pop("sv")
        data["agendas"][1]["steps"][0]["text"].pop("en")

    edit_yaml(content / "conversation" / "facilitator-guide.yaml", break_it)
    errors = errors_for(content)
    prefix = "modules/conversation/facilitator-guide.yaml: "
    assert f"{prefix}title.da: is missing" in errors
    assert f"{prefix}sections[0].points[0].sv: is missing" in errors
    assert f"{prefix}agendas[1].steps[0].text.en: is missing" in errors


def test_facilitator_guide_that_is_missing_is_reported(content: Path):
    (content / "conversation" / "facilitator-guide.yaml").unlink()
    assert "modules/conversation/facilitator-guide.yaml: file is missing" in errors_for(content)
