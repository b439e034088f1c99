"""Build each module's video from its storyboard: slides, speech, captions, chapters, transcript, media.

For one module in one language the builder

1. speaks every scene's narration (espeak-ng, saying the scene's spoken text where it has one) and measures
   its caption cues from the audio, or takes the scene's recorded narration and spreads the cues over it;
2. lays the scenes end to end: a short silence, the narration, a pause, rounded up to whole video frames
   so that slide changes, chapters and captions share one clock;
3. draws every scene's slide (Pillow);
4. encodes WebM (VP9/Opus) and MP4 (H.264/AAC) with ffmpeg, tuned for still images and speech;
5. writes the captions in all three languages, the chapters, the transcript and ``manifest.json``.

Slides and speech are cached per scene under a key made from exactly what goes into them, so editing one
scene draws or speaks only that scene again. A video whose ``content_hash`` matches its storyboard is
skipped; one whose pictures and sound are unchanged (only titles or another language's narration
changed) gets new text tracks without being encoded again. Progress is reported through a callback.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import enum
import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from course.content.model import LOCALES, Course, Module, Scene
from course.media import captions as vtt
from course.media.captions import Cue, chunk_narration, plain_text
from course.media.recording import find_recordings, load_recording, recording_digests
from course.media.slides import RENDERER_VERSION, SlideFrame, render_slide
from course.media.speech import (
    HOLD,
    SPEECH_VERSION,
    VOICES,
    Audio,
    Speech,
    read_wav,
    silence,
    speak_narration,
    write_wav,
)
from course.media.tools import MediaError, Tools, find_tools, probe_duration, run, tool_version

# Bump when the assembled output changes (layout, encoding, track format): every video is then out of date.
BUILDER_VERSION = 2
MANIFEST = "manifest.json"
WEBM = "video.webm"
MP4 = "video.mp4"
POSTER = "poster.jpg"
CHAPTERS = "chapters.vtt"
TRANSCRIPT = "transcript.txt"
MEDIA_FILES = (WEBM, MP4, POSTER)


def caption_file(language: str) -> str:
    return f"captions.{language}.vtt"


def default_cache_dir() -> Path:
    """Where slides and speech are cached between builds: ``$XDG_CACHE_HOME/council-course/media``.

    The cache is keyed by content, so one cache serves every checkout; it is never part of ``videos/``.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "council-course" / "media"


@dataclass(frozen=True, slots=True)
class BuildSettings:
    """How videos are built. Everything here is part of the content hash of a video."""

    width: int = 1280
    height: int = 720
    fps: int = 2  # a still slide needs few frames; slide changes fall on whole frames
    speech_rate: int = 160  # words per minute; espeak-ng's default of 175 is hurried for learners
    lead_in: float = 0.6  # seconds from a slide appearing to its narration starting
    tail: float = 1.0  # seconds after the narration before the next slide (at least speech.HOLD)
    # Keyframes at every slide change and at least this often (seconds). A still slide's frames between
    # keyframes are tiny, so seeking stays instant while each extra keyframe would cost 20-40 kB.
    keyframe_interval: float = 30.0
    vp9_crf: int = 40
    h264_crf: int = 30
    opus_bitrate: str = "20k"  # mono speech; Opus is transparent for synthetic speech at this rate
    # ffmpeg's AAC encoder overshoots by about a third for mono 22 kHz speech: 20k gives about 24 kb/s,
    # close to the Opus track, which keeps the committed videos near their earlier total size.
    aac_bitrate: str = "20k"

    def __post_init__(self) -> None:
        if self.width % 2 or self.height % 2 or self.width < 64 or self.height < 36:
            raise ValueError("width and height must be even and at least 64×36")
        if self.tail < HOLD:
            raise ValueError(f"tail must be at least {HOLD} s, the time a last caption stays up")


class Step(enum.StrEnum):
    VIDEO = "video"
    SPEECH = "speech"
    SLIDE = "slide"
    ENCODE = "encode"
    TRACKS = "tracks"


class Status(enum.StrEnum):
    STARTED = "started"
    BUILT = "built"  # made now
    RECORDED = "recorded"  # a scene's speech taken from its recorded narration
    CACHED = "cached"  # taken from the cache
    UP_TO_DATE = "up-to-date"  # the whole video matches its storyboard: nothing to do
    TRACKS_UPDATED = "tracks-updated"  # pictures and sound unchanged: only the text tracks rewritten
    SUPPLIED = "supplied"  # a council's own video: never overwritten by the builder
    DONE = "done"


