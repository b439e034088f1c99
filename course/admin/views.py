"""The council administrator's pages: completion dashboard, roster, import, invitations, reminders.

Every page works on the signed-in administrator's own council; a member, preview or anything else of
another council is 'not found'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from course.admin import audit_log, dashboard, exports, importing, reminders, roster
from course.admin.due_date import set_due_date
from course.admin.forms import DueDateForm, ImportForm, MemberForm, RoundForm
from course.auth import links
from course.auth.access import admin_required
from course.certificates import queries as certificate_queries
from course.db import utcnow
from course.extensions import db
from course.learning import rounds
from course.mail.services import MailError
from course.people.calendar import Term, get_due_state, today
from course.people.models import Council, CourseRound
from course.web.addresses import id_address_pattern
from course.web.course import get_course
from course.web.downloads import attachment
from course.web.inputs import parse_id
from course.web.templating import current_locale

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _council() -> Council:
    return current_user.council


@bp.app_context_processor
def _due_date_helpers() -> dict[str, object]:
    # The member's overview shows the council's due date; the council is already loaded with the member.
    return {"council_due": get_due_state}


@dataclass(frozen=True, slots=True)
class StatusLabels:
    complete: str
    in_progress: str
    not_started: str
    overdue: str


@dataclass(frozen=True, slots=True)
class CertificateLabels:
    valid: str
    expired: str
    revoked: str


@dataclass(frozen=True, slots=True)
class CellLabels:
    """The labels of the dashboard's cells (admin/_cells.html) and rows, in the request's language.

    Translated once per request: a dashboard of 60 members draws some 300 cells. Attributes rather than
    dictionary keys, because a template reads each one by name in every cell.
    """

    transcript_read: str
    video_watched: str
    video_watched_share: str
    video_not_started: str
    passed: str
    not_passed_yet: str
    completed_on: str
    status: StatusLabels
    certificate: CertificateLabels
    valid_until: str
    remind: str
    at_seminar: str
    last_reminded: str


def cell_labels() -> CellLabels:
    status = {value: str(label) for value, label in dashboard.STATUS_LABELS.items()}
    return CellLabels(
        transcript_read=_("Transcript read"),
        video_watched=_("Video watched"),
        video_watched_share=_("Video: %(percent)s watched"),
        video_not_started=_("Video not started"),
        passed=_("passed"),
        not_passed_yet=_("not passed yet"),
        completed_on=_("Completed %(date)s"),
        status=StatusLabels(
            complete=status[dashboard.COMPLETE],
            in_progress=status[dashboard.IN_PROGRESS],
            not_started=status[dashboard.NOT_STARTED],
            overdue=status[dashboard.OVERDUE],
        ),
        certificate=CertificateLabels(valid=_("Valid"), expired=_("Expired"), revoked=_("Revoked")),
        valid_until=_("valid until %(date)s"),
        remind=_("Remind %(name)s"),
        at_seminar=_("at a council seminar"),
        last_reminded=_("last %(date)s"),
    )


@bp.context_processor
def _labels() -> dict[str, object]:
    # Translated once per page: the dashboard shows a role, a status and a cell per module for each row.
    return {
        "role_labels": {value: str(label) for value, label in roster.ROLE_LABELS.items()},
        "status_labels": {value: str(label) for value, label in dashboard.STATUS_LABELS.items()},
        "cell_labels": cell_labels(),
    }


# --- the dashboard ----------------------------------------------------------------------------------


def _round(filters: dashboard.Filters) -> CourseRound:
    """The round the page shows: the current one, or an earlier one of the council's (else 404)."""
    council = _council()
    if filters.round_id is None and request.args.get("round"):
        abort(404)  # a value that is no round's id, as an id of no round of the council's
    if filters.round_id is None or filters.round_id == council.current_round_id:
        return council.current_round
    course_round = rounds.get_round(council.id, filters.round_id)
    if course_round is None:
        abort(404)
    return course_round


