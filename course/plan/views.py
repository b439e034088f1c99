"""The plan's pages: members read the adopted plan at /plan; administrators draft, adopt and print it under
/admin/plan. A context processor gives the course overview, module 2 and the dashboard their one line about
the plan (the plan's include templates), so those views need not know of it."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from course.auth.access import admin_required, member_required
from course.extensions import db
from course.people import calendar
from course.plan import get_template, services
from course.plan.forms import AdoptForm, draft_form, field_name, flat_errors
from course.plan.pdf import plan_pdf
from course.plan.services import PlanError
from course.web.course import get_course
from course.web.templating import current_locale

bp = Blueprint("plan", __name__, url_prefix="/plan")
admin_bp = Blueprint("plan_admin", __name__, url_prefix="/admin/plan")

#: The module where the course teaches what to do when something happens: it shows the council's plan.
PLAN_MODULE = "tone-harassment-threats"
#: Pages that show one line about the council's plan.
PLAN_LINE_ENDPOINTS = {"learning.show_overview", "learning.show_module", "admin.show_dashboard"}


def _general_template():
    """The general advice in the reader's language, for a council without an adopted plan: the Danish or
    Swedish text where it is the reader's language and country, else the English one (both numbers)."""
    country = current_user.council.country
    language = current_locale()
    if (language, country) in (("da", "dk"), ("sv", "se")):
        return get_template(language)
    return get_template("en")


@bp.app_context_processor
def _plan_line() -> dict[str, Any]:
    if not has_request_context() or request.endpoint not in PLAN_LINE_ENDPOINTS:
        return {}
    if not current_user.is_authenticated:
        return {}
    if (
        request.endpoint == "learning.show_module"
        and (request.view_args or {}).get("module_id") != PLAN_MODULE
    ):
        return {}
    return {
        "council_plan": services.plan_status(current_user.council_id),
        "plan_general": _general_template(),
    }


def _council_template():
    return get_template(services.template_language(current_user.council))


# --- members ----------------------------------------------------------------------------------------------


@bp.get("")
@member_required
def show_plan():
    version = services.current_version(current_user.council_id)
    return render_template(
        "plan/plan.html",
        version=version,
        plan=version.content if version is not None else None,
        general=_general_template(),
        course=get_course(),
        active_page="plan",
    )


@bp.get("/pdf")
@member_required
def download_plan():
    version = services.current_version(current_user.council_id)
    if version is None:  # nothing adopted yet: the page says what to do instead
        return redirect(url_for("plan.show_plan"), code=303)
    return _pdf_response(version)


def _pdf_response(version) -> Response:
    council = current_user.council
    data = plan_pdf(version, council.name, get_course())
    filename = f"plan-{council.slug}-{version.number}.pdf"
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# --- administrators ---------------------------------------------------------------------------------------


def _editor(form=None, status: int = 200):
    council = current_user.council
    template = _council_template()
    draft = services.get_draft(council.id, template)
    agreements = services.list_agreements(council.id)
    party_rows = max(4, len(draft.content.get("party_contacts", [])) + 2)
    if form is None:
        data: dict[str, Any] = {
            field_name(key): draft.content["texts"].get(key, "") for key in template.field_keys
        }
        contacts = draft.content.get("contacts", [])
        data["contacts"] = contacts + [{}] * max(0, 3 - len(contacts))
        data["party_contacts"] = draft.content.get("party_contacts", [])
        data["agreements"] = [item["id"] for item in draft.content.get("agreements", [])]
        data["review_on"] = draft.review_on
        form = draft_form(
            template, agreements, draft.content, party_rows=party_rows, formdata=None, data=data
        )
    page = render_template(
        "plan/admin.html",
        template=template,
        draft=draft,
        form=form,
        errors=flat_errors(form),
        versions=services.list_versions(council.id),
        status=services.plan_status(council.id),
        field_name=field_name,
        course=get_course(),
        admin_page="plan",
        active_page="admin",
    )
    return page, status


@admin_bp.get("")
@admin_required
def edit_plan():
    return _editor()


