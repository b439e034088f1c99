"""Forms for issuing, revoking, reissuing, the council's settings and the public code lookup.

WTForms has no Danish catalogue, so every message a person can see is our own (``_l``), including those
for a date that is not a date and a choice that was not offered (a tampered form).
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from course.certificates.operations import MAX_REASON_LENGTH
from course.web.inputs import parse_id


def _int_or_none(value: object) -> int | None:
    return parse_id(value)


class LocalDateField(DateField):
    """A date typed as YYYY-MM-DD (what a date input sends), with our own message when it is not one."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip(), "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter the date as year-month-day, for example 2025-11-18.")) from None


def _reason(label: str, message: str) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message),
            Length(max=MAX_REASON_LENGTH, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"rows": 3, "maxlength": MAX_REASON_LENGTH},
    )


class IssueForm(FlaskForm):
    member_ids = SelectMultipleField(_l("Members"), coerce=_int_or_none, validate_choice=False)
    send_email = BooleanField(_l("E-mail each member their certificate"), default=True)
    #: A second button that issues for everyone listed, so a large council need not tick every box.
    everyone = SubmitField(_l("Issue certificates for everyone listed"))

    def validate_member_ids(self, field: SelectMultipleField) -> None:
        if self.everyone.data:
            field.data = [value for value, _label in field.choices or ()]
        if not field.data:
            raise ValidationError(_l("Choose at least one member."))
        offered = {value for value, _label in field.choices or ()}
        if any(member_id not in offered for member_id in field.data):
            raise ValidationError(_l("Choose members from the list."))


class SeminarForm(FlaskForm):
    member_id = SelectField(_l("Member"), coerce=_int_or_none, validate_choice=False)
    completed_on = LocalDateField(
        _l("Date of the seminar"), validators=[InputRequired(_l("Enter the date of the seminar."))]
    )
    reason = _reason(_l("Reason"), _l("Say why the certificate is issued without the online course."))
    send_email = BooleanField(_l("E-mail the member their certificate"), default=True)

    #: Set by the view: the council's today, the latest possible seminar date, and the first day of its
    #: current round, the earliest.
    today: date | None = None
    earliest: date | None = None

    def validate_member_id(self, field: SelectField) -> None:
        offered = {value for value, _label in field.choices or () if value is not None}
        if field.data not in offered:
            raise ValidationError(_l("Choose a member from the list."))

    def validate_completed_on(self, field: LocalDateField) -> None:
        if self.today is not None and field.data is not None and field.data > self.today:
            raise ValidationError(_l("The seminar date cannot be in the future."))
        if self.earliest is not None and field.data is not None and field.data < self.earliest:
            raise ValidationError(
                _(
                    "The seminar date must be in the council's current round, from %(date)s.",
                    date=format_date(self.earliest, "long"),
                )
            )


class RevokeForm(FlaskForm):
    reason = _reason(_l("Reason for revoking"), _l("Say why the certificate is revoked."))


class ReissueForm(FlaskForm):
    name = StringField(
        _l("Name on the certificate"),
        validators=[
            DataRequired(_l("Enter the name.")),
            Length(max=200, message=_l("Use at most %(max)d characters.")),
        ],
    )
    correction = _reason(_l("What was corrected"), _l("Say what was corrected."))
    send_email = BooleanField(_l("E-mail the member the new certificate"), default=True)


class SettingsForm(FlaskForm):
    has_automatic_certificates = BooleanField(_l("Issue a certificate when a member completes the course"))
    has_certificate_email = BooleanField(_l("E-mail the certificate to the member when it is issued"))
    valid_until = LocalDateField(_l("Certificates are valid until"), validators=[Optional()])

    today: date | None = None

    def validate_valid_until(self, field: LocalDateField) -> None:
        if self.today is not None and field.data is not None and field.data < self.today:
            raise ValidationError(_l("Choose a date that has not passed, or leave the field empty."))


class SendForm(FlaskForm):
    """A button that e-mails a certificate: only the CSRF token."""


class VerifyForm(FlaskForm):
    class Meta:
        # A lookup changes nothing and must work from a link or a bookmark: a GET form without a token.
        csrf = False

    code = StringField(
        _l("Certificate code"),
        validators=[
            DataRequired(_l("Enter the certificate code.")),
            Length(max=64, message=_l("Use at most %(max)d characters.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
