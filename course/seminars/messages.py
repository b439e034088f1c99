"""What the facilitator or a member is told when an action does not fit the seminar's state."""

from __future__ import annotations

from flask_babel import gettext as _


def error_message(reason: str) -> str:
    messages = {
        "ended": _("The seminar has ended."),
        "live": _("Cards cannot be moved or removed while the seminar is running."),
        "answered": _("The question has been asked already, so it can no longer be changed."),
        "kind": _("Choose a kind of question."),
        "question": _("Write the question in 1 to 300 characters."),
        "options": _("A choice needs 2 to 6 options, one on each line, of at most 80 characters."),
        "move": _("The card cannot move further."),
        "no_card": _("There is no card further that way."),
        "no_question": _("This card has no question to the room."),
        "already_open": _("The question is open already."),
        "not_open": _("The question is not open."),
        "not_asked": _("Open the question before revealing its results."),
        "already_revealed": _("The results are shown already."),
        "too_few": _("Too few have answered: the results stay hidden to keep the answers anonymous."),
        "agreement": _("Write the agreement in 1 to 500 characters."),
        "not_live": _("The seminar is not running."),
        "not_ended": _("End the seminar before confirming who was present."),
        "no_word": _("That answer was not found."),
        "council": _("This seminar belongs to another council."),
        "closed": _("The question is closed. Your answer was not counted."),
        "answer": _("Choose one of the answers, or write one of at most 40 characters."),
        "future": _("The seminar's date is in the future, so no completion can be recorded yet."),
        "min_answers": _("Enter a number from 3 to 50."),
        "title": _("Give the seminar a title."),
        "place": _("Use at most 200 characters."),
    }
    return messages.get(reason, _("That did not work. Please try again."))
