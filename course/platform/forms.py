from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length


class CouncilForm(FlaskForm):
    name = StringField(
        _l("The council's name"),
        validators=[DataRequired(_l("Enter the council's name.")), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    slug = StringField(
        _l("Short name"),
        validators=[DataRequired(_l("Enter a short name.")), Length(max=63)],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
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
