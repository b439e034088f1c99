from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from course.admin.exports import to_csv
from course.auth.access import platform_admin_required, public
from course.db import utcnow
from course.extensions import db
from course.mail.services import MailError
from course.people.calendar import Term
from course.people.services import COUNTRY_LOCALES
from course.plan.services import adopted_plans_by_council
from course.platform import services
from course.platform.forms import (
    ActionForm,
    AdministratorForm,
    ArchiveForm,
    CouncilDetailsForm,
    CouncilForm,
    LogoForm,
)
from course.web.addresses import address_pattern
from course.web.downloads import attachment
from course.web.templating import current_locale

bp = Blueprint("platform", __name__, url_prefix="/platform")


@dataclass(frozen=True, slots=True)
class RowLabels:
    """The words every row of the overview repeats, translated once per request: it lists some 400
    councils."""

    countries: dict[str, str]
    #: "round 2026–2029" for each council term the overview shows.
    rounds: dict[Term, str]
    no_plan: str
    no_administrator: str
    archived: str


def row_labels(terms: list[Term]) -> RowLabels:
    return RowLabels(
        countries={"dk": _("Denmark"), "se": _("Sweden")},
        rounds={term: _("round %(term)s", term=term.label) for term in terms},
        no_plan=_("No plan adopted"),
        no_administrator=_("No administrator"),
        archived=_("Archived"),
    )


@bp.get("/")
@platform_admin_required
def show_overview():
    sorting = services.Sorting.from_args(request.args)
    with_archived = request.args.get("archived") == "1"
    every = services.list_council_summaries(include_archived=with_archived)
    terms = services.list_terms(every)
    return render_template(
        "platform/overview.html",
        summaries=sorting.apply(every),
        terms=terms,
        plans=adopted_plans_by_council(),
        labels=row_labels(terms),
        council_address=address_pattern("platform.show_council", "slug"),
        sorting=sorting,
        with_archived=with_archived,
        active_page="platform",
    )


def share_text(share: float, decimal_comma: bool) -> str:
    """A share as a plain number (0.25), with a decimal comma in Danish and Swedish (0,25)."""
    text = f"{share:.4f}".rstrip("0").rstrip(".") if share else "0"
    return text.replace(".", ",") if decimal_comma else text


@bp.get("/export.csv")
@platform_admin_required
def export_csv():
    sorting = services.Sorting.from_args(request.args)
    summaries = sorting.apply(services.list_council_summaries())
    headers = [
        _("Council"),
        _("Short name"),
        _("Country"),
        _("Council term"),
        _("Members"),
        _("Completed"),
        _("Share completed"),
        _("In progress"),
        _("Not started"),
        _("Overdue"),
        _("Due date"),
        _("Certificates issued"),
    ]
    decimal_comma = current_locale() != "en"
    rows = [
        [
            summary.council.name,
            summary.council.slug,
            summary.council.country.upper(),
            summary.term.label if summary.term else None,
            summary.members,
            summary.complete,
            # A number a spreadsheet can compute with (0.25), with the decimal sign of the language.
            share_text(summary.complete_share, decimal_comma),
            summary.in_progress,
            summary.not_started,
            summary.overdue,
            summary.due.due_date if summary.due else None,
            summary.certificates,
        ]
        for summary in summaries
    ]
    data = to_csv(headers, rows, delimiter=";" if decimal_comma else ",")
    response = Response(data, content_type="text/csv; charset=utf-8")
    # i18n: the start of the downloaded overview's file name, lower case, without spaces
    stem = _("councils")
    return attachment(response, f"{stem}-{utcnow().date().isoformat()}.csv")


