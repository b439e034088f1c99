"""Building videos from a storyboard: the files, their timing, incremental rebuilds and missing programs.

These build a tiny two-scene course at 320×180, which takes a second or two per video.
"""

from __future__ import annotations

import array
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.content import load_course
from course.content.model import LOCALES
from course.media.build import (
    BuildEvent,
    BuildSettings,
    Status,
    Step,
    VideoResult,
    build_videos,
    plan_video,
)
from course.media.captions import parse_vtt
from course.media.commands import build_videos_command
from course.media.tools import MediaToolMissingError
from tests.media_helpers import (
    MODULE_ID,
    TEST_SETTINGS,
    probe,
    require_tools,
    run_tool,
    tiny_scenes,
    write_tiny_course,
)

BUILD_TOOLS = ("ffmpeg", "ffprobe", "espeak-ng")


def build(
    content: Path, videos: Path, cache: Path, languages: tuple[str, ...] = ("en",), **options: object
) -> tuple[list[VideoResult], list[BuildEvent]]:
    events: list[BuildEvent] = []
    results = build_videos(
        load_course(content),
        videos,
        languages=languages,
        cache_dir=cache,
        settings=TEST_SETTINGS,
        progress=events.append,
        **options,  # type: ignore[arg-type]
    )
    return results, events


def made(events: list[BuildEvent], step: Step) -> set[str | None]:
    return {event.scene for event in events if event.step == step and event.status == Status.BUILT}


def reused(events: list[BuildEvent], step: Step) -> set[str | None]:
    return {event.scene for event in events if event.step == step and event.status == Status.CACHED}


def words(text: str) -> list[str]:
    return text.split()


@pytest.fixture(scope="module")
def tiny_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny course built once in every language: (content folder, video folder)."""
    require_tools(*BUILD_TOOLS)
    root = tmp_path_factory.mktemp("tiny-build")
    content = write_tiny_course(root / "modules")
    build(content, root / "videos", root / "cache", languages=LOCALES)
    return content, root / "videos"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_tiny_course(tmp_path / "modules")


@pytest.fixture
def tools() -> None:
    require_tools(*BUILD_TOOLS)


# --- what a build writes ---------------------------------------------------------------------------


def test_the_loader_accepts_the_built_manifests(tiny_build):
    content, videos = tiny_build
    course = load_course(content, videos)
    for language in LOCALES:
        video = course.module(MODULE_ID).video(language)
        assert video.origin == "built"
        assert [source.mime_type for source in video.sources] == ["video/webm", "video/mp4"]
        assert set(video.captions) == set(LOCALES)
        assert video.poster == "poster.jpg"
        assert video.chapters_track == "chapters.vtt"


@pytest.mark.parametrize("language", LOCALES)
def test_every_file_is_written(tiny_build, language):
    _, videos = tiny_build
    folder = videos / MODULE_ID / language
    expected = {"video.webm", "video.mp4", "poster.jpg", "chapters.vtt", "transcript.txt", "manifest.json"}
    expected |= {f"captions.{code}.vtt" for code in LOCALES}
    assert {path.name for path in folder.iterdir()} == expected


def test_media_play_in_browsers_and_report_the_manifest_duration(tiny_build):
    _, videos = tiny_build
    folder = videos / MODULE_ID / "da"
    manifest = json.loads((folder / "manifest.json").read_text())
    webm, mp4 = probe(folder / "video.webm"), probe(folder / "video.mp4")
    codecs = {
        info["format"]["format_name"]: [s["codec_name"] for s in info["streams"]] for info in (webm, mp4)
    }
    assert codecs["matroska,webm"] == ["vp9", "opus"]
    assert codecs["mov,mp4,m4a,3gp,3g2,mj2"] == ["h264", "aac"]
    for info in (webm, mp4):
        video = info["streams"][0]
        assert (video["width"], video["height"], video["pix_fmt"]) == (320, 180, "yuv420p")
        assert float(info["format"]["duration"]) == pytest.approx(manifest["duration"], abs=0.1)
    assert mp4["streams"][0]["profile"] in ("Main", "Constrained Baseline", "Baseline")


def test_mp4_starts_with_its_index_so_it_plays_while_loading(tiny_build):
    _, videos = tiny_build
    data = (videos / MODULE_ID / "en" / "video.mp4").read_bytes()
    assert 0 < data.find(b"moov") < data.find(b"mdat")


@pytest.mark.parametrize("language", LOCALES)
def test_captions_are_in_order_and_end_within_the_video(tiny_build, language):
    _, videos = tiny_build
    folder = videos / MODULE_ID / language
    duration = json.loads((folder / "manifest.json").read_text())["duration"]
    for code in LOCALES:
        cues = parse_vtt((folder / f"captions.{code}.vtt").read_text(encoding="utf-8"))
        assert cues
        for cue, following in zip(cues, cues[1:], strict=False):
            assert cue.start < cue.end <= following.start
        assert cues[-1].end <= duration


@pytest.mark.parametrize("language", LOCALES)
def test_captions_say_the_whole_narration(tiny_build, language):
    content, videos = tiny_build
    module = load_course(content).module(MODULE_ID)
    for code in LOCALES:
        cues = parse_vtt((videos / MODULE_ID / language / f"captions.{code}.vtt").read_text(encoding="utf-8"))
        narration = " ".join(scene.narration[code] for scene in module.scenes)
        assert words(" ".join(cue.text for cue in cues)) == words(narration)


def test_a_cue_is_at_most_two_lines_of_42_characters(tiny_build):
    _, videos = tiny_build
    text = (videos / MODULE_ID / "sv" / "captions.sv.vtt").read_text(encoding="utf-8")
    for block in text.split("\n\n")[1:]:
        lines = block.strip().split("\n")[1:]
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= 42 for line in lines)


def _loudness(path: Path, start: float, end: float) -> float:
    """The loudest sample of a file's audio between two times (0 to 32767)."""
    raw = run_tool(
        "ffmpeg",
        "-ss {start} -to {end} -i {path} -map 0:a -ac 1 -ar 16000 -f s16le -",
        path=path,
        start=start,
        end=end,
    )
    samples = array.array("h", raw)
    return max((abs(value) for value in samples), default=0)


