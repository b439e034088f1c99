"""The course as typed, frozen objects.

Everything here is built by :mod:`course.content.loader` from the files in ``modules/`` and the video
manifests in ``videos/``. Nothing here knows about Flask or the database; the rest of the application
refers to these objects by their stable string ids.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

LOCALES: tuple[str, ...] = ("da", "sv", "en")
COUNTRIES: tuple[str, ...] = ("dk", "se")

# The diagrams the video builder can draw, with how many labels each takes (in order):
# cycle: boxes around a loop joined by arrows (the engagement feedback loop);
# steps: boxes left to right joined by arrows; columns: side-by-side headings to compare.
DIAGRAMS: dict[str, tuple[int, int]] = {"cycle": (3, 6), "steps": (2, 6), "columns": (2, 3)}


@dataclass(frozen=True, slots=True)
class Text:
    """A human-readable text in every supported language."""

    da: str
    sv: str
    en: str

    def __getitem__(self, locale: str) -> str:
        if locale not in LOCALES:
            raise KeyError(locale)
        return getattr(self, locale)

    def get(self, locale: str | None) -> str:
        """The text in ``locale``, or in English for an unknown locale."""
        return getattr(self, locale) if locale in LOCALES else self.en

    def as_dict(self) -> dict[str, str]:
        return {"da": self.da, "sv": self.sv, "en": self.en}


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact, figure or legal rule comes from; shown to the learner next to it."""

    id: str
    title: str
    publisher: Text  # a name is the same in every language; a description ("European Union") is translated
    year: int | None
    url: str | None = None
    language: str | None = None


class QuestionType(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true_false"


class QuizKind(enum.StrEnum):
    MECHANICS = "mechanics"
    CONDUCT = "conduct"


class ScenarioKind(enum.StrEnum):
    POST = "post"
    COMMENT = "comment"
    MESSAGE = "message"
    SITUATION = "situation"


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: Text
    is_correct: bool
    feedback: Text


@dataclass(frozen=True, slots=True)
class Scenario:
    """A mock social-media post or a situation, shown above a question. Names are fictional."""

    kind: ScenarioKind
    text: Text
    author: str | None = None
    context: Text | None = None


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QuestionType
    prompt: Text
    options: tuple[Option, ...]
    explanation: Text
    sources: tuple[str, ...] = ()
    jurisdiction: str | None = None
    scenario: Scenario | None = None

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.is_correct)

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)

    def applies_to(self, country: str) -> bool:
        return self.jurisdiction is None or self.jurisdiction == country


@dataclass(frozen=True, slots=True)
class Quiz:
    id: str
    module_id: str
    kind: QuizKind
    title: Text
    intro: Text | None
    pass_mark: float
    draw: int
    questions: tuple[Question, ...]

    def pool(self, country: str) -> tuple[Question, ...]:
        """The questions a council in ``country`` can be asked."""
        return tuple(question for question in self.questions if question.applies_to(country))

    def question(self, question_id: str) -> Question | None:
        return next((question for question in self.questions if question.id == question_id), None)


@dataclass(frozen=True, slots=True)
class Post:
    """An example post or comment on a slide, drawn the way the platforms show one. Names are fictional.

    ``meta`` is the line under the name ("2 h · Public"); the counts are shown under a post; ``note`` marks
    a comment's state (for example that it is hidden, and from whom).
    """

    author: str
    text: Text
    meta: Text | None = None
    reactions: int | None = None
    comments: int | None = None
    shares: int | None = None
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class Slide:
    """What one scene of the storyboard shows on screen.

    ``cite`` is a quote's source, drawn apart from the quote; ``post`` and ``comments`` are the example of a
    ``post`` slide (a post card, and a thread of comments under it).
    """

    layout: str
    heading: Text | None = None
    lines: tuple[Text, ...] = ()
    diagram: str | None = None
    labels: tuple[Text, ...] = ()
    cite: Text | None = None
    post: Post | None = None
    comments: tuple[Post, ...] = ()


