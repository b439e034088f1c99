"""Pages for the conversation material. Everything shown comes from the loaded course content; nothing
here reads or writes the database beyond the signed-in member."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from course.auth.access import member_required
from course.content import CARD_SETS, CardSet, Conversation
from course.web.course import get_course

bp = Blueprint("conversation", __name__, url_prefix="/cards")

# Only the known sets match, so /cards/dos-and-donts never reaches the card-set views.
_SET = f"<any({', '.join(CARD_SETS)}):set_id>"


def _conversation_or_404() -> Conversation:
    conversation = get_course().conversation
    if conversation is None:
        abort(404)
    return conversation


def _card_set_or_404(set_id: str) -> tuple[Conversation, CardSet]:
    conversation = _conversation_or_404()
    card_set = conversation.card_set(set_id)
    if card_set is None:
        abort(404)
    return conversation, card_set


@bp.get("")
@member_required
def show_index():
    return render_template("conversation/index.html", conversation=_conversation_or_404())


@bp.get(f"/{_SET}")
@member_required
def show_card_set(set_id: str):
    conversation, card_set = _card_set_or_404(set_id)
    return render_template("conversation/card_set.html", conversation=conversation, card_set=card_set)


def _print_cards(set_id: str, *, with_notes: bool):
    conversation, card_set = _card_set_or_404(set_id)
    return render_template(
        "conversation/print_cards.html", conversation=conversation, card_set=card_set, with_notes=with_notes
    )


@bp.get(f"/{_SET}/print")
@member_required
def print_card_set(set_id: str):
    """The cards with the facilitator's notes, one card to a printed page."""
    return _print_cards(set_id, with_notes=True)


@bp.get(f"/{_SET}/print/participants")
@member_required
def print_cards_for_participants(set_id: str):
    """The cards alone, to hand out: the notes would give away what the discussion should find."""
    return _print_cards(set_id, with_notes=False)


@bp.get("/dos-and-donts")
@member_required
def show_dos_and_donts():
    conversation = _conversation_or_404()
    return render_template(
        "conversation/dos_and_donts.html", conversation=conversation, advice=conversation.dos_and_donts
    )


@bp.get("/dos-and-donts/print")
@member_required
def print_dos_and_donts():
    conversation = _conversation_or_404()
    return render_template(
        "conversation/print_dos_and_donts.html", conversation=conversation, advice=conversation.dos_and_donts
    )