def test_spoken_captions_are_timed_to_the_voice(tiny_build):
    """Silence before each scene's first cue, voice during every cue of the spoken language."""
    _, videos = tiny_build
    folder = videos / MODULE_ID / "en"
    manifest = json.loads((folder / "manifest.json").read_text())
    cues = parse_vtt((folder / "captions.en.vtt").read_text(encoding="utf-8"))
    for chapter in manifest["chapters"]:
        first = next(cue for cue in cues if cue.start >= chapter["start"])
        assert first.start - chapter["start"] >= 0.3
        assert _loudness(folder / "video.webm", chapter["start"] + 0.05, first.start - 0.15) < 1000
    for cue in cues:
        assert _loudness(folder / "video.webm", cue.start + 0.1, cue.end - 0.3) > 3000


@pytest.mark.parametrize("language", LOCALES)
def test_one_chapter_per_scene_with_its_title(tiny_build, language):
    content, videos = tiny_build
    module = load_course(content).module(MODULE_ID)
    folder = videos / MODULE_ID / language
    manifest = json.loads((folder / "manifest.json").read_text())
    chapters = parse_vtt((folder / "chapters.vtt").read_text(encoding="utf-8"))
    assert [cue.text for cue in chapters] == [scene.title[language] for scene in module.scenes]
    assert [cue.identifier for cue in chapters] == [scene.id for scene in module.scenes]
    assert [item["scene"] for item in manifest["chapters"]] == [scene.id for scene in module.scenes]
    assert chapters[0].start == 0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(chapters, chapters[1:], strict=False))
    assert chapters[-1].end == pytest.approx(manifest["duration"], abs=0.05)


def test_transcript_has_every_scene(tiny_build):
    content, videos = tiny_build
    module = load_course(content).module(MODULE_ID)
    transcript = (videos / MODULE_ID / "sv" / "transcript.txt").read_text(encoding="utf-8")
    for scene in module.scenes:
        assert scene.title.sv in transcript
        assert scene.narration.sv in transcript


def test_the_manifest_records_the_storyboard_hash(tiny_build):
    content, videos = tiny_build
    manifest = json.loads((videos / MODULE_ID / "da" / "manifest.json").read_text())
    assert (
        manifest["content_hash"]
        == plan_video(load_course(content), MODULE_ID, "da", TEST_SETTINGS).content_hash
    )