@dataclass(frozen=True, slots=True)
class BuildEvent:
    """One step of a build, reported to the progress callback."""

    module: str
    language: str
    step: Step
    status: Status
    scene: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class VideoResult:
    """What happened to one module's video in one language."""

    module: str
    language: str
    status: Status
    duration: float | None = None
    seconds: float = 0.0
    sizes: dict[str, int] = field(default_factory=dict)


Progress = Callable[[BuildEvent], None]


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class VideoPlan:
    """Everything that decides one video, and the hashes derived from it. Needs no external tools."""

    course: Course
    module: Module
    language: str
    settings: BuildSettings
    # Scenes with recorded narration: scene id -> the file, and scene id -> a hash of its bytes.
    recordings: Mapping[str, Path] = field(default_factory=dict)
    recorded: Mapping[str, str] = field(default_factory=dict)

    @property
    def frame(self) -> SlideFrame:
        return SlideFrame(
            self.language,
            self.module.number,
            self.module.title[self.language],
            self.course.title[self.language],
        )

    def slide_key(self, scene: Scene) -> str:
        slide = scene.slide
        language = self.language
        return _digest(
            {
                "renderer": RENDERER_VERSION,
                "size": [self.settings.width, self.settings.height],
                "frame": dataclasses.asdict(self.frame),
                "layout": slide.layout,
                "diagram": slide.diagram,
                "heading": slide.heading[language] if slide.heading else None,
                "lines": [line[language] for line in slide.lines],
                "labels": [label[language] for label in slide.labels],
                "cite": slide.cite[language] if slide.cite else None,
                "posts": [
                    {
                        "author": post.author,
                        "text": post.text[language],
                        "meta": post.meta[language] if post.meta else None,
                        "note": post.note[language] if post.note else None,
                        "counts": [post.reactions, post.comments, post.shares],
                    }
                    for post in (slide.post, *slide.comments)
                    if post is not None
                ],
            }
        )

    def speech_key(self, scene: Scene) -> str:
        text = plain_text(scene.narration[self.language])
        if scene.id in self.recorded:
            return _digest({"speech": SPEECH_VERSION, "recording": self.recorded[scene.id], "text": text})
        return _digest(
            {
                "speech": SPEECH_VERSION,
                "voice": VOICES[self.language],
                "rate": self.settings.speech_rate,
                "text": text,
                "spoken": plain_text(scene.speech(self.language)),
            }
        )

    @property
    def media_hash(self) -> str:
        """Changes exactly when the pictures or the sound of the video change."""
        return _digest(
            {
                "builder": BUILDER_VERSION,
                "settings": dataclasses.asdict(self.settings),
                "scenes": [[self.slide_key(scene), self.speech_key(scene)] for scene in self.module.scenes],
            }
        )

    @property
    def content_hash(self) -> str:
        """Changes when anything in the built folder would change: media, captions, chapters, transcript."""
        return _digest(
            {
                "media": self.media_hash,
                "module_title": self.module.title.as_dict(),
                "scenes": [
                    {
                        "id": scene.id,
                        "title": scene.title.as_dict(),
                        "narration": {
                            language: plain_text(scene.narration[language]) for language in LOCALES
                        },
                    }
                    for scene in self.module.scenes
                ],
            }
        )


def plan_video(
    course: Course,
    module_id: str,
    language: str,
    settings: BuildSettings | None = None,
    narration_dir: Path | None = None,
) -> VideoPlan:
    """The plan for one video; its ``content_hash`` tells whether the built video is up to date.

    With ``narration_dir``, the scenes that have a recording there are planned with it instead of espeak-ng.
    """
    module = course.module(module_id)
    if module is None:
        raise MediaError(f"unknown module {module_id!r} (the course has: {', '.join(course.module_ids)})")
    if language not in LOCALES:
        raise MediaError(f"unknown language {language!r} (expected one of: {', '.join(LOCALES)})")
    recordings = find_recordings(narration_dir, module.id, language, (scene.id for scene in module.scenes))
    return VideoPlan(
        course, module, language, settings or BuildSettings(), recordings, recording_digests(recordings)
    )


@dataclass(frozen=True, slots=True)
class SceneTiming:
    scene: Scene
    start: float
    speech_start: float
    speech_end: float
    end: float


@dataclass(frozen=True, slots=True)
class Layout:
    """Where every scene, and every cue of the spoken language, falls in the video."""

    scenes: tuple[SceneTiming, ...]
    cues: tuple[Cue, ...]
    duration: float


