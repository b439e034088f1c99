"""A database at national scale: hundreds of councils, tens of thousands of members, realistic progress.

Rows are built in Python and written with SQLAlchemy Core bulk inserts (lists of dicts), with ids chosen
here (each council has one round, the course in the current council term, and every learning row belongs
to it), so 24,000 members with their progress go in well under two minutes on SQLite and PostgreSQL. Content
ids (modules, quizzes, questions, options) come from the real course through :mod:`course.content`.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import Table, func, select, text, update

from course.admin.models import Reminder
from course.auth.passwords import hash_password
from course.certificates.models import Certificate
from course.certificates.validity import valid_until
from course.content import Course, Quiz
from course.extensions import db
from course.learning.models import (
    AttemptQuestion,
    CourseCompletion,
    ModuleProgress,
    QuizAttempt,
    VideoProgress,
)
from course.people.calendar import local_date, term_of, timezone, today
from course.people.models import Council, CourseRound, Member, Role
from course.web.course import get_course

#: Every seeded member signs in with this password (one hash, computed once).
PASSWORD = "bench password 2026"
EMAIL_DOMAIN = "bench.example"
PLATFORM_ADMIN_EMAIL = f"platform@{EMAIL_DOMAIN}"
CHUNK = 5000

NOT_STARTED, IN_PROGRESS, COMPLETE = "not_started", "in_progress", "complete"
#: After an invitation campaign: a third done, a third on the way, a third not yet started.
STATUS_WEIGHTS = {NOT_STARTED: 0.3, IN_PROGRESS: 0.35, COMPLETE: 0.35}

FIRST_NAMES = {
    "dk": [
        "Anne",
        "Mette",
        "Lars",
        "Jens",
        "Søren",
        "Hanne",
        "Mads",
        "Louise",
        "Peter",
        "Kirsten",
        "Ole",
        "Ida",
    ],
    "se": [
        "Anna",
        "Eva",
        "Lars",
        "Karl",
        "Maria",
        "Johan",
        "Sara",
        "Erik",
        "Ingrid",
        "Anders",
        "Elin",
        "Nils",
    ],
}
LAST_NAMES = {
    "dk": [
        "Jensen",
        "Nielsen",
        "Hansen",
        "Pedersen",
        "Andersen",
        "Christensen",
        "Larsen",
        "Sørensen",
        "Rasmussen",
    ],
    "se": [
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Olsson",
        "Persson",
        "Svensson",
    ],
}
PLACES = [
    "Å",
    "Bjerg",
    "Dal",
    "Holm",
    "Lund",
    "Mark",
    "Næs",
    "Strand",
    "Vik",
    "Sø",
    "Skov",
    "Berg",
    "Ås",
    "Ö",
]


class SeedError(RuntimeError):
    """The database cannot be seeded as asked."""


@dataclass
class SeedResult:
    councils: int
    members: int
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)


@dataclass
class _Rows:
    """Rows waiting for their bulk insert, per table, with the next free id of each."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)

    def add(self, table: Table, **values: Any) -> int:
        row_id = self.next_ids.get(table.name, 1)
        self.next_ids[table.name] = row_id + 1
        self.tables.setdefault(table.name, []).append({"id": row_id, **values})
        return row_id


def _table(model: type) -> Table:
    return model.__table__  # type: ignore[attr-defined]


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _council_name(number: int, country: str, rng: random.Random) -> str:
    place = rng.choice(PLACES) + rng.choice(["by", "sted", "ring", "holm", "rup", "köping", "havn"])
    return f"{place} {'Kommune' if country == 'dk' else 'kommun'} {number:03d}"


