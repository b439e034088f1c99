"""The audit log viewer: a council's administrators read what was done in their council, and by whom."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from course.audit import services
from course.auth.access import admin_required

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.get("/")
@admin_required
def list_events():
    filters = services.AuditFilters.from_args(request.args)
    log = services.list_events(current_user.council_id, filters)
    return render_template(
        "audit/list.html",
        log=log,
        action_labels=services.ACTION_LABELS,
        members=services.list_logged_members(current_user.council_id),
        active_page="admin",
    )
