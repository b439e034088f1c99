"""Form fields shared by the features."""

from __future__ import annotations

from wtforms import BooleanField

#: What a confirmation box sends when it is ticked (WTForms' checkbox value).
TICKED = "y"


class ConfirmField(BooleanField):
    """A box that confirms a step that cannot be undone (starting a round, archiving a council).

    Confirmed only by the value the page's box sends: a hand-made request with "0", "False", "off" or any
    other value confirms nothing, where a plain BooleanField takes anything but "false" and "" for yes.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = bool(valuelist) and valuelist[0] == TICKED

    def _value(self) -> str:
        return TICKED
