"""The plan templates: content in ``modules/plan/<language>.yaml``, one per interface language.

Loaded without Flask. Every problem in a file is collected and reported together, each with the file, the
field and the reason, as :class:`PlanTemplateError`. Source ids refer to the course's source register
(``modules/sources.yaml``), so a template shows where its guidance comes from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("da", "sv", "en")
COUNTRIES = ("dk", "se", "any")
#: Every plan has these sections, in this order; "contacts" and "review" have their own fields.
SECTION_IDS = ("responsibilities", "contacts", "before", "during", "after", "review")
SECTION_KINDS = {"contacts": "contacts", "review": "review"}
ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FOLDER = "plan"


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: {self.reason}"


class PlanTemplateError(ValueError):
    """One or more template files are malformed; ``problems`` lists each (file, field, reason)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("the plan templates are not valid:\n" + "\n".join(f"- {p}" for p in problems))


@dataclass(frozen=True, slots=True)
class TemplateField:
    id: str
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class TemplateSection:
    id: str
    kind: str  # "text", "contacts" or "review"
    title: str
    guidance: str
    sources: tuple[str, ...]
    fields: tuple[TemplateField, ...]


@dataclass(frozen=True, slots=True)
class PlanTemplate:
    language: str
    country: str
    title: str
    intro: str
    sources: tuple[str, ...]
    emergency_number: str
    police_number: str
    general_advice: str
    general_sources: tuple[str, ...]
    sections: tuple[TemplateSection, ...]

    def section(self, section_id: str) -> TemplateSection:
        return next(section for section in self.sections if section.id == section_id)

    @property
    def field_keys(self) -> tuple[str, ...]:
        """``section.field`` for every text field, in order: the keys of a draft's texts."""
        return tuple(f"{section.id}.{field.id}" for section in self.sections for field in section.fields)

    @property
    def all_sources(self) -> tuple[str, ...]:
        seen: dict[str, None] = dict.fromkeys(self.sources)
        for section in self.sections:
            seen.update(dict.fromkeys(section.sources))
        return tuple(seen)


