"""Planning and running a seminar: every rule about what may change, and when. Each function flushes; the
view commits once. Every change raises the seminar's version, which is how open event streams in every
process learn of it (see :mod:`course.seminars.live`)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, text, update

from course.audit.services import record_event
from course.certificates.operations import (
    CompletedOnlineError,
    InvalidSeminarDateError,
    record_seminar_completion,
)
from course.content import Course
from course.db import insert_ignoring_conflict, utcnow
from course.extensions import db
from course.people import calendar
from course.people.models import Council, Member
from course.seminars.material import MaterialCard
from course.seminars.models import (
    DEFAULT_MIN_ANSWERS,
    MIN_ANSWERS_RANGE,
    QUESTION_KINDS,
    Seminar,
    SeminarAgreement,
    SeminarAnswer,
    SeminarAttendance,
    SeminarBallot,
    SeminarItem,
    SeminarSettings,
)

#: Join codes avoid letters and digits that are easy to mix up when read from a screen across a room.
JOIN_ALPHABET = "ACDEFHJKMNPRTUVWXY34679"
JOIN_CODE_LENGTH = 6
SCALE_POINTS = ("1", "2", "3", "4", "5")
MAX_WORDS_LENGTH = 40
MAX_AGREEMENT_LENGTH = 500
MAX_QUESTION_LENGTH = 300
MAX_OPTION_LENGTH = 80
CHOICE_OPTIONS = (2, 6)
#: The channel PostgreSQL notifies when a seminar changes (payload: its id).
NOTIFY_CHANNEL = "course_seminar"


class SeminarError(ValueError):
    """An action that does not fit the seminar's state or input that is not valid; ``reason`` names which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def normalise_join_code(code: str) -> str:
    """Join codes are typed on phones: case, spaces and dashes do not matter."""
    return re.sub(r"[\s-]", "", code or "").upper()[: JOIN_CODE_LENGTH * 2]


def _new_join_code() -> str:
    while True:
        code = "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Seminar.id).where(Seminar.join_code == code)) is None:
            return code


