"""A council's own video (``add-video``): installed with its captions, refused without all three."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.content import load_course
from course.content.model import LOCALES
from course.media.captions import Cue, write_vtt
from course.media.commands import add_video_command
from tests.media_helpers import MODULE_ID, require_tools, run_tool, write_tiny_course


@pytest.fixture(scope="module")
def council_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A three-second MP4 with sound, standing in for a professionally produced video."""
    require_tools("ffmpeg", "ffprobe")
    path = tmp_path_factory.mktemp("council") / "kl-video.mp4"
    run_tool(
        "ffmpeg",
        "-f lavfi -i testsrc=size=160x90:rate=10 -f lavfi -i sine=frequency=440 -t 3 -c:v libx264 "
        "-pix_fmt yuv420p -c:a aac -shortest {path}",
        path=path,
    )
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    return write_tiny_course(tmp_path / "modules")


def captions(folder: Path, end: float = 2.5) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for code in LOCALES:
        files[code] = folder / f"kl.{code}.vtt"
        files[code].write_text(write_vtt([Cue(0.5, end, f"Tekst på {code}")]), encoding="utf-8")
    return files


def add_video(
    content: Path, videos: Path, language: str, video: Path, caption_files: dict[str, Path], *extra: str
):
    arguments = ["--content-dir", str(content), "--video-dir", str(videos), MODULE_ID, language, str(video)]
    arguments += [f"--captions={code}={path}" for code, path in caption_files.items()]
    return CliRunner().invoke(add_video_command, [*arguments, *extra])


def test_a_supplied_video_is_installed_with_its_captions(content, tmp_path, council_video):
    files = captions(tmp_path / "captions")
    chapters = tmp_path / "chapters.vtt"
    chapters.write_text(write_vtt([Cue(0, 3, "Alt")], wrap=False), encoding="utf-8")

    for language in LOCALES:
        result = add_video(
            content, tmp_path / "videos", language, council_video, files, "--chapters", str(chapters)
        )
        assert result.exit_code == 0, result.output

    video = load_course(content, tmp_path / "videos").module(MODULE_ID).video("da")
    assert video.origin == "supplied"
    assert video.duration == pytest.approx(3.0, abs=0.1)
    assert [(source.path, source.mime_type) for source in video.sources] == [("video.mp4", "video/mp4")]
    assert dict(video.captions) == {code: f"captions.{code}.vtt" for code in LOCALES}
    assert video.chapters_track == "chapters.vtt"
    folder = tmp_path / "videos" / MODULE_ID / "da"
    assert (folder / "video.mp4").read_bytes() == council_video.read_bytes()
    assert (folder / "captions.sv.vtt").read_text() == files["sv"].read_text()


@pytest.mark.parametrize("left_out", LOCALES)
def test_a_video_without_captions_in_every_language_is_refused(content, tmp_path, council_video, left_out):
    files = captions(tmp_path / "captions")
    del files[left_out]

    result = add_video(content, tmp_path / "videos", "da", council_video, files)

    assert result.exit_code == 1
    assert f"captions are required in every language; missing: {left_out}" in result.output
    assert not (tmp_path / "videos" / MODULE_ID).exists()


def test_captions_running_past_the_end_are_refused(content, tmp_path, council_video):
    result = add_video(content, tmp_path / "videos", "en", council_video, captions(tmp_path / "c", end=9.0))
    assert result.exit_code == 1
    assert "runs to 9.0 s but the video lasts 3.0 s" in result.output


def test_malformed_captions_are_refused(content, tmp_path, council_video):
    files = captions(tmp_path / "captions")
    files["sv"].write_text("1\n00:00:01,000 --> 00:00:02,000\nSRT, not WebVTT\n", encoding="utf-8")
    result = add_video(content, tmp_path / "videos", "en", council_video, files)
    assert result.exit_code == 1
    assert "the sv captions kl.sv.vtt is not valid WebVTT" in result.output


def test_a_file_that_is_not_a_video_is_refused(content, tmp_path):
    require_tools("ffprobe")
    fake = tmp_path / "fake.mp4"
    fake.write_bytes(b"not a video at all")
    result = add_video(content, tmp_path / "videos", "en", fake, captions(tmp_path / "captions"))
    assert result.exit_code == 1
    assert "fake.mp4 is not a video file ffprobe can read" in result.output


def test_replacing_a_video_removes_the_files_of_the_one_before(content, tmp_path, council_video):
    webm = tmp_path / "kl-video.webm"
    run_tool("ffmpeg", "-i {video} -c:v libvpx-vp9 -c:a libopus {webm}", video=council_video, webm=webm)
    files = captions(tmp_path / "captions")
    poster = tmp_path / "poster.png"
    run_tool("ffmpeg", "-i {video} -frames:v 1 {poster}", video=council_video, poster=poster)
    add_video(content, tmp_path / "videos", "en", council_video, files, "--poster", str(poster))

    result = add_video(content, tmp_path / "videos", "en", webm, files)

    assert result.exit_code == 0, result.output
    folder = tmp_path / "videos" / MODULE_ID / "en"
    assert {path.name for path in folder.iterdir()} == {
        "video.webm",
        "manifest.json",
        *(f"captions.{code}.vtt" for code in LOCALES),
    }
    assert json.loads((folder / "manifest.json").read_text())["sources"] == ["video.webm"]


def test_an_unknown_module_is_refused(content, tmp_path, council_video):
    arguments = [
        "--content-dir",
        str(content),
        "--video-dir",
        str(tmp_path / "videos"),
        "nope",
        "da",
        str(council_video),
    ]
    result = CliRunner().invoke(add_video_command, arguments)
    assert result.exit_code == 1
    assert "unknown module 'nope'" in result.output
