"""The loaded course, held by the application.

The course is loaded once when the application is created (``course.content`` validates it) and shared
read-only by every request.
"""

from __future__ import annotations

from flask import Flask, current_app

from course.content import Course, load_course

EXTENSION_KEY = "council_course.course"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = load_course(
        app.config["COURSE_CONTENT_DIR"], app.config["COURSE_VIDEO_DIR"]
    )


def get_course() -> Course:
    return current_app.extensions[EXTENSION_KEY]
