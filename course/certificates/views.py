from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from course.auth.access import admin_required, member_required, public
from course.certificates import codes, delivery, operations, queries
from course.certificates.forms import (
    IssueForm,
    ReissueForm,
    RevokeForm,
    SeminarForm,
    SendForm,
    SettingsForm,
    VerifyForm,
)
from course.certificates.models import Certificate
from course.extensions import db, limiter
from course.i18n import LOCALES
from course.learning import rounds
from course.learning.progress import get_course_state
from course.people import calendar
from course.web.course import get_course

bp = Blueprint("certificates", __name__)
verification_bp = Blueprint("verification", __name__)
bp.add_app_template_filter(codes.format_code, "certificate_code")

#: Looking codes up is cheap; guessing one of 2^75 is not, and this keeps it that way.
VERIFY_LIMIT = "30 per minute;300 per hour"


def _pdf_response(certificate: Certificate, language: str) -> Response:
    pdf = delivery.certificate_pdf(certificate, get_course(), language)
    response = Response(pdf, mimetype="application/pdf")
    response.headers.set(
        "Content-Disposition", "attachment", filename=delivery.pdf_filename(certificate, language)
    )
    return response


def _requested_language(default: str) -> str:
    # ``language``, not ``lang``: ``?lang=`` would also switch the interface (course.i18n).
    language = request.args.get("language")
    return language if language in LOCALES else default


# --- the member's own certificate -------------------------------------------------------------------


@bp.get("/certificate")
@member_required
def show_certificate():
    course = get_course()
    entries = queries.list_member_certificates(current_user)
    state = get_course_state(current_user, course)
    current_round_id = current_user.council.current_round_id
    return render_template(
        "certificates/member.html",
        course=course,
        entries=entries,
        # Certificates of earlier rounds are shown too; the progress towards this round's follows them.
        has_current=any(entry.certificate.round_id == current_round_id for entry in entries),
        state=state,
        language=current_user.language,
    )


@bp.get("/certificate/<id:certificate_id>/pdf")
@member_required
def download_certificate(certificate_id: int):
    certificate = queries.get_member_certificate(current_user, certificate_id)
    if certificate is None:
        abort(404)
    return _pdf_response(certificate, _requested_language(current_user.language))


# --- the council's certificates -----------------------------------------------------------------------


