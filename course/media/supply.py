"""A council's own video in place of a built one (``council-course add-video``).

The file is probed with ffprobe for its length, copied into the video folder with its captions (required
in every language, as for a built video), and described by a manifest with ``origin: "supplied"``, which
``build-videos`` never overwrites.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from course.content.model import LOCALES, Course
from course.media.build import CHAPTERS, MANIFEST, caption_file
from course.media.captions import VttError, parse_vtt
from course.media.tools import MediaError, find_tools, probe_duration, probe_streams

VIDEO_SUFFIXES = (".webm", ".mp4")
POSTER_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
# A caption may run on slightly past the end of the picture; more than this means the wrong file.
CAPTION_SLACK = 0.5


def _check_track(path: Path, what: str, duration: float) -> None:
    try:
        cues = parse_vtt(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise MediaError(f"{what} {path.name} is not UTF-8 text") from error
    except OSError as error:
        raise MediaError(f"{what} {path} cannot be read: {error.strerror}") from error
    except VttError as error:
        raise MediaError(f"{what} {path.name} is not valid WebVTT: {error}") from error
    if not cues:
        raise MediaError(f"{what} {path.name} has no cues")
    last = max(cue.end for cue in cues)
    if last > duration + CAPTION_SLACK:
        raise MediaError(f"{what} {path.name} runs to {last:.1f} s but the video lasts {duration:.1f} s")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def supply_video(
    course: Course,
    video_dir: Path,
    module_id: str,
    language: str,
    video: Path,
    captions: Mapping[str, Path],
    *,
    chapters: Path | None = None,
    poster: Path | None = None,
) -> Path:
    """Install a council's own video for one module and language; return the manifest written.

    Refuses (with :class:`MediaError`) an unknown module or language, a file that is not a WebM or MP4
    video, missing or malformed captions in any language, and captions that run past the video's end.
    """
    module = course.module(module_id)
    if module is None:
        raise MediaError(f"unknown module {module_id!r} (the course has: {', '.join(course.module_ids)})")
    if language not in LOCALES:
        raise MediaError(f"unknown language {language!r} (expected one of: {', '.join(LOCALES)})")
    suffix = video.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise MediaError(f"{video.name}: a supplied video must be a .webm or .mp4 file")
    if not video.is_file():
        raise MediaError(f"{video} does not exist")
    missing = [code for code in LOCALES if code not in captions]
    if missing:
        raise MediaError(
            f"captions are required in every language; missing: {', '.join(missing)} "
            f"(give them as --captions {missing[0]}=FILE.vtt)"
        )
    unknown = sorted(set(captions) - set(LOCALES))
    if unknown:
        raise MediaError(f"captions for unknown language {', '.join(unknown)}")
    if poster is not None and poster.suffix.lower() not in POSTER_SUFFIXES:
        raise MediaError(f"{poster.name}: a poster must be a JPEG, PNG or WebP image")

    ffprobe = find_tools("ffprobe").ffprobe or "ffprobe"
    try:
        streams = probe_streams(ffprobe, video)
    except MediaError as error:
        raise MediaError(f"{video.name} is not a video file ffprobe can read ({error})") from error
    if not any(stream.get("codec_type") == "video" for stream in streams):
        raise MediaError(f"{video.name} has no video stream")
    duration = round(probe_duration(ffprobe, video), 3)
    if duration <= 0:
        raise MediaError(f"{video.name} has no duration")
    for code in LOCALES:
        _check_track(captions[code], f"the {code} captions", duration)
    if chapters is not None:
        _check_track(chapters, "the chapters", duration)

    directory = video_dir / module.id / language
    directory.mkdir(parents=True, exist_ok=True)
    video_name = f"video{suffix}"
    poster_name = f"poster{poster.suffix.lower()}" if poster is not None else None
    copies: dict[str, Path] = {video_name: video, **{caption_file(code): captions[code] for code in LOCALES}}
    if chapters is not None:
        copies[CHAPTERS] = chapters
    if poster is not None and poster_name is not None:
        copies[poster_name] = poster

    previous = _listed_files(directory)
    # Copy under temporary names first: a source may be the file it replaces.
    for name, source in copies.items():
        shutil.copyfile(source, directory / f".{name}.part")
    for name in copies:
        os.replace(directory / f".{name}.part", directory / name)
    for name in previous - set(copies):
        (directory / name).unlink(missing_ok=True)

    manifest: dict[str, Any] = {
        "module": module.id,
        "language": language,
        "origin": "supplied",
        "duration": duration,
        "sources": [video_name],
        "captions": {code: caption_file(code) for code in LOCALES},
        "chapters": [],
        "content_hash": _sha256(directory / video_name),
    }
    if poster_name is not None:
        manifest["poster"] = poster_name
    if chapters is not None:
        manifest["chapters_track"] = CHAPTERS
    path = directory / MANIFEST
    part = directory / f".{MANIFEST}.part"
    part.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(part, path)
    return path


def _listed_files(directory: Path) -> set[str]:
    """The files the folder's current manifest names (a built video's, or an earlier supplied one)."""
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    if not isinstance(data, dict):
        return set()
    names: list[Any] = [
        *(data.get("sources") or []),
        data.get("poster"),
        data.get("chapters_track"),
        data.get("transcript"),
        *((data.get("captions") or {}).values()),
    ]
    # Only plain names inside the folder: a hand-edited manifest must not make us delete elsewhere.
    return {name for name in names if isinstance(name, str) and name and Path(name).name == name}
