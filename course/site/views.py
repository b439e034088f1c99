from __future__ import annotations

import mimetypes

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from course.auth.access import public, safe_next_url
from course.extensions import db, limiter
from course.i18n import LOCALES
from course.site import accessibility
from course.web.course import get_course

bp = Blueprint("site", __name__)

mimetypes.add_type("text/vtt", ".vtt")


@bp.get("/healthz")
@public
@limiter.exempt
def check_health():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/language")
@public
def switch_language():
    language = request.form.get("lang")
    if language not in LOCALES:
        abort(400)
    session["lang"] = language
    if current_user.is_authenticated:
        current_user.locale = language
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("learning.show_overview"))


@bp.get("/media/<module_id>/<language>/<path:filename>")
@public
@limiter.exempt
def serve_media(module_id: str, language: str, filename: str):
    """A video's files, with HTTP range requests so players can seek. Only files a manifest names."""
    module = get_course().module(module_id)
    video = module.video(language) if module is not None else None
    if video is None:
        abort(404)
    allowed = {source.path for source in video.sources} | set(video.captions.values())
    allowed |= {path for path in (video.poster, video.chapters_track) if path}
    if filename not in allowed:
        abort(404)
    return send_from_directory(video.directory, filename, conditional=True, max_age=3600)


@bp.get("/accessibility")
@public
def show_accessibility_statement():
    return render_template(
        "site/accessibility.html",
        limitations=accessibility.LIMITATIONS,
        prepared_on=accessibility.PREPARED_ON,
        reviewed_on=accessibility.REVIEWED_ON,
        contact=accessibility.reporting_contact(current_app.config),
        operator=current_app.config.get("COURSE_OPERATOR_NAME"),
        address=current_app.config["COURSE_BASE_URL"],
    )