# --- incremental builds ----------------------------------------------------------------------------


def _edit(content: Path, index: int, change: dict) -> None:
    scenes = tiny_scenes()
    scenes[index] = {**scenes[index], **change}
    write_tiny_course(content, scenes)


def test_changing_one_narration_speaks_only_that_scene_again(tools, content, tmp_path):
    build(content, tmp_path / "videos", tmp_path / "cache")
    scene = tiny_scenes()[1]
    _edit(
        content,
        1,
        {"narration": {**scene["narration"], "en": "A post gets reactions. Reactions bring reach."}},
    )

    results, events = build(content, tmp_path / "videos", tmp_path / "cache")

    assert made(events, Step.SPEECH) == {"loop"}
    assert reused(events, Step.SPEECH) == {"hello"}
    assert made(events, Step.SLIDE) == set()
    assert reused(events, Step.SLIDE) == {"hello", "loop"}
    assert results[0].status == Status.BUILT
    cues = parse_vtt((tmp_path / "videos" / MODULE_ID / "en" / "captions.en.vtt").read_text())
    assert [cue.text for cue in cues][-2:] == ["A post gets reactions.", "Reactions bring reach."]


def test_changing_one_slide_draws_only_that_slide_again(tools, content, tmp_path):
    build(content, tmp_path / "videos", tmp_path / "cache")
    scene = tiny_scenes()[0]
    _edit(content, 0, {"slide": {**scene["slide"], "heading": {**scene["slide"]["heading"], "en": "Tiny"}}})

    _, events = build(content, tmp_path / "videos", tmp_path / "cache")

    assert made(events, Step.SLIDE) == {"hello"}
    assert reused(events, Step.SLIDE) == {"loop"}
    assert made(events, Step.SPEECH) == set()


def test_an_up_to_date_video_is_skipped_without_needing_the_programs(tools, content, tmp_path, monkeypatch):
    build(content, tmp_path / "videos", tmp_path / "cache")
    before = {
        path.name: path.stat().st_mtime_ns for path in (tmp_path / "videos" / MODULE_ID / "en").iterdir()
    }
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    results, events = build(content, tmp_path / "videos", tmp_path / "cache")

    assert [result.status for result in results] == [Status.UP_TO_DATE]
    assert {event.step for event in events} == {Step.VIDEO}
    after = {
        path.name: path.stat().st_mtime_ns for path in (tmp_path / "videos" / MODULE_ID / "en").iterdir()
    }
    assert after == before


def test_another_languages_narration_rewrites_the_captions_without_encoding(tools, content, tmp_path):
    build(content, tmp_path / "videos", tmp_path / "cache")
    folder = tmp_path / "videos" / MODULE_ID / "en"
    webm = (folder / "video.webm").stat().st_mtime_ns
    scene = tiny_scenes()[0]
    _edit(content, 0, {"narration": {**scene["narration"], "sv": "Hej och välkommen."}})

    results, events = build(content, tmp_path / "videos", tmp_path / "cache")

    assert results[0].status == Status.TRACKS_UPDATED
    assert not [event for event in events if event.step == Step.ENCODE and event.status != Status.CACHED]
    assert (folder / "video.webm").stat().st_mtime_ns == webm
    assert parse_vtt((folder / "captions.sv.vtt").read_text())[0].text == "Hej och välkommen."
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (
        manifest["content_hash"]
        == plan_video(load_course(content), MODULE_ID, "en", TEST_SETTINGS).content_hash
    )


def test_force_draws_and_speaks_everything_again(tools, content, tmp_path):
    build(content, tmp_path / "videos", tmp_path / "cache")
    results, events = build(content, tmp_path / "videos", tmp_path / "cache", force=True)
    assert made(events, Step.SPEECH) == made(events, Step.SLIDE) == {"hello", "loop"}
    assert results[0].status == Status.BUILT


def test_a_supplied_video_is_never_rebuilt(content, tmp_path):
    folder = tmp_path / "videos" / MODULE_ID / "en"
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps({"origin": "supplied", "duration": 60.0}))

    results, _ = build(content, tmp_path / "videos", tmp_path / "cache", force=True)

    assert results[0].status == Status.SUPPLIED
    assert {path.name for path in folder.iterdir()} == {"manifest.json"}