def _board(filters: dashboard.Filters) -> dashboard.Dashboard:
    return dashboard.get_dashboard(_council(), get_course(), filters, course_round=_round(filters))


@bp.get("/")
@admin_required
def show_dashboard():
    board = _board(dashboard.Filters.from_args(request.args))
    return _render_dashboard(board, DueDateForm(formdata=None, due_date=board.round.due_date))


def _render_dashboard(board: dashboard.Dashboard, due_form: DueDateForm) -> str:
    return render_template(
        "admin/dashboard.html",
        board=board,
        due_form=due_form,
        course=get_course(),
        certificate_address=id_address_pattern("certificates.show_council_certificate", "certificate_id"),
        active_page="admin",
    )


@bp.get("/print")
@admin_required
def print_dashboard():
    board = _board(dashboard.Filters.from_args(request.args))
    return render_template(
        "admin/print.html", board=board, course=get_course(), now=utcnow(), active_page="admin"
    )


# --- rounds -----------------------------------------------------------------------------------------


@bp.get("/rounds/new")
@admin_required
def new_round():
    council = _council()
    return _render_new_round(RoundForm(formdata=None), rounds.next_term(council))


@bp.post("/rounds")
@admin_required
def start_round():
    council = _council()
    term = rounds.next_term(council)
    form = RoundForm()
    form.new_term = term
    if term is not None and form.validate():
        try:
            rounds.start_round(
                council, actor=current_user, due_date=form.due_date.data, carry_over=form.carry_over.data
            )
        except rounds.RoundError:
            db.session.rollback()
            form.confirm.errors.append(_("The council has a round for this term already."))
        else:
            db.session.commit()
            flash(
                _("A new round has started: the course for the council term %(term)s.", term=term.label),
                "success",
            )
            return redirect(url_for("admin.show_dashboard"), code=303)
    return _render_new_round(form, term), 422


def _render_new_round(form: RoundForm, term: Term | None) -> str:
    """The page that starts a round for ``term``; without a term (the round for the next term has started
    already), the page says so and offers no form."""
    council = _council()
    form.term.data = term.start.isoformat() if term is not None else None
    return render_template(
        "admin/round_new.html",
        form=form,
        term=term,
        today=today(council.country),
        council=council,
        active_page="admin",
    )


@bp.post("/due-date")
@admin_required
def change_due_date():
    form = DueDateForm()
    if not form.validate():
        return _render_dashboard(_board(dashboard.Filters()), form), 422
    council = _council()
    if form.due_date.data and form.due_date.data < today(council.country) and not form.confirm_past.data:
        # Every member who has not completed would be overdue at once: ask first, on a page of its own (on
        # a phone, a question inside the dashboard would be far below the fold), keeping the date.
        return render_template(
            "admin/due_date_confirm.html", due_date=form.due_date.data, active_page="admin"
        )
    set_due_date(council, form.due_date.data, actor=current_user)
    db.session.commit()
    if form.due_date.data:
        flash(_("The due date is saved."), "success")
    else:
        flash(_("The due date is removed."), "success")
    return redirect(url_for("admin.show_dashboard"))


def _export(kind: str):
    council = _council()
    board = _board(dashboard.Filters.from_args(request.args))
    headers, rows = exports.completion_table(council, get_course(), [*board.matching, *board.others])
    # i18n: the start of a downloaded completion table's file name, lower case, without spaces
    stem = _("completion")
    name = f"{stem}-{council.slug}-{board.round.term.label.replace(chr(0x2013), '-')}"
    if kind == "csv":
        # Danish and Swedish Excel expect semicolons (the comma is their decimal sign).
        data = exports.to_csv(headers, rows, delimiter="," if current_locale() == "en" else ";")
        mimetype = "text/csv; charset=utf-8"
    else:
        data = exports.to_xlsx(headers, rows, title=council.name)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(data, content_type=mimetype)
    return attachment(response, f"{name}.{kind}")


