from __future__ import annotations

from functools import partial

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from course.auth import links, services
from course.auth.access import member_required, public, safe_next_url
from course.auth.forms import EmailForm, LoginForm, NewPasswordForm
from course.auth.links import LinkError, LinkProblem
from course.auth.models import TokenPurpose
from course.auth.passwords import MIN_PASSWORD_LENGTH
from course.extensions import db, limiter
from course.mail import outbox
from course.mail.background import send_later
from course.mail.services import MailError
from course.site.errors import render_error

bp = Blueprint("auth", __name__)


@bp.app_context_processor
def _link_lifetimes() -> dict[str, object]:
    return {
        "link_lifetime": {
            "invite_days": links.INVITE_DAYS,
            "login_minutes": links.LOGIN_MINUTES,
            "reset_hours": links.RESET_HOURS,
            "min_password": MIN_PASSWORD_LENGTH,
        }
    }


#: Opening or spending a one-time link: generous for people, far too few to guess a token.
LINK_LIMIT = "30 per 15 minutes"


def _login_email_key() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


def _link_email_key() -> str:
    return "link:" + (request.form.get("email") or "").strip().lower()[:254]


def _start_session(member) -> None:
    """Sign ``member`` in with a fresh session: nothing from before survives but the language choice."""
    if current_user.is_authenticated:
        services.end_login_session(current_user.session_token)
        logout_user()
    services.start_login_session(member)
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.permanent = True
    login_user(member)


def _mail_failed():
    db.session.rollback()
    return render_error(503, _("The e-mail could not be sent right now. Please try again in a few minutes."))


def _link_problem(error: LinkError, purpose: str, token: str):
    status = 404 if error.problem == LinkProblem.INVALID else 410
    return render_template(
        "auth/link_problem.html",
        problem=error.problem.value,
        purpose=purpose,
        token=token if error.token is not None else None,
        form=EmailForm(formdata=None),
    ), status


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit("20 per 15 minutes", methods=["POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"], key_func=_login_email_key)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("learning.show_overview"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        member = services.authenticate(form.email.data, form.password.data)
        if member is not None:
            _start_session(member)
            db.session.commit()
            return redirect(safe_next_url(request.args.get("next")) or url_for("learning.show_overview"))
        error = _("The e-mail address or the password is not right.")
    status = 200 if request.method == "GET" or (error is None and not form.errors) else 422
    return render_template(
        "auth/login.html", form=form, error=error, next=safe_next_url(request.args.get("next"))
    ), status


@bp.post("/logout")
@member_required
def sign_out():
    services.end_login_session(current_user.session_token)
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    db.session.commit()
    return redirect(url_for("auth.sign_in", signed_out=1))


# --- sign-in links ----------------------------------------------------------------------------------


@bp.route("/login/link", methods=["GET", "POST"])
@public
@limiter.limit("20 per 15 minutes", methods=["POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"], key_func=_link_email_key)
def request_sign_in_link():
    form = EmailForm(next=safe_next_url(request.args.get("next")))
    if form.validate_on_submit():
        # The same answer, as fast, whether or not the address is registered: the address is looked up and
        # the e-mail sent after the response, so neither the page nor its timing tells who is a member.
        # The request is committed before the answer says the e-mail is on its way, so a worker that exits
        # before sending it loses nothing (course/mail/outbox.py).
        mail = outbox.queue_mail(outbox.SIGN_IN_LINK, form.email.data, safe_next_url(form.next.data))
        db.session.commit()
        send_later(partial(outbox.deliver, mail.id))
        return render_template("auth/link_sent.html", purpose=TokenPurpose.LOGIN.value)
    return render_template("auth/request_link.html", form=form), 422 if form.errors else 200


@bp.get("/login/link/<token>")
@public
@limiter.limit(LINK_LIMIT)
def show_sign_in_link(token: str):
    # Opening the link only shows a button: mail scanners that fetch links must not spend it.
    try:
        found = links.check_token(token, TokenPurpose.LOGIN)
    except LinkError as error:
        return _link_problem(error, TokenPurpose.LOGIN, token)
    return render_template(
        "auth/sign_in_link.html", member=found.member, next=safe_next_url(request.args.get("next"))
    )


@bp.post("/login/link/<token>")
@public
@limiter.limit(LINK_LIMIT)
def use_sign_in_link(token: str):
    try:
        member = links.use_token(token, TokenPurpose.LOGIN)
    except LinkError as error:
        db.session.rollback()
        return _link_problem(error, TokenPurpose.LOGIN, token)
    _start_session(member)
    db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or url_for("learning.show_overview"))


