"""Reading seminars: the list, the state of the room (what the screen and the phones show), the words
waiting for the facilitator, the attendance list and the summary. Each reads in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from course.content import LOCALES, Course, Text
from course.extensions import db
from course.people.models import Member
from course.seminars.material import MaterialCard, find_card
from course.seminars.models import (
    Seminar,
    SeminarAnswer,
    SeminarAttendance,
    SeminarBallot,
    SeminarItem,
)
from course.seminars.operations import SCALE_POINTS, current_item, get_min_answers


@dataclass(frozen=True, slots=True)
class Total:
    """One answer value's total: a scale point (1-5), an option's label, or a word."""

    value: str
    label: Text
    count: int
    percent: int


@dataclass(frozen=True, slots=True)
class Question:
    item_id: int
    kind: str
    #: The material's proposal in every language while the facilitator has not changed it (so each
    #: viewer reads it in their own); an edited question as typed, the same in every language.
    text: Text
    options: tuple[Text, ...]
    state: str
    is_revealed: bool
    answered: int
    #: The totals, only when revealed and enough have answered; None otherwise.
    totals: tuple[Total, ...] | None
    #: Words waiting for the facilitator's approval (shown to the facilitator only).
    pending_words: int = 0
    #: Of the answers to a word list: how many wait for approval, and how many the facilitator kept away.
    waiting: int = 0
    not_shown: int = 0


@dataclass(frozen=True, slots=True)
class RoomState:
    """Everything the screen and the phones show at one version of the seminar."""

    seminar_id: int
    council_id: int
    version: int
    status: str
    title: str
    place: str
    held_on: date
    join_code: str
    position: int
    total_cards: int
    joined: int
    min_answers: int
    card: MaterialCard | None
    question: Question | None
    agreements: tuple[str, ...]

    def controls(self) -> frozenset[str]:
        """The facilitator's controls that would succeed now (the others are shown disabled); the rules
        are those of :mod:`course.seminars.operations`, which refuses the rest."""
        if self.status == "ended":
            return frozenset()
        possible = {"agreement"}
        if self.position + 1 < self.total_cards:
            possible.add("next")
        if self.position >= 0:
            possible.add("back")
        question = self.question
        if self.status == "live":
            possible.add("end")
            if question is not None:
                possible.add("close" if question.state == "open" else "open")
                if (
                    question.state != "idle"
                    and not question.is_revealed
                    and question.answered >= self.min_answers
                ):
                    possible.add("reveal")
        return frozenset(possible)


def list_seminars(council_id: int) -> list[Seminar]:
    return list(
        db.session.execute(
            select(Seminar)
            .where(Seminar.council_id == council_id)
            .options(selectinload(Seminar.items))  # the list shows each seminar's number of cards
            .order_by(Seminar.held_on.desc(), Seminar.id.desc())
        ).scalars()
    )


def get_seminar(council_id: int, seminar_id: int) -> Seminar | None:
    """The council's seminar, or None (also for another council's: the views answer 404)."""
    seminar = db.session.get(Seminar, seminar_id)
    return seminar if seminar is not None and seminar.council_id == council_id else None


def get_seminar_by_code(code: str) -> Seminar | None:
    return db.session.scalar(select(Seminar).where(Seminar.join_code == code)) if code else None


def _as_typed(value: str) -> Text:
    return Text(da=value, sv=value, en=value)


def wording(item: SeminarItem, card: MaterialCard | None) -> tuple[Text, tuple[Text, ...]]:
    """The question and its options: the material's proposal, translated, when the item still holds it
    (in any language: the council's may have changed since), otherwise the facilitator's words."""
    text, options = item.question_text or "", tuple(item.options or ())
    proposed = card.proposed if card is not None else None
    if proposed is not None and proposed.kind.value == item.question_kind:
        for language in LOCALES:
            if (
                " ".join(proposed.text.get(language).split()) == " ".join(text.split())
                and tuple(option.get(language) for option in proposed.options) == options
            ):
                return proposed.text, proposed.options
    return _as_typed(text), tuple(_as_typed(option) for option in options)


def _totals(
    item: SeminarItem, rows: list[SeminarAnswer], answered: int, options: tuple[Text, ...]
) -> tuple[Total, ...]:
    counts = {row.value: row.count for row in rows}

    def percent(count: int) -> int:
        return round(100 * count / answered) if answered else 0

    if item.question_kind == "scale":
        return tuple(
            Total(point, _as_typed(point), counts.get(point, 0), percent(counts.get(point, 0)))
            for point in SCALE_POINTS
        )
    if item.question_kind == "choice":
        return tuple(
            Total(str(index), option, counts.get(str(index), 0), percent(counts.get(str(index), 0)))
            for index, option in enumerate(options)
        )
    approved = sorted(
        (row for row in rows if row.status == "approved"), key=lambda row: (-row.count, row.value)
    )
    return tuple(Total(row.value, _as_typed(row.value), row.count, percent(row.count)) for row in approved)


def question_of(item: SeminarItem, min_answers: int, card: MaterialCard | None) -> Question | None:
    if item.question_kind is None:
        return None
    answered = (
        db.session.scalar(
            select(func.count()).select_from(SeminarBallot).where(SeminarBallot.item_id == item.id)
        )
        or 0
    )
    rows = list(db.session.execute(select(SeminarAnswer).where(SeminarAnswer.item_id == item.id)).scalars())
    shown = item.is_revealed and answered >= min_answers
    text, options = wording(item, card)
    return Question(
        item_id=item.id,
        kind=item.question_kind,
        text=text,
        options=options,
        state=item.question_state,
        is_revealed=item.is_revealed,
        answered=answered,
        totals=_totals(item, rows, answered, options) if shown else None,
        pending_words=sum(1 for row in rows if row.status == "pending"),
        waiting=sum(row.count for row in rows if row.status == "pending"),
        not_shown=sum(row.count for row in rows if row.status == "rejected"),
    )


def load_room(seminar_id: int, course: Course) -> RoomState | None:
    """The room's state as of now; None when the seminar no longer exists."""
    seminar = db.session.execute(
        select(Seminar)
        .where(Seminar.id == seminar_id)
        .options(selectinload(Seminar.items), selectinload(Seminar.agreements))
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if seminar is None:
        return None
    min_answers = get_min_answers(seminar.council_id)
    joined = db.session.scalar(
        select(func.count()).select_from(SeminarAttendance).where(SeminarAttendance.seminar_id == seminar.id)
    )
    item = current_item(seminar)
    card = find_card(course.conversation, item.source, item.card_id) if item is not None else None
    return RoomState(
        seminar_id=seminar.id,
        council_id=seminar.council_id,
        version=seminar.version,
        status=seminar.status,
        title=seminar.title,
        place=seminar.place,
        held_on=seminar.held_on,
        join_code=seminar.join_code,
        position=seminar.position,
        total_cards=len(seminar.items),
        joined=joined or 0,
        min_answers=min_answers,
        card=card,
        question=question_of(item, min_answers, card) if item is not None else None,
        agreements=tuple(agreement.text for agreement in seminar.agreements),
    )


def answered_items(seminar_id: int, member_id: int) -> set[int]:
    """The questions of this seminar the member has answered (so their phone shows "answered")."""
    return set(
        db.session.execute(
            select(SeminarBallot.item_id)
            .join(SeminarItem, SeminarItem.id == SeminarBallot.item_id)
            .where(SeminarItem.seminar_id == seminar_id, SeminarBallot.member_id == member_id)
        ).scalars()
    )


def has_joined(seminar_id: int, member_id: int) -> bool:
    return db.session.get(SeminarAttendance, (seminar_id, member_id)) is not None


@dataclass(frozen=True, slots=True)
class WordForReview:
    answer_id: int
    item_id: int
    question: str
    word: str
    count: int
    status: str


def list_words(seminar: Seminar) -> list[WordForReview]:
    """Every word answered in the seminar, newest question first, pending words first within it."""
    rows = db.session.execute(
        select(SeminarAnswer, SeminarItem)
        .join(SeminarItem, SeminarItem.id == SeminarAnswer.item_id)
        .where(SeminarItem.seminar_id == seminar.id, SeminarItem.question_kind == "words")
        .order_by(SeminarItem.position.desc(), SeminarAnswer.status.desc(), SeminarAnswer.value)
    ).all()
    return [
        WordForReview(answer.id, item.id, item.question_text or "", answer.value, answer.count, answer.status)
        for answer, item in rows
    ]


@dataclass(frozen=True, slots=True)
class Attendee:
    member_id: int
    name: str
    role: str
    is_confirmed: bool


def list_attendance(seminar: Seminar) -> list[Attendee]:
    rows = db.session.execute(
        select(SeminarAttendance, Member)
        .join(Member, Member.id == SeminarAttendance.member_id)
        .where(SeminarAttendance.seminar_id == seminar.id)
        .order_by(Member.name, Member.id)
    ).all()
    return [Attendee(member.id, member.name, member.role, row.is_confirmed) for row, member in rows]


@dataclass(frozen=True, slots=True)
class RosterMember:
    member_id: int
    name: str


def list_without_phone(seminar: Seminar) -> list[RosterMember]:
    """The council's other active members, who did not join on a phone: any of them may have been in the
    room all the same."""
    joined = select(SeminarAttendance.member_id).where(SeminarAttendance.seminar_id == seminar.id)
    rows = db.session.execute(
        select(Member.id, Member.name)
        .where(
            Member.council_id == seminar.council_id,
            Member.removed_at.is_(None),
            Member.id.not_in(joined),
        )
        .order_by(Member.name, Member.id)
    ).all()
    return [RosterMember(member_id, name) for member_id, name in rows]


@dataclass(frozen=True, slots=True)
class SummaryCard:
    number: int
    card: MaterialCard | None
    question: Question | None


@dataclass(frozen=True, slots=True)
class Summary:
    seminar: Seminar
    cards: tuple[SummaryCard, ...]
    agreements: tuple[str, ...]
    present: int
    min_answers: int
    #: The names of those confirmed as present, for the council's record.
    attendees: tuple[str, ...] = ()


def seminar_summary(seminar: Seminar, course: Course) -> Summary:
    """The cards discussed, with their revealed totals, and the agreements: the seminar's record."""
    min_answers = get_min_answers(seminar.council_id)
    shown = [item for item in seminar.items if item.was_shown]
    attendees = tuple(
        db.session.execute(
            select(Member.name)
            .join(SeminarAttendance, SeminarAttendance.member_id == Member.id)
            .where(SeminarAttendance.seminar_id == seminar.id, SeminarAttendance.is_confirmed.is_(True))
            .order_by(Member.name, Member.id)
        ).scalars()
    )
    found = [(item, find_card(course.conversation, item.source, item.card_id)) for item in shown]
    cards = tuple(
        SummaryCard(number, card, question_of(item, min_answers, card) if item.is_revealed else None)
        for number, (item, card) in enumerate(found, start=1)
    )
    return Summary(
        seminar, cards, tuple(a.text for a in seminar.agreements), len(attendees), min_answers, attendees
    )
