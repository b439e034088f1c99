"""The plan's forms: the draft (built for the council's template) and the adoption."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from course.certificates.forms import LocalDateField
from course.plan.services import MAX_TEXT, Agreement
from course.plan.template import PlanTemplate

PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{1,24}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
TOO_LONG = _l("Use at most %(max)d characters.")


def _phone() -> list:
    return [
        Optional(),
        Length(max=30, message=TOO_LONG),
        Regexp(PHONE, message=_l("Enter a phone number with digits, for example +45 12 34 56 78.")),
    ]


def _email() -> list:
    return [
        Optional(),
        Length(max=254, message=TOO_LONG),
        Regexp(EMAIL, message=_l("Enter an e-mail address, for example name@example.dk.")),
    ]


class ContactForm(Form):
    """A security contact: one row of the draft."""

    name = StringField(_l("Name"), [Length(max=120, message=TOO_LONG)], render_kw={"maxlength": 120})
    role = StringField(_l("Role"), [Length(max=120, message=TOO_LONG)], render_kw={"maxlength": 120})
    phone = StringField(_l("Phone"), _phone(), render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), _email(), render_kw={"type": "email", "autocomplete": "off"})
    out_of_hours = BooleanField(_l("Can be reached out of hours"))

    def validate_name(self, field: StringField) -> None:
        filled = any((self[key].data or "").strip() for key in ("role", "phone", "email"))
        if filled and not (field.data or "").strip():
            raise ValidationError(_l("Give the contact's name."))

    def validate_phone(self, field: StringField) -> None:
        if (self.name.data or "").strip() and not (field.data or "").strip() and not (self.email.data or ""):
            raise ValidationError(_l("Give a phone number or an e-mail address."))


class PartyContactForm(Form):
    """A party group's contact: one row of the draft."""

    group = StringField(_l("Party group"), [Length(max=120, message=TOO_LONG)], render_kw={"maxlength": 120})
    name = StringField(_l("Name"), [Length(max=120, message=TOO_LONG)], render_kw={"maxlength": 120})
    phone = StringField(_l("Phone"), _phone(), render_kw={"type": "tel", "autocomplete": "off"})
    email = StringField(_l("E-mail"), _email(), render_kw={"type": "email", "autocomplete": "off"})

    def validate_group(self, field: StringField) -> None:
        filled = any((self[key].data or "").strip() for key in ("name", "phone", "email"))
        if filled and not (field.data or "").strip():
            raise ValidationError(_l("Name the party group."))

    def validate_name(self, field: StringField) -> None:
        if (self.group.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Give the contact's name."))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_name(key: str) -> str:
    """The form field of a template text (``before.risk`` → ``text_before__risk``)."""
    return "text_" + key.replace(".", "__")


def draft_form(
    template: PlanTemplate,
    agreements: list[Agreement],
    content: dict[str, Any],
    *,
    party_rows: int,
    today: date | None = None,
    **kwargs,
) -> FlaskForm:
    """The draft form for ``template``: one text area per field, contact rows, agreements, review date.
    ``today`` (the council's) refuses a review date that is not after it, when the draft is saved."""

    class DraftForm(FlaskForm):
        def validate_review_on(self, field: LocalDateField) -> None:
            if today is not None and field.data is not None and field.data <= today:
                raise ValidationError(_l("The date of the next review must be after today."))

    for section in template.sections:
        for field in section.fields:
            setattr(
                DraftForm,
                field_name(f"{section.id}.{field.id}"),
                TextAreaField(
                    field.label,
                    [Length(max=MAX_TEXT, message=TOO_LONG)],
                    render_kw={"rows": 3, "maxlength": MAX_TEXT},
                ),
            )
    DraftForm.contacts = FieldList(FormField(ContactForm), min_entries=3, max_entries=8)
    DraftForm.party_contacts = FieldList(FormField(PartyContactForm), min_entries=party_rows, max_entries=40)
    included = [
        item for item in content.get("agreements", []) if item.get("id") not in {a.id for a in agreements}
    ]
    DraftForm.agreements = MultiCheckboxField(
        _l("Agreements from the council's seminars"),
        coerce=int,
        choices=[SelectChoice(agreement.id, agreement.text) for agreement in agreements]
        + [SelectChoice(int(item["id"]), item["text"]) for item in included],
        validate_choice=False,
    )
    DraftForm.review_on = LocalDateField(_l("Date of the next review"), [Optional()])
    return DraftForm(**kwargs)


class AdoptForm(FlaskForm):
    adopted_on = LocalDateField(
        _l("Date of the decision"), [InputRequired(_l("Enter the date the plan was adopted."))]
    )
    decision_reference = StringField(
        _l("Decision reference"),
        [
            DataRequired(_l("Say where the plan was adopted, for example the meeting and agenda item.")),
            Length(max=300, message=TOO_LONG),
        ],
        render_kw={"maxlength": 300},
    )


def flat_errors(form: FlaskForm) -> list[tuple[str, str]]:
    """(field id, message) for every error, contact rows included: the error summary's links."""
    errors: list[tuple[str, str]] = []

    def walk(field: Any) -> None:
        if isinstance(field, FieldList):
            for entry in field.entries:
                walk(entry)
        elif isinstance(field, FormField):
            for sub in field.form:
                walk(sub)
        elif field.type != "CSRFTokenField":
            errors.extend((field.id, str(message)) for message in field.errors)

    for field in form:
        walk(field)
    return errors
