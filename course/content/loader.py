"""Turn the files in ``modules/`` and the video manifests in ``videos/`` into a :class:`Course`.

The loader never stops at the first problem: it collects every error (file, field, reason) and raises
:class:`InvalidContentError` with all of them, so an editor fixes a file in one go. The file format is
described in ``docs/content-format.md``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from course.content.errors import ContentError, InvalidContentError
from course.content.model import (
    CARD_SETS,
    CHOICE_OPTIONS,
    COUNTRIES,
    DIAGRAMS,
    GUIDE_AGENDAS,
    GUIDE_SECTIONS,
    LOCALES,
    Advice,
    AdviceKind,
    AdviceSection,
    Agenda,
    AgendaStep,
    Card,
    CardKind,
    CardSet,
    Chapter,
    Conversation,
    Course,
    DosAndDonts,
    FacilitatorGuide,
    FacilitatorNotes,
    GuideSection,
    KeyPoint,
    LawRow,
    LawTable,
    MediaSource,
    Module,
    Option,
    Post,
    Question,
    QuestionType,
    Quiz,
    QuizKind,
    Scenario,
    ScenarioKind,
    Scene,
    SeminarQuestion,
    SeminarQuestionKind,
    Slide,
    Source,
    Text,
    Video,
)
from course.content.sentences import plain_text, split_sentences

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
SLIDE_LAYOUTS = ("title", "bullets", "diagram", "quote", "post")
MAX_COMMENTS = 3  # what fits under a post on a slide above the caption band
MEDIA_TYPES = {".webm": "video/webm", ".mp4": "video/mp4"}
MANIFEST_NAME = "manifest.json"
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Node:
    """A mapping read from a content file, which records errors against its file and field path."""

    def __init__(self, data: Any, file: str, where: str, errors: list[ContentError]) -> None:
        self.file = file
        self.where = where
        self.errors = errors
        if isinstance(data, dict):
            self.data: dict[str, Any] = data
        else:
            self.data = {}
            self.error("", f"expected a mapping of fields, found {_describe(data)}")

    def field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def error(self, key: str, reason: str) -> None:
        self.errors.append(ContentError(self.file, self.field(key) if key else self.where, reason))

    def only(self, *allowed: str) -> None:
        for key in self.data:
            if key not in allowed:
                self.error(str(key), f"unknown field (expected one of: {', '.join(allowed)})")

    def child(self, key: str, data: Any) -> _Node:
        return _Node(data, self.file, self.field(key), self.errors)

    def string(self, key: str, *, required: bool = True) -> str | None:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(key, "is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.error(key, f"must be text, found {_describe(value)}")
            return None
        return str(value).strip()

    def identifier(self, key: str = "id") -> str | None:
        value = self.string(key)
        if value is not None and not ID_PATTERN.match(value):
            self.error(key, f"{value!r} is not a valid id (lower-case letters, digits and hyphens)")
            return None
        return value

    def text(self, key: str, *, required: bool = True) -> Text | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, "is missing")
            return None
        return _text(value, self.file, self.field(key), self.errors)

    def texts(self, key: str, *, required: bool = True) -> tuple[Text, ...]:
        texts = (
            _text(item, self.file, f"{self.field(key)}[{index}]", self.errors)
            for index, item in enumerate(self.items(key, required=required))
        )
        return tuple(text for text in texts if text is not None)

    def items(self, key: str, *, required: bool = True) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            if required:
                self.error(key, "is missing")
            return []
        if not isinstance(value, list):
            self.error(key, f"must be a list, found {_describe(value)}")
            return []
        if required and not value:
            self.error(key, "must not be empty")
        return value

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.error(key, f"must be a number, found {_describe(value)}")
            return default
        if not low <= value <= high:
            self.error(key, f"must be between {low:g} and {high:g}, found {value:g}")
            return default
        return float(value)

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        value = self.data.get(key, default)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"must be a whole number, found {_describe(value)}")
            return default
        if not low <= value <= high:
            self.error(key, f"must be between {low} and {high}, found {value}")
            return default
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if not isinstance(value, bool):
            self.error(key, f"must be true or false, found {_describe(value)}")
            return False
        return value

    def choice(self, key: str, allowed: Iterable[str], *, required: bool = True) -> str | None:
        value = self.string(key, required=required)
        allowed = tuple(allowed)
        if value is not None and value not in allowed:
            self.error(key, f"{value!r} is not one of: {', '.join(allowed)}")
            return None
        return value


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def _text(value: Any, file: str, where: str, errors: list[ContentError]) -> Text | None:
    """A ``{da, sv, en}`` mapping with every language present and non-empty."""
    if not isinstance(value, dict):
        errors.append(
            ContentError(file, where, f"must give the text in {', '.join(LOCALES)}, found {_describe(value)}")
        )
        return None
    node = _Node(value, file, where, errors)
    node.only(*LOCALES)
    parts = {locale: node.string(locale) for locale in LOCALES}
    if any(part is None for part in parts.values()):
        return None
    return Text(**parts)  # type: ignore[arg-type]


def _display_path(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base.parent))
    except ValueError:
        return str(path)


class _Reader:
    """Reads files under one root, hashing what it reads and collecting errors."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[ContentError] = []
        self.digest = hashlib.sha256()

    def display(self, path: Path) -> str:
        return _display_path(path, self.root)

    def read(self, path: Path) -> Any:
        shown = self.display(path)
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            self.errors.append(ContentError(shown, "", "file is missing"))
            return None
        except OSError as error:
            self.errors.append(ContentError(shown, "", f"cannot be read: {error.strerror}"))
            return None
        self.digest.update(shown.encode() + b"\0" + raw + b"\0")
        try:
            if path.suffix == ".json":
                return json.loads(raw)
            return yaml.load(raw, Loader=_YAML_LOADER)  # noqa: S506 - CSafeLoader/SafeLoader only
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark
            line = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            self.errors.append(ContentError(shown, "", f"is not valid YAML: {error.problem}{line}"))
        except yaml.YAMLError as error:
            self.errors.append(ContentError(shown, "", f"is not valid YAML: {error}"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            self.errors.append(ContentError(shown, "", f"is not valid JSON: {error}"))
        return None

    def node(self, path: Path) -> _Node | None:
        data = self.read(path)
        if data is None:
            return None
        return _Node(data, self.display(path), "", self.errors)


def load_course(content_dir: Path, video_dir: Path | None = None) -> Course:
    """Load and validate the whole course.

    ``video_dir`` holds one manifest per module and language; without it the course is loaded without
    videos (for tools that only deal with text). Raises :class:`InvalidContentError` listing every problem.
    """
    reader = _Reader(content_dir)
    course_node = reader.node(content_dir / "course.yaml")
    if course_node is None:
        raise InvalidContentError(reader.errors)
    course_node.only("id", "version", "title", "summary", "modules", "conversation")
    course_id = course_node.identifier()
    version = course_node.string("version")
    title = course_node.text("title")
    summary = course_node.text("summary")
    module_ids = [str(item) for item in course_node.items("modules")]
    conversation_folder = course_node.string("conversation", required=False)
    if conversation_folder is not None and not ID_PATTERN.match(conversation_folder):
        course_node.error("conversation", f"{conversation_folder!r} is not a folder name inside modules/")
        conversation_folder = None
    if conversation_folder is not None and conversation_folder in module_ids:
        course_node.error("conversation", f"{conversation_folder!r} is also a module's folder")
        conversation_folder = None

    sources = _load_sources(reader, content_dir / "sources.yaml")
    modules = []
    for number, module_id in enumerate(module_ids, start=1):
        if not ID_PATTERN.match(module_id):
            course_node.error(f"modules[{number - 1}]", f"{module_id!r} is not a valid module id")
            continue
        module = _load_module(reader, content_dir / module_id, module_id, number, sources)
        if module is not None:
            modules.append(module)

    _check_unique(reader, course_node.file, "modules", module_ids, "module id")
    _check_global_ids(reader, modules)
    conversation = None
    if conversation_folder is not None:
        conversation = _load_conversation(
            reader, content_dir / conversation_folder, sources, {module.id for module in modules}
        )
    if video_dir is not None:
        modules = [_attach_videos(reader, video_dir, module) for module in modules]

    if reader.errors:
        raise InvalidContentError(reader.errors)
    return Course(
        id=course_id,  # type: ignore[arg-type]
        version=version,  # type: ignore[arg-type]
        title=title,  # type: ignore[arg-type]
        summary=summary,  # type: ignore[arg-type]
        modules=tuple(modules),
        sources=MappingProxyType(sources),
        content_hash=reader.digest.hexdigest(),
        conversation=conversation,
    )


def _load_sources(reader: _Reader, path: Path) -> dict[str, Source]:
    data = reader.read(path)
    if data is None:
        return {}
    shown = reader.display(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        reader.errors.append(ContentError(shown, "sources", "must be a list of sources"))
        return {}
    sources: dict[str, Source] = {}
    for index, item in enumerate(data["sources"]):
        node = _Node(item, shown, f"sources[{index}]", reader.errors)
        node.only("id", "title", "publisher", "year", "url", "language")
        source_id = node.string("id")
        title = node.string("title")
        # A publisher's name reads the same in every language; a description of one is given in all three.
        if isinstance(node.data.get("publisher"), dict):
            publisher = node.text("publisher")
        else:
            name = node.string("publisher")
            publisher = Text(name, name, name) if name is not None else None
        year = node.integer("year", None, 1900, 2100)
        url = node.string("url", required=False)
        language = node.string("language", required=False)
        if url is not None and not url.startswith(("https://", "http://")):
            node.error("url", "must start with https:// or http://")
        if source_id is None or title is None or publisher is None:
            continue
        if source_id in sources:
            node.error("id", f"duplicate source id {source_id!r}")
            continue
        sources[source_id] = Source(source_id, title, publisher, year, url, language)
    return sources


def _load_law(node: _Node, sources: dict[str, Source]) -> tuple[LawTable, ...]:
    """The optional ``law:`` of a module: at most one table per country, each row stating a rule with the
    sources it rests on."""
    tables: list[LawTable] = []
    for index, item in enumerate(node.items("law", required=False)):
        table_node = node.child(f"law[{index}]", item)
        table_node.only("country", "caption", "intro", "rows", "note")
        country = table_node.choice("country", COUNTRIES)
        caption = table_node.text("caption")
        intro = table_node.text("intro", required=False)
        note = table_node.text("note", required=False)
        rows = []
        for row_index, entry in enumerate(table_node.items("rows")):
            row_node = table_node.child(f"rows[{row_index}]", entry)
            row_node.only("situation", "offence", "who_reports", "sources")
            situation = row_node.text("situation")
            offence = row_node.text("offence")
            who_reports = row_node.text("who_reports")
            row_sources = _source_refs(row_node, "sources", sources)
            # Every row names an offence, a rule of law: the learner is shown where it is written.
            if not row_sources:
                row_node.error("sources", "is missing: a row states the law, so it names its sources")
            if situation and offence and who_reports:
                rows.append(LawRow(situation, offence, who_reports, row_sources))
        if country is not None and any(table.country == country for table in tables):
            table_node.error("country", f"there is already a table for {country!r}")
            continue
        if country is not None and caption is not None:
            tables.append(LawTable(country, caption, tuple(rows), intro, note))
    return tuple(tables)


def _source_refs(node: _Node, key: str, sources: dict[str, Source]) -> tuple[str, ...]:
    refs = []
    for index, item in enumerate(node.items(key, required=False)):
        ref = str(item)
        if ref not in sources:
            node.error(f"{key}[{index}]", f"unknown source {ref!r} (not in sources.yaml)")
        refs.append(ref)
    return tuple(refs)


def _load_module(
    reader: _Reader, folder: Path, module_id: str, number: int, sources: dict[str, Source]
) -> Module | None:
    if not folder.is_dir():
        reader.errors.append(ContentError(reader.display(folder), "", "module folder is missing"))
        return None
    node = reader.node(folder / "module.yaml")
    if node is None:
        return None
    node.only("id", "title", "summary", "goals", "key_points", "law", "sources", "quizzes")
    declared_id = node.identifier()
    if declared_id is not None and declared_id != module_id:
        node.error("id", f"{declared_id!r} does not match the folder name {module_id!r}")
    title = node.text("title")
    summary = node.text("summary")
    goals = node.texts("goals")
    key_points = []
    for index, item in enumerate(node.items("key_points")):
        point_node = node.child(f"key_points[{index}]", item)
        point_node.only("text", "sources", "jurisdiction")
        text = point_node.text("text")
        point_sources = _source_refs(point_node, "sources", sources)
        jurisdiction = point_node.choice("jurisdiction", COUNTRIES, required=False)
        if text is not None:
            key_points.append(KeyPoint(text, point_sources, jurisdiction))
    law = _load_law(node, sources)
    module_sources = _source_refs(node, "sources", sources)
    quiz_files = [str(item) for item in node.items("quizzes")]

    scenes = _load_storyboard(reader, folder / "storyboard.yaml", sources)
    quizzes = []
    for quiz_file in quiz_files:
        quiz = _load_quiz(reader, folder / "quizzes" / quiz_file, module_id, sources)
        if quiz is not None:
            quizzes.append(quiz)
    kinds = Counter(quiz.kind for quiz in quizzes)
    for kind in QuizKind:
        if kinds[kind] != 1 and len(quizzes) == len(quiz_files):
            node.error("quizzes", f"needs exactly one {kind.value} quiz, found {kinds[kind]}")

    if title is None or summary is None:
        return None
    return Module(
        id=module_id,
        number=number,
        title=title,
        summary=summary,
        goals=goals,
        key_points=tuple(key_points),
        law=law,
        sources=module_sources,
        scenes=scenes,
        quizzes=tuple(sorted(quizzes, key=lambda quiz: list(QuizKind).index(quiz.kind))),
    )


def _load_storyboard(reader: _Reader, path: Path, sources: dict[str, Source]) -> tuple[Scene, ...]:
    node = reader.node(path)
    if node is None:
        return ()
    node.only("scenes")
    scenes = []
    for index, item in enumerate(node.items("scenes")):
        scene_node = node.child(f"scenes[{index}]", item)
        scene_node.only("id", "title", "slide", "narration", "spoken", "sources")
        scene_id = scene_node.identifier()
        title = scene_node.text("title")
        narration = scene_node.text("narration")
        spoken = _load_spoken(scene_node, narration)
        slide = _load_slide(scene_node.child("slide", scene_node.data.get("slide")))
        scene_sources = _source_refs(scene_node, "sources", sources)
        if scene_id and title and narration and slide:
            scenes.append(Scene(scene_id, title, slide, narration, scene_sources, spoken))
    _check_unique(reader, node.file, "scenes", [scene.id for scene in scenes], "scene id")
    return tuple(scenes)


def _load_spoken(scene_node: _Node, narration: Text | None) -> dict[str, str]:
    """A scene's optional ``spoken`` texts: what the speech engine says, for some or all languages.

    Each must have the sentences of the narration in that language, one for one, because the builder times
    each caption sentence to its spoken sentence.
    """
    if "spoken" not in scene_node.data:
        return {}
    node = scene_node.child("spoken", scene_node.data["spoken"])
    node.only(*LOCALES)
    spoken = {}
    for language in LOCALES:
        if language not in node.data:
            continue
        text = node.string(language)
        if text is None:
            continue
        spoken[language] = text
        if narration is None:
            continue
        said, written = split_sentences(plain_text(text)), split_sentences(plain_text(narration[language]))
        if len(said) != len(written):
            node.error(
                language,
                f"has {len(said)} sentence{'s' if len(said) != 1 else ''} and the narration "
                f"{len(written)}: give the spoken text sentence for sentence, so each caption is timed "
                "to what is said",
            )
    if not node.data and isinstance(scene_node.data["spoken"], dict):
        node.error("", "is empty: leave it out, or give the spoken text for da, sv or en")
    return spoken


POST_COUNTS = ("reactions", "comments", "shares")


def _load_post(node: _Node) -> Post | None:
    """An example post or comment: a fictional author, the text, and optionally what a platform shows."""
    node.only("author", "text", "meta", "note", *POST_COUNTS)
    author = node.string("author")
    text = node.text("text")
    meta = node.text("meta", required=False)
    note = node.text("note", required=False)
    counts = {key: node.integer(key, None, 0, 10**9) for key in POST_COUNTS}
    if author is None or text is None:
        return None
    return Post(author=author, text=text, meta=meta, note=note, **counts)


def _load_slide(node: _Node) -> Slide | None:
    node.only("layout", "heading", "lines", "diagram", "labels", "cite", "post", "comments")
    layout = node.choice("layout", SLIDE_LAYOUTS)
    heading = node.text("heading", required=layout in ("title", "bullets", "quote", "post"))
    lines = node.texts("lines", required=layout in ("bullets", "quote"))
    labels = node.texts("labels", required=layout == "diagram")
    diagram = None
    if layout == "diagram":
        diagram = node.choice("diagram", DIAGRAMS)
        if diagram is not None:
            low, high = DIAGRAMS[diagram]
            if not low <= len(labels) <= high:
                node.error("labels", f"a {diagram} diagram takes {low} to {high} labels, found {len(labels)}")
    elif "diagram" in node.data:
        node.error("diagram", "is only used with layout: diagram")
    cite = node.text("cite", required=False)
    if cite is not None and layout != "quote":
        node.error("cite", "is only used with layout: quote")
    post, comments = None, ()
    if layout == "post":
        if "post" in node.data:
            post = _load_post(node.child("post", node.data["post"]))
        else:
            node.error("post", "is missing")
        comments = tuple(
            comment
            for index, item in enumerate(node.items("comments", required=False))
            if (comment := _load_post(node.child(f"comments[{index}]", item))) is not None
        )
        if len(comments) > MAX_COMMENTS:
            node.error(
                "comments", f"a post slide shows at most {MAX_COMMENTS} comments, found {len(comments)}"
            )
    else:
        for key in ("post", "comments"):
            if key in node.data:
                node.error(key, "is only used with layout: post")
    if layout is None:
        return None
    return Slide(
        layout=layout,
        heading=heading,
        lines=lines,
        diagram=diagram,
        labels=labels,
        cite=cite,
        post=post,
        comments=comments,
    )


def _load_quiz(reader: _Reader, path: Path, module_id: str, sources: dict[str, Source]) -> Quiz | None:
    node = reader.node(path)
    if node is None:
        return None
    node.only("id", "kind", "title", "intro", "pass_mark", "draw", "questions")
    quiz_id = node.identifier()
    kind = node.choice("kind", [kind.value for kind in QuizKind])
    title = node.text("title")
    intro = node.text("intro", required=False)
    pass_mark = node.number("pass_mark", 0.8, 0.01, 1.0)
    draw = node.integer("draw", 5, 1, 100)
    questions = []
    for index, item in enumerate(node.items("questions")):
        question = _load_question(node.child(f"questions[{index}]", item), sources)
        if question is not None:
            questions.append(question)
    _check_unique(reader, node.file, "questions", [question.id for question in questions], "question id")
    for country in COUNTRIES:
        available = sum(1 for question in questions if question.applies_to(country))
        if draw is not None and available < draw:
            node.error(
                "draw",
                f"draws {draw} questions but only {available} apply to councils in {country}",
            )
    if quiz_id is None or kind is None or title is None or draw is None:
        return None
    return Quiz(quiz_id, module_id, QuizKind(kind), title, intro, pass_mark, draw, tuple(questions))


def _load_question(node: _Node, sources: dict[str, Source]) -> Question | None:
    node.only("id", "type", "jurisdiction", "scenario", "prompt", "options", "explanation", "sources")
    question_id = node.identifier()
    question_type = node.choice("type", [kind.value for kind in QuestionType])
    jurisdiction = node.choice("jurisdiction", COUNTRIES, required=False)
    prompt = node.text("prompt")
    explanation = node.text("explanation")
    source_ids = _source_refs(node, "sources", sources)
    scenario = None
    if "scenario" in node.data:
        scenario = _load_scenario(node.child("scenario", node.data["scenario"]))

    options = []
    for index, item in enumerate(node.items("options")):
        option_node = node.child(f"options[{index}]", item)
        option_node.only("id", "text", "correct", "feedback")
        option_id = option_node.identifier()
        text = option_node.text("text")
        feedback = option_node.text("feedback")
        correct = option_node.flag("correct")
        if option_id and text and feedback:
            options.append(Option(option_id, text, correct, feedback))
    option_ids = [option.id for option in options]
    for option_id, count in Counter(option_ids).items():
        if count > 1:
            node.error("options", f"option id {option_id!r} is used {count} times")

    if question_type is not None and len(options) == len(node.items("options", required=False)):
        correct = sum(option.is_correct for option in options)
        if question_type == QuestionType.TRUE_FALSE and sorted(option_ids) != ["false", "true"]:
            node.error("options", "a true/false question has exactly the options 'true' and 'false'")
        if len(options) < 2:
            node.error("options", "needs at least two options")
        if question_type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE) and correct != 1:
            node.error(
                "options",
                f"a {question_type} question needs exactly one correct option, found {correct}",
            )
        if question_type == QuestionType.MULTIPLE and correct < 1:
            node.error("options", "a multiple-choice question needs at least one correct option")

    if not (question_id and question_type and prompt and explanation and options):
        return None
    return Question(
        id=question_id,
        type=QuestionType(question_type),
        prompt=prompt,
        options=tuple(options),
        explanation=explanation,
        sources=source_ids,
        jurisdiction=jurisdiction,
        scenario=scenario,
    )


def _load_scenario(node: _Node) -> Scenario | None:
    node.only("kind", "author", "context", "text")
    kind = node.choice("kind", [kind.value for kind in ScenarioKind])
    author = node.string("author", required=False)
    context = node.text("context", required=False)
    text = node.text("text")
    if kind is None or text is None:
        return None
    return Scenario(ScenarioKind(kind), text, author, context)


def _module_refs(node: _Node, key: str, module_ids: set[str]) -> tuple[str, ...]:
    refs = []
    for index, item in enumerate(node.items(key)):
        ref = str(item)
        if ref not in module_ids:
            node.error(f"{key}[{index}]", f"unknown module {ref!r} (not in course.yaml)")
        refs.append(ref)
    return tuple(refs)


def _load_conversation(
    reader: _Reader, folder: Path, sources: dict[str, Source], module_ids: set[str]
) -> Conversation | None:
    """The conversation material: ``conversation.yaml``, one file per card set, ``dos-and-donts.yaml``."""
    if not folder.is_dir():
        reader.errors.append(ContentError(reader.display(folder), "", "conversation folder is missing"))
        return None
    node = reader.node(folder / "conversation.yaml")
    title = intro = None
    material_sources: tuple[str, ...] = ()
    if node is not None:
        node.only("title", "intro", "sources")
        title = node.text("title")
        intro = node.text("intro")
        material_sources = _source_refs(node, "sources", sources)
    card_sets = [
        _load_card_set(reader, folder / f"{set_id}-cards.yaml", set_id, sources, module_ids)
        for set_id in CARD_SETS
    ]
    dos_and_donts = _load_dos_and_donts(reader, folder / "dos-and-donts.yaml", sources)
    guide = _load_guide(reader, folder / "facilitator-guide.yaml")

    # Card ids name a card in links and, later, in the presenter; one id means one card in the material.
    seen: dict[str, str] = {}
    for card_set in card_sets:
        for card in card_set.cards if card_set is not None else ():
            if card.id in seen:
                reader.errors.append(
                    ContentError(
                        reader.display(folder / f"{card_set.id}-cards.yaml"),
                        "cards",
                        f"card id {card.id!r} is also used in {seen[card.id]}",
                    )
                )
            seen.setdefault(card.id, f"{card_set.id}-cards.yaml")
    if title is None or intro is None or dos_and_donts is None or guide is None or None in card_sets:
        return None
    return Conversation(
        title=title,
        intro=intro,
        card_sets=tuple(card_sets),  # type: ignore[arg-type]
        dos_and_donts=dos_and_donts,
        sources=material_sources,
        guide=guide,
    )


def _load_card_set(
    reader: _Reader, path: Path, set_id: str, sources: dict[str, Source], module_ids: set[str]
) -> CardSet | None:
    node = reader.node(path)
    if node is None:
        return None
    node.only("title", "intro", "cards")
    title = node.text("title")
    intro = node.text("intro")
    cards = []
    for index, item in enumerate(node.items("cards")):
        card = _load_card(node.child(f"cards[{index}]", item), len(cards) + 1, sources, module_ids)
        if card is not None:
            cards.append(card)
    _check_unique(reader, node.file, "cards", [card.id for card in cards], "card id")
    if title is None or intro is None:
        return None
    return CardSet(set_id, title, intro, tuple(cards))


def _load_card(node: _Node, number: int, sources: dict[str, Source], module_ids: set[str]) -> Card | None:
    node.only("id", "kind", "title", "situation", "question", "seminar_question", "notes")
    card_id = node.identifier()
    kind = node.choice("kind", [kind.value for kind in CardKind])
    title = node.text("title")
    # A dilemma sets out a situation before its question; a plain question may do without one.
    situation = node.text("situation", required=kind == CardKind.DILEMMA)
    question = node.text("question")
    seminar_question = _load_seminar_question(node)
    if node.data.get("notes") is None:
        node.error("notes", "is missing (the facilitator notes)")
        return None
    notes_node = node.child("notes", node.data["notes"])
    notes_node.only("bring_out", "follow_up", "modules", "sources")
    bring_out = notes_node.texts("bring_out")
    follow_up = notes_node.texts("follow_up")
    modules = _module_refs(notes_node, "modules", module_ids)
    note_sources = _source_refs(notes_node, "sources", sources)
    if not (card_id and kind and title and question and bring_out and follow_up and seminar_question):
        return None
    if kind == CardKind.DILEMMA and situation is None:
        return None
    return Card(
        id=card_id,
        number=number,
        kind=CardKind(kind),
        title=title,
        question=question,
        notes=FacilitatorNotes(bring_out, follow_up, modules, note_sources),
        situation=situation,
        seminar_question=seminar_question,
    )


def _load_dos_and_donts(reader: _Reader, path: Path, sources: dict[str, Source]) -> DosAndDonts | None:
    node = reader.node(path)
    if node is None:
        return None
    node.only("title", "intro", "sections")
    title = node.text("title")
    intro = node.text("intro")
    sections = []
    item_ids = []
    for index, item in enumerate(node.items("sections")):
        section_node = node.child(f"sections[{index}]", item)
        section_node.only("id", "title", "seminar_question", "items")
        section_id = section_node.identifier()
        section_title = section_node.text("title")
        section_question = _load_seminar_question(section_node)
        items = []
        for item_index, entry in enumerate(section_node.items("items")):
            advice = _load_advice(section_node.child(f"items[{item_index}]", entry), sources)
            if advice is not None:
                items.append(advice)
                item_ids.append(advice.id)
        if section_id and section_title and section_question:
            sections.append(AdviceSection(section_id, section_title, tuple(items), section_question))
    _check_unique(reader, node.file, "sections", [section.id for section in sections], "section id")
    _check_unique(reader, node.file, "sections", item_ids, "item id")
    if title is None or intro is None:
        return None
    return DosAndDonts(title, intro, tuple(sections))


def _load_seminar_question(node: _Node) -> SeminarQuestion | None:
    """The question a card (or a section of the do's and don'ts) proposes to put to the room."""
    data = node.data.get("seminar_question")
    if data is None:
        node.error("seminar_question", "is missing (the question the material proposes for a seminar)")
        return None
    question = node.child("seminar_question", data)
    question.only("kind", "text", "options")
    kind = question.choice("kind", [kind.value for kind in SeminarQuestionKind])
    text = question.text("text")
    options = question.texts("options", required=kind == SeminarQuestionKind.CHOICE)
    low, high = CHOICE_OPTIONS
    if kind == SeminarQuestionKind.CHOICE and options and not low <= len(options) <= high:
        question.error("options", f"a choice has {low} to {high} options, found {len(options)}")
        return None
    if kind is not None and kind != SeminarQuestionKind.CHOICE and "options" in question.data:
        question.error("options", f"only a choice has options, not a {kind} question")
        return None
    if kind is None or text is None or (kind == SeminarQuestionKind.CHOICE and not options):
        return None
    return SeminarQuestion(SeminarQuestionKind(kind), text, options)


def _load_guide(reader: _Reader, path: Path) -> FacilitatorGuide | None:
    """The facilitator's guide: an agenda for each seminar length, the timing per card, and its sections."""
    node = reader.node(path)
    if node is None:
        return None
    node.only("title", "intro", "agendas", "timing", "sections")
    title = node.text("title")
    intro = node.text("intro")
    timing = node.text("timing")
    agendas = []
    for index, item in enumerate(node.items("agendas")):
        agenda_node = node.child(f"agendas[{index}]", item)
        agenda_node.only("id", "minutes", "cards", "card_minutes", "title", "steps")
        agenda_id = agenda_node.identifier()
        minutes = agenda_node.integer("minutes", None, 10, 480)
        cards = agenda_node.integer("cards", None, 1, 30)
        card_minutes = agenda_node.integer("card_minutes", None, 1, 60)
        agenda_title = agenda_node.text("title")
        steps = []
        for step_index, entry in enumerate(agenda_node.items("steps")):
            step_node = agenda_node.child(f"steps[{step_index}]", entry)
            step_node.only("minutes", "text")
            step_minutes = step_node.integer("minutes", None, 1, 480)
            step_text = step_node.text("text")
            if step_minutes is None:
                step_node.error("minutes", "is missing")
            elif step_text is not None:
                steps.append(AgendaStep(step_minutes, step_text))
        if None in (minutes, cards, card_minutes):
            for key in ("minutes", "cards", "card_minutes"):
                if agenda_node.data.get(key) is None:
                    agenda_node.error(key, "is missing")
            continue
        if sum(step.minutes for step in steps) != minutes:
            agenda_node.error(
                "steps", f"the steps take {sum(step.minutes for step in steps)} minutes, not {minutes}"
            )
            continue
        if cards * card_minutes > minutes:  # type: ignore[operator]
            agenda_node.error("cards", f"{cards} cards of {card_minutes} minutes do not fit in {minutes}")
            continue
        if agenda_id and agenda_title:
            agendas.append(Agenda(agenda_id, minutes, cards, card_minutes, agenda_title, tuple(steps)))  # type: ignore[arg-type]
    found_lengths = sorted(agenda.minutes for agenda in agendas)
    if found_lengths != sorted(GUIDE_AGENDAS):
        node.error("agendas", f"needs one agenda each of {' and '.join(map(str, GUIDE_AGENDAS))} minutes")
    sections = []
    for index, item in enumerate(node.items("sections")):
        section_node = node.child(f"sections[{index}]", item)
        section_node.only("id", "title", "points")
        section_id = section_node.choice("id", GUIDE_SECTIONS)
        section_title = section_node.text("title")
        points = section_node.texts("points")
        if section_id and section_title and points:
            sections.append(GuideSection(section_id, section_title, points))
    found = [section.id for section in sections]
    _check_unique(reader, node.file, "sections", found, "section id")
    missing = [section_id for section_id in GUIDE_SECTIONS if section_id not in found]
    if missing:
        node.error("sections", f"missing: {', '.join(missing)}")
    if title is None or intro is None or timing is None or missing or len(agendas) != len(GUIDE_AGENDAS):
        return None
    agendas.sort(key=lambda agenda: agenda.minutes)
    sections.sort(key=lambda section: GUIDE_SECTIONS.index(section.id))
    return FacilitatorGuide(title, intro, tuple(agendas), timing, tuple(sections))


def _load_advice(node: _Node, sources: dict[str, Source]) -> Advice | None:
    node.only("id", "kind", "text", "why", "sources")
    advice_id = node.identifier()
    kind = node.choice("kind", [kind.value for kind in AdviceKind])
    text = node.text("text")
    why = node.text("why")
    advice_sources = _source_refs(node, "sources", sources)
    if not (advice_id and kind and text and why):
        return None
    return Advice(advice_id, AdviceKind(kind), text, why, advice_sources)


def _check_unique(reader: _Reader, file: str, field: str, ids: list[str], what: str) -> None:
    for value, count in Counter(ids).items():
        if count > 1:
            reader.errors.append(ContentError(file, field, f"{what} {value!r} is used {count} times"))


def _check_global_ids(reader: _Reader, modules: list[Module]) -> None:
    """Quiz and question ids are stored with attempts, so they must be unique across the course."""
    seen: dict[str, str] = {}
    for module in modules:
        for quiz in module.quizzes:
            for kind, item_id in [("quiz", quiz.id)] + [("question", q.id) for q in quiz.questions]:
                key = f"{kind}:{item_id}"
                where = f"{module.id}/{quiz.id}"
                if key in seen and seen[key] != where:
                    reader.errors.append(
                        ContentError(
                            f"modules/{module.id}", f"{kind} {item_id!r}", f"also used in {seen[key]}"
                        )
                    )
                seen.setdefault(key, where)


def _attach_videos(reader: _Reader, video_dir: Path, module: Module) -> Module:
    videos = {}
    for language in LOCALES:
        video = load_video_manifest(reader, video_dir, module, language)
        if video is not None:
            videos[language] = video
    return dataclasses.replace(module, videos=MappingProxyType(videos))


def load_video_manifest(reader: _Reader, video_dir: Path, module: Module, language: str) -> Video | None:
    """Read ``videos/<module>/<language>/manifest.json`` and check that every file it names exists."""
    directory = video_dir / module.id / language
    path = directory / MANIFEST_NAME
    if not path.exists():
        reader.errors.append(
            ContentError(
                _display_path(path, video_dir),
                "",
                "video manifest is missing "
                "(run `council-course build-videos`, or supply a video and its captions)",
            )
        )
        return None
    data = reader.read(path)
    if data is None:
        return None
    node = _Node(data, _display_path(path, video_dir), "", reader.errors)
    node.only(
        "module",
        "language",
        "duration",
        "width",
        "height",
        "sources",
        "poster",
        "captions",
        "chapters_track",
        "chapters",
        "content_hash",
        "origin",
        "transcript",
        "built_with",
    )
    duration = node.number("duration", 0.0, 0.0, 4 * 3600.0)
    if duration <= 0:
        node.error("duration", "must be more than 0 seconds")

    def existing(key: str, relative: str | None) -> str | None:
        if relative is None:
            return None
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            node.error(key, f"{relative!r} must be a path inside {directory.name}/")
            return None
        if not (directory / relative).is_file():
            node.error(key, f"file {relative!r} is missing")
            return None
        return relative

    sources = []
    for index, item in enumerate(node.items("sources")):
        relative = existing(f"sources[{index}]", str(item))
        if relative is None:
            continue
        mime_type = MEDIA_TYPES.get(Path(relative).suffix)
        if mime_type is None:
            node.error(f"sources[{index}]", f"{relative!r} is neither .webm nor .mp4")
            continue
        sources.append(MediaSource(relative, mime_type))

    captions_data = node.data.get("captions")
    captions = {}
    if not isinstance(captions_data, dict):
        node.error("captions", "must name a caption file for each of " + ", ".join(LOCALES))
    else:
        for caption_language in LOCALES:
            relative = existing(f"captions.{caption_language}", captions_data.get(caption_language))
            if relative is None and caption_language not in captions_data:
                node.error(
                    f"captions.{caption_language}", "is missing: every video needs captions in every language"
                )
            elif relative is not None:
                captions[caption_language] = relative

    chapters = []
    scene_titles = {scene.id: scene.title for scene in module.scenes}
    for index, item in enumerate(node.items("chapters", required=False)):
        chapter_node = node.child(f"chapters[{index}]", item)
        scene_id = chapter_node.string("scene")
        start = chapter_node.number("start", 0.0, 0.0, duration or 0.0)
        end = chapter_node.number("end", 0.0, 0.0, duration + 0.5)
        if scene_id is not None and scene_id not in scene_titles:
            chapter_node.error("scene", f"unknown scene {scene_id!r}")
        elif scene_id is not None:
            if end <= start:
                chapter_node.error("end", "must be after start")
            chapters.append(Chapter(scene_id, scene_titles[scene_id], start, end))

    return Video(
        module_id=module.id,
        language=language,
        directory=directory,
        duration=duration,
        sources=tuple(sources),
        captions=MappingProxyType(captions),
        chapters=tuple(chapters),
        chapters_track=existing("chapters_track", node.string("chapters_track", required=False)),
        poster=existing("poster", node.string("poster", required=False)),
        origin=node.string("origin", required=False) or "built",
    )