class _Reader:
    def __init__(self, file: str, known_sources: set[str] | None) -> None:
        self.file = file
        self.known_sources = known_sources
        self.problems: list[Problem] = []

    def error(self, field: str, reason: str) -> None:
        self.problems.append(Problem(self.file, field, reason))

    def only(self, data: Mapping[str, Any], where: str, allowed: set[str]) -> None:
        for key in sorted(set(data) - allowed):
            self.error(f"{where}{key}", "is not a known field")

    def text(self, data: Mapping[str, Any], key: str, where: str = "", *, required: bool = True) -> str:
        value = data.get(key)
        if value is None:
            if required:
                self.error(f"{where}{key}", "is missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.error(f"{where}{key}", "must be text")
            return ""
        text = str(value).strip()
        if required and not text:
            self.error(f"{where}{key}", "is empty")
        return text

    def sources(self, data: Mapping[str, Any], key: str, where: str = "") -> tuple[str, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not value:
            self.error(f"{where}{key}", "must be a list of source ids (the guidance shows its sources)")
            return ()
        ids = []
        for index, item in enumerate(value):
            source = str(item)
            if self.known_sources is not None and source not in self.known_sources:
                self.error(f"{where}{key}[{index}]", f"{source!r} is not in modules/sources.yaml")
                continue
            ids.append(source)
        return tuple(ids)


def load_template(path: Path, known_sources: set[str] | None = None) -> PlanTemplate:
    """Read and check one template file. Raises :class:`PlanTemplateError`."""
    reader = _Reader(f"{FOLDER}/{path.name}", known_sources)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlanTemplateError([Problem(reader.file, "(file)", "is missing")]) from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        reason = f"is not valid YAML ({str(error).splitlines()[0]})"
        raise PlanTemplateError([Problem(reader.file, "(file)", reason)]) from None
    if not isinstance(data, dict):
        raise PlanTemplateError([Problem(reader.file, "(file)", "must be a mapping of fields")])
    template = _read_template(reader, data, path.stem)
    if reader.problems:
        raise PlanTemplateError(reader.problems)
    return template


def _read_template(reader: _Reader, data: dict, stem: str) -> PlanTemplate:
    reader.only(
        data,
        "",
        {
            "language",
            "country",
            "title",
            "intro",
            "sources",
            "numbers",
            "general_advice",
            "general_sources",
            "sections",
        },
    )
    language = reader.text(data, "language")
    if language and language != stem:
        reader.error("language", f"is {language!r} but the file is named for {stem!r}")
    country = reader.text(data, "country")
    if country and country not in COUNTRIES:
        reader.error("country", f"must be one of {', '.join(COUNTRIES)}")
    numbers = data.get("numbers")
    if not isinstance(numbers, dict):
        reader.error("numbers", "must give the emergency and police numbers")
        numbers = {}
    else:
        reader.only(numbers, "numbers.", {"emergency", "police"})
    emergency = reader.text(numbers, "emergency", "numbers.")
    police = reader.text(numbers, "police", "numbers.")
    sections = _read_sections(reader, data.get("sections"))
    return PlanTemplate(
        language=language,
        country=country,
        title=reader.text(data, "title"),
        intro=reader.text(data, "intro"),
        sources=reader.sources(data, "sources"),
        emergency_number=emergency,
        police_number=police,
        general_advice=reader.text(data, "general_advice"),
        general_sources=reader.sources(data, "general_sources"),
        sections=sections,
    )


def _read_sections(reader: _Reader, items: Any) -> tuple[TemplateSection, ...]:
    if not isinstance(items, list):
        reader.error("sections", "must be a list of sections")
        return ()
    sections = []
    for index, item in enumerate(items):
        where = f"sections[{index}]."
        if not isinstance(item, dict):
            reader.error(f"sections[{index}]", "must be a mapping")
            continue
        reader.only(item, where, {"id", "kind", "title", "guidance", "sources", "fields"})
        section_id = reader.text(item, "id", where)
        expected_kind = SECTION_KINDS.get(section_id, "text")
        kind = reader.text(item, "kind", where, required=False) or "text"
        if kind != expected_kind:
            reader.error(f"{where}kind", f"must be {expected_kind!r} for the section {section_id!r}")
        fields = _read_fields(reader, item.get("fields"), where, required=kind != "contacts")
        sections.append(
            TemplateSection(
                id=section_id,
                kind=kind,
                title=reader.text(item, "title", where),
                guidance=reader.text(item, "guidance", where),
                sources=reader.sources(item, "sources", where),
                fields=fields,
            )
        )
    ids = tuple(section.id for section in sections)
    if ids != SECTION_IDS:
        reader.error("sections", f"must be {', '.join(SECTION_IDS)}, in that order (found {', '.join(ids)})")
    return tuple(sections)


def _read_fields(reader: _Reader, items: Any, where: str, *, required: bool) -> tuple[TemplateField, ...]:
    if items is None and not required:
        return ()
    if not isinstance(items, list) or not items:
        reader.error(f"{where}fields", "must be a list of fields with id, label and text")
        return ()
    fields = []
    for index, item in enumerate(items):
        at = f"{where}fields[{index}]."
        if not isinstance(item, dict):
            reader.error(f"{where}fields[{index}]", "must be a mapping")
            continue
        reader.only(item, at, {"id", "label", "text"})
        field_id = reader.text(item, "id", at)
        if field_id and not ID_PATTERN.match(field_id):
            reader.error(f"{at}id", f"{field_id!r} must be lower case letters, digits and _")
        fields.append(TemplateField(field_id, reader.text(item, "label", at), reader.text(item, "text", at)))
    seen: set[str] = set()
    for field in fields:
        if field.id in seen:
            reader.error(f"{where}fields", f"the id {field.id!r} is used twice")
        seen.add(field.id)
    return tuple(fields)


def load_templates(content_dir: Path, known_sources: set[str] | None = None) -> dict[str, PlanTemplate]:
    """Every language's template from ``content_dir/plan``; all problems in all files are raised together."""
    templates: dict[str, PlanTemplate] = {}
    problems: list[Problem] = []
    for language in LANGUAGES:
        try:
            templates[language] = load_template(content_dir / FOLDER / f"{language}.yaml", known_sources)
        except PlanTemplateError as error:
            problems.extend(error.problems)
    if problems:
        raise PlanTemplateError(problems)
    return templates
