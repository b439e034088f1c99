"""The seminar's pages: planning and running it (the council's administrators, under /admin/seminars) and
the room (members of the council: joining, answering, and the event stream both pages listen to)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from course.auth.access import admin_required, member_required
from course.extensions import db, limiter
from course.seminars import live, operations, queries
from course.seminars.forms import SeminarForm, SettingsForm
from course.seminars.material import find_card, list_material
from course.seminars.messages import error_message
from course.seminars.models import MIN_ANSWERS_RANGE
from course.seminars.pdf import scale_label, summary_pdf
from course.urls import absolute_url
from course.web.course import get_course
from course.web.templating import dateformat, localize

admin_bp = Blueprint("seminars", __name__, url_prefix="/admin/seminars")
room_bp = Blueprint("seminar_room", __name__)


def _council_seminar(seminar_id: int):
    seminar = queries.get_seminar(current_user.council_id, seminar_id)
    if seminar is None:
        abort(404)
    return seminar


def _council_item(seminar, item_id: int):
    item = next((item for item in seminar.items if item.id == item_id), None)
    if item is None:
        abort(404)
    return item


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _done(seminar, endpoint: str = "seminars.present"):
    """After a control: JSON for the presenter's script, a redirect back for a plain form."""
    if _wants_json():
        return jsonify(ok=True, version=seminar.version)
    return redirect(url_for(endpoint, seminar_id=seminar.id), code=303)


def _refused(seminar, error: operations.SeminarError, endpoint: str = "seminars.present"):
    db.session.rollback()
    message = error_message(error.reason)
    if _wants_json():
        return jsonify(ok=False, message=message), 409
    flash(message, "warning")
    return redirect(url_for(endpoint, seminar_id=seminar.id), code=303)


# --- planning ----------------------------------------------------------------------------------------------


def _list_page(form=None, settings=None, status=200):
    if settings is None:
        settings = SettingsForm(
            prefix="settings", min_answers=operations.get_min_answers(current_user.council_id)
        )
    page = render_template(
        "seminars/list.html",
        seminars=queries.list_seminars(current_user.council_id),
        form=form or SeminarForm(),
        settings=settings,
        min_answers_range=MIN_ANSWERS_RANGE,
        admin_page="seminars",
    )
    return page, status


@admin_bp.get("")
@admin_required
def list_seminars():
    return _list_page()


@admin_bp.post("")
@admin_required
def plan_seminar():
    form = SeminarForm()
    if not form.validate_on_submit():
        return _list_page(form=form, status=422)
    seminar = operations.plan_seminar(
        current_user.council, form.title.data, form.held_on.data, form.place.data or "", actor=current_user
    )
    db.session.commit()
    flash(_("The seminar is planned. Now choose its cards."), "success")
    return redirect(url_for("seminars.show_seminar", seminar_id=seminar.id), code=303)


@admin_bp.post("/settings")
@admin_required
def update_settings():
    form = SettingsForm(prefix="settings")
    if not form.validate_on_submit():
        return _list_page(settings=form, status=422)
    operations.set_min_answers(current_user.council, form.min_answers.data, actor=current_user)
    db.session.commit()
    flash(_("The setting is saved."), "success")
    return redirect(url_for("seminars.list_seminars"), code=303)


@dataclass(frozen=True, slots=True)
class RefusedQuestion:
    """A question the facilitator typed that was refused: shown again as typed, with the reason."""

    item_id: int
    kind: str
    question: str
    options: str
    field: str
    message: str


def _question_field(reason: str, item_id: int) -> str:
    """The field an error summary links to for a refused question."""
    if reason in ("ended", "answered"):  # the form is then shown read-only
        return f"item-{item_id}"
    return {"kind": "kind", "options": "options"}.get(reason, "question") + f"-{item_id}"


