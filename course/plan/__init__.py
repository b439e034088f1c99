"""The council's own plan against threats and harassment, and where the course points to it.

Layers inside the package: ``template`` (the templates in ``modules/plan``, loaded without Flask),
``models`` (the draft and the adopted versions), ``services`` (drafting, adoption, what members see, review
reminders; no request), ``pdf``, ``forms`` and the thin ``views``. The product keeps no incident log: the
plan says where to turn, and nothing about what happened is stored.
"""

from __future__ import annotations

from datetime import date

from flask import Flask, current_app

from course.plan.template import PlanTemplate, load_templates

EXTENSION_KEY = "council_course.plan_templates"


def init_app(app: Flask) -> None:
    """Load the plan templates once, checked against the course's sources."""
    from course.web.course import get_course

    with app.app_context():
        sources = set(get_course().sources)
    app.extensions[EXTENSION_KEY] = load_templates(app.config["COURSE_CONTENT_DIR"], sources)
    app.add_template_filter(_tel, "plan_tel")
    app.add_template_filter(date.fromisoformat, "plan_date")


def _tel(number: str) -> str:
    """A phone number for a ``tel:`` link: digits, and a leading + if it has one."""
    from course.plan.services import Contact

    return Contact("", "", number, "").tel


def get_template(language: str) -> PlanTemplate:
    templates = current_app.extensions[EXTENSION_KEY]
    return templates.get(language) or templates["en"]
