"""Watching a module's video in the member's current round: played segments merged into watched intervals,
the plausibility rule, what was watched counted across languages, the transcript route, and the video step.

Services take explicit arguments (a member, content objects, the time) and flush; the view commits once. A
rejected report raises before anything is written.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, select, update

from course.content import Course, Module
from course.db import insert_ignoring_conflict, utcnow
from course.extensions import db
from course.learning.completion import update_completion
from course.learning.models import ModuleProgress, VideoProgress
from course.people.models import Member

Interval = tuple[float, float]

#: Reports closer together than this are one stretch of watching (timeupdate fires every ~250 ms).
MERGE_GAP_SECONDS = 0.5
#: A report may end this far past the video's duration (players report the end imprecisely).
END_TOLERANCE_SECONDS = 1.0
MAX_SEGMENTS_PER_REPORT = 200


@dataclass(frozen=True, slots=True)
class LearningRules:
    """The settings that decide when a video counts as watched."""

    video_threshold: float = 0.9
    max_playback_rate: float = 2.0
    transcript_counts: bool = True
    #: Seconds of video allowed beyond the wall time × the fastest rate, once for the whole video step: for
    #: network and queueing delay (a report the server handled late makes the next one look early).
    slack_seconds: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LearningRules:
        return cls(
            video_threshold=config["COURSE_VIDEO_THRESHOLD"],
            max_playback_rate=config["COURSE_MAX_PLAYBACK_RATE"],
            transcript_counts=config["COURSE_TRANSCRIPT_COUNTS"],
        )


class ProgressRejectedError(Exception):
    """A progress report was malformed or implausible; nothing was recorded.

    ``str()`` is the technical reason, in English; :attr:`reason` is one of :data:`REJECTION_REASONS`, for
    the member's message (see :mod:`course.learning.notices`).
    """

    def __init__(self, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        assert reason in REJECTION_REASONS, reason
        self.reason = reason


#: Why a report was refused: played faster than the fastest rate allows, segments outside the video, no
#: video in the report's language, or a report that is not a list of segments.
REJECTION_REASONS = ("too_fast", "outside_video", "no_video", "invalid")


def merge_intervals(intervals: Iterable[Sequence[float]], gap: float = MERGE_GAP_SECONDS) -> list[Interval]:
    """Sort and merge overlapping intervals, and those less than ``gap`` apart; empty ones are dropped."""
    merged: list[Interval] = []
    for start, end in sorted((float(s), float(e)) for s, e in intervals if e > s):
        if merged and start <= merged[-1][1] + gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def covered_seconds(intervals: Iterable[Interval]) -> float:
    return sum(end - start for start, end in intervals)


def parse_segments(raw: Any, duration: float) -> list[Interval]:
    """Check a report's segments: a list of ``[start, end]`` seconds inside the video."""
    if not isinstance(raw, list) or not raw:
        raise ProgressRejectedError("segments must be a non-empty list of [start, end] pairs")
    if len(raw) > MAX_SEGMENTS_PER_REPORT:
        raise ProgressRejectedError(f"at most {MAX_SEGMENTS_PER_REPORT} segments per report")
    segments = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) != 2:
            raise ProgressRejectedError("each segment must be a [start, end] pair")
        start, end = item
        if any(isinstance(value, bool) or not isinstance(value, int | float) for value in (start, end)):
            raise ProgressRejectedError("segment bounds must be numbers")
        if not (math.isfinite(start) and math.isfinite(end)):
            raise ProgressRejectedError("segment bounds must be finite")
        if start < 0 or end < start or end > duration + END_TOLERANCE_SECONDS:
            raise ProgressRejectedError("segment lies outside the video", "outside_video")
        segments.append((float(start), min(float(end), duration)))
    return segments


@dataclass(frozen=True, slots=True)
class ProgressUpdate:
    seconds_watched: float
    duration: float
    #: The share of the video watched in any language (see :func:`coverage_across_languages`).
    coverage: float
    is_video_done: bool
    video_completed_now: bool


# --- what was watched, across languages ---------------------------------------------------------------


def _scene_spans(module: Module) -> tuple[tuple[float, ...], dict[str, list[Interval]]]:
    """The weight of each part of the module's video, and where each part lies in each language's video.

    The storyboard's scenes are the same in every language, so a scene watched in Danish is watched in
    English too; each scene weighs its mean length over the languages. A video whose chapters do not name the
    same scenes in the same order as the others' (a council's own video) is one part.
    """
    videos = {language: video for language, video in module.videos.items()}
    orders = {tuple(chapter.scene_id for chapter in video.chapters) for video in videos.values()}
    if len(orders) == 1 and all(video.chapters for video in videos.values()):
        spans = {
            language: [(chapter.start, chapter.end) for chapter in video.chapters]
            for language, video in videos.items()
        }
    else:
        spans = {language: [(0.0, video.duration)] for language, video in videos.items()}
    parts = len(next(iter(spans.values()), []))
    weights = tuple(
        sum(spans[language][part][1] - spans[language][part][0] for language in spans) / len(spans)
        for part in range(parts)
    )
    return weights, spans


