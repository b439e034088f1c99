"""Fair quizzes: checked on the real content in modules/.

A learner should not be able to pass by guessing from the form of the options, should get different
questions on a retake, should be asked about their own country's figures, and should meet each lesson once
or twice rather than four times. Each check is a small function, shown failing on a broken example first.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

import pytest

from course.config import default_data_dir
from course.content import LOCALES, Question, QuestionType, Quiz, Text, load_course

COURSE = load_course(default_data_dir("modules"))
QUIZZES = [quiz for module in COURSE.modules for quiz in module.quizzes]
COUNTRIES = ("dk", "se")

#: At most this share of a quiz's single-choice questions may have the correct option as the longest one.
MAX_LONGEST_CORRECT = 1 / 3
#: Questions per country on one topic across the whole course (each lesson once or twice, not four times).
MAX_PER_TOPIC = 2
TOPICS = {
    "trusted flaggers": re.compile(r"trusted[- ]flagger", re.IGNORECASE),
    "political advertising": re.compile(r"political (?:ad|ads|advertising|advert)\b", re.IGNORECASE),
}
# Surveys of one country's elected officials or citizens. A question built on them belongs to that
# country's pool: a Danish councillor is not quizzed on Brå's figures, nor a Swedish one on KL's. (s19, a
# magazine article cited for councillors' advice rather than for its figure, is not counted.)
SURVEYS = {
    "se": {"s04", "s05", "s06", "s07", "s08", "s09", "s10", "s11", "s82"},
    "dk": {"s12", "s13", "s15", "s17", "s20", "s21", "s22", "s23", "s24", "s25", "s26"},
}


# --- the checks ---------------------------------------------------------------------------------------


def correct_is_longest(question: Question, locale: str) -> bool:
    """Whether the correct option of a single-choice question is strictly longer than every other."""
    correct = [len(option.text[locale]) for option in question.options if option.is_correct]
    others = [len(option.text[locale]) for option in question.options if not option.is_correct]
    return len(correct) == 1 and all(correct[0] > other for other in others)


def longest_correct_share(questions: Iterable[Question], locale: str) -> float:
    singles = [question for question in questions if question.type == QuestionType.SINGLE]
    if not singles:
        return 0.0
    return sum(correct_is_longest(question, locale) for question in singles) / len(singles)


def unfair_multiple_choice(questions: Iterable[Question]) -> list[str]:
    """Multiple-answer questions that are a single choice in disguise, or where ticking everything wins."""
    problems = []
    for question in questions:
        if question.type != QuestionType.MULTIPLE:
            continue
        correct = sum(option.is_correct for option in question.options)
        if correct < 2:
            problems.append(f"{question.id}: only {correct} correct option")
        if correct == len(question.options):
            problems.append(f"{question.id}: every option is correct")
    return problems


def misplaced_statistics(questions: Iterable[Question]) -> list[str]:
    """Questions built only on one country's surveys that are not limited to that country."""
    problems = []
    for question in questions:
        countries = {country for country, ids in SURVEYS.items() if set(question.sources) & ids}
        if len(countries) == 1:
            (country,) = countries
            if question.jurisdiction != country:
                problems.append(
                    f"{question.id}: rests on {country} surveys but is asked in {question.jurisdiction}"
                )
    return problems


def _question_text(question: Question) -> str:
    texts = [question.prompt, *(option.text for option in question.options)]
    if question.scenario is not None:
        texts.append(question.scenario.text)
    return " ".join(text.en for text in texts)


def topic_counts(quizzes: Iterable[Quiz], country: str) -> dict[str, list[str]]:
    """For each topic, the questions a council in ``country`` can be asked about it."""
    found: dict[str, list[str]] = {topic: [] for topic in TOPICS}
    for quiz in quizzes:
        for question in quiz.pool(country):
            for topic, pattern in TOPICS.items():
                if pattern.search(_question_text(question)):
                    found[topic].append(question.id)
    return found


# --- the checks can fail --------------------------------------------------------------------------------


def _text(value: str) -> Text:
    return Text(da=value, sv=value, en=value)


def _with_options(question: Question, *texts_and_flags: tuple[str, bool]) -> Question:
    options = tuple(
        dataclasses.replace(option, text=_text(text), is_correct=flag)
        for option, (text, flag) in zip(question.options, texts_and_flags, strict=False)
    )
    return dataclasses.replace(question, options=options)


