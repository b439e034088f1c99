from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from course.auth import links, services
from course.auth.access import access_ended_message, member_required, public, safe_next_url
from course.auth.forms import EmailForm, LinkForm, LoginForm, NewPasswordForm
from course.auth.links import LinkError, LinkProblem
from course.auth.models import TokenPurpose
from course.auth.passwords import MIN_PASSWORD_LENGTH
from course.extensions import db, limiter
from course.mail import outbox
from course.mail.background import send_later
from course.mail.services import MailError
from course.people.services import is_alone_on_roster
from course.web.errors import render_error

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


# Rate limits. A council signs in together at a seminar, behind the town hall's one public address, so
# what succeeds never counts: only failed sign-ins and unknown links use up an address's budget. Limits per
# account are per account *and* address, so whoever guesses at a member's password (or floods their inbox
# with links) from one address uses up only that address's budget, never the member's own.

#: Failed sign-ins from one address, across every account.
SIGN_IN_ADDRESS_LIMIT = "20 per 15 minutes"
#: Failed sign-ins for one account from one address.
SIGN_IN_ACCOUNT_LIMIT = "10 per 15 minutes"
#: Link and reset requests from one address (each can send an e-mail): room for a whole council.
LINK_REQUEST_ADDRESS_LIMIT = "60 per 15 minutes"
#: Link and reset requests for one account from one address.
LINK_REQUEST_ACCOUNT_LIMIT = "5 per 15 minutes"
#: Unknown or forged links from one address: far too few to guess a token, and opening a real link is free.
LINK_LIMIT = "30 per 15 minutes"


def _account_key(kind: str) -> str:
    address = (request.form.get("email") or "").strip().lower()[:254]
    return f"{kind}:{get_remote_address()}:{address}"


def _login_account_key() -> str:
    return _account_key("login")


def _link_account_key() -> str:
    return _account_key("link")


def _sign_in_failed(response) -> bool:
    return response.status_code == 422


def _link_unknown(response) -> bool:
    return response.status_code == 404


def _start_session(member) -> None:
    """Sign ``member`` in with a fresh session: nothing from before survives but the language choice."""
    if current_user.is_authenticated:
        services.end_login_session(current_user.session_token)
        logout_user()
    services.start_login_session(member, user_agent=request.user_agent.string)
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    session.permanent = True
    login_user(member)


