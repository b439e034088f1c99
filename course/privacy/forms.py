"""Forms for erasing a member and for the council's retention date."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import Optional

from course.certificates.forms import LocalDateField


class EraseForm(FlaskForm):
    """The confirmation button: only the CSRF token."""


class RetentionForm(FlaskForm):
    retention_until = LocalDateField(
        _l("Erase the data of members who have left after"), validators=[Optional()]
    )
