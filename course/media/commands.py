"""The ``build-videos`` and ``add-video`` commands, registered on the ``council-course`` group.

Thin wrappers: they read the folders from the ``COURSE_*`` settings (or options), load the course, call
:func:`course.media.build.build_videos` or :func:`course.media.supply.supply_video` and print what happens.
Errors end the command with one clear line and exit status 1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import click

from course.config import SettingsError, settings_from_env
from course.content import InvalidContentError, load_course
from course.content.model import LOCALES, Course
from course.media.build import (
    BuildEvent,
    BuildSettings,
    Progress,
    Status,
    Step,
    build_videos,
    default_cache_dir,
    plan_video,
)
from course.media.supply import supply_video
from course.media.tools import MediaError, find_tools, probe_duration

_FOLDER = click.Path(file_okay=False, path_type=Path)


def _folders(content_dir: Path | None, video_dir: Path | None) -> tuple[Path, Path]:
    """The content and video folders: the options if given, else the COURSE_* settings."""
    try:
        settings = settings_from_env(os.environ)
    except SettingsError as error:
        raise click.ClickException(str(error)) from error
    return content_dir or settings["COURSE_CONTENT_DIR"], video_dir or settings["COURSE_VIDEO_DIR"]


def _load(content_dir: Path) -> Course:
    try:
        return load_course(content_dir)
    except InvalidContentError as error:
        raise click.ClickException(
            f"{error}\nFix the content first (council-course check-content)."
        ) from error


def _size(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", value)
    if match is None:
        raise click.BadParameter("give the size as WIDTHxHEIGHT, for example 1280x720")
    return int(match.group(1)), int(match.group(2))


_SAID = {
    (Step.SPEECH, Status.BUILT): "speech {scene}: spoken by espeak-ng ({detail})",
    (Step.SPEECH, Status.RECORDED): "speech {scene}: recorded narration ({detail})",
    (Step.SLIDE, Status.BUILT): "slide {scene}: drawn",
    (Step.ENCODE, Status.STARTED): "encoding {detail} ...",
    (Step.ENCODE, Status.CACHED): "media kept ({detail}); rewriting captions and chapters",
    (Step.VIDEO, Status.UP_TO_DATE): "up to date",
    (Step.VIDEO, Status.SUPPLIED): "{detail}",
    (Step.VIDEO, Status.DONE): "done: {detail}",
}


def _echo_progress(verbose: bool) -> Progress:
    def report(event: BuildEvent) -> None:
        template = _SAID.get((event.step, event.status))
        if template is None and verbose:
            template = f"{event.step} {{scene}}: {event.status} {{detail}}"
        if template is not None:
            click.echo(
                f"[{event.module}/{event.language}] "
                + template.format(scene=event.scene, detail=event.detail).rstrip()
            )

    return report


@click.command("build-videos")
@click.option(
    "--module",
    "module_ids",
    multiple=True,
    metavar="ID",
    help="Build this module only (repeatable). Default: every module.",
)
@click.option(
    "--lang",
    "languages",
    multiple=True,
    type=click.Choice(LOCALES),
    help="Build the video in this language only (repeatable). Default: da, sv and en.",
)
@click.option("--force", is_flag=True, help="Draw, speak and encode everything again, ignoring caches.")
@click.option(
    "--content-dir", type=_FOLDER, help="The course content. Default: COURSE_CONTENT_DIR or modules/."
)
@click.option("--video-dir", type=_FOLDER, help="Where the videos go. Default: COURSE_VIDEO_DIR or videos/.")
@click.option(
    "--cache-dir",
    type=_FOLDER,
    envvar="COURSE_MEDIA_CACHE_DIR",
    help=f"Slides and speech kept between builds. Default: {default_cache_dir()}.",
)
@click.option(
    "--narration-dir",
    type=_FOLDER,
    envvar="COURSE_NARRATION_DIR",
    help="Recorded narration, as <dir>/<module>/<lang>/<scene>.wav (or .mp3, .ogg, .flac); "
    "scenes without a recording are spoken by espeak-ng. Default: COURSE_NARRATION_DIR, else none.",
)
@click.option(
    "--check-narration",
    is_flag=True,
    help="Only list which scenes have a recording and how long it is; build nothing.",
)
@click.option("--size", default="1280x720", show_default=True, help="Frame size, WIDTHxHEIGHT.")
@click.option("--verbose", "-v", is_flag=True, help="Also report slides and speech taken from the cache.")
def build_videos_command(
    module_ids: tuple[str, ...],
    languages: tuple[str, ...],
    force: bool,
    content_dir: Path | None,
    video_dir: Path | None,
    cache_dir: Path | None,
    narration_dir: Path | None,
    check_narration: bool,
    size: str,
    verbose: bool,
) -> None:
    """Build the module videos from their storyboards: slides, speech, captions, chapters, WebM and MP4.

    Needs ffmpeg and espeak-ng (sudo apt-get install ffmpeg espeak-ng). Videos that match their storyboard
    are skipped, and only the scenes that changed are drawn and spoken again.
    """
    content_dir, video_dir = _folders(content_dir, video_dir)
    course = _load(content_dir)
    if narration_dir is not None and not narration_dir.is_dir():
        raise click.BadParameter(f"{narration_dir} is not a folder", param_hint="--narration-dir")
    if check_narration:
        _check_narration(course, narration_dir, module_ids or course.module_ids, languages or LOCALES)
        return
    width, height = _size(size)
    try:
        settings = BuildSettings(width=width, height=height)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--size") from error
    try:
        results = build_videos(
            course,
            video_dir,
            module_ids=module_ids or None,
            languages=languages or None,
            cache_dir=cache_dir,
            settings=settings,
            force=force,
            progress=_echo_progress(verbose),
            narration_dir=narration_dir,
        )
    except MediaError as error:
        raise click.ClickException(str(error)) from error
    counts: dict[str, int] = {}
    for result in results:
        counts[result.status] = counts.get(result.status, 0) + 1
    summary = ", ".join(f"{count} {status}" for status, count in counts.items())
    click.echo(f"{len(results)} video{'s' if len(results) != 1 else ''} in {video_dir}: {summary}")


def _check_narration(
    course: Course, narration_dir: Path | None, module_ids: tuple[str, ...], languages: tuple[str, ...]
) -> None:
    """Print, per video, each scene's recording and its length, or that espeak-ng will speak it."""
    if narration_dir is None:
        raise click.UsageError("--check-narration needs --narration-dir (or COURSE_NARRATION_DIR)")
    try:
        ffprobe = find_tools("ffprobe").ffprobe or "ffprobe"
        recorded = total = 0
        for module_id in module_ids:
            for language in languages:
                plan = plan_video(course, module_id, language, narration_dir=narration_dir)
                for scene in plan.module.scenes:
                    total += 1
                    path = plan.recordings.get(scene.id)
                    if path is None:
                        said = "no recording: espeak-ng speaks it"
                    else:
                        recorded += 1
                        try:
                            length = probe_duration(ffprobe, path)
                        except MediaError as error:
                            raise MediaError(
                                f"{path}: not an audio file ffprobe can read ({error})"
                            ) from error
                        said = f"{path.name}, {length:.1f} s"
                    click.echo(f"[{module_id}/{language}] {scene.id}: {said}")
    except MediaError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{recorded} of {total} scenes recorded in {narration_dir}")