@dataclass(frozen=True, slots=True)
class Scene:
    """One scene of a module's video: a slide and its narration. Each scene is a chapter.

    ``narration`` is the written text: captions, chapters and the transcript show it, with numbers as digits.
    ``spoken`` holds, for the languages that need it, what the speech engine says instead (numbers in
    words); it has the same sentences as the narration, so each caption is timed to what is said.
    """

    id: str
    title: Text
    slide: Slide
    narration: Text
    sources: tuple[str, ...] = ()
    spoken: Mapping[str, str] = field(default_factory=dict)

    def speech(self, language: str) -> str:
        """What is said in ``language``: the spoken text if the storyboard gives one, else the narration."""
        return self.spoken.get(language) or self.narration[language]


@dataclass(frozen=True, slots=True)
class KeyPoint:
    """A point to remember. With a ``jurisdiction`` only learners of a council in that country see it."""

    text: Text
    sources: tuple[str, ...] = ()
    jurisdiction: str | None = None

    def applies_to(self, country: str) -> bool:
        return self.jurisdiction is None or self.jurisdiction == country


@dataclass(frozen=True, slots=True)
class LawRow:
    """One row of a country's law table: what happened, which offence it may be, who reports or
    prosecutes it, and the sources of the rules the row states."""

    situation: Text
    offence: Text
    who_reports: Text
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LawTable:
    """The law one country applies to what councillors meet, shown to learners of that country's councils."""

    country: str
    caption: Text
    rows: tuple[LawRow, ...]
    intro: Text | None = None
    note: Text | None = None


@dataclass(frozen=True, slots=True)
class Chapter:
    scene_id: str
    title: Text
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class MediaSource:
    path: str
    mime_type: str


@dataclass(frozen=True, slots=True)
class Video:
    """The video of one module in one language, as described by its manifest in ``videos/``.

    Paths are relative to ``directory``. ``captions`` maps a language to its WebVTT file; a video has
    captions in every language.
    """

    module_id: str
    language: str
    directory: Path
    duration: float
    sources: tuple[MediaSource, ...]
    captions: Mapping[str, str]
    chapters: tuple[Chapter, ...]
    chapters_track: str | None = None
    poster: str | None = None
    origin: str = "built"


@dataclass(frozen=True, slots=True)
class Module:
    id: str
    number: int
    title: Text
    summary: Text
    goals: tuple[Text, ...]
    key_points: tuple[KeyPoint, ...]
    sources: tuple[str, ...]
    scenes: tuple[Scene, ...]
    quizzes: tuple[Quiz, ...]
    videos: Mapping[str, Video] = field(default_factory=dict)
    law: tuple[LawTable, ...] = ()

    def key_points_for(self, country: str) -> tuple[KeyPoint, ...]:
        """The key points a learner of a council in ``country`` reads."""
        return tuple(point for point in self.key_points if point.applies_to(country))

    def law_for(self, country: str) -> LawTable | None:
        """The law table of ``country``, if the module has one."""
        return next((table for table in self.law if table.country == country), None)

    def quiz(self, quiz_id: str) -> Quiz | None:
        return next((quiz for quiz in self.quizzes if quiz.id == quiz_id), None)

    def video(self, language: str) -> Video | None:
        return self.videos.get(language)

    @property
    def quiz_ids(self) -> tuple[str, ...]:
        return tuple(quiz.id for quiz in self.quizzes)


class CardKind(enum.StrEnum):
    DILEMMA = "dilemma"
    QUESTION = "question"


class AdviceKind(enum.StrEnum):
    DO = "do"
    DONT = "dont"


# The card sets of the conversation material, in the order they are shown: one for the whole council,
# one for the administration. Each lives in ``conversation/<id>-cards.yaml``.
CARD_SETS: tuple[str, ...] = ("council", "administration")


class SeminarQuestionKind(enum.StrEnum):
    """How the room answers a card's question at a seminar: an agree/disagree scale of five points, one
    choice among options, or a word or two shown as a word list."""

    SCALE = "scale"
    CHOICE = "choice"
    WORDS = "words"


#: How many options a choice question may have.
CHOICE_OPTIONS = (2, 6)