@bp.get("/export.csv")
@admin_required
def export_csv():
    return _export("csv")


@bp.get("/export.xlsx")
@admin_required
def export_xlsx():
    return _export("xlsx")


@bp.get("/questions")
@admin_required
def show_questions():
    filters = dashboard.Filters.from_args(request.args)
    course_round = _round(filters)
    stats = dashboard.get_question_stats(course_round, get_course())
    return render_template(
        "admin/questions.html",
        stats=stats,
        minimum=dashboard.MIN_RESPONDENTS,
        course_round=course_round,
        rounds=rounds.list_rounds(_council().id),
        filters=filters,
        active_page="admin",
    )


@bp.get("/audit/")
@admin_required
def list_audit_events():
    filters = audit_log.AuditFilters.from_args(request.args)
    return render_template(
        "admin/audit_log.html",
        log=audit_log.list_events(current_user.council_id, filters, conversation=get_course().conversation),
        action_labels=audit_log.ACTION_LABELS,
        members=audit_log.list_logged_members(current_user.council_id),
    )


@bp.post("/reminders")
@admin_required
def send_reminders():
    member_ids = [parse_id(value) for value in request.form.getlist("member")]
    if None in member_ids:
        abort(400)
    if not member_ids:
        flash(_("Choose the members to remind."), "error")
        return redirect(url_for("admin.show_dashboard", **dashboard.Filters.from_args(request.form).args()))
    if request.form.get("confirm") != "yes":
        # The administrator sees how many e-mails will go, and who was reminded lately, before any goes.
        plan = reminders.plan_manual(_council(), get_course(), member_ids)
        return render_template(
            "admin/reminders_confirm.html",
            plan=plan,
            filters=dashboard.Filters.from_args(request.form),
            active_page="admin",
        )
    result = reminders.remind_members(_council(), get_course(), member_ids, actor=current_user)
    failed_names = ", ".join(member.name for member in result.failed)
    db.session.commit()
    if result.sent:
        flash(
            ngettext(
                "A reminder was sent to %(num)d member.",
                "Reminders were sent to %(num)d members.",
                len(result.sent),
            ),
            "success",
        )
    if result.skipped:
        flash(
            ngettext(
                "%(num)d chosen member was not reminded: they have completed the course.",
                "%(num)d chosen members were not reminded: they have completed the course.",
                result.skipped,
            ),
            "info",
        )
    if result.failed:
        flash(
            _("The e-mail could not be sent to: %(names)s. Please try again later.", names=failed_names),
            "error",
        )
    return redirect(url_for("admin.show_dashboard", **dashboard.Filters.from_args(request.form).args()))


# --- the roster -------------------------------------------------------------------------------------


def _member_or_404(member_id: int):
    member = roster.get_member(_council(), member_id)
    if member is None:
        abort(404)
    return member


@bp.get("/members")
@admin_required
def list_members():
    page = roster.search_members(_council(), roster.RosterQuery.from_args(request.args))
    return render_template(
        "admin/members.html",
        members=page.members,
        roster=page,
        access_labels=roster.ACCESS_LABELS,
        active_page="admin",
    )


def _apply_roster_error(form: MemberForm, error: roster.RosterError) -> None:
    field = getattr(form, error.field or "", None) or form.name
    field.errors = [*field.errors, str(error.message)]


@bp.route("/members/new", methods=["GET", "POST"])
@admin_required
def add_member():
    form = MemberForm()
    if form.validate_on_submit():
        try:
            member = roster.add_to_roster(
                _council(),
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                is_admin=form.is_admin.data,
                locale=form.locale.data or None,
                takes_course=form.takes_course_value,
                actor=current_user,
            )
        except roster.RosterError as error:
            db.session.rollback()
            _apply_roster_error(form, error)
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is on the roster. Send the invitation with the button below, now or later.",
                    name=member.name,
                ),
                "success",
            )
            return redirect(url_for("admin.edit_member", member_id=member.id))
    status = 422 if form.errors else 200
    return render_template("admin/member_form.html", form=form, member=None, active_page="admin"), status