# --- invitations ------------------------------------------------------------------------------------


@bp.get("/invitation/<token>")
@public
@limiter.limit(LINK_LIMIT)
def show_invitation(token: str):
    try:
        found = links.check_token(token, TokenPurpose.INVITE)
    except LinkError as error:
        return _link_problem(error, TokenPurpose.INVITE, token)
    return render_template("auth/invitation.html", member=found.member, form=NewPasswordForm(formdata=None))


@bp.post("/invitation/<token>")
@public
@limiter.limit(LINK_LIMIT)
def accept_invitation(token: str):
    try:
        found = links.check_token(token, TokenPurpose.INVITE)
    except LinkError as error:
        return _link_problem(error, TokenPurpose.INVITE, token)
    with_password = request.form.get("action") != "link"
    form = NewPasswordForm()
    if with_password and not form.validate():
        return render_template("auth/invitation.html", member=found.member, form=form), 422
    try:
        member = links.use_token(token, TokenPurpose.INVITE)
    except LinkError as error:
        db.session.rollback()
        return _link_problem(error, TokenPurpose.INVITE, token)
    if with_password:
        services.set_password(member, form.password.data)
    _start_session(member)
    db.session.commit()
    if with_password:
        flash(_("Welcome! Your password is saved and you are signed in."), "success")
    else:
        flash(
            _("Welcome! You are signed in. Next time, ask for a sign-in link on the sign-in page."),
            "success",
        )
    return redirect(url_for("learning.show_overview"))


# --- password reset ---------------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit("20 per 15 minutes", methods=["POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"], key_func=_link_email_key)
def request_password_reset():
    form = EmailForm()
    if form.validate_on_submit():
        mail = outbox.queue_mail(outbox.PASSWORD_RESET, form.email.data)
        db.session.commit()
        send_later(partial(outbox.deliver, mail.id))
        return render_template("auth/link_sent.html", purpose=TokenPurpose.RESET.value)
    return render_template("auth/request_reset.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(LINK_LIMIT)
def reset_password(token: str):
    try:
        found = links.check_token(token, TokenPurpose.RESET)
    except LinkError as error:
        return _link_problem(error, TokenPurpose.RESET, token)
    form = NewPasswordForm()
    if not form.validate_on_submit():
        status = 422 if form.errors else 200
        return render_template("auth/reset_password.html", member=found.member, form=form), status
    try:
        member = links.use_token(token, TokenPurpose.RESET)
    except LinkError as error:
        db.session.rollback()
        return _link_problem(error, TokenPurpose.RESET, token)
    services.set_password(member, form.password.data)
    # Whoever knew the old password is signed out everywhere.
    services.end_all_sessions(member)
    _start_session(member)
    db.session.commit()
    flash(_("Your new password is saved and you are signed in."), "success")
    return redirect(url_for("learning.show_overview"))


@bp.post("/links/renew")
@public
@limiter.limit("10 per 15 minutes")
def renew_link():
    """A new link in place of a used or expired one, sent to the address the old one went to."""
    token, purpose = request.form.get("token", ""), request.form.get("purpose", "")
    if purpose not in {p.value for p in TokenPurpose}:
        return render_error(400)
    try:
        sent = links.renew_link(token, purpose)
    except MailError:
        return _mail_failed()
    if sent is None:
        return _link_problem(LinkError(LinkProblem.INVALID), purpose, token)
    db.session.commit()
    return render_template("auth/link_sent.html", purpose=sent.purpose)