@bp.route("/councils/new", methods=["GET", "POST"])
@platform_admin_required
def create_council():
    form = CouncilForm()
    if form.is_submitted():
        valid = form.validate()
        # Every problem at once: the short name and the address are checked even when another field is
        # wrong (those the form refused already are left alone).
        checked = {"slug": form.slug, "admin_email": form.admin_email}
        for problem in services.check_new_council(
            slug=form.slug.data or "", admin_email=form.admin_email.data or ""
        ):
            field = checked[problem.field]
            if not field.errors:
                field.errors = [*field.errors, str(problem.message)]
                valid = False
    else:
        valid = False
    if valid:
        try:
            council, admin = services.create_council_with_admin(
                name=form.name.data.strip(),
                slug=form.slug.data,
                country=form.country.data,
                locale=form.locale.data or COUNTRY_LOCALES[form.country.data],
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
            return redirect(url_for("platform.show_council", slug=council.slug), code=303)
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("platform/council_form.html", form=form, active_page="platform"), status


@bp.get("/settings")
@platform_admin_required
def show_settings():
    return render_template(
        "platform/settings.html",
        settings=services.describe_settings(current_app.config),
        active_page="platform",
    )


# --- one council ------------------------------------------------------------------------------------------


def _council_page(slug: str) -> services.CouncilPage:
    page = services.get_council_page(slug)
    if page is None:
        abort(404)
    return page


def _render_council(
    page: services.CouncilPage,
    *,
    details: CouncilDetailsForm | None = None,
    administrator: AdministratorForm | None = None,
    logo: LogoForm | None = None,
    status: int = 200,
):
    council = page.council
    if details is None:
        details = CouncilDetailsForm(prefix="council", formdata=None)
        details.name.data, details.country.data = council.name, council.country
        details.locale.data = council.default_locale
    return render_template(
        "platform/council.html",
        page=page,
        council=council,
        details=details,
        administrator=administrator or AdministratorForm(prefix="admin", formdata=None),
        logo=logo or LogoForm(prefix="logo", formdata=None),
        action=ActionForm(),
        kept_until=services.archived_retention(council) if council.is_archived else None,
        active_page="platform",
    ), status


@bp.get("/councils/<slug>")
@platform_admin_required
def show_council(slug: str):
    return _render_council(_council_page(slug))


@bp.post("/councils/<slug>")
@platform_admin_required
def update_council(slug: str):
    page = _council_page(slug)
    form = CouncilDetailsForm(prefix="council")
    if not form.validate_on_submit():
        return _render_council(page, details=form, status=422)
    try:
        changed = services.update_council(
            page.council,
            name=form.name.data,
            country=form.country.data,
            locale=form.locale.data,
            actor=current_user,
        )
    except services.SetupError as error:
        db.session.rollback()
        form.country.errors = [*form.country.errors, str(error.message)]
        return _render_council(_council_page(slug), details=form, status=422)
    db.session.commit()
    if changed:
        flash(_("The council's details are saved."), "success")
    return redirect(url_for("platform.show_council", slug=slug), code=303)


@bp.post("/councils/<slug>/administrators")
@platform_admin_required
def add_administrator(slug: str):
    page = _council_page(slug)
    form = AdministratorForm(prefix="admin")
    if page.council.is_archived:
        abort(409)
    if form.validate_on_submit():
        try:
            admin, replaced = services.add_administrator(
                page.council,
                name=form.name.data,
                email=form.email.data,
                replace=form.replace.data,
                actor=current_user,
            )
        except services.SetupError as error:
            db.session.rollback()
            field = getattr(form, error.field)
            field.errors = [*field.errors, str(error.message)]
        except MailError:
            db.session.rollback()
            form.email.errors = [
                *form.email.errors,
                _("The invitation could not be sent, so nothing was saved. Please try again later."),
            ]
        else:
            db.session.commit()
            flash(
                _(
                    "%(name)s is the council's administrator, and an invitation was sent to %(email)s.",
                    name=admin.name,
                    email=admin.email,
                ),
                "success",
            )
            if replaced:
                flash(
                    ngettext(
                        "%(num)d administrator was replaced and is now an ordinary member.",
                        "%(num)d administrators were replaced and are now ordinary members.",
                        len(replaced),
                    ),
                    "success",
                )
            return redirect(url_for("platform.show_council", slug=slug), code=303)
    return _render_council(_council_page(slug), administrator=form, status=422)


@bp.route("/councils/<slug>/archive", methods=["GET", "POST"])
@platform_admin_required
def archive_council(slug: str):
    page = _council_page(slug)
    council = page.council
    if council.is_archived:
        return redirect(url_for("platform.show_council", slug=slug), code=303)
    form = ArchiveForm()
    if form.validate_on_submit():
        try:
            services.archive_council(council, actor=current_user)
        except services.SetupError as error:
            db.session.rollback()
            form.confirm.errors = [*form.confirm.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("%(council)s is archived.", council=council.name), "success")
            return redirect(url_for("platform.show_overview"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "platform/council_archive.html",
        page=page,
        council=council,
        form=form,
        losing_access=services.count_active_members(council),
        kept_until=services.archived_retention(council),
        active_page="platform",
    ), status


@bp.post("/councils/<slug>/restore")
@platform_admin_required
def restore_council(slug: str):
    page = _council_page(slug)
    if ActionForm().validate_on_submit():
        services.restore_council(page.council, actor=current_user)
        db.session.commit()
        flash(_("%(council)s is no longer archived.", council=page.council.name), "success")
    return redirect(url_for("platform.show_council", slug=slug), code=303)


@bp.post("/councils/<slug>/logo")
@platform_admin_required
def upload_logo(slug: str):
    page = _council_page(slug)
    form = LogoForm(prefix="logo")
    if form.validate_on_submit():
        try:
            services.set_logo(
                page.council, form.logo.data.read(services.MAX_LOGO_BYTES + 1), actor=current_user
            )
        except services.SetupError as error:
            db.session.rollback()
            form.logo.errors = [*form.logo.errors, str(error.message)]
        else:
            db.session.commit()
            flash(_("The logo is saved."), "success")
            return redirect(url_for("platform.show_council", slug=slug), code=303)
    return _render_council(_council_page(slug), logo=form, status=422)


@bp.post("/councils/<slug>/logo/remove")
@platform_admin_required
def remove_logo(slug: str):
    page = _council_page(slug)
    if ActionForm().validate_on_submit():
        services.set_logo(page.council, None, actor=current_user)
        db.session.commit()
        flash(_("The logo is removed."), "success")
    return redirect(url_for("platform.show_council", slug=slug), code=303)


# The logo is shown in the site header to the council's members; a council's logo is no secret, so it is
# served to anyone (like the council's name on a certificate's verification page).
logos = Blueprint("logos", __name__)


@logos.get("/councils/<slug>/logo")
@public
def serve_logo(slug: str):
    found = services.get_logo(slug)
    if found is None:
        abort(404)
    data, content_type = found
    response = Response(data, mimetype=content_type)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