def _captions(values: tuple[str, ...]) -> dict[str, Path]:
    captions: dict[str, Path] = {}
    for value in values:
        language, separator, file = value.partition("=")
        if not separator or language not in LOCALES or not file:
            raise click.BadParameter(
                f"{value!r}: give it as LANG=FILE, LANG one of {', '.join(LOCALES)}", param_hint="--captions"
            )
        captions[language] = Path(file)
    return captions


@click.command("add-video")
@click.argument("module_id", metavar="MODULE")
@click.argument("language", metavar="LANG", type=click.Choice(LOCALES))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--captions",
    "captions",
    multiple=True,
    metavar="LANG=FILE",
    help="WebVTT captions; required for each of da, sv and en.",
)
@click.option(
    "--chapters",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A WebVTT chapters track (optional).",
)
@click.option(
    "--poster",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A still image shown before playing (optional).",
)
@click.option(
    "--content-dir", type=_FOLDER, help="The course content. Default: COURSE_CONTENT_DIR or modules/."
)
@click.option("--video-dir", type=_FOLDER, help="Where the videos go. Default: COURSE_VIDEO_DIR or videos/.")
def add_video_command(
    module_id: str,
    language: str,
    file: Path,
    captions: tuple[str, ...],
    chapters: Path | None,
    poster: Path | None,
    content_dir: Path | None,
    video_dir: Path | None,
) -> None:
    """Use the council's own video FILE (.webm or .mp4) for MODULE in LANG, with captions in every language.

    Example: council-course add-video how-social-media-work da kl-video.mp4 --captions da=kl.da.vtt
    --captions sv=kl.sv.vtt --captions en=kl.en.vtt
    """
    content_dir, video_dir = _folders(content_dir, video_dir)
    course = _load(content_dir)
    try:
        manifest = supply_video(
            course,
            video_dir,
            module_id,
            language,
            file,
            _captions(captions),
            chapters=chapters,
            poster=poster,
        )
    except MediaError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Added {file.name} for {module_id} in {language}: {manifest}")
    click.echo("build-videos leaves this video alone; delete that manifest.json to build the video again.")