def _first(kind: QuestionType) -> Question:
    return next(question for quiz in QUIZZES for question in quiz.questions if question.type == kind)


def test_the_checks_catch_broken_examples():
    single = _first(QuestionType.SINGLE)
    n = len(single.options)
    longest = _with_options(single, ("the long and correct answer", True), *[("short", False)] * (n - 1))
    tied = _with_options(single, ("same length", True), ("same length", False), *[("x", False)] * (n - 2))
    assert correct_is_longest(longest, "en")
    assert not correct_is_longest(tied, "en")  # strictly longest only
    assert longest_correct_share([longest, tied], "da") == 0.5
    assert longest_correct_share([_first(QuestionType.TRUE_FALSE)], "en") == 0.0

    multiple = _first(QuestionType.MULTIPLE)
    m = len(multiple.options)
    one_right = _with_options(multiple, ("a", True), *[("b", False)] * (m - 1))
    all_right = _with_options(multiple, *[("a", True)] * m)
    assert unfair_multiple_choice([one_right]) == [f"{multiple.id}: only 1 correct option"]
    assert unfair_multiple_choice([all_right]) == [f"{multiple.id}: every option is correct"]

    swedish_figures = dataclasses.replace(single, sources=("s10",), jurisdiction=None)
    both = dataclasses.replace(single, sources=("s10", "s15"), jurisdiction=None)
    assert misplaced_statistics([swedish_figures]) == [
        f"{single.id}: rests on se surveys but is asked in None"
    ]
    assert misplaced_statistics([dataclasses.replace(swedish_figures, jurisdiction="se")]) == []
    assert misplaced_statistics([both]) == []

    flagger = dataclasses.replace(
        single, prompt=_text("Who can become a trusted flagger?"), jurisdiction=None
    )
    quiz = dataclasses.replace(QUIZZES[0], questions=(flagger, flagger))
    assert topic_counts([quiz], "dk")["trusted flaggers"] == [single.id, single.id]


# --- the real content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("quiz", QUIZZES, ids=[quiz.id for quiz in QUIZZES])
@pytest.mark.parametrize("locale", LOCALES)
def test_the_correct_option_is_rarely_the_longest(quiz, locale):
    """Learners guess by length when the right answer is always the longest, most careful one."""
    for country in COUNTRIES:
        share = longest_correct_share(quiz.pool(country), locale)
        assert share <= MAX_LONGEST_CORRECT, f"{quiz.id} ({country}, {locale}): {share:.0%}"


def test_multiple_answer_questions_have_several_right_options_and_at_least_one_wrong():
    assert unfair_multiple_choice(question for quiz in QUIZZES for question in quiz.questions) == []


@pytest.mark.parametrize("quiz", QUIZZES, ids=[quiz.id for quiz in QUIZZES])
def test_a_retake_can_draw_entirely_new_questions(quiz):
    """The quiz page promises new questions on a retake: each country's pool holds two full draws."""
    for country in COUNTRIES:
        assert len(quiz.pool(country)) >= 2 * quiz.draw, f"{quiz.id}: {len(quiz.pool(country))} for {country}"


def test_questions_on_one_countrys_figures_are_asked_only_there():
    assert misplaced_statistics(question for quiz in QUIZZES for question in quiz.questions) == []


@pytest.mark.parametrize("country", COUNTRIES)
def test_no_topic_is_asked_more_than_twice(country):
    for topic, questions in topic_counts(QUIZZES, country).items():
        assert len(questions) <= MAX_PER_TOPIC, f"{topic} in {country}: {questions}"


@pytest.mark.parametrize("quiz", QUIZZES, ids=[quiz.id for quiz in QUIZZES])
def test_a_quiz_with_multiple_answer_questions_tells_how_they_are_scored(quiz):
    """docs/content-format.md: the intro says that such a question counts only when it is wholly right."""
    if not any(question.type == QuestionType.MULTIPLE for question in quiz.questions):
        return
    assert quiz.intro is not None
    rule = {"da": "ingen forkerte", "sv": "inga felaktiga", "en": "no wrong one"}
    for locale, words in rule.items():
        assert words in " ".join(quiz.intro[locale].split()), (quiz.id, locale)
