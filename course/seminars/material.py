"""The cards a seminar can use: the conversation material's council and administration cards and the
sections of its do's and don'ts, each with the question the material proposes for the room."""

from __future__ import annotations

from dataclasses import dataclass

from course.content import Card, Conversation, SeminarQuestion, Text


@dataclass(frozen=True, slots=True)
class MaterialCard:
    source: str
    card_id: str
    title: Text
    #: What the screen shows under the title, in order: a dilemma's situation and the card's question,
    #: or the advice of a do's and don'ts section.
    lines: tuple[Text, ...]
    proposed: SeminarQuestion

    @property
    def key(self) -> str:
        return f"{self.source}:{self.card_id}"


def _from_card(source: str, card: Card) -> MaterialCard:
    lines = (card.situation, card.question) if card.situation is not None else (card.question,)
    assert card.seminar_question is not None  # the loader requires one
    return MaterialCard(source, card.id, card.title, lines, card.seminar_question)


#: The material of each loaded conversation (the course is loaded once per process), by object identity.
_MATERIAL: dict[int, tuple[Conversation, tuple[MaterialCard, ...], dict[tuple[str, str], MaterialCard]]] = {}


def list_material(conversation: Conversation | None) -> tuple[MaterialCard, ...]:
    """Every card a seminar can use, in the material's order."""
    return _material(conversation)[0]


def find_card(conversation: Conversation | None, source: str, card_id: str) -> MaterialCard | None:
    return _material(conversation)[1].get((source, card_id))


def _material(
    conversation: Conversation | None,
) -> tuple[tuple[MaterialCard, ...], dict[tuple[str, str], MaterialCard]]:
    if conversation is None:
        return (), {}
    cached = _MATERIAL.get(id(conversation))
    if cached is None or cached[0] is not conversation:
        cards = _build(conversation)
        cached = _MATERIAL[id(conversation)] = (
            conversation,
            cards,
            {(card.source, card.card_id): card for card in cards},
        )
    return cached[1], cached[2]


def _build(conversation: Conversation) -> tuple[MaterialCard, ...]:
    cards = [_from_card(card_set.id, card) for card_set in conversation.card_sets for card in card_set.cards]
    for section in conversation.dos_and_donts.sections:
        assert section.seminar_question is not None
        lines = tuple(item.text for item in section.items)
        cards.append(
            MaterialCard("dos-and-donts", section.id, section.title, lines, section.seminar_question)
        )
    return tuple(cards)