def lay_out(scenes: Sequence[Scene], speeches: Sequence[Speech], settings: BuildSettings) -> Layout:
    """Put the scenes end to end; each lasts a whole number of frames, so slide changes are exact."""
    frame = 1 / settings.fps
    timings, cues, cursor = [], [], 0.0
    for scene, speech in zip(scenes, speeches, strict=True):
        frames = math.ceil(round((settings.lead_in + speech.duration + settings.tail) / frame, 6))
        speech_start = cursor + settings.lead_in
        end = cursor + frames * frame
        timings.append(SceneTiming(scene, cursor, speech_start, speech_start + speech.duration, end))
        cues.extend(Cue(speech_start + cue.start, speech_start + cue.end, cue.text) for cue in speech.cues)
        cursor = end
    return Layout(tuple(timings), tuple(cues), cursor)


def caption_cues(layout: Layout, spoken: str, language: str) -> list[Cue]:
    """The captions in ``language`` for a video spoken in ``spoken``.

    The spoken language's cues are timed from its audio; another language's cues are spread over the time
    each scene's narration takes, since the two narrations say the same in different words.
    """
    if language == spoken:
        return list(layout.cues)
    cues: list[Cue] = []
    for timing in layout.scenes:
        chunks = [
            chunk for sentence in chunk_narration(timing.scene.narration[language]) for chunk in sentence
        ]
        cues.extend(vtt.distribute(chunks, timing.speech_start, min(timing.speech_end + HOLD, timing.end)))
    return cues


def chapter_cues(layout: Layout, language: str) -> list[Cue]:
    return [
        Cue(timing.start, timing.end, plain_text(timing.scene.title[language]), timing.scene.id)
        for timing in layout.scenes
    ]


def transcript(plan: VideoPlan) -> str:
    """The narration as plain text, one paragraph per scene under its chapter title."""
    language = plan.language
    parts = [f"{plan.frame.module_label} · {plan.module.title[language]}"]
    for scene in plan.module.scenes:
        parts.append(f"{plain_text(scene.title[language])}\n\n{plain_text(scene.narration[language])}")
    return "\n\n".join(parts) + "\n"


