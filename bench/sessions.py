"""Signed-in members for the load generator, made the way the site makes them.

A session is a :class:`~course.auth.models.LoginSession` row (the site's own server-side token) and a
session cookie signed with the benchmarked site's secret key, holding that token and a CSRF token, exactly
as after ``POST /login``. Making them directly spares thousands of Argon2 checks and keeps the sign-in
rate limit out of the measurement.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from flask import Flask, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import delete, select

from course.auth.models import LoginSession
from course.auth.services import token_hash
from course.certificates.models import Certificate
from course.content import Module, Quiz
from course.db import utcnow
from course.extensions import db
from course.learning.models import AttemptQuestion, ModuleProgress, QuizAttempt
from course.people.models import Council, Member
from course.web.course import get_course

#: wrk sends this User-Agent; Flask-Login's session protection compares it with the one signed in.
USER_AGENT = "council-course-bench/1"
REMOTE_ADDR = "127.0.0.1"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SignedIn:
    member_id: int
    cookie: str
    csrf: str


def sign_in(app: Flask, member_ids: Sequence[int]) -> dict[int, SignedIn]:
    """A fresh server-side session for each member, and the cookie a browser would hold for it."""
    now = utcnow()
    tokens = {member_id: secrets.token_urlsafe(32) for member_id in member_ids}
    with app.app_context():
        db.session.execute(
            LoginSession.__table__.insert(),
            [
                {
                    "member_id": member_id,
                    "token_hash": token_hash(token),
                    "created_at": now,
                    "expires_at": now + timedelta(days=1),
                }
                for member_id, token in tokens.items()
            ],
        )
        db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    signed = {}
    for member_id, token in tokens.items():
        with app.test_request_context(
            "/", environ_base={"REMOTE_ADDR": REMOTE_ADDR}, headers={"User-Agent": USER_AGENT}
        ):
            member = Member(id=member_id)
            member.session_token = token
            login_user(member)
            csrf = generate_csrf()
            signed[member_id] = SignedIn(member_id, serializer.dumps(dict(session)), csrf)
    return signed


def sign_out(app: Flask, member_ids: Iterable[int]) -> None:
    """End the sessions :func:`sign_in` made (and any other session of these members)."""
    with app.app_context():
        db.session.execute(delete(LoginSession).where(LoginSession.member_id.in_(list(member_ids))))
        db.session.commit()


# --- who takes part in each scenario ----------------------------------------------------------------


def learners(app: Flask, count: int) -> list[int]:
    """Members who are not administrators, spread over every council."""
    with app.app_context():
        ids = db.session.execute(
            select(Member.id).where(~Member.is_admin, ~Member.is_platform_admin).order_by(Member.id)
        ).scalars()
        ids = list(ids)
    return _spread(ids, count)


def council_admins(app: Flask, count: int, members: int | None = None) -> list[int]:
    """Administrators of councils, optionally only of councils with exactly ``members`` members."""
    from sqlalchemy import func

    with app.app_context():
        sizes = dict(
            db.session.execute(
                select(Member.council_id, func.count())
                .where(Member.removed_at.is_(None))
                .group_by(Member.council_id)
            ).all()
        )
        rows = db.session.execute(
            select(Member.id, Member.council_id).where(Member.is_admin).order_by(Member.id)
        ).all()
    return _spread([mid for mid, cid in rows if members is None or sizes.get(cid) == members], count)


def platform_admins(app: Flask) -> list[int]:
    with app.app_context():
        return list(db.session.execute(select(Member.id).where(Member.is_platform_admin)).scalars())


def certificate_holders(app: Flask, count: int) -> list[tuple[int, int]]:
    """(member id, certificate id) of members holding a current certificate."""
    with app.app_context():
        rows = db.session.execute(
            select(Certificate.member_id, Certificate.id)
            .join(Council, Council.current_round_id == Certificate.round_id)
            .where(Certificate.replaced_at.is_(None), Certificate.revoked_at.is_(None))
            .order_by(Certificate.id)
        ).all()
    return _spread([(member_id, certificate_id) for member_id, certificate_id in rows], count)


def quiz_takers(app: Flask, module: Module, count: int) -> list[int]:
    """Members who have done the module's video step, so its quizzes are open to them."""
    with app.app_context():
        ids = db.session.execute(
            select(ModuleProgress.member_id)
            .join(Member, Member.id == ModuleProgress.member_id)
            .join(Council, Council.current_round_id == ModuleProgress.round_id)
            .where(
                ModuleProgress.module_id == module.id,
                ModuleProgress.video_completed_at.is_not(None),
                ~Member.is_admin,
            )
            .order_by(ModuleProgress.member_id)
        ).scalars()
        ids = list(ids)
    return _spread(ids, count)


