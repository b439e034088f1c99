from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from course.auth.access import member_required
from course.content import Module, Quiz
from course.extensions import db
from course.learning import notices, progress, quizzes, rounds, watching
from course.learning.watching import LearningRules
from course.web.course import get_course
from course.web.inputs import InputError, parse_id, parse_json
from course.web.templating import current_locale

bp = Blueprint("learning", __name__)


def _rules() -> LearningRules:
    return LearningRules.from_config(current_app.config)


def _module_or_404(module_id: str) -> Module:
    module = get_course().module(module_id)
    if module is None:
        abort(404)
    return module


def _quiz_or_404(module: Module, quiz_id: str) -> Quiz:
    quiz = module.quiz(quiz_id)
    if quiz is None:
        abort(404)
    return quiz


def _video_language(module: Module) -> str:
    language = current_locale()
    return language if module.video(language) is not None else "en"


#: The page's note of when it opened a video, signed, for the honest-watching rule's clock.
OPENED_SALT = "video-opened"
#: A note older than this counts as none: the report is judged from its own time.
OPENED_MAX_AGE_SECONDS = 24 * 3600


def _opened_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=OPENED_SALT)


def _opened_value(module_id: str, language: str) -> list[Any]:
    return [current_user.id, current_user.council.current_round_id, module_id, language]


def _opened_at(token: Any, module_id: str, language: str) -> datetime | None:
    """When the member's page opened the module's video in ``language``, from the page's signed note."""
    if not isinstance(token, str) or len(token) > 200:
        return None
    try:
        value, signed_at = _opened_serializer().loads(
            token, max_age=OPENED_MAX_AGE_SECONDS, return_timestamp=True
        )
    except BadSignature:
        return None
    return signed_at if value == _opened_value(module_id, language) else None


@bp.get("/")
@member_required
def show_overview():
    course = get_course()
    state = progress.get_course_state(current_user, course)
    history = rounds.get_history(current_user)
    return render_template("learning/overview.html", course=course, state=state, history=history)


@bp.get("/modules/<module_id>")
@member_required
def show_module(module_id: str):
    course = get_course()
    module = _module_or_404(module_id)
    language = _video_language(module)
    state = progress.get_module_state(current_user, course, module)
    return _render_module(course, module, language, state)


def _render_module(course, module: Module, language: str, state, transcript_error: str | None = None) -> str:
    # Opening the page writes nothing (it does not start the module). The video's first report carries
    # the page's signed note of when it was opened, the clock of the honest-watching rule.
    opened = None
    if language not in state.video_languages:
        opened = _opened_serializer().dumps(_opened_value(module.id, language))
    return render_template(
        "learning/module.html",
        course=course,
        module=module,
        video=module.video(language),
        state=state,
        rules=_rules(),
        # The key points and the law table a learner reads follow the country of their council.
        country=current_user.council.country,
        transcript_error=transcript_error,
        opened=opened,
        rate_note=notices.rate_note(_rules()),
    )


@bp.post("/modules/<module_id>/transcript")
@member_required
def confirm_transcript(module_id: str):
    course = get_course()
    module = _module_or_404(module_id)
    if request.form.get("read") != "yes":
        state = progress.get_module_state(current_user, course, module)
        error = _("Tick the box to confirm that you have read the whole transcript.")
        return _render_module(course, module, _video_language(module), state, transcript_error=error), 422
    if not watching.confirm_transcript(current_user, course, module, _rules()):
        abort(403)
    db.session.commit()
    flash(_("Thank you. The quizzes are now open."), "success")
    return redirect(url_for("learning.show_module", module_id=module.id, _anchor="quizzes"))


@bp.get("/modules/<module_id>/quizzes/<quiz_id>")
@member_required
def take_quiz(module_id: str, quiz_id: str):
    course = get_course()
    module = _module_or_404(module_id)
    quiz = _quiz_or_404(module, quiz_id)
    try:
        attempt = quizzes.get_or_start_attempt(current_user, course, module, quiz)
    except quizzes.QuizLockedError:
        return render_template("learning/quiz_locked.html", module=module, quiz=quiz), 403
    db.session.commit()
    state = progress.get_module_state(current_user, course, module)
    return render_template(
        "learning/quiz.html", module=module, quiz=quiz, attempt=attempt, state=state, answers={}, missing=[]
    )


