"""Forms for planning a seminar and for the council's seminar setting."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from course.certificates.forms import LocalDateField
from course.seminars.models import MIN_ANSWERS_RANGE


class SeminarForm(FlaskForm):
    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(_l("Give the seminar a title.")),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"maxlength": 200},
    )
    held_on = LocalDateField(_l("Date"), validators=[InputRequired(_l("Enter the date of the seminar."))])
    place = StringField(
        _l("Place"),
        validators=[Length(max=200, message=_l("Use at most %(max)d characters."))],
        render_kw={"maxlength": 200},
    )


class SettingsForm(FlaskForm):
    min_answers = IntegerField(
        _l("Fewest answers before totals are shown"),
        validators=[
            InputRequired(_l("Enter a number.")),
            NumberRange(*MIN_ANSWERS_RANGE, message=_l("Enter a number from %(min)d to %(max)d.")),
        ],
    )
