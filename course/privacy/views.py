"""Personal data: a member's data as a file, erasing a member, the retention setting, the privacy page."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_login import current_user

from course.auth.access import admin_required, public
from course.extensions import db
from course.privacy import services
from course.privacy.document import build_document, render_document_pdf
from course.privacy.forms import EraseForm, RetentionForm
from course.web.downloads import attachment

bp = Blueprint("privacy", __name__)


def _member_or_404(member_id: int):
    member = services.get_member(current_user.council, member_id)
    if member is None:
        abort(404)
    return member


@bp.get("/admin/members/<id:member_id>/export")
@admin_required
def export_member(member_id: int):
    member = _member_or_404(member_id)
    data = services.export_member(member, actor=current_user)
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    # i18n: the start of the file name of a member's data, lower case, without spaces
    attachment(response, _("personal-data-%(id)s", id=member.id) + ".json")
    # Personal data: no copy in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _document_title(member) -> str:
    return _("The data %(council)s stores about %(name)s", council=member.council.name, name=member.name)


@bp.get("/admin/members/<id:member_id>/export.html")
@admin_required
def export_member_document(member_id: int):
    """The same export as a page the member can read, in the member's language (to print or send)."""
    member = _member_or_404(member_id)
    data = services.export_member(member, actor=current_user)
    db.session.commit()
    language = member.language
    with force_locale(language):
        document = build_document(data)
        html = render_template(
            "privacy/export_document.html",
            document=document,
            intro=_document_intro(document),
            member=member,
            title=_document_title(member),
            language=language,
        )
        filename = _("personal-data-%(id)s", id=member.id) + ".html"
    response = Response(html, content_type="text/html; charset=utf-8")
    attachment(response, filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/admin/members/<id:member_id>/export.pdf")
@admin_required
def export_member_pdf(member_id: int):
    """The same document as a PDF, in the member's language."""
    member = _member_or_404(member_id)
    data = services.export_member(member, actor=current_user)
    db.session.commit()
    language = member.language
    with force_locale(language):
        document = build_document(data)
        texts = {
            "intro": _document_intro(document),
        }
        for section_index, section in enumerate(document.sections):
            for record_index, record in enumerate(section.records):
                for field_index, field in enumerate(record):
                    if field.is_date:
                        shown = format_date(field.value, "long")
                    elif field.is_moment:
                        shown = format_datetime(field.value, "medium")
                    else:
                        shown = str(field.value)
                    texts[f"{section_index}.{record_index}.{field_index}"] = shown
        pdf = render_document_pdf(document, title=_document_title(member), language=language, texts=texts)
        filename = _("personal-data-%(id)s", id=member.id) + ".pdf"
    response = Response(pdf, mimetype="application/pdf")
    attachment(response, filename)
    response.headers["Cache-Control"] = "no-store"
    return response


def _document_intro(document) -> str:
    return _(
        "Exported %(date)s. The controller is %(controller)s. This is everything the course stores about you, apart from passwords and secret link codes, which are never shown.",  # noqa: E501
        date=format_datetime(document.exported_at, "long"),
        controller=document.controller,
    )


_REFUSALS = {
    "self": lambda: _("You cannot erase yourself. Ask another administrator to do it."),
    "platform_admin": lambda: _("This member administers the whole platform and cannot be erased here."),
}


@bp.route("/admin/members/<id:member_id>/erase", methods=["GET", "POST"])
@admin_required
def erase_member(member_id: int):
    member = _member_or_404(member_id)
    # A member who has left is listed on the privacy page; one on the roster has their own page.
    if member.is_removed:
        back = url_for("privacy.show_settings")
    else:
        back = url_for("admin.edit_member", member_id=member.id)
    try:
        services.check_erasable(member, current_user)
    except services.ErasureError as error:
        flash(_REFUSALS[error.reason](), "error")
        return redirect(back)
    form = EraseForm()
    if form.validate_on_submit():
        services.erase_member(member, actor=current_user)
        db.session.commit()
        flash(_("The member's personal data is erased."), "success")
        return redirect(url_for("privacy.show_settings"), code=303)
    return render_template(
        "privacy/erase.html",
        member=member,
        form=form,
        back=back,
        active_page="admin",
    ), (400 if form.is_submitted() else 200)


def _settings_page(form: RetentionForm, status: int = 200):
    council = current_user.council
    return render_template(
        "privacy/settings.html",
        form=form,
        left=services.list_left_members(council),
        default_until=services.current_default_retention(council),
        active_page="admin",
    ), status


@bp.get("/admin/privacy")
@admin_required
def show_settings():
    return _settings_page(RetentionForm(formdata=None, retention_until=current_user.council.retention_until))


@bp.post("/admin/privacy")
@admin_required
def update_settings():
    form = RetentionForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    changed = services.set_retention_until(
        current_user.council, form.retention_until.data, actor=current_user
    )
    db.session.commit()
    flash(_("The settings are saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("privacy.show_settings"), code=303)


@bp.get("/privacy")
@public
def show_policy():
    council = current_user.council if current_user.is_authenticated else None
    default_until = services.current_default_retention(council) if council is not None else None
    return render_template(
        "privacy/policy.html",
        council=council,
        default_until=default_until,
        controller=current_app.config.get("COURSE_PRIVACY_CONTROLLER"),
        operator=current_app.config.get("COURSE_OPERATOR_NAME"),
        contact=current_app.config.get("COURSE_PRIVACY_CONTACT"),
    )
