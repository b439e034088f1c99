from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from course.admin.roster import ROLE_LABELS
from course.people.calendar import Term
from course.people.models import Role
from course.people.services import default_takes_course
from course.web.fields import ConfirmField

ROLE_CHOICES = [SelectChoice(role.value, ROLE_LABELS[role.value]) for role in Role]
LANGUAGE_CHOICES = [
    SelectChoice("", _l("The council's language")),
    SelectChoice("da", _l("Danish")),
    SelectChoice("sv", _l("Swedish")),
    SelectChoice("en", _l("English")),
]
#: "role" follows the member's role (councillors and substitutes take the course, staff do not).
TAKES_COURSE_CHOICES = [
    SelectChoice("role", _l("As for the role (councillors and substitutes yes, staff no)")),
    SelectChoice("yes", _l("Yes")),
    SelectChoice("no", _l("No")),
]
TAKES_COURSE_VALUES = {"role": None, "yes": True, "no": False}


class MemberForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Enter the member's name.")), Length(max=200)],
        render_kw={"autocomplete": "off"},
    )
    email = EmailField(
        _l("E-mail address"),
        validators=[
            DataRequired(_l("Enter the member's e-mail address.")),
            Length(max=254, message=_l("The e-mail address is too long.")),
        ],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=Role.COUNCILLOR.value)
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES, default="")
    takes_course = SelectField(_l("Takes the course"), choices=TAKES_COURSE_CHOICES, default="role")
    is_admin = BooleanField(_l("Administrator: may manage the roster and follow the council's completion"))

    @property
    def takes_course_value(self) -> bool | None:
        """True or False as chosen; None for the role's default."""
        return TAKES_COURSE_VALUES.get(self.takes_course.data)

    def show_takes_course(self, *, takes_course: bool, role: str) -> None:
        """Show a member's setting: "as for the role" when it is the role's default."""
        if takes_course == default_takes_course(role):
            self.takes_course.data = "role"
        else:
            self.takes_course.data = "yes" if takes_course else "no"


class ImportForm(FlaskForm):
    file = FileField(
        _l("Roster file (CSV or Excel)"),
        validators=[FileRequired(_l("Choose a file to import."))],
        render_kw={
            "accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        },
    )


class _DateField(DateField):
    """A date field whose error says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(str(_l("Enter the date as year-month-day, for example 2026-03-31."))) from None


class DueDateForm(FlaskForm):
    due_date = _DateField(
        _l("Due date"),
        validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    #: Sent by the confirmation step: the administrator has been told that the date has passed.
    confirm_past = BooleanField()


class RoundForm(FlaskForm):
    """Starting the council's next round: its due date and whether completions carry over."""

    due_date = _DateField(
        _l("Due date (optional)"),
        validators=[Optional()],
        description=_l("The day by which members are asked to have completed the course in the new round."),
        render_kw={"autocomplete": "off"},
    )
    carry_over = BooleanField(
        _l("Carry over the completions of re-elected members"),
        description=_l("Re-elected members who completed the course count as complete in the new round."),
    )
    confirm = ConfirmField(
        _l("I understand that every member takes the course again"),
        validators=[DataRequired(_l("Tick the box to confirm that a new round should start."))],
    )
    #: The first day of the term the page offered: a round for a term the administrator did not see (another
    #: tab or another administrator started one since) is not started.
    term = HiddenField()
    #: Set by the view: the term of the new round; the due date must fall in it.
    new_term: Term | None = None

    def validate_confirm(self, field: BooleanField) -> None:
        # Said at the confirmation, where the administrator acts; the page shown with it offers the term
        # a round would now start for.
        if self.new_term is None or self.term.data != self.new_term.start.isoformat():
            raise ValidationError(
                _l(
                    "A round has started since this page was opened, so nothing was changed. Read the page again before you start another."  # noqa: E501
                )
            )

    def validate_due_date(self, field: _DateField) -> None:
        if self.new_term is not None and field.data is not None and field.data not in self.new_term:
            raise ValidationError(
                _l(
                    "Choose a date in the council term %(term)s, or leave the field empty.",
                    term=self.new_term.label,
                )
            )