@bp.post("/modules/<module_id>/quizzes/<quiz_id>")
@member_required
def submit_quiz(module_id: str, quiz_id: str):
    course = get_course()
    module = _module_or_404(module_id)
    quiz = _quiz_or_404(module, quiz_id)
    if not request.form.get("attempt"):
        abort(400)
    attempt_id = parse_id(request.form["attempt"])
    if attempt_id is None:
        abort(404)  # no attempt has that number
    answers = {key: request.form.getlist(key) for key in request.form if key not in ("attempt", "csrf_token")}
    try:
        result = quizzes.submit_attempt(current_user, course, module, quiz, attempt_id, answers)
    except quizzes.AttemptNotFoundError:
        abort(404)
    except quizzes.InvalidAnswersError:
        db.session.rollback()
        abort(400)
    except quizzes.IncompleteAnswersError as incomplete:
        db.session.rollback()
        attempt = quizzes.get_attempt(current_user, attempt_id, module.id, quiz.id)
        state = progress.get_module_state(current_user, course, module)
        return render_template(
            "learning/quiz.html",
            module=module,
            quiz=quiz,
            attempt=attempt,
            state=state,
            answers=answers,
            missing=incomplete.missing,
        ), 422
    db.session.commit()
    return redirect(
        url_for("learning.show_attempt", module_id=module.id, quiz_id=quiz.id, attempt_id=result.attempt.id),
        code=303,
    )


@bp.get("/modules/<module_id>/quizzes/<quiz_id>/attempts/<id:attempt_id>")
@member_required
def show_attempt(module_id: str, quiz_id: str, attempt_id: int):
    course = get_course()
    module = _module_or_404(module_id)
    quiz = _quiz_or_404(module, quiz_id)
    try:
        attempt = quizzes.get_attempt(current_user, attempt_id, module.id, quiz.id)
    except quizzes.AttemptNotFoundError:
        abort(404)
    if attempt.submitted_at is None:
        return redirect(url_for("learning.take_quiz", module_id=module.id, quiz_id=quiz.id))
    # The whole course's state: a pass that completes the module leads on to the next module, or to the
    # certificate when the course is complete.
    course_state = progress.get_course_state(current_user, course)
    return render_template(
        "learning/attempt.html",
        module=module,
        quiz=quiz,
        attempt=attempt,
        state=course_state.module(module.id),
        course_state=course_state,
        next_module=course.module(course_state.next_module_id) if course_state.next_module_id else None,
    )


@bp.post("/api/progress")
@member_required
def report_progress():
    """Played segments from the video player: JSON with an X-CSRFToken header, or a form-encoded beacon
    (``navigator.sendBeacon`` cannot set headers, so it sends the token as a field)."""
    try:
        if request.is_json:
            payload = parse_json(request.get_data())
            if not isinstance(payload, dict):
                return jsonify(error="expected a JSON object"), 400
            module_id, language, segments, opened = (
                payload.get("module"),
                payload.get("language"),
                payload.get("segments"),
                payload.get("opened"),
            )
        else:
            module_id, language = request.form.get("module"), request.form.get("language")
            segments = parse_json(request.form.get("segments", ""))
            opened = request.form.get("opened")
    except InputError as error:
        return jsonify(error=str(error)), 400
    course = get_course()
    module = course.module(module_id) if isinstance(module_id, str) else None
    if module is None or not isinstance(language, str):
        return jsonify(error="unknown module or language"), 400
    try:
        update = watching.record_segments(
            current_user,
            course,
            module,
            language,
            segments,
            _rules(),
            opened_at=_opened_at(opened, module.id, language),
        )
    except watching.ProgressRejectedError as rejected:
        db.session.rollback()
        # ``error`` is the technical reason; ``message`` tells the member, in their language, what to do.
        message = notices.rejection_message(rejected.reason, _rules())
        return jsonify(error=str(rejected), reason=rejected.reason, message=message), 422
    db.session.commit()
    return jsonify(
        seconds_watched=round(update.seconds_watched, 1),
        duration=update.duration,
        coverage=round(update.coverage, 4),
        video_done=update.is_video_done,
        video_completed_now=update.video_completed_now,
    )