@bp.route("/members/<id:member_id>", methods=["GET", "POST"])
@admin_required
def edit_member(member_id: int):
    member = _member_or_404(member_id)
    form = MemberForm(obj=member) if request.method == "GET" else MemberForm()
    if request.method == "GET":
        form.locale.data = member.locale or ""
        form.show_takes_course(takes_course=member.takes_course, role=member.role)
    if form.validate_on_submit():
        try:
            changed = roster.update_member(
                _council(),
                member,
                name=form.name.data,
                email=form.email.data,
                role=form.role.data,
                is_admin=form.is_admin.data,
                locale=form.locale.data or None,
                takes_course=form.takes_course_value,
                actor=current_user,
            )
        except roster.RosterError as error:
            db.session.rollback()
            member = _member_or_404(member_id)
            _apply_roster_error(form, error)
        else:
            db.session.commit()
            flash(_("The changes are saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.list_members"))
    status = 422 if form.errors else 200
    reminder_history = reminders.reminder_history(_council(), member)
    return render_template(
        "admin/member_form.html",
        form=form,
        member=member,
        history=certificate_queries.list_member_history(member),
        reminder_history=reminder_history,
        reminder_kinds=reminders.KIND_LABELS,
        active_page="admin",
    ), status


@bp.route("/members/<id:member_id>/remove", methods=["GET", "POST"])
@admin_required
def remove_member(member_id: int):
    member = _member_or_404(member_id)
    if request.method == "POST":
        try:
            roster.remove_member(_council(), member, actor=current_user)
        except roster.RosterError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            return redirect(url_for("admin.list_members"))
        db.session.commit()
        flash(_("%(name)s has been removed from the roster.", name=member.name), "success")
        return redirect(url_for("admin.list_members"))
    return render_template("admin/member_remove.html", member=member, active_page="admin")


@bp.post("/members/<id:member_id>/invite")
@admin_required
def invite_member(member_id: int):
    member = _member_or_404(member_id)
    has_password = member.password_hash is not None
    try:
        links.send_invitation(member, actor=current_user)
    except MailError:
        db.session.rollback()
        flash(_("The invitation could not be sent. Please try again later."), "error")
        return redirect(url_for("admin.list_members"))
    db.session.commit()
    if has_password:
        flash(
            _(
                "%(name)s already has a password, so the invitation sent to %(email)s has a sign-in link instead of a link to choose a password.",  # noqa: E501
                name=member.name,
                email=member.email,
            ),
            "success",
        )
    else:
        flash(_("An invitation was sent to %(email)s.", email=member.email), "success")
    return redirect(url_for("admin.list_members"))


@bp.get("/members/invite")
@admin_required
def confirm_invite_members():
    """Before inviting everyone not yet invited: how many e-mails will go."""
    return render_template(
        "admin/invite_confirm.html", waiting=roster.count_waiting(_council()), active_page="admin"
    )


@bp.post("/members/invite")
@admin_required
def invite_members():
    """Invite every member who has neither been invited nor signed in yet."""
    invited, failed = roster.invite_waiting(_council(), actor=current_user)
    failed_names = ", ".join(member.name for member in failed)
    db.session.commit()
    if invited:
        flash(
            ngettext(
                "An invitation was sent to %(num)d member.",
                "Invitations were sent to %(num)d members.",
                len(invited),
            ),
            "success",
        )
    elif not failed:
        flash(_("Everyone on the roster has been invited already."), "info")
    if failed:
        flash(
            _("The e-mail could not be sent to: %(names)s. Please try again later.", names=failed_names),
            "error",
        )
    return redirect(url_for("admin.list_members"))