def _attempt(
    rows: _Rows,
    rng: random.Random,
    round_id: int,
    member_id: int,
    module_id: str,
    quiz: Quiz,
    country: str,
    number: int,
    version: str,
    started_at: datetime,
    passed: bool,
) -> None:
    """One submitted attempt with its drawn questions, passed or failed."""
    pool = list(quiz.pool(country))
    drawn = rng.sample(pool, min(quiz.draw, len(pool)))
    wrong = 0 if passed else rng.randint(2, len(drawn))
    attempt_id = rows.next_ids.get("quiz_attempt", 1)
    for position, question in enumerate(drawn):
        order = [option.id for option in question.options]
        rng.shuffle(order)
        incorrect = [option for option in order if option not in question.correct_ids]
        is_correct = position >= wrong or not incorrect
        chosen = sorted(question.correct_ids) if is_correct else [rng.choice(incorrect)]
        rows.add(
            _table(AttemptQuestion),
            attempt_id=attempt_id,
            position=position,
            question_id=question.id,
            option_order=order,
            chosen=chosen,
            is_correct=is_correct,
        )
    correct = sum(1 for row in rows.tables["attempt_question"][-len(drawn) :] if row["is_correct"])
    score = correct / len(drawn)
    rows.add(
        _table(QuizAttempt),
        round_id=round_id,
        member_id=member_id,
        module_id=module_id,
        quiz_id=quiz.id,
        number=number,
        content_version=version,
        started_at=started_at,
        submitted_at=started_at + timedelta(minutes=rng.randint(2, 9)),
        correct_count=correct,
        score=score,
        is_passed=score >= quiz.pass_mark - 1e-9,
    )


def _module(
    rows: _Rows,
    rng: random.Random,
    course: Course,
    round_id: int,
    member_id: int,
    index: int,
    language: str,
    country: str,
    started_at: datetime,
    *,
    complete: bool,
) -> datetime:
    """A member's progress in one module: complete, or stopped somewhere on the way. Returns when the
    member was last active in it."""
    module = course.modules[index]
    video = module.video(language) or module.video("en")
    assert video is not None
    share = 1.0 if complete else rng.choice([0.15, 0.4, 0.7, 0.95, 1.0])
    watched = round(video.duration * share, 1)
    moment = started_at + timedelta(minutes=rng.randint(3, 10))
    # A few long stretches with gaps where the member skipped, as a real player reports them.
    if share >= 1.0:
        intervals = [[0.0, video.duration]]
    else:
        intervals = [[0.0, round(watched * 0.6, 1)], [round(watched * 0.6 + 5, 1), round(watched + 5, 1)]]
    rows.add(
        _table(VideoProgress),
        round_id=round_id,
        member_id=member_id,
        module_id=module.id,
        language=language,
        intervals=intervals,
        seconds_watched=watched,
        duration=video.duration,
        created_at=started_at,
        last_report_at=moment,
    )
    video_done = share >= 0.9
    completed_at = None
    if video_done:
        for quiz_number, quiz in enumerate(module.quizzes):
            if not complete and quiz_number == 1 and rng.random() < 0.5:
                break  # stopped before the second quiz
            attempts = 2 if rng.random() < 0.25 else 1
            for number in range(1, attempts + 1):
                moment += timedelta(minutes=rng.randint(1, 5))
                # An unfinished module never has both quizzes passed: that would have completed it.
                is_last = quiz_number == len(module.quizzes) - 1
                passed = number == attempts and (complete or (not is_last and rng.random() < 0.7))
                _attempt(
                    rows,
                    rng,
                    round_id,
                    member_id,
                    module.id,
                    quiz,
                    country,
                    number,
                    course.version,
                    moment,
                    passed,
                )
        completed_at = moment if complete else None
    rows.add(
        _table(ModuleProgress),
        round_id=round_id,
        member_id=member_id,
        module_id=module.id,
        started_at=started_at,
        # Watched in one language only, so the share across languages is that language's share.
        video_coverage=min(1.0, watched / video.duration) if video.duration else 0.0,
        last_activity_at=moment,
        video_completed_at=started_at + timedelta(minutes=4) if video_done else None,
        video_route="video" if video_done else None,
        completed_at=completed_at,
    )
    return moment