@dataclass(frozen=True, slots=True)
class SeminarQuestion:
    """The question the material proposes to put to the room with a card; the facilitator may edit it."""

    kind: SeminarQuestionKind
    text: Text
    options: tuple[Text, ...] = ()


@dataclass(frozen=True, slots=True)
class FacilitatorNotes:
    """What the person leading the talk needs: what the discussion should bring out, follow-up
    questions, and where to read more (module ids and source ids)."""

    bring_out: tuple[Text, ...]
    follow_up: tuple[Text, ...]
    modules: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Card:
    """One conversation card: a dilemma (a situation, then a question) or a question on its own."""

    id: str
    number: int
    kind: CardKind
    title: Text
    question: Text
    notes: FacilitatorNotes
    situation: Text | None = None
    seminar_question: SeminarQuestion | None = None


@dataclass(frozen=True, slots=True)
class CardSet:
    id: str
    title: Text
    intro: Text
    cards: tuple[Card, ...]

    def card(self, card_id: str) -> Card | None:
        return next((card for card in self.cards if card.id == card_id), None)


@dataclass(frozen=True, slots=True)
class Advice:
    """One item of the do's and don'ts: what to do (or not), and briefly why."""

    id: str
    kind: AdviceKind
    text: Text
    why: Text
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdviceSection:
    id: str
    title: Text
    items: tuple[Advice, ...]
    seminar_question: SeminarQuestion | None = None


@dataclass(frozen=True, slots=True)
class DosAndDonts:
    title: Text
    intro: Text
    sections: tuple[AdviceSection, ...]

    @property
    def items(self) -> tuple[Advice, ...]:
        return tuple(item for section in self.sections for item in section.items)


#: The sections every facilitator guide has, in the order it shows them.
GUIDE_SECTIONS: tuple[str, ...] = (
    "ground-rules",
    "disagreement",
    "heated-moment",
    "agreements",
    "afterwards",
)
#: The seminar lengths the guide has an agenda for, in minutes.
GUIDE_AGENDAS: tuple[int, ...] = (60, 90)


@dataclass(frozen=True, slots=True)
class AgendaStep:
    minutes: int
    text: Text


@dataclass(frozen=True, slots=True)
class Agenda:
    """A seminar of ``minutes``, taking ``cards`` cards of about ``card_minutes`` each."""

    id: str
    minutes: int
    cards: int
    card_minutes: int
    title: Text
    steps: tuple[AgendaStep, ...]


@dataclass(frozen=True, slots=True)
class GuideSection:
    id: str
    title: Text
    points: tuple[Text, ...]


@dataclass(frozen=True, slots=True)
class FacilitatorGuide:
    """How to lead a seminar with the material: agendas, timing per card, and advice by situation."""

    title: Text
    intro: Text
    agendas: tuple[Agenda, ...]
    timing: Text
    sections: tuple[GuideSection, ...]


@dataclass(frozen=True, slots=True)
class Conversation:
    """The material a council talks through together: card sets and the do's and don'ts."""

    title: Text
    intro: Text
    card_sets: tuple[CardSet, ...]
    dos_and_donts: DosAndDonts
    sources: tuple[str, ...] = ()
    guide: FacilitatorGuide | None = None

    def card_set(self, set_id: str) -> CardSet | None:
        return next((card_set for card_set in self.card_sets if card_set.id == set_id), None)

    @property
    def cards(self) -> tuple[Card, ...]:
        return tuple(card for card_set in self.card_sets for card in card_set.cards)


@dataclass(frozen=True, slots=True)
class Course:
    id: str
    version: str
    title: Text
    summary: Text
    modules: tuple[Module, ...]
    sources: Mapping[str, Source]
    content_hash: str
    conversation: Conversation | None = None

    def module(self, module_id: str) -> Module | None:
        return next((module for module in self.modules if module.id == module_id), None)

    @property
    def module_ids(self) -> tuple[str, ...]:
        return tuple(module.id for module in self.modules)

    def sources_for(self, source_ids: tuple[str, ...]) -> tuple[Source, ...]:
        return tuple(self.sources[source_id] for source_id in source_ids if source_id in self.sources)
