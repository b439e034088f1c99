"""Recorded narration: a person's voice instead of espeak-ng, one audio file per scene and language.

A council or an association records the narration itself and puts the files in a folder::

    <narration dir>/<module id>/<lang>/<scene id>.wav   (or .mp3, .ogg, .flac)

The builder times each scene to its recording (the length ffprobe reads), brings it to one loudness and
the speech engine's sample rate, and spreads the scene's caption cues over it; captions, chapters and the
transcript still come from the storyboard's text. Scenes without a recording are spoken by espeak-ng.
"""

from __future__ import annotations

import array
import hashlib
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from course.media import captions as vtt
from course.media.captions import Cue, chunk_narration
from course.media.speech import SENTENCE_PAUSE, Audio, Speech, read_wav, silence
from course.media.tools import MediaError, probe_duration, probe_streams, run

SUFFIXES: tuple[str, ...] = (".wav", ".mp3", ".ogg", ".flac")
# espeak-ng speaks at 22 050 Hz; recordings are brought to the same rate so the scenes join in one track.
RATE = 22050
# EBU R 128 speech loudness for mono online video (about -19 LUFS), so recorded scenes match each other.
LOUDNESS = "loudnorm=I=-19:TP=-2:LRA=11"
SHORTEST, LONGEST = 1.0, 300.0  # seconds: a scene's recording outside these is a mistake


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_recordings(
    narration_dir: Path | None, module_id: str, language: str, scene_ids: Iterable[str]
) -> dict[str, Path]:
    """The recording of each scene that has one, from ``<narration_dir>/<module_id>/<language>/``.

    Refuses a file that names no scene of the storyboard, and two recordings of one scene, so a misspelt
    file name is reported instead of silently falling back to the speech engine.
    """
    if narration_dir is None:
        return {}
    folder = narration_dir / module_id / language
    if not folder.is_dir():
        return {}
    scene_ids = list(scene_ids)
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file():
            continue
        if path.suffix.lower() not in SUFFIXES:
            raise MediaError(f"{path}: a recording is a {', '.join(SUFFIXES)} file named after its scene")
        if path.stem not in scene_ids:
            raise MediaError(
                f"{path}: no scene {path.stem!r} in the storyboard of {module_id} "
                f"(its scenes: {', '.join(scene_ids)})"
            )
        if path.stem in found:
            raise MediaError(f"{found[path.stem]} and {path.name}: two recordings of scene {path.stem!r}")
        found[path.stem] = path
    return found


def load_recording(ffmpeg: str, ffprobe: str, path: Path, narration: str) -> Speech:
    """A scene's recording as speech: mono 16-bit at :data:`RATE`, levelled, exactly as long as ffprobe
    says the file is, with the narration's caption cues spread over it sentence by sentence."""
    try:
        streams = probe_streams(ffprobe, path)
        duration = probe_duration(ffprobe, path)
    except MediaError as error:
        raise MediaError(f"{path}: not an audio file ffprobe can read ({error})") from error
    if not any(stream.get("codec_type") == "audio" for stream in streams):
        raise MediaError(f"{path}: holds no audio")
    if not SHORTEST <= duration <= LONGEST:
        raise MediaError(
            f"{path}: lasts {duration:.1f} s; a scene's recording lasts {SHORTEST:g}-{LONGEST:g} s"
        )
    with tempfile.TemporaryDirectory(prefix="council-course-recording-") as folder:
        wav = Path(folder) / "scene.wav"
        run(
            [ffmpeg, "-v", "error", "-nostdin", "-i", path, "-vn", "-af", LOUDNESS]
            + ["-ac", "1", "-ar", str(RATE), "-c:a", "pcm_s16le", "-f", "wav", wav]
        )
        audio = read_wav(wav)
    # The scene lasts what ffprobe reports: cut the decoder's padding or fill a few missing samples.
    wanted = round(duration * RATE)
    samples = audio.samples[:wanted]
    if len(samples) < wanted:
        samples = samples + silence(RATE, (wanted - len(samples)) / RATE)
    return Speech(Audio(RATE, array.array("h", samples)), tuple(spread_cues(narration, duration)))


def spread_cues(narration: str, duration: float) -> list[Cue]:
    """The narration's cues over ``duration`` seconds of recorded speech, in proportion to their length.

    A speaker pauses between sentences, so each sentence gets its share of the time less a short pause.
    """
    sentences = chunk_narration(narration)
    if not sentences:
        raise MediaError("the narration is empty")
    pauses = SENTENCE_PAUSE * (len(sentences) - 1)
    speaking = max(duration - pauses, duration * 0.5)
    gap = (duration - speaking) / max(1, len(sentences) - 1)
    weights = [sum(len(chunk) + 8 for chunk in chunks) for chunks in sentences]
    total = sum(weights)
    cues: list[Cue] = []
    cursor = 0.0
    for chunks, weight in zip(sentences, weights, strict=True):
        length = speaking * weight / total
        cues.extend(vtt.distribute(chunks, cursor, min(duration, cursor + length)))
        cursor += length + gap
    return cues


def recording_digests(recordings: Mapping[str, Path]) -> dict[str, str]:
    return {scene_id: file_digest(path) for scene_id, path in recordings.items()}
