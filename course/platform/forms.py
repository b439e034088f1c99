from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length

from course.web.fields import ConfirmField


class CouncilDetailsForm(FlaskForm):
    """The council's name, country and language: set when it is created, changed on its page."""

    name = StringField(
        _l("The council's name"),
        validators=[
            DataRequired(_l("Enter the council's name.")),
            Length(max=200, message=_l("The name can be at most 200 characters long.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    country = SelectField(
        _l("Country"), choices=[SelectChoice("dk", _l("Denmark")), SelectChoice("se", _l("Sweden"))]
    )
    locale = SelectField(
        _l("The council's language"),
        choices=[
            SelectChoice("da", _l("Danish")),
            SelectChoice("sv", _l("Swedish")),
            SelectChoice("en", _l("English")),
        ],
    )


class CouncilForm(CouncilDetailsForm):
    # Not chosen: the country's language (Danish for Denmark, Swedish for Sweden), applied on saving.
    locale = SelectField(
        _l("The council's language"),
        choices=[
            SelectChoice("", _l("The country's language")),
            SelectChoice("da", _l("Danish")),
            SelectChoice("sv", _l("Swedish")),
            SelectChoice("en", _l("English")),
        ],
        default="",
    )
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(_l("Enter a short name.")), Length(max=63)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    admin_name = StringField(
        _l("The administrator's name"),
        validators=[DataRequired(_l("Enter the administrator's name.")), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    admin_email = EmailField(
        _l("The administrator's e-mail address"),
        validators=[
            DataRequired(_l("Enter the administrator's e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )


class AdministratorForm(FlaskForm):
    """Make someone the council's administrator (a member already, or someone new)."""

    name = StringField(
        _l("The administrator's name"),
        validators=[
            DataRequired(_l("Enter the administrator's name.")),
            Length(max=200, message=_l("The name can be at most 200 characters long.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("The administrator's e-mail address"),
        validators=[
            DataRequired(_l("Enter the administrator's e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    replace = BooleanField(_l("Replace the council's current administrators"))


class ArchiveForm(FlaskForm):
    confirm = ConfirmField(
        _l("I understand that the council's members can no longer sign in"),
        validators=[DataRequired(_l("Tick the box to confirm that the council should be archived."))],
    )


class LogoForm(FlaskForm):
    logo = FileField(
        _l("The council's logo"),
        validators=[FileRequired(_l("Choose an image file."))],
        render_kw={"accept": "image/png,image/jpeg,image/webp"},
    )


class ActionForm(FlaskForm):
    """A button that changes something and needs nothing but the CSRF token."""
