"""The council seminar, live: the secretariat plans a seminar from the conversation material, runs it on
the meeting room's screen, and members follow and answer anonymously on their phones.

Layers inside the package: ``models`` (state), ``material`` (the cards a seminar can use, from the
content), ``operations`` (planning, the facilitator's state machine, answers, attendance, the seminar
completion; they flush), ``queries`` (the room's state and the summary), ``live`` (one watcher per process
that sees changes made by any worker or host and fans them out to the open event streams), ``pdf`` and the
views.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from course.seminars import live

    live.init_app(app)
