"""Narration: what the voice says beside what the captions show, and recorded narration instead of espeak-ng.

The recordings are made here, as sine tones of known length (ffmpeg) and as espeak-ng speech written to a
file, in the formats a council would send (WAV, MP3, OGG, FLAC).
"""

from __future__ import annotations

import array
import json
import math
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from course.content import load_course
from course.media import speech
from course.media.build import BuildEvent, BuildSettings, Status, Step, build_videos, plan_video
from course.media.captions import parse_vtt
from course.media.commands import build_videos_command
from course.media.recording import find_recordings
from course.media.tools import MediaError
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


@pytest.fixture
def tools() -> None:
    require_tools(*BUILD_TOOLS)


def spoken_scenes() -> list[dict]:
    scenes = tiny_scenes()
    scenes[1]["narration"] = {
        "da": "Ring 112 ved akut fare. Ellers ring 114.",
        "sv": "Ring 112 vid akut fara. Annars ring 114 14.",
        "en": "Call 112 in an emergency. Otherwise call 114.",
    }
    scenes[1]["spoken"] = {
        "da": "Ring et et to ved akut fare. Ellers ring et et fire.",
        "en": "Call one one two in an emergency. Otherwise call one one four.",
    }
    return scenes


# --- spoken text and caption text --------------------------------------------------------------------


def test_the_voice_says_the_spoken_text_and_the_captions_show_the_narration(monkeypatch):
    said: list[str] = []

    def fake_synthesize(espeak, text, language, rate):
        said.append(text)
        return speech.Audio(1000, array.array("h", [2000] * (100 * len(text.split()))))

    monkeypatch.setattr(speech, "synthesize", fake_synthesize)
    result = speech.speak_narration(
        "espeak-ng",
        "Ring 112 ved akut fare. Ellers ring 114.",
        "da",
        160,
        "Ring et et to ved akut fare. Ellers ring et et fire.",
    )
    assert said == ["Ring et et to ved akut fare.", "Ellers ring et et fire."]
    assert [cue.text for cue in result.cues] == ["Ring 112 ved akut fare.", "Ellers ring 114."]
    # Each caption sentence lasts as long as its spoken sentence (7 and 5 words of 0.1 s).
    first, second = result.cues
    assert first.start == 0
    assert second.start == pytest.approx(0.7 + speech.SENTENCE_PAUSE)


def test_a_spoken_text_that_does_not_match_the_sentences_is_refused(monkeypatch):
    monkeypatch.setattr(speech, "synthesize", lambda *args: pytest.fail("nothing is spoken"))
    with pytest.raises(MediaError, match="2 sentences and the narration 1"):
        speech.speak_narration("espeak-ng", "Ring 112.", "da", 160, "Ring et et to. Nu.")


def test_a_spoken_text_changes_the_speech_but_not_the_captions(tmp_path: Path):
    plain = load_course(write_tiny_course(tmp_path / "a", tiny_scenes()))
    scenes = tiny_scenes()
    scenes[1]["spoken"] = {"en": "A post gets reactions, and reactions bring reach, you see."}
    voiced = load_course(write_tiny_course(tmp_path / "b", scenes))
    one = plan_video(plain, MODULE_ID, "en", TEST_SETTINGS)
    other = plan_video(voiced, MODULE_ID, "en", TEST_SETTINGS)
    loop_one, loop_other = one.module.scenes[1], other.module.scenes[1]
    assert one.speech_key(loop_one) != other.speech_key(loop_other)
    assert one.speech_key(one.module.scenes[0]) == other.speech_key(other.module.scenes[0])
    # The Danish video does not speak the English spoken text: its speech stays the same.
    da_one, da_other = plan_video(plain, MODULE_ID, "da"), plan_video(voiced, MODULE_ID, "da")
    assert da_one.speech_key(da_one.module.scenes[1]) == da_other.speech_key(da_other.module.scenes[1])


