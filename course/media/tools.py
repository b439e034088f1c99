"""The external programs the video builder runs: ffmpeg, ffprobe and espeak-ng.

They are found on ``PATH`` when a build starts, so a missing program is reported once, up front, with the
command that installs it, instead of as a traceback half-way through a build.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Debian and Ubuntu package that provides each program.
PACKAGES: dict[str, str] = {"ffmpeg": "ffmpeg", "ffprobe": "ffmpeg", "espeak-ng": "espeak-ng"}
BUILD_TOOLS: tuple[str, ...] = ("ffmpeg", "ffprobe", "espeak-ng")


class MediaError(RuntimeError):
    """A video cannot be built or supplied; the message says why in one line."""


class MediaToolMissingError(MediaError):
    """A program the video builder needs is not installed."""

    def __init__(self, missing: Sequence[str], needed: Sequence[str] = BUILD_TOOLS) -> None:
        self.missing = tuple(missing)
        # Name every package the task needs: installing one already present does no harm.
        packages = " ".join(sorted({PACKAGES.get(tool, tool) for tool in (*needed, *missing)}))
        task = "building videos" if "espeak-ng" in needed else "reading a video"
        super().__init__(
            f"{_listing(self.missing)} not found on PATH; {task} needs {_listing(needed)}. "
            f"On Debian or Ubuntu install them with: sudo apt-get install {packages}"
        )


def _listing(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True, slots=True)
class Tools:
    """Absolute paths of the programs, found by :func:`find_tools`."""

    ffmpeg: str | None = None
    ffprobe: str | None = None
    espeak: str | None = None


def find_tools(*required: str) -> Tools:
    """Find the programs on PATH; raise :class:`MediaToolMissingError` if a ``required`` one is absent."""
    found = {name: shutil.which(name) for name in BUILD_TOOLS}
    missing = [name for name in required if found.get(name) is None]
    if missing:
        raise MediaToolMissingError(missing, required)
    return Tools(ffmpeg=found["ffmpeg"], ffprobe=found["ffprobe"], espeak=found["espeak-ng"])


def run(command: Sequence[str | Path], *, stdin: bytes | None = None) -> bytes:
    """Run a program and return its standard output; raise :class:`MediaError` with its last words."""
    try:
        completed = subprocess.run(  # noqa: S603 - the program is a path found by find_tools
            [str(part) for part in command], input=stdin, capture_output=True, check=False
        )
    except OSError as error:
        raise MediaError(f"cannot run {command[0]}: {error.strerror}") from error
    if completed.returncode != 0:
        lines = completed.stderr.decode(errors="replace").strip().splitlines()
        tail = " / ".join(lines[-3:]) if lines else f"exit status {completed.returncode}"
        raise MediaError(f"{Path(str(command[0])).name} failed: {tail}")
    return completed.stdout


def probe_duration(ffprobe: str, path: Path) -> float:
    """The duration in seconds that a player reports for a media file, as read by ffprobe."""
    output = run([ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "json", path])
    try:
        return float(json.loads(output)["format"]["duration"])
    except (KeyError, TypeError, ValueError) as error:
        raise MediaError(f"ffprobe cannot read the duration of {path.name}") from error


def probe_streams(ffprobe: str, path: Path) -> list[dict[str, object]]:
    """The streams of a media file (codec, size, pixel format ...), as ffprobe describes them."""
    output = run([ffprobe, "-v", "error", "-show_streams", "-of", "json", path])
    return list(json.loads(output).get("streams", []))


def tool_version(program: str) -> str:
    """The version number a program prints, such as ``5.1.9`` or ``1.51``; empty if it prints none."""
    flag = "-version" if Path(program).name.startswith("ff") else "--version"
    try:
        output = run([program, flag]).decode(errors="replace")
    except MediaError:
        return ""
    match = re.search(r"(?:version|text-to-speech:)\s+(\S+)", output)
    return match.group(1) if match else ""
