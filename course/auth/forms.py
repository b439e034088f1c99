from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from course.auth.passwords import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[DataRequired(_l("Enter your e-mail address.")), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=1000)],
        render_kw={"autocomplete": "current-password"},
    )


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class EmailForm(FlaskForm):
    """Asking for a sign-in link or a password reset."""

    email = EmailField(
        _l("E-mail address"),
        filters=[_strip],
        validators=[
            DataRequired(_l("Enter your e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
            Email(_l("Enter an e-mail address like name@example.dk.")),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    next = HiddenField()


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=1000,
                message=_l("The password must have at least %(min)d characters."),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(_l("Repeat the password.")),
            EqualTo("password", _l("The two passwords are not the same.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


def _token_of(value: str | None) -> str | None:
    # Someone without JavaScript pastes the whole link from the e-mail: the token is what follows the "#".
    if not isinstance(value, str):
        return value
    return value.strip().rsplit("#", 1)[-1].strip()


class LinkForm(FlaskForm):
    """Opening a link from an e-mail. The link carries its token after "#", which browsers never send: a small
    script posts it from the page, and without JavaScript the person pastes the link here."""

    token = StringField(
        _l("The link from the e-mail"),
        filters=[_token_of],
        validators=[
            DataRequired(_l("Paste the whole link from the e-mail.")),
            Length(max=500, message=_l("This is not a link from one of our e-mails.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
    )
