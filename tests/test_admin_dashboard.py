"""The council's dashboard against a seeded council: figures, table, filters, sorting, funnel, due date,
question statistics, exports, and a fixed number of queries whatever the size of the council."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from course.admin.models import Reminder
from course.audit.models import AuditEvent
from course.db import utcnow
from course.extensions import db
from course.people import calendar
from course.people.models import Council, Member
from tests.admin_helpers import complete_course, first_attempt_answers, record_module
from tests.conftest import PASSWORD
from tests.helpers import round_of, without_csrf_tokens


@pytest.fixture
def council(make):
    return make.council("dashby", name="Dashby Kommune")


@pytest.fixture
def admin(make, council):
    # A member of staff who takes the course (staff do not by default).
    return make.member(
        council,
        "admin@dashby.example",
        name="Zoe Admin",
        role="staff",
        is_admin=True,
        locale="en",
        takes_course=True,
    )


@pytest.fixture
def seeded(app, make, council, admin, course):
    """Anna has completed, Bent and Carl are under way, Dora has not started; Eva was removed, and Olga
    belongs to another council. Zoe (the administrator) has not started either."""
    week_ago = utcnow() - timedelta(days=7)
    people = {
        "anna": make.member(council, "anna@dashby.example", name="Anna Andersen"),
        "bent": make.member(council, "bent@dashby.example", name="Bent Bæk"),
        "carl": make.member(council, "carl@dashby.example", name="Carl Carlsen", role="substitute"),
        "dora": make.member(
            council, "dora@dashby.example", name="Dora Dahl", role="staff", takes_course=True
        ),
        "eva": make.member(council, "eva@dashby.example", name="Eva Ex"),
        "olga": make.member(make.council("otherby"), "olga@otherby.example", name="Olga Other"),
    }
    complete_course(app, course, people["anna"].id, when=week_ago)
    record_module(app, course, people["bent"].id, 0, video="video", passed=(0, 1))
    record_module(app, course, people["bent"].id, 1, video="transcript", passed=(0,))
    record_module(app, course, people["carl"].id, 0, video="video", failed=(0, 0))
    complete_course(app, course, people["eva"].id)
    complete_course(app, course, people["olga"].id)
    with app.app_context():
        db.session.get(Member, people["eva"].id).removed_at = utcnow()
        db.session.add(
            Reminder(
                council_id=council.id,
                round_id=round_of(people["dora"].id),
                member_id=people["dora"].id,
                kind="manual",
                sent_at=week_ago,
            )
        )
        db.session.commit()
    return people


def set_due(app, council, due: date | None) -> None:
    with app.app_context():
        db.session.get(Council, council.id).current_round.due_date = due
        db.session.commit()


@pytest.fixture
def signed_in(client, auth, admin):
    auth.login(admin.email)
    return client


def names_in_table(html: str) -> list[str]:
    return re.findall(r'<span class="member-name">([^<]+)</span>', html)


def test_the_dashboard_shows_the_councils_figures(app, signed_in, seeded, council):
    set_due(app, council, date.today() - timedelta(days=3))
    html = signed_in.get("/admin/").get_data(as_text=True)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)", html))
    assert figures == {
        "Members": "5",
        "Completed": "1",
        "In progress": "2",
        "Not started": "2",
        "Overdue": "4",
    }
    assert "(20%)" in html
    assert names_in_table(html) == ["Anna Andersen", "Bent Bæk", "Carl Carlsen", "Dora Dahl", "Zoe Admin"]
    assert "Eva Ex" not in html
    assert "Olga Other" not in html


def test_the_table_shows_each_members_steps(app, signed_in, seeded, course):
    html = signed_in.get("/admin/").get_data(as_text=True)
    # Quizzes are named by the titles learners see.
    mechanics, conduct = (quiz.title.en for quiz in course.modules[0].quizzes)
    rows = {
        name: row
        for name, row in re.findall(r'<span class="member-name">([^<]+)</span>(.*?)</tr>', html, re.S)
    }
    bent = re.sub(r"\s+", " ", rows["Bent Bæk"])
    assert "Video watched" in bent
    assert "Transcript read" in bent
    assert f"{mechanics}: passed" in bent
    assert f"{conduct}: passed" in bent  # module 1 is complete
    assert any(
        f"{quiz.title.en}: not passed yet" in bent for module in course.modules for quiz in module.quizzes
    )
    assert bent.count("Completed ") == 1  # module 1 only
    carl = re.sub(r"\s+", " ", rows["Carl Carlsen"])
    assert f"{mechanics}: not passed yet" in carl
    assert "Mechanics quiz" not in html
    assert "attempt" not in carl  # pass or not, never how often a member tried
    assert "Substitute" in carl
    dora = re.sub(r"\s+", " ", rows["Dora Dahl"])
    assert "1 reminder" in dora
    # Everyone not complete is chosen for a reminder by default; Anna cannot be chosen.
    assert f'id="remind-{seeded["dora"].id}" name="member" value="{seeded["dora"].id}" checked' in html
    assert f'id="remind-{seeded["anna"].id}"' not in html


def test_the_funnel_is_an_svg_with_a_text_alternative(signed_in, seeded, course):
    html = signed_in.get("/admin/").get_data(as_text=True)
    descriptions = re.findall(r'<desc id="funnel-[\w-]+-desc">(.*?)</desc>', html, re.S)
    assert len(descriptions) == 3
    first, second = ([quiz.title.en for quiz in module.quizzes] for module in course.modules[:2])
    assert descriptions[0].split(". ")[:3] == [
        "Watched the video or read the transcript: 3 of 5 (60%)",
        f"Passed “{first[0]}”: 2 of 5 (40%)",
        f"Passed “{first[1]}”: 2 of 5 (40%)",
    ]
    assert descriptions[1].split(". ")[:3] == [
        "Watched the video or read the transcript: 2 of 5 (40%)",
        f"Passed “{second[0]}”: 2 of 5 (40%)",
        f"Passed “{second[1]}”: 1 of 5 (20%)",
    ]
    assert 'role="img" aria-labelledby="funnel-' in html
    assert 'width="60.0%"' in html
    assert "style=" not in html  # the strict CSP forbids inline styles


def test_filters_and_sorting(app, signed_in, seeded, council):
    set_due(app, council, date.today() - timedelta(days=1))
    assert names_in_table(signed_in.get("/admin/?status=overdue").get_data(as_text=True)) == [
        "Bent Bæk",
        "Carl Carlsen",
        "Dora Dahl",
        "Zoe Admin",
    ]
    assert names_in_table(signed_in.get("/admin/?status=complete").get_data(as_text=True)) == [
        "Anna Andersen"
    ]
    assert names_in_table(signed_in.get("/admin/?role=substitute").get_data(as_text=True)) == ["Carl Carlsen"]
    assert names_in_table(signed_in.get("/admin/?role=staff&status=not_started").get_data(as_text=True)) == [
        "Dora Dahl",
        "Zoe Admin",
    ]
    html = signed_in.get("/admin/?sort=status&order=desc").get_data(as_text=True)
    assert names_in_table(html) == ["Anna Andersen", "Bent Bæk", "Carl Carlsen", "Dora Dahl", "Zoe Admin"]
    assert 'aria-sort="descending"' in html
    # The sorted column's header turns the order round; the others sort ascending.
    assert 'href="/admin/?sort=status">Status' in html
    assert 'href="/admin/?sort=completed&amp;order=desc"' not in html
    html = signed_in.get("/admin/?sort=name&order=desc").get_data(as_text=True)
    assert names_in_table(html) == ["Zoe Admin", "Dora Dahl", "Carl Carlsen", "Bent Bæk", "Anna Andersen"]
    # Members never reminded go last either way.
    assert names_in_table(signed_in.get("/admin/?sort=reminded").get_data(as_text=True))[0] == "Dora Dahl"
    # Unknown values fall back to the defaults instead of failing.
    assert signed_in.get("/admin/?sort=password&role=mayor&status=x").status_code == 200


def test_overdue_members_are_marked_in_words_not_only_colour(app, signed_in, seeded, council):
    html = signed_in.get("/admin/").get_data(as_text=True)
    assert "is-overdue" not in html
    set_due(app, council, date.today() - timedelta(days=2))
    html = signed_in.get("/admin/").get_data(as_text=True)
    assert html.count('<tr class="is-overdue">') == 4
    assert html.count('<span class="status status-overdue">') == 4


def test_an_administrator_sets_the_due_date_and_members_see_it(
    app, client, auth, signed_in, seeded, council, admin
):
    # "Today" is the council's: near midnight in Copenhagen the machine's date may be another.
    with app.app_context():
        today = calendar.today(db.session.get(Council, council.id).country)
    due = today + timedelta(days=10)
    response = signed_in.post("/admin/due-date", data={"due_date": due.isoformat()}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "The due date is saved." in html
    assert "That is in 10 days." in html
    with app.app_context():
        assert db.session.get(Council, council.id).current_round.due_date == due
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "council.due_date_changed")
        ).scalar_one()
        assert event.actor_id == admin.id
        assert event.details["due_date"] == due.isoformat()

    auth.logout()
    auth.login(seeded["bent"].email)
    overview = client.get("/", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "Dashby Kommune beder dig om at gennemføre kurset senest" in overview
    set_due(app, council, date.today() - timedelta(days=1))
    overview = client.get("/", headers={"Accept-Language": "da"}).get_data(as_text=True)
    assert "Fristen er overskredet" in overview
    # Anna, who has completed, is not nagged.
    auth.logout()
    auth.login(seeded["anna"].email)
    assert "Fristen" not in client.get("/", headers={"Accept-Language": "da"}).get_data(as_text=True)


def test_a_bad_due_date_says_so_and_an_empty_one_removes_it(app, signed_in, seeded, council):
    set_due(app, council, date(2030, 1, 31))
    response = signed_in.post("/admin/due-date", data={"due_date": "31/01/2030x"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'href="#due_date">Enter the date as year-month-day, for example 2026-03-31.</a>' in html
    assert 'value="31/01/2030x"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.get(Council, council.id).current_round.due_date == date(2030, 1, 31)
    signed_in.post("/admin/due-date", data={"due_date": ""})
    with app.app_context():
        assert db.session.get(Council, council.id).current_round.due_date is None


def test_question_statistics_are_anonymous_totals_of_first_attempts(app, make, signed_in, council, course):
    module = course.modules[0]
    quiz = module.quizzes[0]
    q1, q2, q3 = (question.id for question in quiz.questions[:3])
    people = [make.member(council, f"p{n}@dashby.example", name=f"Person {n}") for n in range(6)]
    for n, person in enumerate(people):
        answers = {q1: n < 4}  # six answered, four right
        if n < 5:
            answers[q3] = n == 0  # five answered, one right
        if n < 4:
            answers[q2] = True  # only four answered: not shown
        first_attempt_answers(app, person.id, module, quiz, answers)
    # A second attempt does not count.
    from course.learning.models import QuizAttempt

    with app.app_context():
        attempt = QuizAttempt(
            round_id=round_of(people[1].id),
            member_id=people[1].id,
            module_id=module.id,
            quiz_id=quiz.id,
            number=2,
            content_version="t",
            submitted_at=utcnow(),
            correct_count=1,
            score=1.0,
            is_passed=True,
        )
        db.session.add(attempt)
        db.session.commit()

    html = signed_in.get("/admin/questions").get_data(as_text=True)
    prompts = re.findall(r'<th scope="row" class="question-text">(.*?)</th>', html, re.S)
    assert [prompt.strip() for prompt in prompts] == [
        quiz.question(q3).prompt.en,
        quiz.question(q1).prompt.en,
    ]
    assert "20%" in html
    assert "67%" in html
    assert quiz.question(q2).prompt.en not in html
    for person in people:
        assert f"Person {people.index(person)}" not in html


def test_exports_in_the_administrators_language_with_formulas_neutralised(
    app, make, client, auth, seeded, council
):
    danish_admin = make.member(
        council, "dansk@dashby.example", name="Dansk Admin", is_admin=True, locale="da"
    )
    make.member(council, "formula@dashby.example", name='=HYPERLINK("https://evil.example","x")')
    auth.login(danish_admin.email)

    response = client.get("/admin/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    term = calendar.term_of("dk", calendar.today("dk"))  # the round's term is in the name
    # The file is named in the administrator's language.
    expected = f"gennemf%C3%B8relse-dashby-{term.start.year}-{term.end.year}.csv"
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=\"{expected.replace('%C3%B8', 'oe')}\"; filename*=UTF-8''{expected}"
    )
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:6] == ["Navn", "E-mailadresse", "Rolle", "Tager kurset", "Status", "Forsinket"]
    assert "Modul 1: video" in header
    by_name = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_name["Anna Andersen"]["Status"] == "Gennemført"
    assert by_name["Anna Andersen"]["Tager kurset"] == "Ja"
    assert by_name["Bent Bæk"]["Modul 2: video"] == "Udskrift læst"
    assert by_name["Carl Carlsen"]["Rolle"] == "Stedfortræder"
    assert by_name["Dora Dahl"]["Påmindelser sendt"] == "1"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", by_name["Anna Andersen"]["Kursus gennemført"])
    assert '\'=HYPERLINK("https://evil.example","x")' in by_name
    assert "Eva Ex" not in by_name

    # Filters apply to the export as to the table.
    filtered = client.get("/admin/export.csv?status=complete").get_data().decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(filtered), delimiter=";")][1:] == ["Anna Andersen"]

    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    response = client.get("/admin/export.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "filename*=UTF-8''gennemf%C3%B8relse-dashby-" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    # The header stays in view, every column has a filter, and the columns are as wide as their values.
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(values[0]))}{len(values)}"
    assert sheet.column_dimensions["B"].width >= len("dansk@dashby.example")
    assert all(
        sheet.column_dimensions[get_column_letter(n)].width <= 48 for n in range(1, len(values[0]) + 1)
    )
    assert values[0][:2] == ("Navn", "E-mailadresse")
    formula_row = next(row for row in sheet.iter_rows() if str(row[0].value).startswith("'="))
    assert formula_row[0].data_type == "s"
    anna = next(row for row in values if row[0] == "Anna Andersen")
    assert isinstance(anna[values[0].index("Kursus gennemført")], date)


def test_an_english_csv_uses_commas(signed_in, seeded):
    data = signed_in.get("/admin/export.csv").get_data().decode("utf-8-sig")
    assert data.splitlines()[0].startswith("Name,E-mail address,Role,Takes the course,Status,Overdue,")


def test_the_print_view_lists_the_table_without_forms(signed_in, seeded):
    html = signed_in.get("/admin/print?status=in_progress").get_data(as_text=True)
    assert "Bent Bæk" in html
    assert "Anna Andersen" not in html
    assert 'name="member"' not in html
    assert "Completed: 1 of 5 (20%). In progress: 2. Not started: 2." in html


def _grow_council(app, make, council, course, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        member = make.member(council, f"extra{n}@dashby.example", name=f"Extra {n}", password=None)
        record_module(app, course, member.id, 0, video="video", passed=(0,), failed=(1,))
        with app.app_context():
            db.session.add(
                Reminder(
                    council_id=council.id, round_id=round_of(member.id), member_id=member.id, kind="manual"
                )
            )
            db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/print",
        "/admin/export.csv",
        "/admin/export.xlsx",
        "/admin/members",
        "/admin/questions",
    ],
)
def test_admin_pages_read_a_fixed_number_of_queries(
    app, make, signed_in, council, course, count_queries, path
):
    _grow_council(app, make, council, course, 1)
    signed_in.get(path)  # warm up: the first request loads the session cookie
    with count_queries() as small:
        assert signed_in.get(path).status_code == 200
    _grow_council(app, make, council, course, 49, start=1)
    with count_queries() as large:
        assert signed_in.get(path).status_code == 200
    assert large.count == small.count, (small.statements, large.statements)
    assert small.count <= 10


def test_a_councillor_sees_nothing_of_the_dashboard(client, make, council):
    member = make.member(council, "plain@dashby.example")
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 403
    assert "Council administration" not in client.get("/", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_exports_work_for_any_council_name_and_an_empty_selection(app, client, auth, make):
    council = make.council("slashby", name="Slash/By: [Kommune]?")
    admin = make.member(council, "admin@slashby.example", is_admin=True, locale="en")
    auth.login(admin.email)
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(client.get("/admin/export.xlsx").get_data()))
    assert workbook.worksheets[0].title == "Slash-By- -Kommune--"
    data = client.get("/admin/export.csv?status=complete").get_data().decode("utf-8-sig")
    [header] = list(csv.reader(io.StringIO(data)))
    assert "Module 3: completed" in header


@pytest.mark.parametrize(
    ("language", "watched", "completed"),
    [
        ("en", "Video: 40% watched", "Completed May 3, 2026"),
        ("da", "Video: 40 % set", "Gennemført 3. maj 2026"),
    ],
)
def test_a_module_cell_in_each_state_of_the_video(app, course, language, watched, completed):
    from datetime import UTC, datetime

    from flask import render_template_string
    from flask_babel import force_locale

    from course.admin.views import cell_labels
    from course.learning.progress import ModuleState, QuizState

    module = course.modules[0]
    quizzes = {quiz.id: QuizState(quiz, i == 0, 7, 1.0) for i, quiz in enumerate(module.quizzes)}
    template = (
        '{% from "_macros/ui.html" import icon %}{% from "admin/_cells.html" import module_cell %}'
        '{{ module_cell(cell, labels, {"check": icon("check"), "videocam": icon("videocam"), '
        '"student": icon("student")}) }}'
    )
    day = datetime(2026, 5, 3, 10, tzinfo=UTC)

    def drawn(coverage=0.0, route=None, done_at=None, completed_at=None):
        cell = ModuleState(module, coverage, route, done_at, completed_at, True, quizzes=quizzes)
        with app.test_request_context(), force_locale(language):
            html = render_template_string(template, cell=cell, labels=cell_labels())
        return re.sub(r"<svg.*?</svg>", "", html)

    assert watched in drawn(coverage=0.4)
    assert "step-none" in drawn()
    finished = drawn(coverage=1.0, route="video", done_at=day, completed_at=day)
    assert completed in finished
    assert finished.startswith('<ul class="cell-steps">')
    assert finished.count("<li") == 2 + len(module.quizzes)
    assert "7" not in finished  # passed or not, never how often a member tried


def test_each_administrator_sees_the_dashboard_in_their_own_language(app, signed_in, seeded, admin):
    """One application renders the dashboard in English, Danish, Swedish and English again: every cell and
    tag is in the language of the request, never in that of whoever opened the dashboard first."""
    from flask_babel import force_locale, gettext

    labels = (
        "Video watched",
        "Transcript read",
        "not passed yet",
        "In progress",
        "Not started",
    )

    def dashboard_in(language: str) -> str:
        with app.app_context():
            db.session.get(Member, admin.id).locale = language
            db.session.commit()
        html = signed_in.get("/admin/").get_data(as_text=True)
        table = html[html.index("<table") : html.rindex("</table>")]
        return without_csrf_tokens(table)

    def translated(language: str) -> set[str]:
        with app.test_request_context(), force_locale(language):
            return {gettext(label) for label in labels}

    first_english = dashboard_in("en")
    for language in ("da", "sv"):
        table = dashboard_in(language)
        for label in translated(language):
            assert label in table, f"{label!r} missing from the {language} dashboard"
        for label in translated("en") - translated(language):
            assert f">{label}<" not in table, f"{label!r} in the {language} dashboard"
            assert f">{label}:" not in table, f"{label!r} in the {language} dashboard"
    assert dashboard_in("en") == first_english


def test_an_administrator_alone_on_the_roster_sees_the_first_steps_as_links(client, auth, admin):
    auth.login(admin.email)
    html = client.get("/admin/").get_data(as_text=True)
    assert 'id="first-steps"' in html
    for href in (
        "/admin/members/new",
        "/admin/members/import",
        "/admin/members/import/template.xlsx",
        "#due-date",
    ):
        assert f'href="{href}"' in html
    members = client.get("/admin/members").get_data(as_text=True)
    assert 'href="/admin/members/new"' in members.split('class="empty-roster"', 1)[-1]


def test_the_first_steps_go_once_there_are_members(client, auth, admin, seeded):
    auth.login(admin.email)
    assert 'id="first-steps"' not in client.get("/admin/").get_data(as_text=True)


def test_a_due_date_that_has_passed_asks_for_confirmation_first(app, signed_in, seeded, council):
    with app.app_context():
        today = calendar.today(db.session.get(Council, council.id).country)
    past = today - timedelta(days=3)
    response = signed_in.post("/admin/due-date", data={"due_date": past.isoformat()})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Save a due date that has passed?</h1>" in html  # a page of its own, the question first
    assert "This date has passed. Every member who has not completed the course will be overdue." in html
    assert f'value="{past.isoformat()}"' in html  # the input is kept
    assert 'name="confirm_past" value="y"' in html
    with app.app_context():
        assert db.session.get(Council, council.id).current_round.due_date is None
    response = signed_in.post(
        "/admin/due-date", data={"due_date": past.isoformat(), "confirm_past": "y"}, follow_redirects=True
    )
    assert "The due date is saved." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Council, council.id).current_round.due_date == past
    # Today is not past: no question asked.
    signed_in.post("/admin/due-date", data={"due_date": today.isoformat()})
    with app.app_context():
        assert db.session.get(Council, council.id).current_round.due_date == today


@pytest.mark.parametrize("takes_course", [True, False])
def test_small_numbers_read_well(app, client, auth, make, council, takes_course):
    alone = make.member(
        council, "eneste@dashby.example", name="Ene", is_admin=True, locale="sv", takes_course=takes_course
    )
    auth.login(alone.email)
    html = client.get("/admin/").get_data(as_text=True)
    assert "Hur många av de 1 deltagarna" not in html
    assert "Hur många av de 0 deltagarna" not in html
    if takes_course:
        assert "Om den enda deltagaren har sett varje film och blivit godkänd på varje quiz." in html
    else:
        assert "Ingen går utbildningen ännu" in html
    printed = client.get("/admin/print").get_data(as_text=True)
    assert "av 1 deltagare har" not in printed