def _council_certificate_or_404(certificate_id: int) -> Certificate:
    certificate = queries.get_council_certificate(current_user.council_id, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _settings_form(council, formdata=None) -> SettingsForm:
    form = SettingsForm(
        formdata=formdata,
        prefix="settings",
        data={
            "has_automatic_certificates": council.has_automatic_certificates,
            "has_certificate_email": council.has_certificate_email,
            "valid_until": council.certificate_valid_until,
        },
    )
    form.today = calendar.today(council.country)
    return form


# Several forms share a page; only the one that was sent reads the request (``formdata``), the others start
# afresh. The e-mail boxes start from the council's setting.


def _issue_form(council, candidates: queries.Candidates, formdata=None) -> IssueForm:
    form = IssueForm(formdata=formdata, prefix="issue", data={"send_email": council.has_certificate_email})
    form.member_ids.choices = [(candidate.member_id, candidate.name) for candidate in candidates.to_issue]
    return form


def _seminar_form(council, candidates: queries.Candidates, formdata=None) -> SeminarForm:
    form = SeminarForm(
        formdata=formdata, prefix="seminar", data={"send_email": council.has_certificate_email}
    )
    form.member_id.choices = [(None, _("Choose a member"))] + [
        (candidate.member_id, candidate.name) for candidate in candidates.for_seminar
    ]
    form.today = calendar.today(council.country)
    form.earliest = rounds.first_day(council.current_round, council.country)
    return form


def _render_council_page(
    *,
    candidates: queries.Candidates | None = None,
    issue_form: IssueForm | None = None,
    seminar_form: SeminarForm | None = None,
    settings_form: SettingsForm | None = None,
    status: int = 200,
):
    council = current_user.council
    candidates = candidates or queries.get_candidates(council.id, council.current_round_id)
    return render_template(
        "certificates/council.html",
        council=council,
        entries=queries.list_council_certificates(council.id),
        candidates=candidates,
        issue_form=issue_form or _issue_form(council, candidates),
        seminar_form=seminar_form or _seminar_form(council, candidates),
        settings_form=settings_form or _settings_form(council),
        default_valid_until=operations.default_valid_until(council),
    ), status


@bp.get("/admin/certificates")
@admin_required
def list_certificates():
    return _render_council_page()


def _report_emails(failed: list[str]) -> None:
    if not failed:
        return
    message = _(
        "The e-mail to %(addresses)s could not be sent. Download the certificate and send it yourself.",
        addresses=", ".join(failed),
    )
    flash(message, "warning")


@bp.post("/admin/certificates/issue")
@admin_required
def issue_certificates():
    council = current_user.council
    candidates = queries.get_candidates(council.id, council.current_round_id)
    form = _issue_form(council, candidates, formdata=request.form)
    if not form.validate_on_submit():
        return _render_council_page(candidates=candidates, issue_form=form, status=422)
    course = get_course()
    try:
        results = operations.issue_certificates(council, form.member_ids.data, course, actor=current_user)
    except operations.NotCompletedError:
        # The list changed between showing the form and sending it (a member was removed meanwhile).
        db.session.rollback()
        flash(_("Choose members from the list."), "warning")
        return redirect(url_for("certificates.list_certificates"), code=303)
    db.session.commit()
    issued = [result.certificate for result in results if result.is_new]
    flash(
        ngettext("%(num)d certificate issued.", "%(num)d certificates issued.", len(issued)),
        "success",
    )
    if form.send_email.data:
        _report_emails(delivery.email_certificates(issued, course))
    return redirect(url_for("certificates.list_certificates"), code=303)


@bp.post("/admin/certificates/seminar")
@admin_required
def record_seminar_completion():
    council = current_user.council
    candidates = queries.get_candidates(council.id, council.current_round_id)
    form = _seminar_form(council, candidates, formdata=request.form)
    if not form.validate_on_submit():
        return _render_council_page(candidates=candidates, seminar_form=form, status=422)
    member = queries.get_council_member(council.id, form.member_id.data)
    course = get_course()
    # The form offered only members without a completion; the service checks again for a race.
    try:
        result = operations.record_seminar_completion(
            member, form.completed_on.data, form.reason.data, course, actor=current_user
        )
    except operations.CompletedOnlineError:
        db.session.rollback()
        flash(
            _(
                "%(name)s has completed the course online. Issue their certificate from the list.",
                name=member.name,
            ),
            "warning",
        )
        return redirect(url_for("certificates.list_certificates"), code=303)
    db.session.commit()
    flash(_("Certificate issued to %(name)s.", name=member.name), "success")
    if form.send_email.data and result.is_new:
        _report_emails(delivery.email_certificates([result.certificate], course))
    return redirect(
        url_for("certificates.show_council_certificate", certificate_id=result.certificate.id), code=303
    )


@bp.post("/admin/certificates/settings")
@admin_required
def update_settings():
    council = current_user.council
    form = _settings_form(council, formdata=request.form)
    if not form.validate_on_submit():
        return _render_council_page(settings_form=form, status=422)
    changed = operations.update_certificate_settings(
        council,
        has_automatic_certificates=form.has_automatic_certificates.data,
        has_certificate_email=form.has_certificate_email.data,
        valid_until=form.valid_until.data,
        actor=current_user,
    )
    db.session.commit()
    flash(_("The settings are saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("certificates.list_certificates", _anchor="settings"), code=303)


@bp.get("/admin/certificates/all.zip")
@admin_required
def download_all_certificates():
    council = current_user.council
    certificates = queries.list_downloadable_certificates(council.id)
    if not certificates:
        flash(_("There are no certificates to download yet."), "info")
        return redirect(url_for("certificates.list_certificates"))
    archive = delivery.certificates_zip(certificates, get_course(), council.default_locale)
    response = Response(archive, mimetype="application/zip")
    # i18n: the file name of the ZIP file with all of a council's certificates, without spaces
    filename = _("certificates-%(council)s.zip", council=council.slug)
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    return response


def _to_detail(certificate_id: int):
    return redirect(url_for("certificates.show_council_certificate", certificate_id=certificate_id), code=303)


def _render_detail(certificate: Certificate, *, revoke_form=None, reissue_form=None, status: int = 200):
    return render_template(
        "certificates/detail.html",
        certificate=certificate,
        status=queries.certificate_status(certificate),
        revisions=queries.list_revisions(certificate),
        revoke_form=revoke_form or RevokeForm(formdata=None, prefix="revoke"),
        reissue_form=reissue_form
        or ReissueForm(
            formdata=None,
            prefix="reissue",
            data={"name": certificate.member.name, "send_email": current_user.council.has_certificate_email},
        ),
        send_form=SendForm(formdata=None, prefix="send"),
        course=get_course(),
    ), status


@bp.get("/admin/certificates/<id:certificate_id>")
@admin_required
def show_council_certificate(certificate_id: int):
    return _render_detail(_council_certificate_or_404(certificate_id))


@bp.get("/admin/certificates/<id:certificate_id>/pdf")
@admin_required
def download_council_certificate(certificate_id: int):
    certificate = _council_certificate_or_404(certificate_id)
    if not certificate.is_current or certificate.revoked_at is not None:
        abort(404)
    return _pdf_response(certificate, _requested_language(certificate.member.language))


@bp.post("/admin/certificates/<id:certificate_id>/revoke")
@admin_required
def revoke_certificate(certificate_id: int):
    certificate = _council_certificate_or_404(certificate_id)
    form = RevokeForm(prefix="revoke")
    if not form.validate_on_submit():
        return _render_detail(certificate, revoke_form=form, status=422)
    if request.form.get("confirm") != "yes":
        # The reason is right: now the administrator confirms, seeing what happens.
        return render_template(
            "certificates/revoke_confirm.html", certificate=certificate, form=form, active_page="admin"
        )
    try:
        operations.revoke_certificate(certificate, form.reason.data, actor=current_user)
    except operations.CertificateError:
        db.session.rollback()
        flash(_("This certificate was revoked or replaced already."), "warning")
        return _to_detail(certificate_id)
    db.session.commit()
    flash(_("The certificate is revoked."), "success")
    member = certificate.member
    if delivery.send_certificate_emails(
        [delivery.revoked_email(certificate, member, current_user.council.name)]
    ):
        flash(
            _(
                "The e-mail telling %(email)s could not be sent. Please tell the member yourself.",
                email=member.email,
            ),
            "warning",
        )
    return _to_detail(certificate_id)


@bp.post("/admin/certificates/<id:certificate_id>/reissue")
@admin_required
def reissue_certificate(certificate_id: int):
    certificate = _council_certificate_or_404(certificate_id)
    form = ReissueForm(prefix="reissue")
    if not form.validate_on_submit():
        return _render_detail(certificate, reissue_form=form, status=422)
    try:
        successor = operations.reissue_certificate(
            certificate, name=form.name.data, correction=form.correction.data, actor=current_user
        )
    except operations.ReplacedError:
        db.session.rollback()
        flash(_("This certificate was replaced already."), "warning")
        return _to_detail(certificate_id)
    db.session.commit()
    flash(_("A new certificate is issued. The old code now leads to it."), "success")
    if form.send_email.data:
        _report_emails(delivery.email_certificates([successor], get_course()))
    return _to_detail(successor.id)


@bp.post("/admin/certificates/<id:certificate_id>/email")
@admin_required
def email_certificate(certificate_id: int):
    certificate = _council_certificate_or_404(certificate_id)
    form = SendForm(prefix="send")
    if not form.validate_on_submit() or not certificate.is_current or certificate.revoked_at is not None:
        abort(400)
    failed = delivery.email_certificates([certificate], get_course(), actor=current_user)
    db.session.commit()
    if failed:
        _report_emails(failed)
    else:
        flash(_("The certificate was e-mailed to %(email)s.", email=certificate.member.email), "success")
    return _to_detail(certificate_id)


# --- verification, open to anyone -------------------------------------------------------------------------


def _no_store(response: Response) -> Response:
    # A revocation must show at once, and people's names stay out of shared caches and search engines.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@verification_bp.get("/verify")
@public
@limiter.shared_limit(VERIFY_LIMIT, scope="verify")
def verify_code():
    form = VerifyForm(formdata=request.args if "code" in request.args else None)
    status = 200
    if "code" in request.args:
        if form.validate():
            code = codes.normalize_code(form.code.data)
            if codes.is_well_formed(code):
                target = url_for("verification.show_result", code=codes.format_code(code))
                return redirect(target, code=303)
            form.code.errors.append(
                _("A certificate code has 15 letters and digits, like K7QF3-M9PXD-2RJ4T. Check the code.")
            )
        status = 422
    html = render_template("certificates/verify.html", verify_form=form)
    return _no_store(Response(html, status=status, mimetype="text/html"))


@verification_bp.get("/verify/<code>")
@public
@limiter.shared_limit(VERIFY_LIMIT, scope="verify")
def show_result(code: str):
    if not code.strip():
        # Nothing to look up ("/verify/%20"): the form that asks for a code.
        return redirect(url_for("verification.verify_code"))
    result = queries.verify_certificate(code)
    html = render_template(
        "certificates/verify_result.html",
        result=result,
        asked=code,
        course=get_course(),
        verify_form=VerifyForm(formdata=None),
    )
    return _no_store(Response(html, status=200 if result else 404, mimetype="text/html"))
