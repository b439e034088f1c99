"""Helpers for the video tests: a tiny course to build quickly, and the rule for missing programs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from course.media.build import BuildSettings

# Small frames keep a test build to a second or two; the pipeline is the same at any size.
TEST_SETTINGS = BuildSettings(width=320, height=180)
MODULE_ID = "tiny-module"


def require_tools(*tools: str) -> None:
    """Skip when a program is missing, except on CI (CI=true), which installs them: there it fails."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if not missing:
        return
    message = f"needs {', '.join(missing)} (sudo apt-get install ffmpeg espeak-ng)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; CI must install them")
    pytest.skip(message)


def run_tool(program: str, command: str, **values: object) -> bytes:
    """Run ffmpeg or ffprobe quietly: ``command`` is its options separated by spaces, ``{name}`` a value."""
    arguments = [word.format(**values) for word in command.split()]
    completed = subprocess.run(
        [program, "-v", "error", *arguments], capture_output=True, check=True, stdin=subprocess.DEVNULL
    )
    return completed.stdout


def probe(path: Path) -> dict:
    """ffprobe's description of a media file: ``format`` and ``streams``."""
    return json.loads(run_tool("ffprobe", "-show_format -show_streams -of json {path}", path=path))


def text(da: str, sv: str, en: str) -> dict[str, str]:
    return {"da": da, "sv": sv, "en": en}


def tiny_scenes() -> list[dict[str, Any]]:
    return [
        {
            "id": "hello",
            "title": text("Hej", "Hej", "Hello"),
            "slide": {
                "layout": "title",
                "heading": text("Et lille modul", "En liten modul", "A tiny module"),
            },
            "narration": text(
                "Velkommen til et lille modul.",
                "Välkommen till en liten modul.",
                "Welcome to a tiny module.",
            ),
        },
        {
            "id": "loop",
            "title": text("Løkken", "Slingan", "The loop"),
            "slide": {
                "layout": "diagram",
                "diagram": "cycle",
                "heading": text("Løkken", "Slingan", "The loop"),
                "labels": [
                    text("Opslag", "Inlägg", "Post"),
                    text("Reaktioner", "Reaktioner", "Reactions"),
                    text("Rækkevidde", "Räckvidd", "Reach"),
                ],
            },
            "narration": text(
                "Et opslag får reaktioner, og reaktioner giver rækkevidde.",
                "Ett inlägg får reaktioner, och reaktioner ger räckvidd.",
                "A post gets reactions, and reactions bring reach.",
            ),
        },
    ]


def _quiz(quiz_id: str, kind: str) -> dict[str, Any]:
    return {
        "id": quiz_id,
        "kind": kind,
        "title": text("Quiz", "Quiz", "Quiz"),
        "draw": 1,
        "questions": [
            {
                "id": f"{quiz_id}-q1",
                "type": "true_false",
                "prompt": text("Sandt?", "Sant?", "True?"),
                "options": [
                    {
                        "id": "true",
                        "text": text("Ja", "Ja", "Yes"),
                        "correct": True,
                        "feedback": text("Ja.", "Ja.", "Yes."),
                    },
                    {
                        "id": "false",
                        "text": text("Nej", "Nej", "No"),
                        "feedback": text("Nej.", "Nej.", "No."),
                    },
                ],
                "explanation": text("Fordi.", "Därför.", "Because."),
            }
        ],
    }


def write_yaml(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def write_tiny_course(content_dir: Path, scenes: list[dict[str, Any]] | None = None) -> Path:
    """A valid course of one module with a two-scene storyboard; returns ``content_dir``."""
    write_yaml(
        content_dir / "course.yaml",
        {
            "id": "tiny-course",
            "version": "1",
            "title": text("Et lille kursus", "En liten kurs", "A tiny course"),
            "summary": text("Til test.", "För test.", "For tests."),
            "modules": [MODULE_ID],
        },
    )
    write_yaml(content_dir / "sources.yaml", {"sources": []})
    folder = content_dir / MODULE_ID
    write_yaml(
        folder / "module.yaml",
        {
            "id": MODULE_ID,
            "title": text("Et lille modul", "En liten modul", "A tiny module"),
            "summary": text("Til test.", "För test.", "For tests."),
            "goals": [text("At teste.", "Att testa.", "To test.")],
            "key_points": [{"text": text("Test.", "Test.", "Test.")}],
            "quizzes": ["mechanics.yaml", "conduct.yaml"],
        },
    )
    write_yaml(folder / "storyboard.yaml", {"scenes": scenes if scenes is not None else tiny_scenes()})
    write_yaml(folder / "quizzes" / "mechanics.yaml", _quiz("tiny-mechanics", "mechanics"))
    write_yaml(folder / "quizzes" / "conduct.yaml", _quiz("tiny-conduct", "conduct"))
    return content_dir