def _seminar_page(seminar, form=None, status=200, *, refused=None, card_error=None):
    course = get_course()
    items = [(item, find_card(course.conversation, item.source, item.card_id)) for item in seminar.items]
    chosen = {(item.source, item.card_id) for item in seminar.items}
    material = [
        card for card in list_material(course.conversation) if (card.source, card.card_id) not in chosen
    ]
    errors = []
    if refused is not None:
        errors.append((refused.field, refused.message))
    if card_error is not None:
        errors.append(("card", card_error))
    return (
        render_template(
            "seminars/seminar.html",
            seminar=seminar,
            items=items,
            material=material,
            conversation=course.conversation,
            form=form or SeminarForm(obj=seminar),
            errors=errors,
            refused=refused,
            card_error=card_error,
            join_url=absolute_url("seminar_room.show_room", join_code=seminar.join_code),
            admin_page="seminars",
        ),
        status,
    )


@admin_bp.get("/<id:seminar_id>")
@admin_required
def show_seminar(seminar_id: int):
    return _seminar_page(_council_seminar(seminar_id))


@admin_bp.post("/<id:seminar_id>")
@admin_required
def update_seminar(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    form = SeminarForm()
    if not form.validate_on_submit():
        return _seminar_page(seminar, form, 422)
    operations.update_details(
        seminar, form.title.data, form.held_on.data, form.place.data or "", actor=current_user
    )
    db.session.commit()
    flash(_("The seminar is saved."), "success")
    return redirect(url_for("seminars.show_seminar", seminar_id=seminar.id), code=303)


@admin_bp.post("/<id:seminar_id>/items")
@admin_required
def add_card(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    source, _sep, card_id = request.form.get("card", "").partition(":")
    card = find_card(get_course().conversation, source, card_id)
    if card is None:
        return _seminar_page(seminar, status=422, card_error=_("Choose a card from the list."))
    try:
        operations.add_card(seminar, card, current_user.council.default_locale, actor=current_user)
    except operations.SeminarError as error:
        db.session.rollback()
        return _seminar_page(seminar, status=422, card_error=error_message(error.reason))
    db.session.commit()
    flash(_('The card "%(title)s" is added to the seminar.', title=localize(card.title)), "success")
    return redirect(url_for("seminars.show_seminar", seminar_id=seminar.id, _anchor="cards"), code=303)


@admin_bp.post("/<id:seminar_id>/items/<id:item_id>")
@admin_required
def update_question(seminar_id: int, item_id: int):
    seminar = _council_seminar(seminar_id)
    item = _council_item(seminar, item_id)
    kind = request.form.get("kind", "")
    options = request.form.get("options", "").splitlines()
    try:
        operations.update_question(
            item, kind or None, request.form.get("question", ""), options, actor=current_user
        )
    except operations.SeminarError as error:
        db.session.rollback()
        refused = RefusedQuestion(
            item_id,
            kind,
            request.form.get("question", "")[:1000],
            request.form.get("options", "")[:2000],
            _question_field(error.reason, item_id),
            error_message(error.reason),
        )
        return _seminar_page(seminar, status=422, refused=refused)
    db.session.commit()
    flash(_("The question is saved."), "success")
    return redirect(
        url_for("seminars.show_seminar", seminar_id=seminar.id, _anchor=f"item-{item_id}"), code=303
    )


@admin_bp.post("/<id:seminar_id>/items/<id:item_id>/move")
@admin_required
def move_card(seminar_id: int, item_id: int):
    seminar = _council_seminar(seminar_id)
    item = _council_item(seminar, item_id)
    try:
        operations.move_item(item, -1 if request.form.get("direction") == "up" else 1, actor=current_user)
    except operations.SeminarError as error:
        return _refused(seminar, error, "seminars.show_seminar")
    db.session.commit()
    return redirect(url_for("seminars.show_seminar", seminar_id=seminar.id, _anchor="cards"), code=303)


@admin_bp.post("/<id:seminar_id>/items/<id:item_id>/remove")
@admin_required
def remove_card(seminar_id: int, item_id: int):
    seminar = _council_seminar(seminar_id)
    item = _council_item(seminar, item_id)
    try:
        operations.remove_item(item, actor=current_user)
    except operations.SeminarError as error:
        return _refused(seminar, error, "seminars.show_seminar")
    db.session.commit()
    return redirect(url_for("seminars.show_seminar", seminar_id=seminar.id, _anchor="cards"), code=303)


# --- running it ----------------------------------------------------------------------------------------


@admin_bp.get("/<id:seminar_id>/present")
@admin_required
def present(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    state = queries.load_room(seminar.id, get_course())
    join_url = absolute_url("seminar_room.show_room", join_code=seminar.join_code)
    return render_template(
        "seminars/present.html",
        seminar=seminar,
        state=state,
        join_url=join_url,
        join_qr=_qr_data_uri(join_url),
        is_early=operations.is_early(seminar),
        events_url=url_for("seminar_room.stream_events", join_code=seminar.join_code, view="screen"),
    )


def _qr_data_uri(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=6, border=2, dark="#1a1a1a")


def _control(seminar_id: int, action):
    seminar = _council_seminar(seminar_id)
    try:
        action(seminar)
    except operations.SeminarError as error:
        return _refused(seminar, error)
    db.session.commit()
    return _done(seminar)


@admin_bp.post("/<id:seminar_id>/next")
@admin_required
def next_card(seminar_id: int):
    return _control(seminar_id, lambda seminar: operations.step(seminar, 1, actor=current_user))


@admin_bp.post("/<id:seminar_id>/back")
@admin_required
def previous_card(seminar_id: int):
    return _control(seminar_id, lambda seminar: operations.step(seminar, -1, actor=current_user))


@admin_bp.post("/<id:seminar_id>/open")
@admin_required
def open_question(seminar_id: int):
    return _control(seminar_id, operations.open_question)


@admin_bp.post("/<id:seminar_id>/close")
@admin_required
def close_question(seminar_id: int):
    return _control(seminar_id, operations.close_question)


@admin_bp.post("/<id:seminar_id>/reveal")
@admin_required
def reveal_results(seminar_id: int):
    return _control(seminar_id, lambda seminar: operations.reveal_results(seminar, actor=current_user))


@admin_bp.post("/<id:seminar_id>/agreements")
@admin_required
def add_agreement(seminar_id: int):
    text = request.form.get("agreement", "")
    return _control(seminar_id, lambda seminar: operations.add_agreement(seminar, text, actor=current_user))


@admin_bp.post("/<id:seminar_id>/end")
@admin_required
def end_seminar(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    if request.form.get("confirmed") != "yes" and seminar.status == "live":
        # Ending cannot be undone: a plain form asks first on a page of its own (the script asks in a dialog
        # and sends the answer along).
        if _wants_json():
            return jsonify(ok=False, message=_("Confirm that the seminar is to end.")), 400
        return render_template("seminars/end.html", seminar=seminar)
    try:
        operations.end_seminar(seminar, actor=current_user)
    except operations.SeminarError as error:
        return _refused(seminar, error)
    db.session.commit()
    # The screen stays on the thank-you and the agreements: the attendance, with members' names, is
    # confirmed from the seminar's own page, never projected.
    return _done(seminar)


@admin_bp.get("/<id:seminar_id>/words")
@admin_required
def show_words(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    return render_template(
        "seminars/words.html",
        seminar=seminar,
        words=queries.list_words(seminar),
        shown=request.args.get("shown") == "1",
    )


@admin_bp.post("/<id:seminar_id>/words")
@admin_required
def moderate_word(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    answer_id = request.form.get("answer", "")
    decision = request.form.get("decision")
    if not answer_id.isdigit() or len(answer_id) > 12 or decision not in ("approve", "reject"):
        abort(400)
    try:
        operations.moderate_word(seminar, int(answer_id), decision == "approve", actor=current_user)
    except operations.SeminarError as error:
        return _refused(seminar, error, "seminars.show_words")
    db.session.commit()
    if _wants_json():
        return jsonify(ok=True, version=seminar.version)
    # The facilitator has the words open already: they stay open after each decision.
    return redirect(url_for("seminars.show_words", seminar_id=seminar.id, shown=1), code=303)


@admin_bp.get("/<id:seminar_id>/attendance")
@admin_required
def show_attendance(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    return render_template(
        "seminars/attendance.html",
        seminar=seminar,
        attendees=queries.list_attendance(seminar),
        without_phone=queries.list_without_phone(seminar),
    )


@admin_bp.post("/<id:seminar_id>/attendance")
@admin_required
def confirm_attendance(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    present = {int(value) for value in request.form.getlist("present") if value.isdigit() and len(value) < 12}
    try:
        result = operations.confirm_attendance(
            seminar,
            present,
            record_completion=request.form.get("record_completion") == "yes",
            course=get_course(),
            actor=current_user,
        )
    except operations.SeminarError as error:
        return _refused(seminar, error, "seminars.show_attendance")
    db.session.commit()
    flash(
        _(
            "Attendance confirmed: %(present)d present, %(completions)d seminar completions recorded.",
            present=result.confirmed,
            completions=result.completions,
        ),
        "success",
    )
    if result.refused_on is not None:
        flash(
            _(
                "No completion was recorded: the day the seminar was held, %(date)s, is in the future or before the council's current round of the course. The attendance is saved.",  # noqa: E501
                date=dateformat(result.refused_on, "long"),
            ),
            "warning",
        )
    return redirect(url_for("seminars.show_summary", seminar_id=seminar.id), code=303)


@admin_bp.get("/<id:seminar_id>/summary")
@admin_required
def show_summary(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    language = current_user.council.default_locale
    summary = queries.seminar_summary(seminar, get_course())
    # Only the record is in the council's language; the site around it stays in the viewer's.
    with force_locale(language):
        content = render_template("seminars/_summary.html", summary=summary)
    return render_template(
        "seminars/summary.html", summary=summary, content=Markup(content), language=language
    )


@admin_bp.get("/<id:seminar_id>/summary.pdf")
@admin_required
def download_summary(seminar_id: int):
    seminar = _council_seminar(seminar_id)
    council = current_user.council
    pdf = summary_pdf(queries.seminar_summary(seminar, get_course()), council.name, council.default_locale)
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="seminar-{seminar.id}-{seminar.held_on}.pdf"'
    )
    return response


# --- the room ----------------------------------------------------------------------------------------------


def _room_seminar(join_code: str):
    """The seminar with this code, for a member of its council; anyone else learns nothing (404)."""
    seminar = queries.get_seminar_by_code(operations.normalise_join_code(join_code))
    if seminar is None or seminar.council_id != current_user.council_id:
        abort(404)
    return seminar


@room_bp.get("/join")
@member_required
def show_join():
    return render_template("seminars/join.html", code="", problem=None)


@room_bp.post("/join")
@member_required
@limiter.limit("30 per minute")
def join_with_code():
    code = operations.normalise_join_code(request.form.get("code", ""))
    seminar = queries.get_seminar_by_code(code)
    if seminar is None or seminar.council_id != current_user.council_id:
        problem = _("No seminar of your council has that code. Check the code on the screen.")
        return render_template("seminars/join.html", code=code, problem=problem), 404
    if seminar.status == "ended":
        problem = " ".join((error_message("ended"), _("Thank you for taking part.")))
        return render_template("seminars/join.html", code=code, problem=problem), 410
    operations.join(seminar, current_user)
    db.session.commit()
    return redirect(_room_url(seminar, "current-card"), code=303)


def _room_url(seminar, anchor: str | None = None) -> str:
    return url_for("seminar_room.show_room", join_code=seminar.join_code, _anchor=anchor)


def _room_page(seminar, own_answer: str | None = None):
    state = queries.load_room(seminar.id, get_course())
    return render_template(
        "seminars/room.html",
        seminar=seminar,
        state=state,
        has_joined=queries.has_joined(seminar.id, current_user.id),
        answered=queries.answered_items(seminar.id, current_user.id),
        own_answer=own_answer,
        events_url=url_for("seminar_room.stream_events", join_code=seminar.join_code),
    )


@room_bp.get("/join/<join_code>")
@member_required
def show_room(join_code: str):
    seminar = _room_seminar(join_code)
    if join_code != seminar.join_code:
        return redirect(url_for("seminar_room.show_room", join_code=seminar.join_code))
    return _room_page(seminar)


def _own_answer(seminar, value: str) -> str:
    """What the member just answered, in words, for their own phone only (it is never stored with them)."""
    item = operations.current_item(seminar)
    card = find_card(get_course().conversation, item.source, item.card_id)
    stored = operations.normalise_answer(item, value)
    if item.question_kind == "scale":
        label = scale_label(stored)
    elif item.question_kind == "choice":
        label = localize(queries.wording(item, card)[1][int(stored)])
    else:
        label = stored
    return _("Your answer: %(answer)s", answer=label)


@room_bp.post("/join/<join_code>")
@member_required
def join_room(join_code: str):
    seminar = _room_seminar(join_code)
    try:
        operations.join(seminar, current_user)
    except operations.SeminarError as error:
        db.session.rollback()
        flash(error_message(error.reason), "warning")
    db.session.commit()
    return redirect(_room_url(seminar, "current-card"), code=303)


@room_bp.post("/seminars/<join_code>/answer")
@member_required
def answer(join_code: str):
    seminar = _room_seminar(join_code)
    item_id = request.form.get("item", "")
    if not item_id.isdigit() or len(item_id) > 12:
        abort(400)
    try:
        counted = operations.answer(seminar, int(item_id), current_user, request.form.get("answer", ""))
    except operations.SeminarError as error:
        db.session.rollback()
        message = error_message(error.reason)
        if _wants_json():
            return jsonify(ok=False, message=message), 409
        flash(message, "warning")
        return redirect(url_for("seminar_room.show_room", join_code=seminar.join_code), code=303)
    own = _own_answer(seminar, request.form.get("answer", "")) if counted else None
    db.session.commit()
    message = (
        _("Thank you. Your answer is counted.") if counted else _("You have already answered this question.")
    )
    if _wants_json():
        return jsonify(ok=True, counted=counted, item=int(item_id), message=message, own=own)
    if not counted:
        flash(message, "info")
        return redirect(_room_url(seminar, "current-card"), code=303)
    # The answer's own page (not a redirect) says what was answered: it stays on this phone and nowhere else.
    return _room_page(seminar, own_answer=own)


@room_bp.get("/seminars/<join_code>/events")
@member_required
def stream_events(join_code: str):
    seminar = _room_seminar(join_code)
    screen = request.args.get("view") == "screen"
    if screen and not current_user.is_admin:
        abort(404)
    state = queries.load_room(seminar.id, get_course())
    # The stream may stay open for minutes: it must not hold a database connection meanwhile.
    db.session.close()
    last = request.headers.get("Last-Event-ID", "")
    last_event_id = int(last) if last.isdigit() and len(last) < 12 else None
    locale = str(get_locale())
    template = "seminars/_screen.html" if screen else "seminars/_phone.html"

    def render(snapshot: live.Snapshot) -> str:
        def build() -> str:
            with force_locale(locale):
                html = render_template(template, state=snapshot.state, live=True)
                announce = render_template("seminars/_announce.html", state=snapshot.state)
            return live.json_event(html, " ".join(announce.split()))

        return snapshot.rendered((template, locale), build)

    config = current_app.config
    stream = live.event_stream(
        live.get_hub(current_app),
        state,
        last_event_id,
        render,
        heartbeat=float(config["SEMINAR_HEARTBEAT_SECONDS"]),
        lifetime=float(config["SEMINAR_STREAM_SECONDS"]),
    )
    response = Response(stream_with_context(stream), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
