"""Video building: storyboard -> slides (Pillow) + speech (espeak-ng) + captions -> WebM and MP4 (ffmpeg).

Nothing here imports Flask. The ``council-course build-videos`` and ``add-video`` commands live in
:mod:`course.media.commands`; ``docs/videos.md`` describes building and supplying videos.
"""

from course.media.build import BuildEvent, BuildSettings, VideoResult, build_videos, plan_video
from course.media.supply import supply_video
from course.media.tools import MediaError, MediaToolMissingError

__all__ = [
    "BuildEvent",
    "BuildSettings",
    "MediaError",
    "MediaToolMissingError",
    "VideoResult",
    "build_videos",
    "plan_video",
    "supply_video",
]