def changed(seminar: Seminar) -> None:
    """Raise the seminar's version so that every process's watcher sees the change.

    On PostgreSQL the change is also announced with NOTIFY, which the server delivers when the transaction
    commits (and never, if it rolls back); :mod:`course.seminars.live` publishes to Redis after the commit.
    """
    db.session.execute(
        update(Seminar)
        .where(Seminar.id == seminar.id)
        .values(version=Seminar.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(seminar, ["version"])
    db.session.info.setdefault("seminar_changes", set()).add(seminar.id)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_notify(:channel, :id)"), {"channel": NOTIFY_CHANNEL, "id": str(seminar.id)}
        )


# --- settings and planning -------------------------------------------------------------------------------


def get_min_answers(council_id: int) -> int:
    """How many must have answered before a question's totals may be shown (the council's setting)."""
    value = db.session.scalar(
        select(SeminarSettings.min_answers).where(SeminarSettings.council_id == council_id)
    )
    return value if value is not None else DEFAULT_MIN_ANSWERS


def set_min_answers(council: Council, value: int, *, actor: Member) -> None:
    low, high = MIN_ANSWERS_RANGE
    if not low <= value <= high:
        raise SeminarError("min_answers")
    settings = db.session.get(SeminarSettings, council.id)
    if settings is None:
        settings = SeminarSettings(council_id=council.id)
        db.session.add(settings)
    previous = settings.min_answers
    settings.min_answers = value
    db.session.flush()
    if previous != value:
        record_event("seminar.settings_changed", actor=actor, council_id=council.id, min_answers=value)


def _check_details(title: str, place: str) -> tuple[str, str]:
    title, place = title.strip(), place.strip()
    if not title or len(title) > 200:
        raise SeminarError("title")
    if len(place) > 200:
        raise SeminarError("place")
    return title, place


def plan_seminar(council: Council, title: str, held_on: date, place: str, *, actor: Member) -> Seminar:
    """A new seminar without cards yet; its join code is made now, so it can be printed on the invitation."""
    title, place = _check_details(title, place)
    seminar = Seminar(
        council_id=council.id, title=title, held_on=held_on, place=place, join_code=_new_join_code()
    )
    db.session.add(seminar)
    db.session.flush()
    record_event("seminar.planned", actor=actor, council_id=council.id, seminar_id=seminar.id)
    return seminar


def update_details(seminar: Seminar, title: str, held_on: date, place: str, *, actor: Member) -> None:
    seminar.title, seminar.place = _check_details(title, place)
    seminar.held_on = held_on
    changed(seminar)
    db.session.flush()
    record_event("seminar.changed", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id)


def _editable(seminar: Seminar) -> None:
    if seminar.status == "ended":
        raise SeminarError("ended")


def add_card(seminar: Seminar, card: MaterialCard, language: str, *, actor: Member) -> SeminarItem:
    """Add ``card`` at the end, with the question the material proposes, in ``language``."""
    _editable(seminar)
    proposed = card.proposed
    item = SeminarItem(
        seminar_id=seminar.id,
        position=len(seminar.items),
        source=card.source,
        card_id=card.card_id,
        question_kind=proposed.kind.value,
        question_text=proposed.text.get(language),
        options=[option.get(language) for option in proposed.options] or None,
    )
    seminar.items.append(item)
    changed(seminar)
    db.session.flush()
    record_event(
        "seminar.changed", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id, added=card.key
    )
    return item


def update_question(
    item: SeminarItem, kind: str | None, question: str, options: list[str], *, actor: Member
) -> None:
    """Change the question to the room: ``kind`` None for none; a choice needs 2 to 6 options."""
    seminar = item.seminar
    _editable(seminar)
    if item.question_state != "idle" or _answered(item) > 0:
        raise SeminarError("answered")
    if kind is None:
        item.question_kind = item.question_text = item.options = None
    else:
        if kind not in QUESTION_KINDS:
            raise SeminarError("kind")
        question = " ".join(question.split())
        if not question or len(question) > MAX_QUESTION_LENGTH:
            raise SeminarError("question")
        cleaned = [" ".join(option.split()) for option in options if option.strip()]
        if kind == "choice":
            if not CHOICE_OPTIONS[0] <= len(cleaned) <= CHOICE_OPTIONS[1]:
                raise SeminarError("options")
            if any(len(option) > MAX_OPTION_LENGTH for option in cleaned):
                raise SeminarError("options")
        item.question_kind, item.question_text = kind, question
        item.options = cleaned if kind == "choice" else None
    changed(seminar)
    db.session.flush()
    record_event(
        "seminar.changed", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id, question=item.id
    )


def _renumber(seminar: Seminar, ordered: list[SeminarItem]) -> None:
    # Positions are unique per seminar: move everything out of the way first, then into place.
    for item in ordered:
        item.position += 1000
    db.session.flush()
    for position, item in enumerate(ordered):
        item.position = position
    db.session.flush()
    seminar.items.sort(key=lambda item: item.position)


def move_item(item: SeminarItem, offset: int, *, actor: Member) -> None:
    seminar = item.seminar
    _editable(seminar)
    if seminar.status == "live":
        raise SeminarError("live")
    ordered = list(seminar.items)
    index = ordered.index(item)
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(ordered):
        raise SeminarError("move")
    ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(seminar, ordered)
    changed(seminar)
    record_event(
        "seminar.changed", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id, moved=item.id
    )


def remove_item(item: SeminarItem, *, actor: Member) -> None:
    seminar = item.seminar
    _editable(seminar)
    if seminar.status == "live":
        raise SeminarError("live")
    seminar.items.remove(item)
    db.session.flush()
    _renumber(seminar, list(seminar.items))
    changed(seminar)
    record_event(
        "seminar.changed",
        actor=actor,
        council_id=seminar.council_id,
        seminar_id=seminar.id,
        removed=item.card_id,
    )


# --- the facilitator's controls ------------------------------------------------------------------------


def current_item(seminar: Seminar) -> SeminarItem | None:
    if 0 <= seminar.position < len(seminar.items):
        return seminar.items[seminar.position]
    return None


def _current_question(seminar: Seminar) -> SeminarItem:
    item = current_item(seminar)
    if seminar.status != "live" or item is None or item.question_kind is None:
        raise SeminarError("no_question")
    return item


def step(seminar: Seminar, offset: int, *, actor: Member, now: datetime | None = None) -> None:
    """Move to the next card (``offset`` 1) or back (-1). The first step starts the seminar; leaving a card
    closes its open question."""
    _editable(seminar)
    target = seminar.position + offset
    if offset not in (-1, 1) or not -1 <= target < len(seminar.items):
        raise SeminarError("no_card")
    item = current_item(seminar)
    if item is not None and item.question_state == "open":
        item.question_state = "closed"
    if seminar.status == "planned":
        seminar.status = "live"
        seminar.started_at = now or utcnow()
        record_event("seminar.started", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id)
    seminar.position = target
    item = current_item(seminar)
    if item is not None:
        item.was_shown = True
    changed(seminar)
    db.session.flush()


def open_question(seminar: Seminar) -> None:
    item = _current_question(seminar)
    if item.question_state == "open":
        raise SeminarError("already_open")
    item.question_state = "open"
    changed(seminar)
    db.session.flush()


def close_question(seminar: Seminar) -> None:
    item = _current_question(seminar)
    if item.question_state != "open":
        raise SeminarError("not_open")
    item.question_state = "closed"
    changed(seminar)
    db.session.flush()


def reveal_results(seminar: Seminar, *, actor: Member) -> None:
    """Show the totals to the room. The question closes first; too few answers keep them hidden."""
    item = _current_question(seminar)
    if item.question_state == "idle":
        raise SeminarError("not_asked")
    if item.is_revealed:
        raise SeminarError("already_revealed")
    if _answered(item) < get_min_answers(seminar.council_id):
        raise SeminarError("too_few")
    item.question_state = "closed"
    item.is_revealed = True
    changed(seminar)
    db.session.flush()
    record_event(
        "seminar.results_revealed",
        actor=actor,
        council_id=seminar.council_id,
        seminar_id=seminar.id,
        item=item.id,
    )


def add_agreement(seminar: Seminar, agreement: str, *, actor: Member) -> SeminarAgreement:
    _editable(seminar)
    agreement = " ".join(agreement.split())
    if not agreement or len(agreement) > MAX_AGREEMENT_LENGTH:
        raise SeminarError("agreement")
    row = SeminarAgreement(seminar_id=seminar.id, text=agreement)
    seminar.agreements.append(row)
    changed(seminar)
    db.session.flush()
    record_event("seminar.agreement_added", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id)
    return row


def end_seminar(seminar: Seminar, *, actor: Member, now: datetime | None = None) -> None:
    if seminar.status != "live":
        raise SeminarError("not_live")
    item = current_item(seminar)
    if item is not None and item.question_state == "open":
        item.question_state = "closed"
    seminar.status = "ended"
    seminar.ended_at = now or utcnow()
    changed(seminar)
    db.session.flush()
    record_event("seminar.ended", actor=actor, council_id=seminar.council_id, seminar_id=seminar.id)


def moderate_word(seminar: Seminar, answer_id: int, approve: bool, *, actor: Member) -> None:
    """Let the room see a word of the word list, or keep it from the room."""
    answer = db.session.get(SeminarAnswer, answer_id)
    item = db.session.get(SeminarItem, answer.item_id) if answer is not None else None
    if answer is None or item is None or item.seminar_id != seminar.id or item.question_kind != "words":
        raise SeminarError("no_word")
    answer.status = "approved" if approve else "rejected"
    changed(seminar)
    db.session.flush()
    record_event(
        "seminar.answer_moderated",
        actor=actor,
        council_id=seminar.council_id,
        seminar_id=seminar.id,
        approved=approve,
    )


# --- members in the room ---------------------------------------------------------------------------------


def join(seminar: Seminar, member: Member, *, now: datetime | None = None) -> bool:
    """Record that ``member`` joined; True the first time. Attendance is kept apart from answers."""
    if member.council_id != seminar.council_id:
        raise SeminarError("council")
    if seminar.status == "ended":
        raise SeminarError("ended")
    joined = insert_ignoring_conflict(
        SeminarAttendance,
        {
            "seminar_id": seminar.id,
            "member_id": member.id,
            "joined_at": now or utcnow(),
            "is_confirmed": False,
        },
        ["seminar_id", "member_id"],
    )
    if joined:
        changed(seminar)
    return joined


def normalise_answer(item: SeminarItem, value: str) -> str:
    """The stored value of an answer: a scale point, an option's number, or the words in lower case."""
    value = (value or "").strip()
    if item.question_kind == "scale" and value in SCALE_POINTS:
        return value
    if item.question_kind == "choice" and value.isdigit() and int(value) < len(item.options or ()):
        return str(int(value))
    if item.question_kind == "words":
        words = " ".join(value.split()).casefold()
        if words and len(words) <= MAX_WORDS_LENGTH:
            return words
    raise SeminarError("answer")


def answer(
    seminar: Seminar, item_id: int, member: Member, value: str, *, now: datetime | None = None
) -> bool:
    """Count ``member``'s answer to the open question; False when they had answered it already.

    The ballot (that they answered) and the total (what was answered) are written apart, so no row says
    what a member answered.
    """
    item = current_item(seminar)
    if member.council_id != seminar.council_id:
        raise SeminarError("council")
    if seminar.status != "live" or item is None or item.id != item_id or item.question_state != "open":
        raise SeminarError("closed")
    stored = normalise_answer(item, value)
    join(seminar, member, now=now)
    if not insert_ignoring_conflict(
        SeminarBallot, {"item_id": item.id, "member_id": member.id}, ["item_id", "member_id"]
    ):
        return False
    status = "pending" if item.question_kind == "words" else "counted"
    insert_ignoring_conflict(
        SeminarAnswer,
        {"item_id": item.id, "value": stored, "count": 0, "status": status},
        ["item_id", "value"],
    )
    db.session.execute(
        update(SeminarAnswer)
        .where(SeminarAnswer.item_id == item.id, SeminarAnswer.value == stored)
        .values(count=SeminarAnswer.count + 1)
        .execution_options(synchronize_session=False)
    )
    changed(seminar)
    return True


def _answered(item: SeminarItem) -> int:
    return (
        db.session.scalar(
            select(func.count()).select_from(SeminarBallot).where(SeminarBallot.item_id == item.id)
        )
        or 0
    )


@dataclass(frozen=True, slots=True)
class AttendanceResult:
    confirmed: int
    completions: int
    already_completed: int
    #: The day the seminar was held, when no completion could be recorded for it (the attendance is kept).
    refused_on: date | None = None


def held_day(seminar: Seminar) -> date:
    """The day the seminar was actually held: the day it ended, in its council's country (the planned date
    until then)."""
    if seminar.ended_at is None:
        return seminar.held_on
    council = db.session.get(Council, seminar.council_id)
    return calendar.local_date(council.country, seminar.ended_at)


def is_early(seminar: Seminar, now: datetime | None = None) -> bool:
    """Whether a seminar that has not ended is being held before the day it was planned for."""
    if seminar.status == "ended":
        return False
    council = db.session.get(Council, seminar.council_id)
    return seminar.held_on > calendar.today(council.country, now)


def confirm_attendance(
    seminar: Seminar,
    present_ids: set[int],
    *,
    record_completion: bool,
    course: Course,
    actor: Member,
    now: datetime | None = None,
) -> AttendanceResult:
    """Confirm who was present (those who joined, and members of the council ticked as present without a
    phone) and, if asked, record the course as completed at the seminar for them, through the
    certificates' seminar completion (which issues their certificates)."""
    if seminar.status != "ended":
        raise SeminarError("not_ended")
    now = now or utcnow()
    rows = (
        db.session.execute(select(SeminarAttendance).where(SeminarAttendance.seminar_id == seminar.id))
        .scalars()
        .all()
    )
    joined = {row.member_id for row in rows}
    # Present without a phone: only active members of this council can be added.
    without_phone = set(present_ids) - joined
    if without_phone:
        added = db.session.execute(
            select(Member.id).where(
                Member.id.in_(without_phone),
                Member.council_id == seminar.council_id,
                Member.removed_at.is_(None),
            )
        ).scalars()
        for member_id in added:
            row = SeminarAttendance(seminar_id=seminar.id, member_id=member_id, joined_at=now)
            db.session.add(row)
            rows.append(row)
    for row in rows:
        row.is_confirmed = row.member_id in present_ids
    seminar.attendance_confirmed_at = now
    db.session.flush()
    confirmed_ids = [row.member_id for row in rows if row.is_confirmed]
    completions = already = 0
    refused_on = None
    if record_completion and confirmed_ids:
        members = db.session.execute(
            select(Member)
            .where(Member.id.in_(confirmed_ids), Member.removed_at.is_(None))
            .order_by(Member.id)
        ).scalars()
        reason = f"{seminar.title}" + (f", {seminar.place}" if seminar.place else "")
        # The completion is dated the day the seminar was held, which may differ from the planned date.
        held_on = held_day(seminar)
        for member in members:
            try:
                record_seminar_completion(member, held_on, reason[:500], course, actor=actor, now=now)
                completions += 1
            except CompletedOnlineError:
                already += 1
            except InvalidSeminarDateError:
                # The date is checked before anything is written; the attendance stands without completions.
                refused_on = held_on
                break
    changed(seminar)
    record_event(
        "seminar.attendance_confirmed",
        actor=actor,
        council_id=seminar.council_id,
        seminar_id=seminar.id,
        present=len(confirmed_ids),
        completions=completions,
    )
    return AttendanceResult(len(confirmed_ids), completions, already, refused_on)