def coverage_across_languages(module: Module, watched: Mapping[str, Sequence[Sequence[float]]]) -> float:
    """The share of the module's video watched, whatever language each part was watched in.

    ``watched`` holds each language's watched intervals (seconds of that language's video). Each scene's
    watched part is taken as a share of the scene, the shares of all languages are joined, and the scenes
    are weighed by their length: watching the second half of a scene in English after its first half in
    Danish completes the scene.
    """
    weights, spans = _scene_spans(module)
    if not weights or not sum(weights):
        return 0.0
    covered = 0.0
    for part, weight in enumerate(weights):
        shares: list[Interval] = []
        for language, intervals in watched.items():
            if language not in spans:
                continue
            start, end = spans[language][part]
            length = end - start
            if length <= 0:
                continue
            for low, high in intervals:
                low, high = max(low, start), min(high, end)
                if high > low:
                    shares.append(((low - start) / length, (high - start) / length))
        covered += weight * min(covered_seconds(merge_intervals(shares, gap=0.0)), 1.0)
    return min(covered / sum(weights), 1.0)


# --- the member's rows ------------------------------------------------------------------------------


def round_id_of(member: Member) -> int:
    """The member's current round: their council's (loaded with the member)."""
    round_id = member.council.current_round_id
    assert round_id is not None, "every council has a current round"
    return round_id


def ensure_module_progress(member: Member, module_id: str, now: datetime) -> None:
    insert_ignoring_conflict(
        ModuleProgress,
        {
            "round_id": round_id_of(member),
            "member_id": member.id,
            "module_id": module_id,
            "started_at": now,
            "last_activity_at": now,
        },
        ["round_id", "member_id", "module_id"],
    )


def open_module(
    member: Member,
    module: Module,
    language: str,
    now: datetime | None = None,
    *,
    opened: Collection[str] | None = None,
) -> bool:
    """Note that the member opened the module's video in ``language`` at ``now``; True when that is new.

    Progress reports are judged against the first such moment: nobody can have watched more than the time
    since they first opened the video, times the fastest playback rate. ``opened``, the languages already
    noted, spares the query that finds out. The module page writes nothing: the first report in a language
    notes the opening, at the time the page's signed note gives (see :func:`record_segments`). Noting it
    does not start the module; its progress row comes with played seconds, the transcript or a quiz.
    """
    video = module.video(language)
    if video is None:
        return False
    if opened is None:
        opened = (
            db.session.execute(
                select(VideoProgress.language).where(
                    VideoProgress.round_id == round_id_of(member),
                    VideoProgress.member_id == member.id,
                    VideoProgress.module_id == module.id,
                )
            )
            .scalars()
            .all()
        )
    if language in opened:
        return False
    return _insert_video_progress(member, module, language, video.duration, now or utcnow())


def _insert_video_progress(
    member: Member, module: Module, language: str, duration: float, now: datetime
) -> bool:
    """The member's empty progress row for the video, unless it exists; True when inserted."""
    return insert_ignoring_conflict(
        VideoProgress,
        {
            "round_id": round_id_of(member),
            "member_id": member.id,
            "module_id": module.id,
            "language": language,
            "intervals": [],
            "seconds_watched": 0.0,
            "duration": duration,
            "created_at": now,
        },
        ["round_id", "member_id", "module_id", "language"],
    )


