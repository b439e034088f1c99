"""Speech: narration spoken by espeak-ng, with the time of every caption cue measured from the audio.

Each sentence is spoken in one go, so its intonation is natural. A sentence too long for one cue is also
spoken chunk by chunk, only to measure how long each chunk takes; those lengths, scaled to the whole
sentence, place the cue boundaries, which then move to the nearest pause in the sentence's audio (espeak-ng
pauses at commas). Sentences are joined with a fixed pause, so every cue time comes from real audio.
"""

from __future__ import annotations

import array
import sys
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from course.content.sentences import NBSP, plain_text, split_sentences
from course.media.captions import Cue, chunk_narration
from course.media.tools import MediaError, run

# Bump when the speech or its timing changes, so cached speech is made again.
SPEECH_VERSION = 2
VOICES: dict[str, str] = {"da": "da", "sv": "sv", "en": "en"}
SENTENCE_PAUSE = 0.5  # seconds of silence between sentences
HOLD = 0.3  # a sentence's last cue stays this long after the voice stops, to finish reading
_SILENCE = 300  # peak amplitude (of 32767) below which audio counts as silence
_WINDOW = 0.01  # seconds per window when looking for silence
_MIN_PAUSE = 0.06  # seconds of silence that count as a pause between words
_SNAP = 0.5  # how far (seconds) a cue boundary may move to reach a pause
_SHORTEST = 0.5  # seconds: no sentence is shorter, even one the voice does not pronounce


@dataclass(frozen=True, slots=True)
class Audio:
    """Mono 16-bit PCM samples."""

    rate: int
    samples: array.array

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


@dataclass(frozen=True, slots=True)
class Speech:
    """A scene's narration as audio (from the first sound to the last) and its caption cues."""

    audio: Audio
    cues: tuple[Cue, ...]

    @property
    def duration(self) -> float:
        return self.audio.duration


def read_wav(path: Path) -> Audio:
    """Read a mono 16-bit WAV file."""
    with wave.open(str(path), "rb") as wav:
        if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
            raise MediaError(f"{path.name}: expected mono 16-bit audio")
        samples = array.array("h", wav.readframes(wav.getnframes()))
        rate = wav.getframerate()
    if sys.byteorder == "big":
        samples.byteswap()
    return Audio(rate, samples)


def write_wav(path: Path, audio: Audio) -> None:
    """Write mono 16-bit PCM as a WAV file."""
    samples = audio.samples
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(audio.rate)
        wav.writeframes(samples.tobytes())


def silence(rate: int, seconds: float) -> array.array:
    return array.array("h", bytes(2 * round(rate * seconds)))


def _trim(samples: array.array) -> array.array:
    """Cut the silence espeak-ng leaves before and after the voice."""
    start = next((index for index, value in enumerate(samples) if abs(value) > _SILENCE), len(samples))
    end = len(samples)
    while end > start and abs(samples[end - 1]) <= _SILENCE:
        end -= 1
    return samples[start:end]


def synthesize(espeak: str, text: str, language: str, rate: int) -> Audio:
    """Speak ``text`` with the espeak-ng voice for ``language``; the result has no silence at its ends."""
    with tempfile.TemporaryDirectory(prefix="council-course-speech-") as folder:
        path = Path(folder) / "speech.wav"
        run(
            [espeak, "-v", VOICES[language], "-s", str(rate), "-b", "1", "-w", path, "--stdin"],
            stdin=text.encode(),
        )
        audio = read_wav(path)
    return Audio(audio.rate, _trim(audio.samples))


def _voiced(text: str) -> str:
    """Text for the voice: the no-break spaces that keep a caption line together become spaces."""
    return text.replace(NBSP, " ")