def _member_progress(
    rows: _Rows,
    rng: random.Random,
    course: Course,
    round_id: int,
    member_id: int,
    council: dict[str, Any],
    now: datetime,
    days: int,
) -> tuple[str, datetime | None]:
    """Progress in the council's round, begun within the last ``days`` days (the round's age, at most 60)."""
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    if status == NOT_STARTED:
        return status, None
    language = council["default_locale"]
    moment = now - timedelta(days=rng.randint(1, days), minutes=rng.randint(0, 600))
    modules = len(course.modules) if status == COMPLETE else rng.randint(1, len(course.modules))
    for index in range(modules):
        complete = status == COMPLETE or index < modules - 1
        moment = _module(
            rows,
            rng,
            course,
            round_id,
            member_id,
            index,
            language,
            council["country"],
            moment,
            complete=complete,
        )
        moment += timedelta(hours=rng.randint(1, 72))
    return status, (moment if status == COMPLETE else None)


def _build(
    councils: int, members_per_council: int, course: Course, password_hash: str, rng: random.Random
) -> _Rows:
    rows = _Rows()
    now = datetime.now(UTC).replace(microsecond=0)
    roles = [Role.COUNCILLOR.value] * 6 + [Role.SUBSTITUTE.value] * 3 + [Role.STAFF.value]
    for number in range(1, councils + 1):
        country = "dk" if number % 3 else "se"
        council = {
            "slug": f"bench-{number:04d}",
            "name": _council_name(number, country, rng),
            "country": country,
            "default_locale": "da" if country == "dk" else "sv",
            "created_at": now - timedelta(days=90),
            "has_automatic_certificates": True,
            "has_certificate_email": True,
            "certificate_valid_until": None,
            # Set once the rounds are in (the two tables refer to each other): see _set_current_rounds.
            "current_round_id": None,
        }
        council_id = rows.add(_table(Council), **council)
        # The council's round: the course in the current council term, started on the term's first day
        # (or when the council was created, if later).
        term = term_of(country, today(country, now))
        round_started = max(
            council["created_at"],
            datetime.combine(term.start, clock(), tzinfo=timezone(country)).astimezone(UTC),
        )
        due_date = (now + timedelta(days=rng.randint(-20, 60))).date() if rng.random() < 0.6 else None
        round_id = rows.add(
            _table(CourseRound),
            council_id=council_id,
            term_start=term.start,
            term_end=term.end,
            started_at=round_started,
            started_by_id=None,
            due_date=due_date if due_date is not None and due_date in term else None,
            carries_over=False,
        )
        days = max(1, min(60, (now - round_started).days))
        for index in range(members_per_council):
            first, last = rng.choice(FIRST_NAMES[country]), rng.choice(LAST_NAMES[country])
            is_admin = index == 0
            role = Role.STAFF.value if is_admin else rng.choice(roles)
            member_id = rows.add(
                _table(Member),
                council_id=council_id,
                name=f"{first} {last}",
                email=f"{council['slug']}-{index:03d}@{EMAIL_DOMAIN}",
                role=role,
                # As the site's default: councillors and substitutes take the course, staff do not.
                takes_course=role != Role.STAFF.value,
                is_admin=is_admin,
                is_platform_admin=False,
                locale=None,
                password_hash=password_hash,
                created_at=now - timedelta(days=80),
                invited_at=now - timedelta(days=75),
                joined_at=None,
                removed_at=None,
            )
            status, completed_at = _member_progress(
                rows, rng, course, round_id, member_id, council, now, days
            )
            if status != NOT_STARTED:
                rows.tables["member"][-1]["joined_at"] = now - timedelta(days=70)
            elif rng.random() < 0.5:
                rows.add(
                    _table(Reminder),
                    council_id=council_id,
                    round_id=round_id,
                    member_id=member_id,
                    sent_by_id=None,
                    kind="scheduled",
                    sent_at=now - timedelta(days=rng.randint(1, 14)),
                )
            if completed_at is None:
                continue
            completion_id = rows.add(
                _table(CourseCompletion),
                round_id=round_id,
                member_id=member_id,
                completed_at=completed_at,
                content_version=course.version,
                carried_from_id=None,
            )
            if rng.random() < 0.9:  # the rest completed before the council switched certificates on
                completed_on = local_date(country, completed_at)
                rows.add(
                    _table(Certificate),
                    council_id=council_id,
                    round_id=round_id,
                    member_id=member_id,
                    course_completion_id=completion_id,
                    seminar_completion_id=None,
                    revision=1,
                    code=_code(rng),
                    member_name=rows.tables["member"][-1]["name"],
                    council_name=council["name"],
                    country=country,
                    course_id=course.id,
                    module_ids=list(course.module_ids),
                    content_version=course.version,
                    completed_on=completed_on,
                    valid_until=max(valid_until(country, completed_on, round_end=term.end), completed_on),
                    issued_at=completed_at,
                    issued_by_id=None,
                    correction=None,
                    replaced_at=None,
                    revoked_at=None,
                    revoked_by_id=None,
                    revoke_reason=None,
                )
    # The platform administrator belongs to the first council, outside its counted members.
    rows.add(
        _table(Member),
        council_id=1,
        name="Platform Administrator",
        email=PLATFORM_ADMIN_EMAIL,
        role=Role.STAFF.value,
        takes_course=False,
        is_admin=False,
        is_platform_admin=True,
        locale="en",
        password_hash=password_hash,
        created_at=now - timedelta(days=90),
        invited_at=None,
        joined_at=now - timedelta(days=90),
        removed_at=None,
    )
    return rows


