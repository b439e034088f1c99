"""The demo councils that `council-course demo` sets up."""

from __future__ import annotations

from collections.abc import Callable

from course.auth.services import set_password
from course.people.services import add_member, create_council, get_council, get_member_by_email

DEMO_COUNCILS = (
    ("demo-kommune", "Demo Kommune", "dk", "da"),
    ("demokommun", "Demokommun", "se", "sv"),
)
# (council slug, e-mail, name, role, administrator, platform administrator, label printed)
DEMO_MEMBERS = (
    ("demo-kommune", "platform@demo.example", "Pia Platform", "staff", True, True, "platform administrator"),
    ("demo-kommune", "anne@demo.example", "Anne Andersen", "staff", True, False, "council administrator"),
    ("demo-kommune", "bo@demo.example", "Bo Bæk", "councillor", False, False, "councillor (Danish)"),
    ("demo-kommune", "cecilie@demo.example", "Cecilie Østergård", "substitute", False, False, "substitute"),
    (
        "demokommun",
        "sven@demo.example",
        "Sven Svensson",
        "staff",
        True,
        False,
        "council administrator (Swedish)",
    ),
    ("demokommun", "sara@demo.example", "Sara Åkesson", "councillor", False, False, "councillor (Swedish)"),
)


def seed_demo(password_factory: Callable[[], str]) -> list[tuple[str, str, str]]:
    """Create the demo councils and members if missing and give every demo member a new password.

    Returns (label, e-mail, password) for each member; flushes, the caller commits.
    """
    councils = {}
    for slug, name, country, locale in DEMO_COUNCILS:
        councils[slug] = get_council(slug) or create_council(slug, name, country, locale)
    sign_ins = []
    members = {}
    for slug, email, name, role, is_admin, is_platform_admin, label in DEMO_MEMBERS:
        member = get_member_by_email(email) or add_member(
            councils[slug], email, name, role=role, is_admin=is_admin, is_platform_admin=is_platform_admin
        )
        members[email] = member
        password = password_factory()
        set_password(member, password)
        sign_ins.append((label, email, password))
    _plan_demo_seminar(councils["demo-kommune"], members["anne@demo.example"])
    return sign_ins


def _plan_demo_seminar(council, administrator) -> None:
    """A planned seminar with three cards, one of each kind of question, so a new user can try one."""
    from datetime import date

    from sqlalchemy import select

    from course.extensions import db
    from course.seminars import operations
    from course.seminars.material import list_material
    from course.seminars.models import Seminar
    from course.web.course import get_course

    if db.session.scalar(select(Seminar.id).where(Seminar.council_id == council.id)) is not None:
        return
    cards = list_material(get_course().conversation)
    if not cards:
        return
    seminar = operations.plan_seminar(
        council, "Seminar om tonen på sociale medier", date.today(), "Byrådssalen", actor=administrator
    )
    for kind in ("scale", "choice", "words"):
        card = next(card for card in cards if card.proposed.kind.value == kind)
        operations.add_card(seminar, card, council.default_locale, actor=administrator)
    # The demo council has four members: with the default of five answers its totals could never be shown.
    operations.set_min_answers(council, operations.MIN_ANSWERS_RANGE[0], actor=administrator)
