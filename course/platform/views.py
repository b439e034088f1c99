from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.admin.exports import to_csv
from course.auth.access import platform_admin_required
from course.extensions import db
from course.mail.services import MailError
from course.plan.services import adopted_plans_by_council
from course.platform import services
from course.platform.forms import CouncilForm
from course.web.templating import current_locale, percent

bp = Blueprint("platform", __name__, url_prefix="/platform")


@bp.get("/")
@platform_admin_required
def show_overview():
    sorting = services.Sorting.from_args(request.args)
    every = services.list_council_summaries()
    return render_template(
        "platform/overview.html",
        summaries=sorting.apply(every),
        terms=services.list_terms(every),
        plans=adopted_plans_by_council(),
        sorting=sorting,
        active_page="platform",
    )


@bp.get("/export.csv")
@platform_admin_required
def export_csv():
    sorting = services.Sorting.from_args(request.args)
    summaries = sorting.apply(services.list_council_summaries())
    headers = [
        _("Council"),
        _("Short name"),
        _("Country"),
        _("Members"),
        _("Completed"),
        _("Share completed"),
        _("In progress"),
        _("Not started"),
        _("Overdue"),
        _("Due date"),
        _("Certificates issued"),
    ]
    rows = [
        [
            summary.council.name,
            summary.council.slug,
            summary.council.country.upper(),
            summary.members,
            summary.complete,
            percent(summary.complete_share),
            summary.in_progress,
            summary.not_started,
            summary.overdue,
            summary.due.due_date if summary.due else None,
            summary.certificates,
        ]
        for summary in summaries
    ]
    data = to_csv(headers, rows, delimiter="," if current_locale() == "en" else ";")
    response = Response(data, mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="councils.csv"'
    return response


@bp.route("/councils/new", methods=["GET", "POST"])
@platform_admin_required
def create_council():
    form = CouncilForm()
    if request.method == "GET":
        form.locale.data = current_locale()
    if form.validate_on_submit():
        try:
            council, admin = services.create_council_with_admin(
                name=form.name.data.strip(),
                slug=form.slug.data,
                country=form.country.data,
                locale=form.locale.data,
                admin_name=form.admin_name.data.strip(),
                admin_email=form.admin_email.data,
                actor=current_user,
            )
        except services.SetupError as error:
            db.session.rollback()
            field = getattr(form, error.field)
            field.errors = [*field.errors, str(error.message)]
        except MailError:
            db.session.rollback()
            flash(
                _("The invitation could not be sent, so nothing was saved. Please try again later."), "error"
            )
        else:
            db.session.commit()
            flash(
                _(
                    "%(council)s is created, and an invitation was sent to %(email)s.",
                    council=council.name,
                    email=admin.email,
                ),
                "success",
            )
            return redirect(url_for("platform.show_overview"), code=303)
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("platform/council_form.html", form=form, active_page="platform"), status