class _Cache:
    """Slides and speech on disk, one file (or pair) per key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def slide(self, key: str) -> Path:
        return self.root / "slides" / key[:2] / f"{key}.png"

    def speech(self, key: str) -> tuple[Path, Path]:
        folder = self.root / "speech" / key[:2]
        return folder / f"{key}.wav", folder / f"{key}.json"

    def load_speech(self, key: str) -> Speech | None:
        wav, cues = self.speech(key)
        if not (wav.is_file() and cues.is_file()):
            return None
        try:
            data = json.loads(cues.read_text(encoding="utf-8"))
            return Speech(
                read_wav(wav), tuple(Cue(item["start"], item["end"], item["text"]) for item in data)
            )
        except (OSError, ValueError, KeyError, TypeError, EOFError, MediaError):
            return None  # a damaged entry is simply made again

    def store_speech(self, key: str, speech: Speech) -> None:
        wav, cues = self.speech(key)
        wav.parent.mkdir(parents=True, exist_ok=True)
        with _replacing(wav) as part:
            write_wav(part, speech.audio)
        with _replacing(cues) as part:
            part.write_text(
                json.dumps([dataclasses.asdict(cue) for cue in speech.cues], ensure_ascii=False),
                encoding="utf-8",
            )


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """Write to a temporary name next to ``path`` and move it into place only when writing succeeded."""
    part = path.with_name(f".{path.name}.part")
    try:
        yield part
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)


def _read_manifest(directory: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class VideoBuilder:
    """Builds videos into ``video_dir``, caching slides and speech in ``cache_dir``."""

    def __init__(
        self,
        video_dir: Path,
        cache_dir: Path | None = None,
        *,
        settings: BuildSettings | None = None,
        progress: Progress | None = None,
        force: bool = False,
        narration_dir: Path | None = None,
    ) -> None:
        self.video_dir = video_dir
        self.narration_dir = narration_dir
        self.cache = _Cache(cache_dir or default_cache_dir())
        self.settings = settings or BuildSettings()
        self.progress = progress or (lambda event: None)
        self.force = force
        self._tools: Tools | None = None

    @property
    def tools(self) -> Tools:
        # Found on first use: an up-to-date course needs neither ffmpeg nor espeak-ng.
        if self._tools is None:
            self._tools = find_tools("ffmpeg", "ffprobe", "espeak-ng")
        return self._tools

    def build(
        self, course: Course, module_ids: Iterable[str] | None = None, languages: Iterable[str] | None = None
    ) -> list[VideoResult]:
        """Build the videos of the given modules (default: all) in the given languages (default: all)."""
        module_ids = list(module_ids or course.module_ids)
        languages = list(languages or LOCALES)
        plans = [
            plan_video(course, module_id, language, self.settings, self.narration_dir)
            for module_id in module_ids
            for language in languages
        ]
        return [self.build_video(plan) for plan in plans]

    def _emit(
        self, plan: VideoPlan, step: Step, status: Status, scene: str | None = None, detail: str = ""
    ) -> None:
        self.progress(BuildEvent(plan.module.id, plan.language, step, status, scene, detail))

    def build_video(self, plan: VideoPlan) -> VideoResult:
        """Build one video, or skip it when it is up to date or supplied by the council."""
        began = time.monotonic()
        directory = self.video_dir / plan.module.id / plan.language
        manifest = _read_manifest(directory) or {}
        if manifest.get("origin") == "supplied":
            self._emit(plan, Step.VIDEO, Status.SUPPLIED, detail="supplied by the council; not rebuilt")
            return VideoResult(plan.module.id, plan.language, Status.SUPPLIED, manifest.get("duration"))
        content_hash, media_hash = plan.content_hash, plan.media_hash
        listed = [WEBM, MP4, POSTER, CHAPTERS, TRANSCRIPT, *map(caption_file, LOCALES)]
        files_present = all((directory / name).is_file() for name in listed)
        if not self.force and manifest.get("content_hash") == content_hash and files_present:
            self._emit(plan, Step.VIDEO, Status.UP_TO_DATE)
            return VideoResult(plan.module.id, plan.language, Status.UP_TO_DATE, manifest.get("duration"))

        self._emit(plan, Step.VIDEO, Status.STARTED)
        speeches = [self._speech(plan, scene) for scene in plan.module.scenes]
        layout = lay_out(plan.module.scenes, speeches, self.settings)
        built_with = manifest.get("built_with") if isinstance(manifest.get("built_with"), dict) else {}
        reuse_media = (
            not self.force
            and built_with.get("media_hash") == media_hash
            and all((directory / name).is_file() for name in MEDIA_FILES)
        )
        directory.mkdir(parents=True, exist_ok=True)
        if reuse_media:
            duration = float(manifest.get("duration") or layout.duration)
            built_with = dict(built_with)
            self._emit(plan, Step.ENCODE, Status.CACHED, detail="pictures and sound unchanged")
        else:
            slides = [self._slide(plan, scene) for scene in plan.module.scenes]
            duration = self._encode(plan, directory, layout, speeches, slides)
            built_with = {
                "builder": BUILDER_VERSION,
                "ffmpeg": tool_version(self.tools.ffmpeg or "ffmpeg"),
                "espeak-ng": tool_version(self.tools.espeak or "espeak-ng"),
                "media_hash": media_hash,
                "recorded": sorted(plan.recorded),
            }
        self._write_tracks(plan, directory, layout, duration, content_hash, built_with)
        status = Status.TRACKS_UPDATED if reuse_media else Status.BUILT
        seconds = time.monotonic() - began
        sizes = {name: (directory / name).stat().st_size for name in listed}
        self._emit(
            plan,
            Step.VIDEO,
            Status.DONE,
            detail=f"{duration:.1f} s video, {sum(sizes.values()) / 1e6:.2f} MB, {seconds:.1f} s",
        )
        return VideoResult(plan.module.id, plan.language, status, duration, seconds, sizes)

    def _speech(self, plan: VideoPlan, scene: Scene) -> Speech:
        key = plan.speech_key(scene)
        speech = None if self.force else self.cache.load_speech(key)
        if speech is not None:
            self._emit(plan, Step.SPEECH, Status.CACHED, scene.id)
            return speech
        recording = plan.recordings.get(scene.id)
        if recording is not None:
            tools = self.tools
            speech = load_recording(
                tools.ffmpeg or "ffmpeg",
                tools.ffprobe or "ffprobe",
                recording,
                scene.narration[plan.language],
            )
            self.cache.store_speech(key, speech)
            self._emit(
                plan, Step.SPEECH, Status.RECORDED, scene.id, f"{recording.name}, {speech.duration:.1f} s"
            )
            return speech
        speech = speak_narration(
            self.tools.espeak or "espeak-ng",
            scene.narration[plan.language],
            plan.language,
            self.settings.speech_rate,
            scene.spoken.get(plan.language),
        )
        self.cache.store_speech(key, speech)
        self._emit(plan, Step.SPEECH, Status.BUILT, scene.id, f"{speech.duration:.1f} s")
        return speech

    def _slide(self, plan: VideoPlan, scene: Scene) -> Path:
        path = self.cache.slide(plan.slide_key(scene))
        if path.is_file() and not self.force:
            self._emit(plan, Step.SLIDE, Status.CACHED, scene.id)
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            image = render_slide(scene.slide, plan.frame, (self.settings.width, self.settings.height))
        except ValueError as error:
            raise MediaError(f"{plan.module.id} scene {scene.id}: {error}") from error
        with _replacing(path) as part:
            image.save(part, format="PNG", optimize=True)
        self._emit(plan, Step.SLIDE, Status.BUILT, scene.id)
        return path

    def _encode(
        self,
        plan: VideoPlan,
        directory: Path,
        layout: Layout,
        speeches: Sequence[Speech],
        slides: Sequence[Path],
    ) -> float:
        """Encode both formats and the poster; return the duration a player will report."""
        settings = self.settings
        ffmpeg, ffprobe = self.tools.ffmpeg or "ffmpeg", self.tools.ffprobe or "ffprobe"
        self.cache.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="build-", dir=self.cache.root) as work:
            audio_path = Path(work) / "narration.wav"
            write_wav(audio_path, _soundtrack(layout, speeches))
            inputs: list[str | Path] = []
            for timing, slide in zip(layout.scenes, slides, strict=True):
                length = f"{timing.end - timing.start:.6f}"
                inputs += ["-loop", "1", "-framerate", str(settings.fps), "-t", length, "-i", slide]
            inputs += ["-i", audio_path]
            keyframes = [timing.start for timing in layout.scenes]
            # The two encoders run side by side: libvpx is mostly single-threaded for still images.
            parts = {name: directory / f".{name}.part" for name in (WEBM, MP4)}
            try:
                with ThreadPoolExecutor(max_workers=len(parts)) as pool:
                    jobs = []
                    for name, part in parts.items():
                        self._emit(plan, Step.ENCODE, Status.STARTED, detail=name)
                        arguments = _encoding_arguments(settings, name, len(slides), keyframes)
                        quiet = ["-y", "-hide_banner", "-loglevel", "error"]
                        command = [ffmpeg, *quiet, *inputs, *arguments, part]
                        jobs.append(pool.submit(run, command))
                    for job in jobs:
                        job.result()
                durations = {name: probe_duration(ffprobe, part) for name, part in parts.items()}
                if any(abs(duration - layout.duration) > 0.5 for duration in durations.values()):
                    raise MediaError(
                        f"ffmpeg made {', '.join(f'{d:.2f}' for d in durations.values())} s of video for "
                        f"{plan.module.id}/{plan.language}, expected {layout.duration:.2f} s"
                    )
                for name, part in parts.items():
                    os.replace(part, directory / name)
                    self._emit(plan, Step.ENCODE, Status.BUILT, detail=f"{name} {durations[name]:.2f} s")
            finally:
                for part in parts.values():
                    part.unlink(missing_ok=True)
            with _replacing(directory / POSTER) as part, Image.open(slides[0]) as first:
                first.convert("RGB").save(part, format="JPEG", quality=88, optimize=True, progressive=True)
        # Players report slightly different lengths for the two files (audio codec padding): keep the
        # shorter, so every caption and chapter ends within what either file plays.
        return round(min(durations.values()), 3)

    def _write_tracks(
        self,
        plan: VideoPlan,
        directory: Path,
        layout: Layout,
        duration: float,
        content_hash: str,
        built_with: dict[str, Any],
    ) -> None:
        """Write captions, chapters, transcript and manifest (last: it marks a finished build)."""
        end = min(duration, layout.duration)

        def within(cues: Iterable[Cue]) -> list[Cue]:
            return [
                Cue(min(cue.start, end - 0.05), min(cue.end, end), cue.text, cue.identifier) for cue in cues
            ]

        files = {
            caption_file(language): vtt.write_vtt(within(caption_cues(layout, plan.language, language)))
            for language in LOCALES
        }
        files[CHAPTERS] = vtt.write_vtt(within(chapter_cues(layout, plan.language)), wrap=False)
        files[TRANSCRIPT] = transcript(plan)
        for name, text in files.items():
            with _replacing(directory / name) as part:
                part.write_text(text, encoding="utf-8")
        manifest = {
            "module": plan.module.id,
            "language": plan.language,
            "origin": "built",
            "duration": duration,
            "width": self.settings.width,
            "height": self.settings.height,
            "sources": [WEBM, MP4],
            "poster": POSTER,
            "captions": {language: caption_file(language) for language in LOCALES},
            "chapters_track": CHAPTERS,
            "chapters": [
                {
                    "scene": timing.scene.id,
                    "start": round(timing.start, 3),
                    "end": round(min(timing.end, end), 3),
                }
                for timing in layout.scenes
            ],
            "transcript": TRANSCRIPT,
            "content_hash": content_hash,
            "built_with": built_with,
        }
        self._emit(plan, Step.TRACKS, Status.BUILT, detail=", ".join(files))
        with _replacing(directory / MANIFEST) as part:
            part.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _encoding_arguments(
    settings: BuildSettings, name: str, slides: int, keyframes: Sequence[float]
) -> list[str]:
    """ffmpeg's options after the inputs (``slides`` still images, then the narration) for one format."""
    graph = (
        "".join(f"[{index}:v]" for index in range(slides))
        + f"concat=n={slides}:v=1:a=0,scale=out_color_matrix=bt709:out_range=tv,format=yuv420p[v]"
    )
    common = ["-filter_complex", graph, "-map", "[v]", "-map", f"{slides}:a", "-r", str(settings.fps)]
    # A keyframe at every slide change, so a chapter starts cleanly, and at most keyframe_interval apart.
    common += ["-force_key_frames", ",".join(f"{time:.3f}" for time in keyframes)]
    common += ["-g", str(max(1, round(settings.keyframe_interval * settings.fps)))]
    common += ["-colorspace", "bt709", "-color_primaries", "bt709"]
    common += ["-color_trc", "bt709", "-color_range", "tv"]
    common += ["-ac", "1", "-map_metadata", "-1"]
    if name == WEBM:
        video = f"-c:v libvpx-vp9 -b:v 0 -crf {settings.vp9_crf} -deadline good -cpu-used 2 -row-mt 1"
        audio = f"-c:a libopus -b:a {settings.opus_bitrate} -application voip -ar 24000"
        return [*common, *video.split(), *audio.split(), "-f", "webm"]
    # Main profile and yuv420p: what every browser's H.264 decoder takes; the index first, to start at once.
    video = f"-c:v libx264 -preset slow -tune stillimage -crf {settings.h264_crf} -profile:v main"
    audio = f"-c:a aac -b:a {settings.aac_bitrate}"
    return [*common, *video.split(), *audio.split(), "-movflags", "+faststart", "-f", "mp4"]


