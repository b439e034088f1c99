"""The dashboard's module cells, drawn in Python.

A dashboard of 60 members draws 180 of these cells (members × modules); as a Jinja macro they were a fifth
of the page's time on PostgreSQL. The fixed pieces of a cell (icons, labels) are made once per page in
``councils/_cells.html`` as ``CELL_PIECES``, already markup; this joins them with the member's state as
plain strings, escaping the only two texts built here, and marks the result safe once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from course.councils.dashboard import ModuleCell
from course.templating import dateformat, percent
from course.templating import fast_gettext as _


def draw_module_cell(cell: ModuleCell, pieces: Mapping[str, Any]) -> Markup:
    """One member's steps in one module: the video, each quiz (passed or not, never how often tried) and the
    completion date."""
    check, quiz_labels = pieces["check"], pieces["quiz"]
    if cell.video_route == "transcript":
        video = f"{check}{pieces['transcript_read']}"
    elif cell.is_video_done:
        video = f"{check}{pieces['video_watched']}"
    elif cell.coverage > 0:
        watched = escape(_("Video: %(percent)s watched", percent=percent(cell.coverage)))
        video = f"{pieces['videocam']}{watched}"
    else:
        video = f'<span class="step-none">{pieces["videocam"]}{pieces["video_not_started"]}</span>'
    lines = [f'<ul class="cell-steps">\n  <li>{video}</li>']
    for quiz in cell.quizzes:
        label = quiz_labels[quiz.quiz.kind]
        if quiz.is_passed:
            lines.append(f"  <li>{check}{label}: {pieces['passed']}</li>")
        else:
            not_yet = pieces["not_passed_yet"]
            lines.append(f'  <li><span class="step-none">{pieces["student"]}{label}: {not_yet}</span></li>')
    if cell.completed_at is not None:
        completed = escape(_("Completed %(date)s", date=dateformat(cell.completed_at, "medium")))
        lines.append(f'  <li class="step-done"><strong>{completed}</strong></li>')
    lines.append("</ul>")
    return Markup("\n".join(lines))  # noqa: S704 - markup pieces and escaped texts only