def _pauses(audio: Audio) -> list[float]:
    """The middle of every pause (run of silence of at least 60 ms) in ``audio``, in seconds."""
    window = max(1, round(audio.rate * _WINDOW))
    samples = audio.samples
    middles, run_start = [], None
    count = (len(samples) + window - 1) // window
    for index in range(count + 1):
        part = samples[index * window : (index + 1) * window]
        quiet = index < count and max(part) <= _SILENCE and -min(part) <= _SILENCE
        if quiet and run_start is None:
            run_start = index
        elif not quiet and run_start is not None:
            if (index - run_start) * _WINDOW >= _MIN_PAUSE:
                middles.append((run_start + index) / 2 * window / audio.rate)
            run_start = None
    return middles


def _boundaries(sentence: Audio, chunk_lengths: Sequence[float]) -> list[float]:
    """Where each chunk of a sentence ends, in seconds from the sentence start."""
    total = sum(chunk_lengths)
    scale = sentence.duration / total if total else 0.0
    pauses = _pauses(sentence)
    ends, elapsed, previous = [], 0.0, 0.0
    for length in chunk_lengths[:-1]:
        elapsed += length * scale
        nearby = [pause for pause in pauses if abs(pause - elapsed) <= _SNAP and pause > previous + 0.2]
        boundary = min(nearby, key=lambda pause: abs(pause - elapsed)) if nearby else elapsed
        boundary = max(boundary, previous + 0.2)
        ends.append(boundary)
        previous = boundary
    ends.append(sentence.duration)
    return ends


def speak_narration(
    espeak: str, narration: str, language: str, rate: int, spoken: str | None = None
) -> Speech:
    """Speak a scene's narration; cue times are relative to the first sound.

    The cues show ``narration`` (the written text, numbers as digits); the voice says ``spoken`` where it is
    given (numbers in words), sentence for sentence, so each written sentence is timed to its spoken one.
    """
    written = chunk_narration(narration)
    said = split_sentences(plain_text(spoken)) if spoken else [" ".join(chunks) for chunks in written]
    if len(said) != len(written):
        raise MediaError(
            f"the spoken text has {len(said)} sentences and the narration {len(written)}; they must match"
        )
    pieces: list[array.array] = []
    cues: list[Cue] = []
    elapsed = 0.0
    sample_rate = 0
    for sentence_index, (chunks, sentence_text) in enumerate(zip(written, said, strict=True)):
        sentence = synthesize(espeak, _voiced(sentence_text), language, rate)
        if sentence.duration < _SHORTEST:
            # Something the voice does not pronounce (a lone symbol): keep its cue on screen a moment.
            padding = silence(sentence.rate, _SHORTEST - sentence.duration)
            sentence = Audio(sentence.rate, sentence.samples + padding)
        if sample_rate and sentence.rate != sample_rate:
            raise MediaError("espeak-ng changed its sample rate within one narration")
        sample_rate = sentence.rate
        if sentence_index:
            pause = silence(sample_rate, SENTENCE_PAUSE)
            pieces.append(pause)
            elapsed += len(pause) / sample_rate
        if len(chunks) == 1:
            ends = [sentence.duration]
        else:
            # Each written chunk spoken alone gives its share of the sentence; where the spoken text says
            # a number in words, the share is an estimate, which the pauses in the sentence then correct.
            lengths = [synthesize(espeak, _voiced(chunk), language, rate).duration for chunk in chunks]
            ends = _boundaries(sentence, lengths)
        start = 0.0
        for chunk, end in zip(chunks, ends, strict=True):
            cues.append(Cue(elapsed + start, elapsed + end, chunk))
            start = end
        pieces.append(sentence.samples)
        elapsed += sentence.duration
    if not pieces:
        raise MediaError("the narration is empty")
    samples = array.array("h")
    for piece in pieces:
        samples.extend(piece)
    # Let the last cue of each sentence stay up a moment after the voice stops (never into the next cue).
    held = [
        Cue(cue.start, min(cue.end + HOLD, following.start) if following else cue.end + HOLD, cue.text)
        for cue, following in zip(cues, [*cues[1:], None], strict=True)
    ]
    return Speech(Audio(sample_rate, samples), tuple(held))