def _soundtrack(layout: Layout, speeches: Sequence[Speech]) -> Audio:
    """The whole narration: each scene's speech placed at its start, silence elsewhere."""
    rate = speeches[0].audio.rate
    if any(speech.audio.rate != rate for speech in speeches):
        raise MediaError("the scenes' speech has different sample rates; rebuild with --force")
    samples = array.array("h")
    for timing, speech in zip(layout.scenes, speeches, strict=True):
        # Position from the scene's absolute time, so rounding never accumulates over many scenes.
        samples.extend(silence(rate, max(0.0, timing.speech_start - len(samples) / rate)))
        samples.extend(speech.audio.samples)
        samples.extend(silence(rate, max(0.0, timing.end - len(samples) / rate)))
    return Audio(rate, samples)


def build_videos(
    course: Course,
    video_dir: Path,
    *,
    module_ids: Iterable[str] | None = None,
    languages: Iterable[str] | None = None,
    cache_dir: Path | None = None,
    settings: BuildSettings | None = None,
    force: bool = False,
    progress: Progress | None = None,
    narration_dir: Path | None = None,
) -> list[VideoResult]:
    """Build (or skip, when up to date) the videos of ``course`` into ``video_dir``.

    Raises :class:`~course.media.tools.MediaToolMissingError` when work is needed and ffmpeg or espeak-ng is
    not installed, and :class:`~course.media.tools.MediaError` for anything else that stops a build.
    """
    builder = VideoBuilder(
        video_dir, cache_dir, settings=settings, progress=progress, force=force, narration_dir=narration_dir
    )
    return builder.build(course, module_ids, languages)