def _code(rng: random.Random) -> str:
    from course.certificates.codes import ALPHABET, LENGTH

    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def _insert_order() -> Iterable[Table]:
    return [
        _table(model)
        for model in (
            Council,
            CourseRound,
            Member,
            VideoProgress,
            ModuleProgress,
            QuizAttempt,
            AttemptQuestion,
            CourseCompletion,
            Certificate,
            Reminder,
        )
    ]


def _set_current_rounds() -> None:
    """Each council's current round is its one seeded round (one UPDATE, however many councils)."""
    db.session.execute(
        update(Council).values(
            current_round_id=select(CourseRound.id)
            .where(CourseRound.council_id == Council.id)
            .scalar_subquery()
        )
    )


def _reset_sequences() -> None:
    # Ids were chosen here, so PostgreSQL's sequences still stand at 1: move them past the seeded rows.
    for table in _insert_order():
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
            )
        )


def seed(app: Flask, councils: int, members: int, *, random_seed: int = 2026, echo: Any = None) -> SeedResult:
    """Create the schema (Alembic) in an empty database and fill it; raise :class:`SeedError` when the
    database already holds councils."""
    if councils < 1 or members < 2:
        raise SeedError("need at least one council of two members (an administrator and a member)")
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        if db.session.execute(select(func.count()).select_from(Council)).scalar_one():
            raise SeedError("the database already holds councils: seed again with --reset")
        course = get_course()
        rng = random.Random(random_seed)
        rows = _build(councils, members, course, hash_password(PASSWORD), rng)
        if echo:
            echo(
                f"built {sum(map(len, rows.tables.values())):,} rows in {time.perf_counter() - started:.1f} s"
            )
        for table in _insert_order():
            for chunk in _chunks(rows.tables.get(table.name, []), CHUNK):
                db.session.execute(table.insert(), chunk)
        _set_current_rounds()
        if db.engine.dialect.name == "postgresql":
            _reset_sequences()
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # Fresh statistics, so the planner sees the seeded tables as they are.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
    return SeedResult(
        councils=councils,
        members=councils * members,
        seconds=time.perf_counter() - started,
        rows={name: len(values) for name, values in rows.tables.items()},
    )