def _spread(items: list[T], count: int) -> list[T]:
    """``count`` items taken evenly from the whole list (so from many councils), not the first few."""
    if len(items) <= count:
        return items
    step = len(items) / count
    return [items[int(n * step)] for n in range(count)]


# --- quiz attempts waiting to be submitted ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenAttempt:
    member_id: int
    attempt_id: int
    #: The correct answers, as the form sends them: (question id, option id) pairs.
    answers: tuple[tuple[str, str], ...]


def open_attempts(
    app: Flask, module: Module, quiz: Quiz, member_ids: Sequence[int], per_member: int
) -> list[OpenAttempt]:
    """``per_member`` drawn, unsubmitted attempts for each member, as the quiz page would start them,
    ordered round the members. Each submission in the benchmark then grades a fresh attempt."""
    import random

    rng = random.Random(7)
    with app.app_context():
        course = get_course()
        # Each member's council's country (the question pool) and current round (the attempt's round).
        council_of = {
            member_id: (country, round_id)
            for member_id, country, round_id in db.session.execute(
                select(Member.id, Council.country, Council.current_round_id)
                .join(Council, Council.id == Member.council_id)
                .where(Member.id.in_(list(member_ids)))
            ).all()
        }
        now = utcnow()
        prepared: list[tuple[int, list[tuple[str, list[str]]]]] = []
        for _ in range(per_member):
            for member_id in member_ids:
                pool = list(quiz.pool(council_of[member_id][0]))
                drawn = rng.sample(pool, min(quiz.draw, len(pool)))
                orders = []
                for question in drawn:
                    order = [option.id for option in question.options]
                    rng.shuffle(order)
                    orders.append((question.id, order))
                prepared.append((member_id, orders))
        attempt_rows = [
            {
                "round_id": council_of[member_id][1],
                "member_id": member_id,
                "module_id": module.id,
                "quiz_id": quiz.id,
                "number": 1,
                "content_version": course.version,
                "started_at": now,
            }
            for member_id, _ in prepared
        ]
        ids = list(
            db.session.execute(
                QuizAttempt.__table__.insert().returning(QuizAttempt.id, sort_by_parameter_order=True),
                attempt_rows,
            ).scalars()
        )
        db.session.execute(
            AttemptQuestion.__table__.insert(),
            [
                {
                    "attempt_id": attempt_id,
                    "position": position,
                    "question_id": question_id,
                    "option_order": order,
                }
                for attempt_id, (_, orders) in zip(ids, prepared, strict=True)
                for position, (question_id, order) in enumerate(orders)
            ],
        )
        db.session.commit()
    result = []
    for attempt_id, (member_id, orders) in zip(ids, prepared, strict=True):
        answers = tuple(
            (question_id, option_id)
            for question_id, _ in orders
            for option_id in sorted(quiz.question(question_id).correct_ids)
        )
        result.append(OpenAttempt(member_id, attempt_id, answers))
    return result


def count_submitted(app: Flask, attempt_ids: Sequence[int]) -> int:
    from sqlalchemy import func

    with app.app_context():
        return db.session.execute(
            select(func.count())
            .select_from(QuizAttempt)
            .where(QuizAttempt.id.in_(list(attempt_ids)), QuizAttempt.submitted_at.is_not(None))
        ).scalar_one()


def drop_attempts(app: Flask, attempt_ids: Sequence[int]) -> None:
    """Remove the attempts :func:`open_attempts` made, so runs do not pile them up."""
    with app.app_context():
        for start in range(0, len(attempt_ids), 5000):
            chunk = list(attempt_ids[start : start + 5000])
            db.session.execute(delete(AttemptQuestion).where(AttemptQuestion.attempt_id.in_(chunk)))
            db.session.execute(delete(QuizAttempt).where(QuizAttempt.id.in_(chunk)))
        db.session.commit()