def test_scenes_start_on_whole_frames(tools, content, tmp_path):
    settings = BuildSettings(width=320, height=180, fps=2)
    build_videos(
        load_course(content),
        tmp_path / "videos",
        languages=["da"],
        cache_dir=tmp_path / "cache",
        settings=settings,
    )
    manifest = json.loads((tmp_path / "videos" / MODULE_ID / "da" / "manifest.json").read_text())
    for chapter in manifest["chapters"]:
        assert (chapter["start"] * settings.fps) == pytest.approx(round(chapter["start"] * settings.fps))


# --- missing programs and the command ---------------------------------------------------------------


def test_missing_programs_are_named_with_the_install_command(content, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(MediaToolMissingError) as raised:
        build(content, tmp_path / "videos", tmp_path / "cache")
    message = str(raised.value)
    assert "ffmpeg, ffprobe and espeak-ng not found on PATH" in message
    assert "sudo apt-get install espeak-ng ffmpeg" in message


def test_missing_ffmpeg_alone_is_named(content, tmp_path, monkeypatch):
    require_tools("espeak-ng")
    only_espeak = tmp_path / "bin"
    only_espeak.mkdir()
    (only_espeak / "espeak-ng").symlink_to(shutil.which("espeak-ng"))
    monkeypatch.setenv("PATH", str(only_espeak))
    with pytest.raises(MediaToolMissingError) as raised:
        build(content, tmp_path / "videos", tmp_path / "cache")
    assert raised.value.missing == ("ffmpeg", "ffprobe")
    assert "apt-get install" in str(raised.value)


def test_command_reports_missing_programs_in_one_line(content, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = CliRunner().invoke(
        build_videos_command,
        [
            "--content-dir",
            str(content),
            "--video-dir",
            str(tmp_path / "videos"),
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "apt-get install espeak-ng ffmpeg" in result.output
    assert "Traceback" not in result.output


def test_command_builds_one_module_in_one_language_and_reports_progress(tools, content, tmp_path):
    arguments = [
        "--content-dir",
        str(content),
        "--video-dir",
        str(tmp_path / "videos"),
        "--cache-dir",
        str(tmp_path / "cache"),
        "--module",
        MODULE_ID,
        "--lang",
        "sv",
        "--size",
        "320x180",
    ]
    first = CliRunner().invoke(build_videos_command, arguments)
    again = CliRunner().invoke(build_videos_command, arguments)

    assert first.exit_code == 0, first.output
    assert f"[{MODULE_ID}/sv] speech hello: spoken" in first.output
    assert f"[{MODULE_ID}/sv] done:" in first.output
    assert (tmp_path / "videos" / MODULE_ID / "sv" / "video.webm").is_file()
    assert not (tmp_path / "videos" / MODULE_ID / "da").exists()
    assert f"[{MODULE_ID}/sv] up to date" in again.output
    assert "1 up-to-date" in again.output


def test_command_takes_its_folders_from_the_settings(tools, content, tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CONTENT_DIR", str(content))
    monkeypatch.setenv("COURSE_VIDEO_DIR", str(tmp_path / "configured"))
    monkeypatch.setenv("COURSE_MEDIA_CACHE_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(build_videos_command, ["--lang", "en", "--size", "320x180"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "configured" / MODULE_ID / "en" / "manifest.json").is_file()
    assert (tmp_path / "cache" / "speech").is_dir()


def test_command_refuses_an_unknown_module(content, tmp_path):
    result = CliRunner().invoke(
        build_videos_command,
        ["--content-dir", str(content), "--video-dir", str(tmp_path / "videos"), "--module", "nope"],
    )
    assert result.exit_code == 1
    assert "unknown module 'nope'" in result.output


def test_command_refuses_invalid_content(content, tmp_path):
    (content / MODULE_ID / "storyboard.yaml").write_text("scenes: nope\n")
    result = CliRunner().invoke(
        build_videos_command, ["--content-dir", str(content), "--video-dir", str(tmp_path / "videos")]
    )
    assert result.exit_code == 1
    assert "storyboard.yaml" in result.output
