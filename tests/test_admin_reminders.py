"""Reminders reach the right people only, through a real SMTP server on loopback: by hand from the
dashboard, and from `council-course send-reminders` on its weekly rhythm, more urgently before the due
date and once after it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from course.admin.models import Reminder
from course.audit.models import AuditEvent
from course.db import utcnow
from course.extensions import db
from course.people.models import Council, CourseRound, Member
from tests.admin_helpers import complete_course, html_of, links_in, record_module, text_of
from tests.helpers import round_of


@pytest.fixture
def council(make):
    return make.council("mindby", name="Mindby Kommune")


@pytest.fixture
def admin(make, council):
    return make.member(council, "admin@mindby.example", name="Admin", is_admin=True, locale="en")


@pytest.fixture
def people(app, make, council, course):
    """Done has completed; Half has module 1 and the video of module 2; Fresh has not started."""
    done = make.member(council, "done@mindby.example", name="Done Dorte", locale="da")
    half = make.member(council, "half@mindby.example", name="Half Hans", locale="da")
    fresh = make.member(council, "fresh@mindby.example", name="Fresh Frida", locale="sv")
    complete_course(app, course, done.id)
    record_module(app, course, half.id, 0, passed=(0, 1))
    record_module(app, course, half.id, 1, video="video", passed=(1,))
    return {"done": done, "half": half, "fresh": fresh}


def invited(app, *members) -> None:
    with app.app_context():
        for member in members:
            db.session.get(Member, member.id).invited_at = utcnow() - timedelta(days=30)
        db.session.commit()


def recipients(smtp_server) -> list[str]:
    return sorted(address for message in smtp_server.messages for address in message.envelope_recipients)


def reminders(app) -> list[Reminder]:
    with app.app_context():
        return list(db.session.execute(select(Reminder).order_by(Reminder.id)).scalars())


def set_due(app, council, due):
    with app.app_context():
        db.session.get(Council, council.id).current_round.due_date = due
        db.session.commit()


# --- from the dashboard -----------------------------------------------------------------------------


def test_reminders_from_the_dashboard_go_to_the_chosen_members_who_have_not_completed(
    app, client, auth, make, admin, people, smtp_server, course
):
    stranger = make.member(make.council("otherby"), "stranger@otherby.example")
    auth.login(admin.email)
    response = client.post(
        "/admin/reminders",
        data={"member": [people["done"].id, people["half"].id, stranger.id], "confirm": "yes"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "A reminder was sent to 1 member." in html
    assert "2 chosen members were not reminded" in html
    assert recipients(smtp_server) == ["half@mindby.example"]

    [message] = smtp_server.messages
    assert message["Subject"] == "Påmindelse: kurset om sociale medier og lokaldemokrati"
    text = text_of(message)
    assert "Hej Half Hans" in text
    assert "Du har gennemført 1 af 3 moduler." in text
    second, third = course.modules[1], course.modules[2]
    open_quiz = second.quizzes[0]  # Half passed module 2's other quiz
    assert f"Modul 2: {second.title.da}" in text
    assert f"Bestå quizzen: {open_quiz.title.da}" in text
    assert f"Bestå quizzen: {second.quizzes[1].title.da}" not in text
    assert f"Modul 3: {third.title.da}" in text
    # The links go straight to what is left: module 2's open quiz, module 3's page.
    # The first link signs the member in and opens the next step.
    sign_in, *steps = links_in(message)
    assert sign_in.startswith(f"/login/link/open?next=/modules/{second.id}/quizzes/{open_quiz.id}#")
    assert steps == [f"/modules/{second.id}/quizzes/{open_quiz.id}", f"/modules/{third.id}"]
    assert f'href="http://localhost/modules/{third.id}"' in html_of(message)

    [logged] = reminders(app)
    assert (logged.member_id, logged.sent_by_id, logged.kind) == (people["half"].id, admin.id, "manual")
    with app.app_context():
        event = db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "reminder.sent")
        ).scalar_one()
        assert (event.actor_id, event.member_id) == (admin.id, people["half"].id)
    # The reminder shows on the member's row.
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "1 reminder" in dashboard


def test_the_dashboard_chooses_everyone_not_complete_by_default(client, auth, admin, people, smtp_server):
    auth.login(admin.email)
    html = client.get("/admin/").get_data(as_text=True)
    chosen = [int(value) for value in re.findall(r'name="member" value="(\d+)" checked', html)]
    client.post("/admin/reminders", data={"member": chosen, "confirm": "yes"})
    # The administrator is not chosen: administrators do not remind themselves by default.
    assert recipients(smtp_server) == ["fresh@mindby.example", "half@mindby.example"]


def test_sending_with_nobody_chosen_or_a_tampered_form(client, auth, admin, people, smtp_server):
    auth.login(admin.email)
    response = client.post("/admin/reminders", data={}, follow_redirects=True)
    assert "Choose the members to remind." in response.get_data(as_text=True)
    assert client.post("/admin/reminders", data={"member": ["1; DROP TABLE member"]}).status_code == 400
    assert smtp_server.messages == []


def test_nothing_is_sent_before_the_administrator_sees_how_many_e_mails_will_go(
    client, auth, admin, people, smtp_server
):
    auth.login(admin.email)
    chosen = [people["done"].id, people["half"].id, people["fresh"].id]
    response = client.post("/admin/reminders", data={"member": chosen, "role": "councillor"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "2 e-mails will be sent." in html
    assert "1 chosen member will not be reminded: they have completed the course." in html
    assert "Send 2 reminders" in html
    assert 'name="confirm" value="yes"' in html
    assert 'name="role" value="councillor"' in html
    assert smtp_server.messages == []
    hidden = sorted(int(value) for value in re.findall(r'name="member" value="(\d+)"', html))
    assert hidden == sorted([people["half"].id, people["fresh"].id])


def test_a_member_reminded_in_the_last_24_hours_is_not_chosen_nor_reminded_without_confirming(
    app, client, auth, admin, people, smtp_server
):
    auth.login(admin.email)
    client.post("/admin/reminders", data={"member": [people["half"].id], "confirm": "yes"})
    assert recipients(smtp_server) == ["half@mindby.example"]
    dashboard = client.get("/admin/").get_data(as_text=True)
    chosen = [int(value) for value in re.findall(r'name="member" value="(\d+)" checked', dashboard)]
    assert chosen == [people["fresh"].id]
    # Ticked anyway: the confirmation names them and says how many e-mails will go.
    html = client.post("/admin/reminders", data={"member": [people["half"].id, people["fresh"].id]}).get_data(
        as_text=True
    )
    assert "2 e-mails will be sent." in html
    assert "1 of them was reminded in the last 24 hours" in html
    assert "Half Hans, last reminded" in html
    assert recipients(smtp_server) == ["half@mindby.example"]
    client.post("/admin/reminders", data={"member": [people["half"].id], "confirm": "yes"})
    assert recipients(smtp_server) == ["half@mindby.example", "half@mindby.example"]
    # A day later the member is chosen again.
    with app.app_context():
        db.session.execute(update(Reminder).values(sent_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    dashboard = client.get("/admin/").get_data(as_text=True)
    chosen = [int(value) for value in re.findall(r'name="member" value="(\d+)" checked', dashboard)]
    assert sorted(chosen) == sorted([people["fresh"].id, people["half"].id])


def test_the_member_page_shows_the_reminder_history(app, client, auth, runner, admin, people, smtp_server):
    auth.login(admin.email)
    page = client.get(f"/admin/members/{people['half'].id}").get_data(as_text=True)
    assert "No reminder has been sent to this member." in page
    client.post("/admin/reminders", data={"member": [people["half"].id], "confirm": "yes"})
    with app.app_context():
        db.session.execute(update(Reminder).values(sent_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    invited(app, people["half"])
    runner.invoke(args=["send-reminders"])
    page = client.get(f"/admin/members/{people['half'].id}").get_data(as_text=True)
    assert "2 reminders sent" in page
    assert "Sent by an administrator" in page
    assert "<td>Admin</td>" in page
    assert "Weekly reminder" in page
    assert "The daily reminders" in page
    assert page.index("Weekly reminder") < page.index("Sent by an administrator")  # newest first
    assert "No reminder" not in client.get(f"/admin/members/{people['half'].id}").get_data(as_text=True)
    other = client.get(f"/admin/members/{people['fresh'].id}").get_data(as_text=True)
    assert "No reminder has been sent to this member." in other


def test_the_sign_in_link_in_a_reminder_opens_the_next_step(client, auth, admin, people, smtp_server, course):
    from tests.admin_helpers import link_in

    auth.login(admin.email)
    client.post("/admin/reminders", data={"member": [people["fresh"].id], "confirm": "yes"})
    [message] = smtp_server.messages
    link = link_in(message, "/login/link/open")
    assert f"next=/modules/{course.modules[0].id}" in link
    client.post("/logout")
    path, token = link.split("#")
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(
        "/login/link/open",
        data={"token": token, "action": "sign-in", "next": f"/modules/{course.modules[0].id}"},
    )
    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(f"/modules/{course.modules[0].id}")


# --- the daily scheduler ----------------------------------------------------------------------------


def test_the_scheduler_reminds_invited_members_who_have_not_completed_and_is_idempotent(
    app, runner, people, smtp_server
):
    invited(app, *people.values())
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "mindby: half@mindby.example (scheduled, 2 module(s) left)" in result.output
    assert "Sent 2 reminder(s)" in result.output
    assert recipients(smtp_server) == ["fresh@mindby.example", "half@mindby.example"]
    swedish = smtp_server.to("fresh@mindby.example")[0]
    assert swedish["Subject"] == "Påminnelse: utbildningen om sociala medier och lokal demokrati"
    assert all(reminder.sent_by_id is None for reminder in reminders(app))

    # Run again the same day: nothing more.
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0
    assert "Sent 0 reminder(s)" in result.output
    assert len(smtp_server.messages) == 2


def test_the_scheduler_waits_seven_days_between_reminders(app, runner, people, smtp_server):
    invited(app, people["fresh"])
    runner.invoke(args=["send-reminders"])
    assert len(smtp_server.messages) == 1
    for days, expected in ((6, 1), (7, 2)):
        with app.app_context():
            db.session.execute(update(Reminder).values(sent_at=utcnow() - timedelta(days=days)))
            db.session.commit()
        runner.invoke(args=["send-reminders"])
        assert len(smtp_server.messages) == expected, days


def test_the_scheduler_leaves_alone_members_never_invited_or_just_invited_or_reminded_by_hand(
    app, runner, people, admin, smtp_server
):
    # Not invited at all: nothing. Invited today: nothing either.
    runner.invoke(args=["send-reminders"])
    with app.app_context():
        db.session.get(Member, people["fresh"].id).invited_at = utcnow()
        db.session.get(Member, people["half"].id).invited_at = utcnow() - timedelta(days=20)
        db.session.add(
            Reminder(
                council_id=people["half"].council_id,
                round_id=round_of(people["half"].id),
                member_id=people["half"].id,
                kind="manual",
                sent_by_id=admin.id,
                sent_at=utcnow() - timedelta(days=2),
            )
        )
        db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)" in result.output
    assert smtp_server.messages == []


def test_the_week_before_the_due_date_the_reminder_is_urgent(app, runner, council, people, smtp_server):
    invited(app, people["half"])
    set_due(app, council, date.today() + timedelta(days=5))
    result = runner.invoke(args=["send-reminders", "--council", "mindby"])
    assert "(due_soon, 2 module(s) left)" in result.output
    [message] = smtp_server.messages
    assert message["Subject"] == "Påmindelse: gennemfør kurset inden fristen"
    text = text_of(message)
    assert "Mindby Kommune beder dig om at gennemføre kurset" in text
    assert "Der er 5 dage tilbage." in text or "Der er 4 dage tilbage." in text  # the council's calendar
    assert reminders(app)[0].kind == "due_soon"


def test_after_the_due_date_one_reminder_and_then_no_more(app, runner, council, people, smtp_server):
    invited(app, people["half"], people["fresh"])
    set_due(app, council, date.today() - timedelta(days=2))
    result = runner.invoke(args=["send-reminders"])
    assert result.output.count("(overdue,") == 2
    assert smtp_server.messages[0]["Subject"] in (
        "Fristen for kurset er overskredet",
        "Sista dagen för utbildningen har passerat",
    )
    assert "Det er ikke for sent" in text_of(smtp_server.to("half@mindby.example")[0])
    # Weeks later: still nothing, the one reminder after the due date has gone out.
    with app.app_context():
        db.session.execute(update(Reminder).values(sent_at=utcnow() - timedelta(days=21)))
        db.session.execute(update(CourseRound).values(due_date=date.today() - timedelta(days=30)))
        db.session.commit()
    result = runner.invoke(args=["send-reminders"])
    assert "Sent 0 reminder(s)" in result.output
    assert len(smtp_server.messages) == 2


def test_dry_run_sends_nothing_and_an_unknown_council_fails(app, runner, people, smtp_server):
    invited(app, people["fresh"])
    result = runner.invoke(args=["send-reminders", "--dry-run"])
    assert "would remind mindby: fresh@mindby.example" in result.output
    assert smtp_server.messages == []
    assert reminders(app) == []
    result = runner.invoke(args=["send-reminders", "--council", "nowhere"])
    assert result.exit_code == 1
    assert "no council" in result.output


def test_a_failed_e_mail_is_not_logged_and_the_command_exits_non_zero(app, runner, people, monkeypatch):
    invited(app, people["fresh"])
    # A real SMTP failure: nothing listens on this port.
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", 1)
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 1
    assert "FAILED mindby: fresh@mindby.example" in result.output
    assert reminders(app) == []


def test_when_the_mail_server_is_down_the_dashboard_says_who_was_not_reminded(
    app, client, auth, admin, people, monkeypatch
):
    auth.login(admin.email)
    monkeypatch.setitem(app.config, "COURSE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "COURSE_SMTP_PORT", 1)
    response = client.post(
        "/admin/reminders", data={"member": [people["fresh"].id], "confirm": "yes"}, follow_redirects=True
    )
    assert "The e-mail could not be sent to: Fresh Frida. Please try again later." in response.get_data(
        as_text=True
    )
    assert reminders(app) == []
