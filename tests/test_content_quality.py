"""Content quality: what the course promises its learners, checked on the real content in modules/.

The loader checks that files are well formed; these tests check the content rules of issue 3: every text in
Danish, Swedish and English and not a copy of another language; unique ids; teaching feedback on every
option; quiz pools big enough for every country; a source wherever a figure or a rule is stated; complete
conversation material; and `check-content` / `export-content` on the shipped course. Each check is a small
function, and each function is also shown failing on a broken example, so no check passes by accident.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from course.cli import main
from course.config import default_data_dir
from course.content import LOCALES, CardKind, Course, QuizKind, Text, load_course

CONTENT = default_data_dir("modules")
COURSE = load_course(CONTENT)
QUIZZES = [quiz for module in COURSE.modules for quiz in module.quizzes]

MIN_POOL = 8
MIN_DRAW = 5
MIN_COUNCIL_CARDS = 10
ADMINISTRATION_CARDS = 4  # the material's introduction promises four
COPY_LENGTH = 30  # identical texts longer than this in two languages are a copy; short names are fine


# --- the checks ---------------------------------------------------------------------------------------


def texts_in(value: Any, where: str) -> Iterator[tuple[str, Text]]:
    """Every :class:`Text` inside ``value`` (dataclasses, tuples, mappings), with where it sits."""
    if isinstance(value, Text):
        yield where, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from texts_in(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from texts_in(item, f"{where}[{index}]")
    elif isinstance(value, dict) or hasattr(value, "items"):
        for key, item in value.items():
            yield from texts_in(item, f"{where}.{key}")


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def missing_languages(texts: Iterable[tuple[str, Text]]) -> list[str]:
    return [
        f"{where}.{locale}" for where, text in texts for locale in LOCALES if not (text[locale] or "").strip()
    ]


def copied_across_languages(texts: Iterable[tuple[str, Text]]) -> list[str]:
    """Texts that read the same in two languages and are longer than a name or a short word."""
    problems = []
    for where, text in texts:
        for index, first in enumerate(LOCALES):
            for second in LOCALES[index + 1 :]:
                one, other = _normal(text[first]), _normal(text[second])
                if one == other and len(one) > COPY_LENGTH:
                    problems.append(f"{where}: {first} and {second} are the same: {text[first][:60]!r}")
    return problems


def duplicates(ids: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(ids).items() if count > 1)


# A figure is any number (a share, a count, a year, a section); a rule names a law or a body that rules, or
# states an obligation. Checked in English, which every text also has. "What the law says" is no rule.
_RULE_NAMES = re.compile(r"§|\b(?:Act|Code|Regulation|Ombudsman|JO)\b")
_OBLIGATION = re.compile(r"\b(?:must|required|requires|unlawful|illegal)\b", re.IGNORECASE)


def states_figure_or_rule(text: Text) -> bool:
    return bool(re.search(r"\d", text.en) or _RULE_NAMES.search(text.en) or _OBLIGATION.search(text.en))


def unsourced(items: Iterable[tuple[str, Iterable[Text], tuple[str, ...]]], course: Course) -> list[str]:
    """Items that state a figure or a rule without a source, or that cite a source the course lacks."""
    problems = []
    for where, texts, sources in items:
        if any(states_figure_or_rule(text) for text in texts) and not sources:
            problems.append(f"{where}: states a figure or a rule but names no source")
        problems.extend(
            f"{where}: unknown source {source!r}" for source in sources if source not in course.sources
        )
    return problems


def sourced_items(course: Course) -> Iterator[tuple[str, tuple[Text, ...], tuple[str, ...]]]:
    """Everything a learner reads that may state a figure or a rule, with the sources it names."""
    for module in course.modules:
        for index, point in enumerate(module.key_points):
            yield f"{module.id} key_points[{index}]", (point.text,), point.sources
        for scene in module.scenes:
            # A title slide names the module ("Module 1 of 3"); the other layouts show the scene's facts.
            slide = scene.slide
            shown = () if slide.layout == "title" else (*slide.lines, *slide.labels)
            yield f"{module.id} scene {scene.id}", (scene.narration, *shown), scene.sources
        for quiz in module.quizzes:
            for question in quiz.questions:
                feedback = tuple(option.feedback for option in question.options)
                yield f"{quiz.id} {question.id}", (question.explanation, *feedback), question.sources
    if course.conversation is not None:
        for card in course.conversation.cards:
            yield f"card {card.id}", card.notes.bring_out, card.notes.sources
        for item in course.conversation.dos_and_donts.items:
            yield f"advice {item.id}", (item.text, item.why), item.sources


# --- the checks can fail --------------------------------------------------------------------------------


def test_the_checks_catch_broken_examples():
    copied = Text(
        da="Det samme lange afsnit i to sprog.", sv="Det samme lange afsnit i to sprog.", en="Other."
    )
    assert copied_across_languages([("x", copied)]) == [
        "x: da and sv are the same: 'Det samme lange afsnit i to sprog.'"
    ]
    assert copied_across_languages([("x", Text(da="  Dilemma ", sv="Dilemma", en="Dilemma"))]) == []
    assert missing_languages([("x", Text(da="Ja", sv=" ", en="Yes"))]) == ["x.sv"]
    assert duplicates(["a", "b", "a", "c", "b"]) == ["a", "b"]
    assert states_figure_or_rule(Text(da="-", sv="-", en="29 percent of officials were targeted."))
    assert states_figure_or_rule(
        Text(da="-", sv="-", en="Section 119 of the Criminal Code punishes threats.")
    )
    assert states_figure_or_rule(Text(da="-", sv="-", en="Paid ads must be labelled."))
    assert not states_figure_or_rule(Text(da="-", sv="-", en="Criticise the policy, not the person."))
    assert not states_figure_or_rule(Text(da="-", sv="-", en="We look at what the law says."))
    figure = Text(da="-", sv="-", en="In 2022, 16 percent reported it.")
    assert unsourced([("item", (figure,), ())], COURSE) == [
        "item: states a figure or a rule but names no source"
    ]
    assert unsourced([("item", (figure,), ("no-such",))], COURSE) == ["item: unknown source 'no-such'"]


def test_the_text_walk_reaches_every_kind_of_text():
    paths = [where for where, _ in texts_in(COURSE, "course")]
    parts = (
        ".title",
        ".summary",
        ".goals[",
        ".key_points[",
        ".narration",
        ".slide.",
        ".prompt",
        ".scenario.",
    )
    parts += (".options[", ".feedback", ".explanation", ".conversation.card_sets[", ".notes.bring_out[")
    parts += (".notes.follow_up[", ".situation", ".dos_and_donts.sections[")
    for part in parts:
        assert any(part in where for where in paths), part
    assert len(paths) > 1000


# --- the real content -------------------------------------------------------------------------------------


def test_every_text_is_in_danish_swedish_and_english():
    assert missing_languages(texts_in(COURSE, "course")) == []


def test_no_text_is_a_copy_of_another_languages_text():
    # A publisher's name (KL, Brå, Folketingets Ombudsmand) rightly reads the same in every language.
    texts = [(where, text) for where, text in texts_in(COURSE, "course") if not where.endswith(".publisher")]
    assert copied_across_languages(texts) == []


def test_ids_are_unique():
    raw_sources = yaml.safe_load((CONTENT / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    assert duplicates(source["id"] for source in raw_sources) == []
    assert duplicates(COURSE.module_ids) == []
    # Quiz, question and card ids are stored or linked across the whole course.
    assert duplicates(quiz.id for quiz in QUIZZES) == []
    assert duplicates(question.id for quiz in QUIZZES for question in quiz.questions) == []
    for module in COURSE.modules:
        assert duplicates(scene.id for scene in module.scenes) == [], module.id
    for quiz in QUIZZES:
        for question in quiz.questions:
            assert duplicates(option.id for option in question.options) == [], question.id
    conversation = COURSE.conversation
    assert duplicates(card.id for card in conversation.cards) == []
    assert duplicates(section.id for section in conversation.dos_and_donts.sections) == []
    assert duplicates(item.id for item in conversation.dos_and_donts.items) == []


def test_every_option_has_feedback_that_teaches_and_every_question_an_explanation_with_a_source():
    problems = []
    for quiz in QUIZZES:
        for question in quiz.questions:
            if not question.sources:
                problems.append(f"{question.id}: the explanation names no source")
            for locale in LOCALES:
                if not question.explanation[locale].strip():
                    problems.append(f"{question.id}: no explanation in {locale}")
                for option in question.options:
                    feedback = option.feedback[locale].strip()
                    if not feedback or _normal(feedback) == _normal(option.text[locale]):
                        problems.append(f"{question.id}/{option.id}: no feedback of its own in {locale}")
    assert problems == []


@pytest.mark.parametrize("quiz", QUIZZES, ids=[quiz.id for quiz in QUIZZES])
def test_each_quiz_has_a_pool_of_at_least_8_for_each_country_and_draws_at_least_5(quiz):
    assert quiz.draw >= MIN_DRAW
    for country in ("dk", "se"):
        pool = quiz.pool(country)
        assert len(pool) >= MIN_POOL, f"{quiz.id}: {len(pool)} questions for {country}"
        assert len(pool) >= quiz.draw


def test_every_module_has_a_mechanics_and_a_conduct_quiz():
    assert len(COURSE.modules) == 3
    for module in COURSE.modules:
        assert [quiz.kind for quiz in module.quizzes] == [QuizKind.MECHANICS, QuizKind.CONDUCT], module.id


def test_every_figure_and_rule_carries_a_source():
    items = list(sourced_items(COURSE))
    stating = [where for where, texts, _ in items if any(states_figure_or_rule(text) for text in texts)]
    # The check has something to check: figures and rules are stated in every module and in the cards.
    for module in COURSE.modules:
        assert any(where.startswith(f"{module.id} key_points") for where in stating), module.id
    assert any(where.startswith("card ") for where in stating)
    assert any(where.startswith("advice ") for where in stating)
    assert unsourced(items, COURSE) == []


def test_every_source_shown_has_a_title_and_a_publisher_and_modules_list_what_they_cite():
    for source in COURSE.sources.values():
        assert source.title.strip(), source.id
        assert all(source.publisher[locale].strip() for locale in LOCALES), source.id
    for module in COURSE.modules:
        cited = {ref for point in module.key_points for ref in point.sources}
        cited |= {ref for scene in module.scenes for ref in scene.sources}
        cited |= {ref for quiz in module.quizzes for question in quiz.questions for ref in question.sources}
        assert cited <= set(module.sources), (
            f"{module.id} does not list {sorted(cited - set(module.sources))}"
        )


def test_research_labels_never_reach_the_learner():
    """[UNVERIFIED] and [ANALYSIS] items are left out or said to be an interpretation, never copied in."""
    labels = re.compile(r"\[(?:UNVERIFIED|ANALYSIS|V-sec|V)\]|\bUNVERIFIED\b")
    found = [
        f"{where}.{locale}"
        for where, text in texts_in(COURSE, "course")
        for locale in LOCALES
        if labels.search(text[locale])
    ]
    assert found == []


def test_conversation_material_is_complete():
    conversation = COURSE.conversation
    assert conversation is not None
    council, administration = conversation.card_set("council"), conversation.card_set("administration")
    assert len(council.cards) >= MIN_COUNCIL_CARDS
    assert len(administration.cards) == ADMINISTRATION_CARDS
    assert {card.kind for card in council.cards} == {CardKind.DILEMMA, CardKind.QUESTION}
    module_ids = set(COURSE.module_ids)
    for card in conversation.cards:
        assert card.notes.bring_out, card.id
        assert card.notes.modules, card.id
        assert set(card.notes.modules) <= module_ids, card.id
        assert card.kind != CardKind.DILEMMA or card.situation is not None, card.id
        # The question and every follow-up are questions, in every language.
        for text in (card.question, *card.notes.follow_up):
            for locale in LOCALES:
                assert text[locale].rstrip().endswith("?"), (card.id, locale, text[locale])
    advice = conversation.dos_and_donts
    assert {item.kind for item in advice.items} == {"do", "dont"}
    assert all(section.items for section in advice.sections)


# --- the commands -------------------------------------------------------------------------------------------


def test_check_content_passes_on_the_texts_and_quizzes():
    result = CliRunner().invoke(main, ["check-content", "--no-videos"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: 3 modules, 6 quizzes")


def _json_texts(value: Any, where: str = "") -> Iterator[tuple[str, dict]]:
    """Every mapping in exported JSON that carries a language key: a text."""
    if isinstance(value, dict):
        if set(value) & set(LOCALES):
            yield where, value
            return
        for key, item in value.items():
            yield from _json_texts(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _json_texts(item, f"{where}[{index}]")


def test_export_content_shows_three_modules_with_two_quizzes_big_pools_and_every_text_in_three_languages():
    result = CliRunner().invoke(main, ["export-content", "--no-videos"])
    assert result.exit_code == 0, result.output
    exported = json.loads(result.output)
    assert len(exported["modules"]) == 3
    for module in exported["modules"]:
        assert [quiz["kind"] for quiz in module["quizzes"]] == ["mechanics", "conduct"]
        for quiz in module["quizzes"]:
            assert quiz["draw"] >= MIN_DRAW
            for country in ("dk", "se"):
                pool = [q for q in quiz["questions"] if q["jurisdiction"] in (None, country)]
                assert len(pool) >= MIN_POOL, (quiz["id"], country)
    assert exported["conversation"] is not None
    texts = list(_json_texts(exported))
    assert len(texts) > 1000
    incomplete = [where for where, text in texts if set(text) != set(LOCALES) or not all(text.values())]
    assert incomplete == []