@admin_bp.post("")
@admin_required
def save_draft():
    council = current_user.council
    template = _council_template()
    draft = services.get_draft(council.id, template)
    agreements = services.list_agreements(council.id)
    # The contact rows come from the form data itself (the FieldList counts them).
    form = draft_form(
        template, agreements, draft.content, party_rows=4, today=calendar.today(council.country)
    )
    if not form.validate_on_submit():
        return _editor(form=form, status=422)
    services.save_draft(
        council,
        template,
        texts={key: form[field_name(key)].data or "" for key in template.field_keys},
        contacts=form.contacts.data,
        party_contacts=form.party_contacts.data,
        agreement_ids=form.agreements.data or [],
        review_on=form.review_on.data,
        actor=current_user,
    )
    db.session.commit()
    flash(_("The draft is saved. Members still see the adopted plan until you adopt this draft."), "success")
    return redirect(url_for("plan_admin.edit_plan"), code=303)


ADOPT_ERRORS = {
    "no_draft": lambda: _("Save the draft before adopting it."),
    "no_contact": lambda: _("Name at least one security contact who can be reached out of hours, and save."),
    "review_not_after": lambda: _("The date of the next review must be after the date of the decision."),
    "no_reference": lambda: _("Say where the plan was adopted, for example the meeting and agenda item."),
}

#: Where each reason adoption is refused is put right: the draft editor's field (or this page's).
ADOPT_ERROR_TARGETS = {
    "no_draft": lambda: url_for("plan_admin.edit_plan", _anchor="draft-heading"),
    "no_contact": lambda: url_for("plan_admin.edit_plan", _anchor="contacts-0-out_of_hours"),
    "review_not_after": lambda: url_for("plan_admin.edit_plan", _anchor="review_on"),
    "no_reference": lambda: "#decision_reference",
}


def _adoption(form=None, problems: tuple[str, ...] = (), status: int = 200):
    """The adoption step: the saved draft that will be adopted, a link back to the editor, and the form
    for the decision. ``problems`` are the reasons adoption was refused (PlanError codes)."""
    council = current_user.council
    template = _council_template()
    draft = services.get_draft(council.id, template)
    if form is None:
        form = AdoptForm(formdata=None)
    if not draft.is_saved and status == 422:
        problems = ("no_draft",)  # the page has no form to correct until a draft is saved
        form = AdoptForm(formdata=None)
    # A problem with the draft links to the editor's field, on the other page.
    errors = flat_errors(form) + [
        (ADOPT_ERROR_TARGETS[reason](), ADOPT_ERRORS[reason]()) for reason in problems
    ]
    page = render_template(
        "plan/adopt.html",
        template=template,
        draft=draft,
        form=form,
        errors=errors,
        course=get_course(),
        admin_page="plan",
        active_page="admin",
    )
    return page, status


@admin_bp.get("/adopt")
@admin_required
def confirm_adopt():
    return _adoption()


@admin_bp.post("/adopt")
@admin_required
def adopt_plan():
    form = AdoptForm()
    if not form.validate_on_submit():
        return _adoption(form, status=422)
    try:
        version = services.adopt_plan(
            current_user.council,
            _council_template(),
            adopted_on=form.adopted_on.data,
            decision_reference=form.decision_reference.data,
            actor=current_user,
        )
    except PlanError as error:
        db.session.rollback()
        return _adoption(form, problems=(error.reason,), status=422)
    db.session.commit()
    flash(
        _("Version %(number)s of the plan is adopted. Members now see it.", number=version.number), "success"
    )
    return redirect(url_for("plan_admin.edit_plan", _anchor="versions"), code=303)


def _council_version(version_id: int):
    version = services.get_version(current_user.council_id, version_id)
    if version is None:
        abort(404)
    return version


@admin_bp.get("/versions/<id:version_id>")
@admin_required
def show_version(version_id: int):
    version = _council_version(version_id)
    return render_template(
        "plan/print.html",
        version=version,
        plan=version.content,
        course=get_course(),
        admin_page="plan",
        active_page="admin",
    )


@admin_bp.get("/versions/<id:version_id>/pdf")
@admin_required
def download_version(version_id: int):
    return _pdf_response(_council_version(version_id))
