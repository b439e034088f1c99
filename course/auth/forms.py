from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
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
