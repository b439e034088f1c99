"""The committed videos in ``videos/``: complete, playable, in step with the storyboards, and small.

A fresh install plays these without ffmpeg, so they must be right as committed. Durations are read with
ffprobe where it is installed, else taken from the manifests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from course.content import load_course
from course.content.model import LOCALES
from course.media.build import plan_video
from course.media.captions import parse_vtt
from tests.media_helpers import probe, require_tools

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "modules"
VIDEOS = ROOT / "videos"
COURSE = load_course(CONTENT)
VIDEO_IDS = [(module.id, language) for module in COURSE.modules for language in LOCALES]
BUILT_FILES = {"video.webm", "video.mp4", "poster.jpg", "chapters.vtt", "transcript.txt", "manifest.json"}
MAX_TOTAL_BYTES = 40 * 1000 * 1000


def manifest(module_id: str, language: str) -> dict:
    return json.loads((VIDEOS / module_id / language / "manifest.json").read_text(encoding="utf-8"))


def duration(module_id: str, language: str) -> float:
    """What a player reports: the shortest of the media files by ffprobe, else the manifest's duration."""
    data = manifest(module_id, language)
    if shutil.which("ffprobe") is None:
        return data["duration"]
    folder = VIDEOS / module_id / language
    lengths = [float(probe(folder / source)["format"]["duration"]) for source in data["sources"]]
    return min(lengths)


def test_the_loader_accepts_every_committed_video():
    course = load_course(CONTENT, VIDEOS)
    for module in course.modules:
        assert set(module.videos) == set(LOCALES), module.id


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_every_file_is_committed(module_id, language):
    folder = VIDEOS / module_id / language
    data = manifest(module_id, language)
    present = {path.name for path in folder.iterdir()}
    assert {f"captions.{code}.vtt" for code in LOCALES} <= present
    if data["origin"] == "built":
        assert present >= BUILT_FILES
    else:
        assert set(data["sources"]) <= present


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_each_video_lasts_two_to_five_minutes(module_id, language):
    assert 120 <= duration(module_id, language) <= 300


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_captions_are_in_order_and_end_within_the_video(module_id, language):
    length = duration(module_id, language)
    assert manifest(module_id, language)["duration"] == pytest.approx(length, abs=0.25)
    for code in LOCALES:
        path = VIDEOS / module_id / language / manifest(module_id, language)["captions"][code]
        cues = parse_vtt(path.read_text(encoding="utf-8"))
        assert cues, path
        for cue, following in zip(cues, cues[1:], strict=False):
            assert cue.start < cue.end <= following.start, path
        assert cues[-1].end <= length, path


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_built_captions_say_the_whole_narration(module_id, language):
    if manifest(module_id, language)["origin"] != "built":
        pytest.skip("a council's own video says its own words")
    module = COURSE.module(module_id)
    for code in LOCALES:
        cues = parse_vtt((VIDEOS / module_id / language / f"captions.{code}.vtt").read_text(encoding="utf-8"))
        narration = " ".join(scene.narration[code] for scene in module.scenes)
        assert " ".join(cue.text for cue in cues).split() == narration.split(), code


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_built_chapters_are_the_scenes(module_id, language):
    data = manifest(module_id, language)
    if data["origin"] != "built":
        pytest.skip("a council's own video has its own chapters")
    scenes = COURSE.module(module_id).scenes
    chapters = parse_vtt((VIDEOS / module_id / language / "chapters.vtt").read_text(encoding="utf-8"))
    assert [cue.text for cue in chapters] == [scene.title[language] for scene in scenes]
    assert [item["scene"] for item in data["chapters"]] == [scene.id for scene in scenes]
    assert chapters[-1].end <= duration(module_id, language) + 0.05


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_built_videos_match_their_storyboards(module_id, language):
    data = manifest(module_id, language)
    if data["origin"] != "built":
        pytest.skip("a council's own video does not come from the storyboard")
    expected = plan_video(COURSE, module_id, language).content_hash
    assert data["content_hash"] == expected, (
        f"videos/{module_id}/{language} is older than its storyboard: run `council-course build-videos`"
    )


@pytest.mark.parametrize(("module_id", "language"), VIDEO_IDS)
def test_built_media_are_formats_every_browser_plays(module_id, language):
    require_tools("ffprobe")
    if manifest(module_id, language)["origin"] != "built":
        pytest.skip("a council's own video")
    folder = VIDEOS / module_id / language
    expected = {"video.webm": ("vp9", "opus"), "video.mp4": ("h264", "aac")}
    for name, (video_codec, audio_codec) in expected.items():
        streams = probe(folder / name)["streams"]
        assert [stream["codec_name"] for stream in streams] == [video_codec, audio_codec]
        assert (streams[0]["width"], streams[0]["height"], streams[0]["pix_fmt"]) == (1280, 720, "yuv420p")


def test_the_videos_folder_stays_under_40_mb():
    total = sum(path.stat().st_size for path in VIDEOS.rglob("*") if path.is_file())
    assert total < MAX_TOTAL_BYTES, f"videos/ holds {total / 1e6:.1f} MB"