def record_segments(
    member: Member,
    course: Course,
    module: Module,
    language: str,
    raw_segments: Any,
    rules: LearningRules,
    now: datetime | None = None,
    *,
    opened_at: datetime | None = None,
) -> ProgressUpdate:
    """Merge played segments into the member's watched intervals and complete the video step at the
    threshold. ``opened_at``, when the member's page opened the video (a signed note the page carries),
    is noted as the video's first opening with the first report in its language.

    Raises :class:`ProgressRejectedError` for segments outside the video, or when the seconds watched since
    the member first opened the module's video (in any language) would exceed the wall time since then at
    the fastest playback rate, plus :attr:`LearningRules.slack_seconds` once. A rejected report changes
    nothing. Seeking does not count: only played segments are reported.
    """
    video = module.video(language)
    if video is None:
        raise ProgressRejectedError("the module has no video in that language", "no_video")
    segments = parse_segments(raw_segments, video.duration)
    now = now or utcnow()

    # Touching the module's progress row first takes SQLite's write lock and PostgreSQL's row lock, so
    # concurrent reports for the same module are applied one after the other; it also tells whether the
    # video step is done. The first report creates the module's row (opening the page does not start the
    # module) and the video's row in its language, from the moment the page opened the video (else now).
    touched = touch(member, module.id, now)
    if touched is None:
        ensure_module_progress(member, module.id, now)
        touched = touch(member, module.id, now)
    assert touched is not None
    rows = {row.language: row for row in _video_progress_for_update(member, module)}
    if language not in rows:
        opened = min(opened_at, now) if opened_at is not None else now
        open_module(member, module, language, opened, opened=rows)
        rows = {row.language: row for row in _video_progress_for_update(member, module)}
    progress = rows[language]

    merged = merge_intervals([*progress.intervals, *segments])
    watched = covered_seconds(merged)
    new_seconds = watched - progress.seconds_watched
    first_opened = min(row.created_at for row in rows.values())
    total = sum(row.seconds_watched for row in rows.values()) + new_seconds
    elapsed = max((now - first_opened).total_seconds(), 0.0)
    allowance = elapsed * rules.max_playback_rate + rules.slack_seconds
    if new_seconds > 0 and total > allowance:
        raise ProgressRejectedError(
            f"{total:.1f} seconds watched in all, but at most {allowance:.1f} are possible since the video "
            "was first opened",
            "too_fast",
        )

    values: dict[str, Any] = {"duration": video.duration, "last_report_at": now}
    coverage = touched.video_coverage
    if new_seconds > 0:
        values |= {"intervals": [[start, end] for start, end in merged], "seconds_watched": watched}
        intervals = {other: row.intervals for other, row in rows.items()} | {language: merged}
        # Never lower: what was watched stays watched whichever language the page is in now.
        coverage = max(coverage, coverage_across_languages(module, intervals))
        db.session.execute(
            update(_progress_table)
            .where(_progress_table.c.id == touched.id)
            .values(video_coverage=round(coverage, 6))
        )
    db.session.execute(update(_video_table).where(_video_table.c.id == progress.id).values(values))

    is_done = touched.video_completed_at is not None
    completed_now = False
    if not is_done and coverage >= rules.video_threshold - 1e-9:
        completed_now = _complete_video_step(member, course, module, "video", now)
        is_done = True
    return ProgressUpdate(watched, video.duration, coverage, is_done, completed_now)


def confirm_transcript(
    member: Member, course: Course, module: Module, rules: LearningRules, now: datetime | None = None
) -> bool:
    """Complete the video step by reading the transcript; False when that route is switched off."""
    if not rules.transcript_counts:
        return False
    now = now or utcnow()
    ensure_module_progress(member, module.id, now)
    touch(member, module.id, now)
    _complete_video_step(member, course, module, "transcript", now)
    db.session.flush()
    return True


_progress_table = ModuleProgress.__table__
#: Through the table rather than the mapped class: a progress report runs this every few seconds, and the
#: ORM's bulk-update machinery cost more than the statement itself.
_TOUCH = (
    update(_progress_table)
    .where(
        _progress_table.c.round_id == bindparam("touch_round"),
        _progress_table.c.member_id == bindparam("touch_member"),
        _progress_table.c.module_id == bindparam("touch_module"),
    )
    .values(last_activity_at=bindparam("touch_now"))
    .returning(_progress_table.c.id, _progress_table.c.video_completed_at, _progress_table.c.video_coverage)
)


def touch(member: Member, module_id: str, now: datetime) -> Row[Any] | None:
    """Note the member's activity in the module; the row's id, ``video_completed_at`` and
    ``video_coverage``, or None without a row."""
    return db.session.execute(
        _TOUCH,
        {
            "touch_round": round_id_of(member),
            "touch_member": member.id,
            "touch_module": module_id,
            "touch_now": now,
        },
    ).first()


_video_table = VideoProgress.__table__
_VIDEO_FOR_UPDATE = (
    select(
        _video_table.c.id,
        _video_table.c.language,
        _video_table.c.intervals,
        _video_table.c.seconds_watched,
        _video_table.c.created_at,
    )
    .where(
        _video_table.c.round_id == bindparam("round_id"),
        _video_table.c.member_id == bindparam("member_id"),
        _video_table.c.module_id == bindparam("module_id"),
    )
    .with_for_update()
)


def _video_progress_for_update(member: Member, module: Module) -> list[Row[Any]]:
    """The member's watched intervals of the module's video in each language opened, locked until the
    transaction ends."""
    return list(
        db.session.execute(
            _VIDEO_FOR_UPDATE,
            {"round_id": round_id_of(member), "member_id": member.id, "module_id": module.id},
        )
    )


def is_video_done(member: Member, module_id: str) -> bool:
    return (
        db.session.execute(
            select(ModuleProgress.video_completed_at).where(
                ModuleProgress.round_id == round_id_of(member),
                ModuleProgress.member_id == member.id,
                ModuleProgress.module_id == module_id,
            )
        ).scalar()
        is not None
    )


def _complete_video_step(member: Member, course: Course, module: Module, route: str, now: datetime) -> bool:
    # The WHERE clause makes this happen once, however many requests race to do it.
    result = db.session.execute(
        update(ModuleProgress)
        .where(
            ModuleProgress.round_id == round_id_of(member),
            ModuleProgress.member_id == member.id,
            ModuleProgress.module_id == module.id,
            ModuleProgress.video_completed_at.is_(None),
        )
        .values(video_completed_at=now, video_route=route)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    update_completion(member, course, module, now)
    return True