def test_a_built_video_captions_digits_while_the_voice_says_words(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules", spoken_scenes())
    events: list[BuildEvent] = []
    build_videos(
        load_course(content),
        tmp_path / "videos",
        languages=["en"],
        cache_dir=tmp_path / "cache",
        settings=TEST_SETTINGS,
        progress=events.append,
    )
    folder = tmp_path / "videos" / MODULE_ID / "en"
    cues = [cue.text for cue in parse_vtt((folder / "captions.en.vtt").read_text(encoding="utf-8"))]
    assert "Call 112 in an emergency." in cues
    assert "Otherwise call 114." in cues
    transcript = (folder / "transcript.txt").read_text(encoding="utf-8")
    assert "Call 112 in an emergency. Otherwise call 114." in transcript
    assert "one one two" not in transcript
    # The caption lasts as long as the voice takes to say "one one two", not "one hundred and twelve",
    # which is what espeak-ng says for the digits.
    digits = speech.speak_narration("espeak-ng", "Call 112 in an emergency.", "en", 160)
    words_ = speech.speak_narration("espeak-ng", "Call one one two in an emergency.", "en", 160)
    first = parse_vtt((folder / "captions.en.vtt").read_text(encoding="utf-8"))
    call = next(cue for cue in first if cue.text == "Call 112 in an emergency.")
    assert call.end - call.start == pytest.approx(words_.cues[0].end - words_.cues[0].start, abs=0.06)
    assert abs(words_.duration - digits.duration) > 0.05


# --- recorded narration -------------------------------------------------------------------------------


def tone(path: Path, seconds: float) -> Path:
    """A 440 Hz tone of ``seconds`` in the file's format (by its suffix), as a recording stands in for."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_tool(
        "ffmpeg",
        "-y -f lavfi -i sine=frequency=440:duration={seconds} -ac 1 {path}",
        seconds=seconds,
        path=path,
    )
    return path


def duration_of(path: Path) -> float:
    return float(probe(path)["format"]["duration"])


def scene_length(settings: BuildSettings, recording: float) -> float:
    """What the builder gives a scene: lead-in, the recording, the pause after, in whole frames."""
    frame = 1 / settings.fps
    return math.ceil(round((settings.lead_in + recording + settings.tail) / frame, 6)) * frame


def build_recorded(content: Path, tmp_path: Path, narration: Path, languages=("en",)):
    events: list[BuildEvent] = []
    results = build_videos(
        load_course(content),
        tmp_path / "videos",
        languages=languages,
        cache_dir=tmp_path / "cache",
        settings=TEST_SETTINGS,
        progress=events.append,
        narration_dir=narration,
    )
    return results, events


def manifest_of(tmp_path: Path, language: str = "en") -> dict:
    return json.loads((tmp_path / "videos" / MODULE_ID / language / "manifest.json").read_text())


def test_each_scene_is_timed_to_its_recording(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    narration = tmp_path / "narration"
    hello = tone(narration / MODULE_ID / "en" / "hello.wav", 3.2)
    loop = tone(narration / MODULE_ID / "en" / "loop.mp3", 6.4)

    results, events = build_recorded(content, tmp_path, narration)

    recorded = {
        event.scene for event in events if event.step == Step.SPEECH and event.status == Status.RECORDED
    }
    assert recorded == {"hello", "loop"}
    manifest = manifest_of(tmp_path)
    lengths = [chapter["end"] - chapter["start"] for chapter in manifest["chapters"]]
    expected = [
        scene_length(TEST_SETTINGS, duration_of(hello)),
        scene_length(TEST_SETTINGS, duration_of(loop)),
    ]
    assert lengths == pytest.approx(expected, abs=0.01)
    assert manifest["duration"] == pytest.approx(sum(expected), abs=0.1)
    assert manifest["built_with"]["recorded"] == ["hello", "loop"]
    # Captions and transcript still come from the storyboard's text, spread over each recording.
    folder = tmp_path / "videos" / MODULE_ID / "en"
    cues = parse_vtt((folder / "captions.en.vtt").read_text(encoding="utf-8"))
    assert (
        " ".join(cue.text for cue in cues)
        == "Welcome to a tiny module. A post gets reactions, and reactions bring reach."
    )
    loop_start = manifest["chapters"][1]["start"] + TEST_SETTINGS.lead_in
    loop_cues = [cue for cue in cues if cue.start >= manifest["chapters"][1]["start"]]
    assert loop_cues[0].start == pytest.approx(loop_start, abs=0.01)
    assert loop_cues[-1].end <= loop_start + duration_of(loop) + speech.HOLD + 0.01
    assert loop_cues[-1].end >= loop_start + duration_of(loop) - 0.01
    assert "Welcome to a tiny module." in (folder / "transcript.txt").read_text(encoding="utf-8")
    assert results[0].status == Status.BUILT


def test_the_soundtrack_holds_the_recording_where_its_scene_is(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    narration = tmp_path / "narration"
    tone(narration / MODULE_ID / "en" / "hello.flac", 2.5)
    tone(narration / MODULE_ID / "en" / "loop.ogg", 2.5)
    build_recorded(content, tmp_path, narration)
    webm = tmp_path / "videos" / MODULE_ID / "en" / "video.webm"

    def loudest(start: float, end: float) -> int:
        raw = run_tool(
            "ffmpeg",
            "-ss {start} -to {end} -i {path} -map 0:a -ac 1 -ar 16000 -f s16le -",
            start=start,
            end=end,
            path=webm,
        )
        return max((abs(value) for value in array.array("h", raw)), default=0)

    lead = TEST_SETTINGS.lead_in
    assert loudest(0.05, lead - 0.1) < 300  # silence before the recording
    assert loudest(lead + 0.3, lead + 2.2) > 3000  # the recording, levelled


def test_a_scene_without_a_recording_is_spoken_by_espeak_ng(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    narration = tmp_path / "narration"
    # A real voice for one scene: espeak-ng's speech written to a file stands in for a person.
    recording = narration / MODULE_ID / "en" / "hello.wav"
    recording.parent.mkdir(parents=True)
    subprocess.run(
        ["espeak-ng", "-v", "en", "-s", "120", "-w", str(recording), "Welcome to a tiny module."], check=True
    )

    _, events = build_recorded(content, tmp_path, narration)

    speech_events = {(event.scene, event.status) for event in events if event.step == Step.SPEECH}
    assert speech_events == {("hello", Status.RECORDED), ("loop", Status.BUILT)}
    manifest = manifest_of(tmp_path)
    assert manifest["built_with"]["recorded"] == ["hello"]
    first = manifest["chapters"][0]
    assert first["end"] - first["start"] == pytest.approx(
        scene_length(TEST_SETTINGS, duration_of(recording)), abs=0.01
    )


def test_a_new_recording_rebuilds_the_video_to_its_length(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    narration = tmp_path / "narration"
    tone(narration / MODULE_ID / "en" / "hello.wav", 2.0)
    build_recorded(content, tmp_path, narration)
    short = manifest_of(tmp_path)["chapters"][0]
    # Up to date while the recording is the same.
    results, _ = build_recorded(content, tmp_path, narration)
    assert results[0].status == Status.UP_TO_DATE

    tone(narration / MODULE_ID / "en" / "hello.wav", 5.0)
    results, events = build_recorded(content, tmp_path, narration)

    assert results[0].status == Status.BUILT
    longer = manifest_of(tmp_path)["chapters"][0]
    assert (longer["end"] - longer["start"]) - (short["end"] - short["start"]) == pytest.approx(3.0, abs=0.5)
    # Without the narration folder, the same storyboard is spoken by espeak-ng again.
    events = []
    build_videos(
        load_course(content),
        tmp_path / "videos",
        languages=["en"],
        cache_dir=tmp_path / "cache",
        settings=TEST_SETTINGS,
        progress=events.append,
    )
    assert manifest_of(tmp_path)["built_with"]["recorded"] == []


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["helo.wav"], "no scene 'helo' in the storyboard of tiny-module (its scenes: hello, loop)"),
        (["hello.wav", "hello.mp3"], "two recordings of scene 'hello'"),
        (["hello.m4a"], "a recording is a .wav, .mp3, .ogg, .flac file"),
    ],
)
def test_a_misnamed_recording_is_refused_with_its_name(tmp_path: Path, names, problem):
    folder = tmp_path / "narration" / MODULE_ID / "en"
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(b"not checked yet")
    with pytest.raises(MediaError, match=problem.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        find_recordings(tmp_path / "narration", MODULE_ID, "en", ["hello", "loop"])


def test_a_file_that_is_no_audio_is_refused(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    narration = tmp_path / "narration"
    (narration / MODULE_ID / "en").mkdir(parents=True)
    (narration / MODULE_ID / "en" / "hello.wav").write_text("this is not audio")
    with pytest.raises(MediaError, match="hello.wav: not an audio file"):
        build_recorded(content, tmp_path, narration)


def test_the_command_checks_and_builds_with_recorded_narration(tools, tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    narration = tmp_path / "narration"
    tone(narration / MODULE_ID / "da" / "loop.wav", 3.0)
    common = ["--content-dir", str(content), "--video-dir", str(tmp_path / "videos"), "--lang", "da"]

    checked = CliRunner().invoke(
        build_videos_command, [*common, "--narration-dir", str(narration), "--check-narration"]
    )

    assert checked.exit_code == 0, checked.output
    assert "[tiny-module/da] hello: no recording: espeak-ng speaks it" in checked.output
    assert "[tiny-module/da] loop: loop.wav, 3.0 s" in checked.output
    assert "1 of 2 scenes recorded" in checked.output
    assert not (tmp_path / "videos").exists()

    env = {"COURSE_NARRATION_DIR": str(narration), "COURSE_MEDIA_CACHE_DIR": str(tmp_path / "cache")}
    built = CliRunner().invoke(build_videos_command, [*common, "--size", "320x180"], env=env)
    assert built.exit_code == 0, built.output
    assert "speech loop: recorded narration (loop.wav, 3.0 s)" in built.output
    assert "speech hello: spoken by espeak-ng" in built.output


def test_the_command_refuses_a_missing_narration_folder(tmp_path: Path):
    content = write_tiny_course(tmp_path / "modules")
    result = CliRunner().invoke(
        build_videos_command, ["--content-dir", str(content), "--narration-dir", str(tmp_path / "nowhere")]
    )
    assert result.exit_code == 2
    assert "is not a folder" in result.output
