"""Personal data: a member's data as a file, erasing a member, the retention setting, the privacy page."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.auth.access import admin_required, public
from course.extensions import db
from course.privacy import services
from course.privacy.forms import EraseForm, RetentionForm

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
    response.headers.set("Content-Disposition", "attachment", filename=f"member-{member.id}.json")
    # Personal data: no copy in a shared cache.
    response.headers["Cache-Control"] = "no-store"
    return response


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