# --- importing a roster -----------------------------------------------------------------------------


@bp.route("/members/import", methods=["GET", "POST"])
@admin_required
def upload_roster():
    form = ImportForm()
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(importing.MAX_FILE_BYTES + 1)
        try:
            rows = importing.parse_roster_file(upload.filename or "", data)
        except importing.ImportFileError as error:
            form.file.errors = [*form.file.errors, str(error.message)]
        else:
            pending = importing.create_pending_import(_council(), current_user, upload.filename or "", rows)
            db.session.commit()
            return redirect(url_for("admin.show_import", import_id=pending.id), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/import_upload.html", form=form, active_page="admin"), status


def _import_template(kind: str):
    locale = current_locale()
    headers = importing.template_headers(locale)
    # i18n: the file name of the roster template, without its ending: lower-case letters, digits and hyphens
    name = _("roster-template")
    if not re.fullmatch(r"[a-z0-9-]{1,60}", name):
        name = "roster-template"
    if kind == "csv":
        data = exports.to_csv(headers, [], delimiter="," if locale == "en" else ";")
        mimetype = "text/csv; charset=utf-8"
    else:
        data = exports.to_xlsx(headers, [], title=_("Members"))
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    return response


@bp.get("/members/import/template.csv")
@admin_required
def download_import_template_csv():
    return _import_template("csv")


@bp.get("/members/import/template.xlsx")
@admin_required
def download_import_template_xlsx():
    return _import_template("xlsx")


def _pending_or_404(import_id: int):
    try:
        pending = importing.get_pending_import(_council(), import_id)
    except importing.PendingImportExpiredError:
        return None
    if pending is None:
        # The Back button after an import, or a preview deleted when it expired: a page that says so and
        # leads on. Another council's preview looks the same as one that never was.
        if importing.was_imported(_council(), import_id):
            abort(Response(*_import_gone("imported", 410)))
        abort(Response(*_import_gone("unknown", 404)))
    return pending


def _import_gone(reason: str, status: int) -> tuple[str, int]:
    return render_template("admin/import_expired.html", reason=reason, active_page="admin"), status


def _expired_import():
    return _import_gone("expired", 410)


def _preview(pending, plan, status: int = 200, problem: str | None = None):
    return render_template(
        "admin/import_preview.html", pending=pending, plan=plan, problem=problem, active_page="admin"
    ), status


@bp.get("/members/import/<id:import_id>")
@admin_required
def show_import(import_id: int):
    pending = _pending_or_404(import_id)
    if pending is None:
        return _expired_import()
    return _preview(pending, importing.plan_import(_council(), importing.raw_rows(pending)))


@bp.post("/members/import/<id:import_id>")
@admin_required
def confirm_import(import_id: int):
    pending = _pending_or_404(import_id)
    if pending is None:
        return _expired_import()
    plan = importing.plan_import(_council(), importing.raw_rows(pending))
    if plan.has_errors:
        return _preview(pending, plan, 422, "errors")
    if request.form.get("digest") != plan.digest:
        return _preview(pending, plan, 409, "moved")
    try:
        result = importing.confirm_import(_council(), pending, plan, actor=current_user)
    except importing.PendingImportExpiredError:
        db.session.rollback()
        return _expired_import()
    except importing.RosterConflictError:
        db.session.rollback()
        pending = _pending_or_404(import_id)
        if pending is None:
            return _expired_import()
        return _preview(
            pending, importing.plan_import(_council(), importing.raw_rows(pending)), 409, "conflict"
        )
    db.session.commit()
    flash(
        _(
            "The roster is imported: %(added)s added, %(changed)s changed, %(unchanged)s unchanged.",
            added=result.added,
            changed=result.changed,
            unchanged=result.unchanged,
        ),
        "success",
    )
    return redirect(url_for("admin.list_members"), code=303)