def _landing(member) -> str:
    """Where a member goes after accepting an invitation: the course, or for an administrator who has no
    members yet the administration's first steps."""
    if member.is_admin and is_alone_on_roster(member):
        return url_for("admin.show_dashboard")
    return url_for("learning.show_overview")


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
@limiter.limit(SIGN_IN_ADDRESS_LIMIT, methods=["POST"], deduct_when=_sign_in_failed)
@limiter.limit(
    SIGN_IN_ACCOUNT_LIMIT, methods=["POST"], key_func=_login_account_key, deduct_when=_sign_in_failed
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("learning.show_overview"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            member = services.authenticate(form.email.data, form.password.data)
        except services.CouncilArchivedError as archived:
            member, error = None, access_ended_message(archived.council_name)
        if member is not None:
            _start_session(member)
            db.session.commit()
            return redirect(safe_next_url(request.args.get("next")) or url_for("learning.show_overview"))
        error = error or _("The e-mail address or the password is not right.")
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


def _idle_limit() -> timedelta:
    return timedelta(hours=current_app.config["COURSE_SESSION_IDLE_HOURS"])


@bp.after_app_request
def _touch_session(response):
    # Only a member already loaded for this request (Flask-Login keeps them in g): asking current_user here
    # would load one for every static file.
    seen = getattr(g.get("_login_user"), "session_seen", None)
    if seen is not None:
        g._login_user.session_seen = None
        try:
            services.touch_login_session(*seen)
        except SQLAlchemyError:
            # "Last seen" is best effort: a busy or absent database must not turn an answer into an error.
            current_app.logger.warning("could not record when session %s was last used", seen[0])
    return response


@bp.get("/account/sessions")
@member_required
def list_sessions():
    sessions = services.list_login_sessions(
        current_user, current_user.session_token, idle_limit=_idle_limit()
    )
    return render_template(
        "auth/sessions.html",
        sessions=sessions,
        idle_hours=format_decimal(current_app.config["COURSE_SESSION_IDLE_HOURS"]),
        lifetime_days=services.SESSION_LIFETIME.days,
    )


@bp.post("/account/sessions/end")
@member_required
def sign_out_everywhere():
    services.end_all_sessions(current_user)
    logout_user()
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    db.session.commit()
    return redirect(url_for("auth.sign_in", signed_out="everywhere"))


# --- sign-in links ----------------------------------------------------------------------------------


@bp.route("/login/link", methods=["GET", "POST"])
@public
@limiter.limit(LINK_REQUEST_ADDRESS_LIMIT, methods=["POST"])
@limiter.limit(LINK_REQUEST_ACCOUNT_LIMIT, methods=["POST"], key_func=_link_account_key)
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


# Links from e-mails carry their token after "#" (`/invitation#<token>`): browsers never send that part, so
# it never reaches an access log, a proxy or a Referer header. The page at the link's address is the same for
# everyone; a small script (static/js/open-link.js) posts the token from it, and without JavaScript the
# person pastes the link into its one field. Each step then carries the token in the body of a POST.


def _open_page(purpose: str, form: LinkForm | None = None, status: int = 200):
    return render_template(
        "auth/open_link.html", purpose=purpose, form=form or LinkForm(formdata=None)
    ), status


def _old_link(purpose: str, token: str):
    """A link from before tokens left the address. Its token may sit in an access log, so it is not
    accepted; the page offers a new link, sent to the address the old one went to."""
    return render_template(
        "auth/link_problem.html", problem="moved", purpose=purpose, token=token, form=EmailForm(formdata=None)
    ), 410


@bp.get("/login/link/open")
@public
def show_sign_in_link():
    return _open_page(TokenPurpose.LOGIN)


@bp.post("/login/link/open")
@public
@limiter.limit(LINK_LIMIT, deduct_when=_link_unknown)
def use_sign_in_link():
    link = LinkForm()
    if not link.validate():
        return _open_page(TokenPurpose.LOGIN, link, 422)
    token = link.token.data
    next_path = safe_next_url(request.form.get("next") or request.args.get("next"))
    if request.form.get("action") != "sign-in":
        # Opening the link only shows a button: mail scanners that fetch links (even with scripts) must
        # not spend it.
        try:
            found = links.check_token(token, TokenPurpose.LOGIN)
        except LinkError as error:
            return _link_problem(error, TokenPurpose.LOGIN, token)
        return render_template("auth/sign_in_link.html", member=found.member, next=next_path, token=token)
    try:
        member = links.use_token(token, TokenPurpose.LOGIN)
    except LinkError as error:
        db.session.rollback()
        return _link_problem(error, TokenPurpose.LOGIN, token)
    _start_session(member)
    db.session.commit()
    return redirect(next_path or _landing(member))


@bp.get("/login/link/<token>")
@public
def show_old_sign_in_link(token: str):
    return _old_link(TokenPurpose.LOGIN, token)


# --- invitations ------------------------------------------------------------------------------------


@bp.get("/invitation")
@public
def show_invitation():
    return _open_page(TokenPurpose.INVITE)


@bp.post("/invitation")
@public
@limiter.limit(LINK_LIMIT, deduct_when=_link_unknown)
def accept_invitation():
    link = LinkForm()
    if not link.validate():
        return _open_page(TokenPurpose.INVITE, link, 422)
    token = link.token.data
    try:
        found = links.check_token(token, TokenPurpose.INVITE)
    except LinkError as error:
        return _link_problem(error, TokenPurpose.INVITE, token)
    action = request.form.get("action")
    if action not in ("password", "link"):
        return render_template(
            "auth/invitation.html", member=found.member, form=NewPasswordForm(formdata=None), token=token
        )
    with_password = action == "password"
    form = NewPasswordForm()
    if with_password and not form.validate():
        return render_template("auth/invitation.html", member=found.member, form=form, token=token), 422
    try:
        member = links.use_token(token, TokenPurpose.INVITE)
    except LinkError as error:
        db.session.rollback()
        return _link_problem(error, TokenPurpose.INVITE, token)
    if with_password:
        services.set_password(member, form.password.data)
        # The password is new: whoever was signed in as this member before (a forwarded invitation) is not.
        services.end_all_sessions(member)
    _start_session(member)
    db.session.commit()
    if with_password:
        flash(_("Welcome! Your password is saved and you are signed in."), "success")
    else:
        flash(
            _("Welcome! You are signed in. Next time, ask for a sign-in link on the sign-in page."),
            "success",
        )
    return redirect(_landing(member))


@bp.get("/invitation/<token>")
@public
def show_old_invitation(token: str):
    return _old_link(TokenPurpose.INVITE, token)


# --- password reset ---------------------------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(LINK_REQUEST_ADDRESS_LIMIT, methods=["POST"])
@limiter.limit(LINK_REQUEST_ACCOUNT_LIMIT, methods=["POST"], key_func=_link_account_key)
def request_password_reset():
    form = EmailForm()
    if form.validate_on_submit():
        mail = outbox.queue_mail(outbox.PASSWORD_RESET, form.email.data)
        db.session.commit()
        send_later(partial(outbox.deliver, mail.id))
        return render_template("auth/link_sent.html", purpose=TokenPurpose.RESET.value)
    return render_template("auth/request_reset.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset", methods=["GET", "POST"])
@public
@limiter.limit(LINK_LIMIT, methods=["POST"], deduct_when=_link_unknown)
def reset_password():
    if request.method == "GET":
        return _open_page(TokenPurpose.RESET)
    link = LinkForm()
    if not link.validate():
        return _open_page(TokenPurpose.RESET, link, 422)
    token = link.token.data
    try:
        found = links.check_token(token, TokenPurpose.RESET)
    except LinkError as error:
        return _link_problem(error, TokenPurpose.RESET, token)
    if request.form.get("action") != "reset":
        form = NewPasswordForm(formdata=None)
        return render_template("auth/reset_password.html", member=found.member, form=form, token=token)
    form = NewPasswordForm()
    if not form.validate():
        return render_template("auth/reset_password.html", member=found.member, form=form, token=token), 422
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


@bp.get("/password/reset/<token>")
@public
def show_old_reset_link(token: str):
    return _old_link(TokenPurpose.RESET, token)


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
