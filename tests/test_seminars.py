"""The live seminar: planning, the facilitator's state machine, anonymous answers (schema, minimum group,
moderation), attendance and the seminar completion, the summary and its PDF, and the event stream
(full state on connect, resume with Last-Event-ID, heartbeats)."""

from __future__ import annotations

import io
import os
import re
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import DateTime, Integer, select

from course.certificates.models import Certificate, SeminarCompletion
from course.extensions import db
from course.people.models import Council, Member
from course.seminars import live, operations, queries
from course.seminars.material import list_material
from course.seminars.models import (
    Seminar,
    SeminarAnswer,
    SeminarAttendance,
    SeminarBallot,
    SeminarItem,
)
from tests.conftest import IS_CI, PASSWORD, make_test_app


@pytest.fixture
def council(make):
    return make.council("seminarby", name="Seminarby Kommune")


@pytest.fixture
def admin(make, council):
    return make.member(council, "chef@seminarby.example", name="Chef", is_admin=True)


@pytest.fixture
def members(make, council):
    return [
        make.member(council, f"m{number}@seminarby.example", name=f"Medlem {number}") for number in range(6)
    ]


def sign_in(client, person):
    assert client.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 302


def material(course, kind):
    return next(card for card in list_material(course.conversation) if card.proposed.kind.value == kind)


@pytest.fixture
def running(app, course, council, admin):
    """A live seminar with a scale card, a choice card and a words card; the first card's question open."""
    with app.app_context():
        actor = db.session.get(Member, admin.id)
        seminar = operations.plan_seminar(
            db.session.get(Council, council.id), "Seminar", date.today(), "Salen", actor=actor
        )
        for kind in ("scale", "choice", "words"):
            operations.add_card(seminar, material(course, kind), "da", actor=actor)
        operations.step(seminar, 1, actor=actor)
        operations.open_question(seminar)
        db.session.commit()
        return {"id": seminar.id, "code": seminar.join_code, "items": [item.id for item in seminar.items]}


def answer_as(app, running, member, value, item=None):
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        counted = operations.answer(
            seminar, item or seminar.items[seminar.position].id, db.session.get(Member, member.id), value
        )
        db.session.commit()
        return counted


def act(app, running, action, *args, admin=None, **kwargs):
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        if admin is not None:
            kwargs["actor"] = db.session.get(Member, admin.id)
        result = action(seminar, *args, **kwargs)
        db.session.commit()
        return result


# --- planning ------------------------------------------------------------------------------------------


def test_an_administrator_plans_a_seminar_with_cards_and_edits_a_proposed_question(client, course, admin):
    sign_in(client, admin)
    response = client.post(
        "/admin/seminars", data={"title": "Tonen", "held_on": "2026-05-04", "place": "Salen"}
    )
    assert response.status_code == 303
    seminar_url = response.location
    card = material(course, "choice")
    client.post(f"{seminar_url}/items", data={"card": card.key})
    page = client.get(seminar_url).get_data(as_text=True)
    assert f"Kortet »{card.title.da}« er føjet til seminaret." in page  # said, not only shown in the list
    assert card.title.da in page
    assert card.proposed.text.da in page  # the material's proposal, in the council's language
    assert client.get("/admin/seminars").get_data(as_text=True).count("Tonen") == 1
    with client.application.app_context():
        item = db.session.scalar(select(SeminarItem))
        assert item.options == [option.da for option in card.proposed.options]
        item_id = item.id
    response = client.post(
        f"{seminar_url}/items/{item_id}", data={"kind": "choice", "question": "Hvem?", "options": "A\nB\n\n"}
    )
    assert response.status_code == 303
    with client.application.app_context():
        item = db.session.get(SeminarItem, item_id)
        assert (item.question_text, item.options) == ("Hvem?", ["A", "B"])
    # A choice with one option is refused with a message, and nothing changes.
    response = client.post(
        f"{seminar_url}/items/{item_id}", data={"kind": "choice", "question": "X", "options": "A"}
    )
    assert response.status_code == 422
    with client.application.app_context():
        assert db.session.get(SeminarItem, item_id).question_text == "Hvem?"
    # The facilitator's guide is on the seminar's page.
    assert course.conversation.guide.sections[0].title.da in client.get(seminar_url).get_data(as_text=True)


def test_bad_planning_input_is_a_422_not_a_500(client, admin):
    sign_in(client, admin)
    assert client.post("/admin/seminars", data={"title": "", "held_on": "nope"}).status_code == 422
    assert client.post("/admin/seminars/settings", data={"settings-min_answers": "1"}).status_code == 422
    response = client.post("/admin/seminars", data={"title": "T", "held_on": "2026-05-04"})
    assert client.post(f"{response.location}/items", data={"card": "council:nope"}).status_code == 422


def test_cards_are_reordered_and_removed_before_the_seminar(app, course, running, admin):
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        actor = db.session.get(Member, admin.id)
        with pytest.raises(operations.SeminarError, match="live"):
            operations.move_item(seminar.items[0], 1, actor=actor)
    with app.app_context():
        actor = db.session.get(Member, admin.id)
        seminar = operations.plan_seminar(
            db.session.get(Council, actor.council_id), "Plan", date.today(), "", actor=actor
        )
        first, second, third = (
            operations.add_card(seminar, card, "sv", actor=actor)
            for card in list_material(course.conversation)[:3]
        )
        operations.move_item(third, -1, actor=actor)
        assert [item.id for item in seminar.items] == [first.id, third.id, second.id]
        operations.remove_item(first, actor=actor)
        assert [(item.id, item.position) for item in seminar.items] == [(third.id, 0), (second.id, 1)]
        db.session.commit()


# --- the state machine ----------------------------------------------------------------------------------


def test_next_back_open_close_and_reveal(app, running, admin, members):
    def state():
        return act(app, running, lambda s: (s.status, s.position, s.items[max(s.position, 0)].question_state))  # noqa: E731

    assert state() == ("live", 0, "open")
    act(app, running, operations.close_question)
    assert state() == ("live", 0, "closed")
    with pytest.raises(operations.SeminarError, match="not_open"):
        act(app, running, operations.close_question)
    act(app, running, operations.open_question)
    act(app, running, operations.step, 1, admin=admin)  # leaving a card closes its question
    assert state() == ("live", 1, "idle")
    with app.app_context():
        assert db.session.get(SeminarItem, running["items"][0]).question_state == "closed"
    act(app, running, operations.step, -1, admin=admin)
    act(app, running, operations.step, -1, admin=admin)
    assert state()[:2] == ("live", -1)
    with pytest.raises(operations.SeminarError, match="no_card"):
        act(app, running, operations.step, -1, admin=admin)
    with pytest.raises(operations.SeminarError, match="no_question"):
        act(app, running, operations.open_question)
    for _ in range(3):
        act(app, running, operations.step, 1, admin=admin)
    with pytest.raises(operations.SeminarError, match="no_card"):
        act(app, running, operations.step, 1, admin=admin)
    with pytest.raises(operations.SeminarError, match="not_asked"):
        act(app, running, operations.reveal_results, admin=admin)
    act(app, running, operations.end_seminar, admin=admin)
    with pytest.raises(operations.SeminarError, match="ended"):
        act(app, running, operations.step, -1, admin=admin)


def test_the_controls_work_as_plain_forms_and_for_the_script(client, running, admin):
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    response = client.post(f"{base}/next")
    assert (response.status_code, response.location) == (303, f"{base}/present")
    response = client.post(f"{base}/back", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json["ok"]
    response = client.post(f"{base}/reveal", headers={"Accept": "application/json"})
    assert response.status_code == 409  # nobody has answered yet
    assert response.json["message"]
    page = client.get(f"{base}/present").get_data(as_text=True)
    assert running["code"] in page
    assert "data:image/svg+xml" in page
    assert "<script>" not in page  # the CSP allows no inline script


# --- anonymity --------------------------------------------------------------------------------------------


def test_answers_have_no_member_column_and_no_timestamp():
    table = SeminarAnswer.__table__
    assert not any(
        key.column.table.name == "member" for column in table.columns for key in column.foreign_keys
    )
    assert not any("member" in column.name for column in table.columns)
    assert not any(
        isinstance(column.type, DateTime) or column.type.__class__.__name__ == "UTCDateTime"
        for column in table.columns
    )
    assert not any(isinstance(column.type, DateTime) for column in SeminarBallot.__table__.columns)
    # The ballot says that a member answered, and points at the question only: never at an answer row.
    assert {column.name for column in SeminarBallot.__table__.columns} == {"item_id", "member_id"}
    assert all(isinstance(column.type, Integer) for column in SeminarBallot.__table__.columns)


def test_each_member_counts_once_and_totals_stay_hidden_until_revealed_and_enough_answered(
    app, course, running, admin, members
):
    for member in members[:4]:
        assert answer_as(app, running, member, "4")
    assert not answer_as(app, running, members[0], "1")  # a second answer is not counted
    with app.app_context():
        assert db.session.scalar(select(SeminarAnswer.count).where(SeminarAnswer.value == "4")) == 4
        assert db.session.scalar(select(SeminarAnswer.id).where(SeminarAnswer.value == "1")) is None
        room = queries.load_room(running["id"], course)
        assert room.question.answered == 4
        assert room.question.totals is None
    with pytest.raises(operations.SeminarError, match="too_few"):
        act(app, running, operations.reveal_results, admin=admin)
    answer_as(app, running, members[4], "2")
    with app.app_context():
        assert queries.load_room(running["id"], course).question.totals is None  # not revealed yet
    act(app, running, operations.reveal_results, admin=admin)
    with app.app_context():
        room = queries.load_room(running["id"], course)
        assert room.question.state == "closed"
        assert [(total.value, total.count) for total in room.question.totals] == [
            ("1", 0),
            ("2", 1),
            ("3", 0),
            ("4", 4),
            ("5", 0),
        ]
    with pytest.raises(operations.SeminarError, match="closed"):
        answer_as(app, running, members[5], "3")


def test_the_minimum_group_is_a_council_setting(app, client, course, running, admin, members):
    sign_in(client, admin)
    assert client.post("/admin/seminars/settings", data={"settings-min_answers": "3"}).status_code == 303
    for member in members[:3]:
        answer_as(app, running, member, "5")
    act(app, running, operations.reveal_results, admin=admin)
    with app.app_context():
        assert queries.load_room(running["id"], course).question.totals is not None
        assert operations.get_min_answers(admin.council_id) == 3


def test_words_wait_for_the_facilitator_before_the_room_sees_them(
    app, client, course, running, admin, members
):
    act(app, running, operations.step, 1, admin=admin)
    act(app, running, operations.step, 1, admin=admin)
    act(app, running, operations.open_question)
    for member, words in zip(members[:5], ["Tillid", "tillid ", "respekt", "Idiot", "ro"], strict=True):
        answer_as(app, running, member, words)
    act(app, running, operations.reveal_results, admin=admin)
    with app.app_context():
        room = queries.load_room(running["id"], course)
        assert room.question.totals == ()
        assert room.question.pending_words == 4
        word_ids = {row.value: row.id for row in db.session.execute(select(SeminarAnswer)).scalars()}
    sign_in(client, admin)
    page = client.get(f"/admin/seminars/{running['id']}/words").get_data(as_text=True)
    # The moderation page is the facilitator's own window: during the seminar the words are open there.
    folded = re.search(r"<details class=\"words-folded\" open>(.*?)</details>", page, re.S)
    assert folded
    assert "4 ord er ikke godkendt endnu" in folded.group(1)
    assert "idiot" in folded.group(1)
    assert "idiot" not in page.replace(folded.group(0), "")
    assert re.search(r'value="reject"[^>]*data-confirm="[^"]+"', page)  # keeping a word away asks first
    for word, decision in (("tillid", "approve"), ("respekt", "approve"), ("idiot", "reject")):
        response = client.post(
            f"/admin/seminars/{running['id']}/words", data={"answer": word_ids[word], "decision": decision}
        )
        assert response.status_code == 303
        assert response.location.endswith("/words?shown=1")  # the facilitator opened them already
    page = client.get(response.location).get_data(as_text=True)
    assert '<details class="words-folded" open>' in page
    assert "1 ord er ikke godkendt endnu" in page  # "ro" still waits
    assert (
        client.post(
            f"/admin/seminars/{running['id']}/words", data={"answer": "x", "decision": "approve"}
        ).status_code
        == 400
    )
    with app.app_context():
        totals = queries.load_room(running["id"], course).question.totals
        assert [(total.label.da, total.count) for total in totals] == [("tillid", 2), ("respekt", 1)]
    # Five answered, three shown: the screen says where the other two are.
    page = client.get(f"/admin/seminars/{running['id']}/present").get_data(as_text=True)
    assert "5 svar." in page
    assert "1 svar venter på godkendelse." in page
    assert "1 svar vises ikke." in page
    # Every word decided: none is said to wait.
    client.post(
        f"/admin/seminars/{running['id']}/words", data={"answer": word_ids["ro"], "decision": "approve"}
    )
    page = client.get(f"/admin/seminars/{running['id']}/words").get_data(as_text=True)
    assert "Vis 4 ord" in page
    assert "ikke godkendt endnu" not in page


def test_a_member_answers_with_one_tap_without_javascript(app, client, course, running, members):
    member = members[0]
    sign_in(client, member)
    page = client.get(f"/join/{running['code'].lower()}", follow_redirects=True).get_data(as_text=True)
    assert "Bliv en del af seminaret" in page or "join_room" in page or 'action="/join/' in page
    assert client.post("/join", data={"code": running["code"].lower()}).status_code == 303
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    card = material(course, "scale")
    assert card.title.da in page
    assert "<fieldset>" in page
    assert "<legend" in page
    response = client.post(
        f"/seminars/{running['code']}/answer", data={"item": running["items"][0], "answer": "5"}
    )
    assert response.status_code == 200  # the answer's own page, which says what was answered
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    assert re.search(r'data-when="unanswered" hidden', page)
    response = client.post(
        f"/seminars/{running['code']}/answer",
        data={"item": running["items"][0], "answer": "9"},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert client.post(f"/seminars/{running['code']}/answer", data={"item": "x"}).status_code == 400


def test_members_of_another_council_cannot_join(app, client, make, running):
    stranger = make.member(make.council("andetby"), "s@andetby.example")
    sign_in(client, stranger)
    assert client.get(f"/join/{running['code']}").status_code == 404
    assert client.post("/join", data={"code": running["code"]}).status_code == 404
    assert client.get(f"/seminars/{running['code']}/events").status_code == 404


# --- attendance, completion, summary ------------------------------------------------------------------


def test_attendance_is_confirmed_and_the_course_recorded_completed_through_the_seminar_completion(
    app, client, course, running, admin, members, record_completion
):
    for member in members[:3]:
        with app.app_context():
            operations.join(db.session.get(Seminar, running["id"]), db.session.get(Member, member.id))
            db.session.commit()
    record_completion(members[2])  # completed online: keeps that completion
    sign_in(client, admin)
    assert (
        client.post(
            f"/admin/seminars/{running['id']}/attendance", data={"present": members[0].id}
        ).status_code
        == 303
    )
    with app.app_context():
        assert (
            db.session.scalar(
                select(SeminarAttendance.is_confirmed).where(SeminarAttendance.member_id == members[0].id)
            )
            is False
        )
    client.post(f"/admin/seminars/{running['id']}/end", data={"confirmed": "yes"})
    page = client.get(f"/admin/seminars/{running['id']}/attendance").get_data(as_text=True)
    assert re.search(rf'value="{members[0].id}" checked', page)  # joined: ticked
    assert not re.search(rf'value="{members[3].id}" checked', page)  # did not join: offered, not ticked
    response = client.post(
        f"/admin/seminars/{running['id']}/attendance",
        data={"present": [members[0].id, members[2].id], "record_completion": "yes"},
    )
    assert response.status_code == 303
    with app.app_context():
        confirmed = set(
            db.session.execute(
                select(SeminarAttendance.member_id).where(SeminarAttendance.is_confirmed)
            ).scalars()
        )
        assert confirmed == {members[0].id, members[2].id}
        [completion] = db.session.execute(select(SeminarCompletion)).scalars()
        assert (completion.member_id, completion.completed_on, completion.reason) == (
            members[0].id,
            date.today(),
            "Seminar, Salen",
        )
        assert (
            db.session.scalar(
                select(Certificate.member_id).where(Certificate.seminar_completion_id == completion.id)
            )
            == members[0].id
        )


def test_the_summary_and_its_pdf_hold_the_cards_the_totals_and_the_agreements(
    app, client, course, running, admin, members
):
    from pypdf import PdfReader

    for member in members[:5]:
        answer_as(app, running, member, "4")
    act(app, running, operations.reveal_results, admin=admin)
    act(app, running, operations.add_agreement, "Vi svarer ikke igen i samme tone", admin=admin)
    act(app, running, operations.end_seminar, admin=admin)
    sign_in(client, admin)
    page = client.get(f"/admin/seminars/{running['id']}/summary").get_data(as_text=True)
    card = material(course, "scale")
    assert card.title.da in page
    assert "Vi svarer ikke igen i samme tone" in page
    assert "Enig" in page
    assert material(course, "words").title.da not in page  # never shown
    response = client.get(f"/admin/seminars/{running['id']}/summary.pdf")
    assert response.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Vi svarer ikke igen i samme tone" in text
    assert card.title.da in text
    assert "Enig: 5 (100 %)" in text
    assert "Seminarby Kommune" in text


def test_administrative_actions_are_in_the_audit_log(app, running, admin):
    from course.audit.models import AuditEvent

    with app.app_context():
        actions = set(db.session.execute(select(AuditEvent.action)).scalars())
    assert {"seminar.planned", "seminar.changed", "seminar.started"} <= actions


# --- the event stream -----------------------------------------------------------------------------------


def read_events(response, count):
    """The first ``count`` events (or comments) of a streamed response."""
    events, buffer = [], ""
    for chunk in response.response:
        buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            events.append(block)
            if len(events) == count:
                return events
    return events


def test_the_stream_sends_the_full_state_then_changes_and_resumes_from_last_event_id(
    app, client, running, admin, members, monkeypatch
):
    monkeypatch.setitem(app.config, "SEMINAR_HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setitem(app.config, "SEMINAR_STREAM_SECONDS", 5)
    sign_in(client, members[0])
    response = client.get(f"/seminars/{running['code']}/events")
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.mimetype == "text/event-stream"
    retry, first = read_events(response, 2)
    assert retry.startswith("retry:")
    version = int(re.search(r"^id: (\d+)$", first, re.M).group(1))
    assert "event: state" in first
    assert "Kort 1 af 3" in first
    threading.Timer(0.3, lambda: act(app, running, operations.step, 1, admin=admin)).start()
    [change] = [event for event in read_events(response, 3) if event.startswith("id:")] or [None]
    assert change is not None
    assert int(re.search(r"^id: (\d+)$", change, re.M).group(1)) > version
    assert "Kort 2 af 3" in change
    response.close()

    # Reconnecting with the current id: nothing is repeated, only heartbeats until the next change.
    current = int(re.search(r"^id: (\d+)$", change, re.M).group(1))
    response = client.get(f"/seminars/{running['code']}/events", headers={"Last-Event-ID": str(current)})
    retry, heartbeat = read_events(response, 2)
    assert heartbeat == ": heartbeat"
    response.close()
    # Reconnecting with an older id: the current state at once.
    response = client.get(f"/seminars/{running['code']}/events", headers={"Last-Event-ID": str(version)})
    retry, state = read_events(response, 2)
    assert f"id: {current}" in state
    assert "Kort 2 af 3" in state
    response.close()


def test_answers_move_the_screen_on_but_send_the_phones_nothing_new(
    app, client, running, admin, members, monkeypatch
):
    """A phone does not show how many have answered: sixty answers must not send sixty states to each phone
    (the screen shows the count, and gets them)."""
    monkeypatch.setitem(app.config, "SEMINAR_HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setitem(app.config, "SEMINAR_STREAM_SECONDS", 1.5)
    sign_in(client, members[0])
    phone = client.get(f"/seminars/{running['code']}/events")
    retry, first = read_events(phone, 2)
    assert "Kort 1 af 3" in first
    answer_as(app, running, members[1], "4")
    answer_as(app, running, members[2], "5")
    # Until the stream ends: heartbeats only.
    assert [block for block in read_events(phone, 100) if block.startswith("id:")] == []
    phone.close()

    admin_client = app.test_client()
    sign_in(admin_client, admin)
    screen = admin_client.get(f"/seminars/{running['code']}/events?view=screen")
    retry, first = read_events(screen, 2)
    assert "2 svar indtil nu." in first
    answer_as(app, running, members[3], "4")
    changes = [block for block in read_events(screen, 100) if block.startswith("id:")]
    assert changes
    assert "3 svar indtil nu." in changes[-1]
    screen.close()

    # The next card does reach the phone.
    phone = client.get(f"/seminars/{running['code']}/events")
    read_events(phone, 2)
    threading.Timer(0.3, lambda: act(app, running, operations.step, 1, admin=admin)).start()
    assert any("Kort 2 af 3" in block for block in read_events(phone, 100) if block.startswith("id:"))
    phone.close()


def test_the_watcher_sees_changes_made_by_another_process(app, running, admin):
    """The version poller finds a change it was not told of (as from another worker) within its interval."""
    hub = live.Hub(
        app, live.VersionPoller(interval=0.1), lambda seminar_id: queries.load_room(seminar_id, _course(app))
    )
    with app.app_context():
        box = hub.subscribe(queries.load_room(running["id"], _course(app)))
    before = box.latest.version
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        seminar.version += 5  # written behind the hub's back: no after-commit poke reaches this hub
        db.session.commit()
    snapshot = box.wait(before, 3)
    hub.stop()
    assert snapshot is not None
    assert snapshot.version == before + 5


def _course(app):
    from course.web.course import get_course

    with app.app_context():
        return get_course()


def test_a_change_that_rolls_back_announces_nothing(app, running, admin):
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        operations.open_question  # noqa: B018 - the question is open already
        operations.step(seminar, 1, actor=db.session.get(Member, admin.id))
        assert db.session.info["seminar_changes"] == {seminar.id}
        db.session.rollback()
        assert "seminar_changes" not in db.session.info


def test_join_codes_are_readable_and_typing_them_loosely_works():
    code = "AC-d3 4e"
    assert operations.normalise_join_code(code) == "ACD34E"
    assert set(operations.JOIN_ALPHABET).isdisjoint("0O1IL5S8B2Z")


def test_a_member_who_completes_online_later_is_still_counted_once(app, running, members):
    assert answer_as(app, running, members[0], "3")
    with app.app_context():
        assert db.session.scalar(select(SeminarAttendance.member_id)) == members[0].id  # answering is joining
        assert (
            timedelta(0)
            <= date.today() - db.session.scalar(select(SeminarAttendance.joined_at)).date()
            <= timedelta(days=1)
        )


# --- Redis pub/sub ---------------------------------------------------------------------------------------

SEMINAR_REDIS_URL = os.environ.get("COURSE_TEST_SEMINAR_REDIS_URL", "redis://127.0.0.1:6379/12")


def seminar_redis_or_skip():
    """A client for the seminar's test database on the local Redis. On CI a missing Redis fails the test."""
    import redis

    client = redis.Redis.from_url(SEMINAR_REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        message = f"Redis is not running at {SEMINAR_REDIS_URL}: {error}"
        if IS_CI:
            pytest.fail(message)
        pytest.skip(message)
    return client


def test_a_change_published_by_one_instance_reaches_a_stream_in_another_through_redis(
    app, database_url, tmp_path, running, admin, members, monkeypatch
):
    """Two application instances (as two hosts) share only the database and Redis. The listening one is not
    told of the commit in this process: the change can reach its stream only through Redis pub/sub."""
    redis_client = seminar_redis_or_skip()
    publisher = make_test_app(database_url, tmp_path / "publisher", COURSE_SEMINAR_BROKER=SEMINAR_REDIS_URL)
    listener = make_test_app(
        database_url,
        tmp_path / "listener",
        COURSE_SEMINAR_BROKER=SEMINAR_REDIS_URL,
        SEMINAR_HEARTBEAT_SECONDS=0.2,
        SEMINAR_STREAM_SECONDS=10,
    )
    publishing_hub, listening_hub = live.get_hub(publisher), live.get_hub(listener)
    assert isinstance(publishing_hub.broker, live.RedisBroker)
    assert isinstance(listening_hub.broker, live.RedisBroker)
    # Commits in this process are announced to the publisher's hub only, as they would be on its own host.
    monkeypatch.setattr(live, "_HUBS", [publishing_hub])
    loaded = threading.Event()
    load = listening_hub._load

    def load_and_note(seminar_id):
        state = load(seminar_id)
        loaded.set()
        return state

    monkeypatch.setattr(listening_hub, "_load", load_and_note)
    client = listener.test_client()
    try:
        sign_in(client, members[0])
        response = client.get(f"/seminars/{running['code']}/events")
        retry, first = read_events(response, 2)
        version = int(re.search(r"^id: (\d+)$", first, re.M).group(1))
        assert "Kort 1 af 3" in first
        # The listener has subscribed, and read the state once on subscribing.
        deadline = time.monotonic() + 5
        while redis_client.pubsub_numsub(live.REDIS_CHANNEL)[0][1] < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert loaded.wait(5), "the listener never subscribed"

        act(publisher, running, operations.step, 1, admin=admin)
        started = time.monotonic()
        change = None
        while change is None and time.monotonic() - started < 5:
            [block] = read_events(response, 1)
            if block.startswith("id:"):
                change = block
        response.close()
        assert change is not None, "the change never reached the other instance's stream"
        assert int(re.search(r"^id: (\d+)$", change, re.M).group(1)) > version
        assert "Kort 2 af 3" in change
    finally:
        publishing_hub.stop()
        listening_hub.stop()
        for instance in (publisher, listener):
            with instance.app_context():
                db.engine.dispose()


# --- found in the user test --------------------------------------------------------------------------------


def error_summary_links(page):
    """The fields an error summary links to, or [] when the page has none."""
    summary = re.search(r"data-error-summary>(.*?)</div>\s*</div>", page, re.S)
    return re.findall(r'href="#([^"]+)"', summary.group(1)) if summary else []


def test_a_refused_setting_re_renders_the_form_with_an_error_summary_and_the_input(client, admin):
    sign_in(client, admin)
    response = client.post("/admin/seminars/settings", data={"settings-min_answers": "2"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_summary_links(page) == ["settings-min_answers"]
    assert re.search(r'id="settings-min_answers"[^>]*value="2"', page)
    response = client.post("/admin/seminars", data={"title": "", "held_on": "nope", "place": "Salen"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_summary_links(page) == ["title", "held_on"]
    assert re.search(r'id="place"[^>]*value="Salen"', page)


def test_a_refused_question_re_renders_the_seminar_page_with_the_input_kept(app, client, running, admin):
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    item = running["items"][1]  # not asked yet, so it may still change
    response = client.post(
        f"{base}/items/{item}",
        data={"kind": "choice", "question": "Hvem tager ordet?", "options": "Borgmesteren"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_summary_links(page) == [f"options-{item}"]
    assert "Hvem tager ordet?</textarea>" in page
    assert "Borgmesteren</textarea>" in page
    assert re.search(rf'id="options-{item}"[^>]*aria-invalid="true"', page)
    response = client.post(f"{base}/items", data={"card": "council:nope"})
    assert response.status_code == 422
    assert error_summary_links(response.get_data(as_text=True)) == ["card"]
    # After the seminar has ended, an edit (from a page opened before) is refused with a summary too.
    act(app, running, operations.end_seminar, admin=admin)
    response = client.post(f"{base}/items/{item}", data={"kind": "scale", "question": "Enig?", "options": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert error_summary_links(page) == [f"item-{item}"]
    with app.app_context():
        assert db.session.get(SeminarItem, item).question_text != "Enig?"


def test_an_ended_seminar_shows_its_questions_read_only(app, client, running, admin):
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    page = client.get(base).get_data(as_text=True)
    assert page.count('name="question"') == 2  # the first question has been asked: no longer editable
    act(app, running, operations.end_seminar, admin=admin)
    page = client.get(base).get_data(as_text=True)
    assert 'name="question"' not in page
    assert "/items/" not in page  # no form changes a card
    with app.app_context():
        for item_id in running["items"]:
            assert str(escape(db.session.get(SeminarItem, item_id).question_text)) in page


def test_ending_from_the_presenter_view_keeps_the_room_screen_and_projects_no_names(
    app, client, running, admin, members
):
    answer_as(app, running, members[0], "4")  # Medlem 0 joined by answering
    act(app, running, operations.add_agreement, "Vi taler pænt", admin=admin)
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    response = client.post(f"{base}/end", data={"confirmed": "yes"})
    assert (response.status_code, response.location) == (303, f"{base}/present")
    page = client.get(response.location).get_data(as_text=True)
    assert "Vi taler pænt" in page
    assert "Medlem 0" not in page
    # The attendance is confirmed from the seminar's own page.
    assert f'href="{base}/attendance"' in client.get(base).get_data(as_text=True)


def test_ending_with_the_script_leaves_the_screen_where_it_is(client, running, admin):
    sign_in(client, admin)
    response = client.post(
        f"/admin/seminars/{running['id']}/end",
        data={"confirmed": "yes"},
        headers={"Accept": "application/json"},
    )
    assert response.json["ok"]
    assert "location" not in response.json


def test_ending_asks_first_without_the_script_and_with_it(app, client, running, admin):
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    # A plain form: a page that asks, with a form that ends it; the seminar runs on meanwhile.
    response = client.post(f"{base}/end")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="confirmed" value="yes"' in page
    assert f'href="{base}/present"' in page
    # The script sends the answer to its dialog; without it, nothing ends.
    response = client.post(f"{base}/end", headers={"Accept": "application/json"})
    assert (response.status_code, response.json["ok"]) == (400, False)
    with app.app_context():
        assert db.session.get(Seminar, running["id"]).status == "live"
    assert client.post(f"{base}/end", data={"confirmed": "yes"}).status_code == 303
    with app.app_context():
        assert db.session.get(Seminar, running["id"]).status == "ended"


def test_the_summary_is_in_the_councils_language_and_the_page_around_it_in_the_viewers(
    app, client, running, admin, members
):
    for member in members[:5]:
        answer_as(app, running, member, "4")
    act(app, running, operations.reveal_results, admin=admin)
    act(app, running, operations.end_seminar, admin=admin)
    with app.app_context():
        db.session.get(Member, admin.id).locale = "en"
        db.session.commit()
    sign_in(client, admin)
    page = client.get(f"/admin/seminars/{running['id']}/summary").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Sign out" in page  # the site's own parts in the viewer's language
    content = page[page.index('lang="da"') :]
    assert "Enig" in content  # the record in the council's language
    assert "Strongly agree" not in page


def test_the_code_of_an_ended_seminar_says_that_it_has_ended(app, client, running, admin, members):
    act(app, running, operations.end_seminar, admin=admin)
    sign_in(client, members[0])
    response = client.post("/join", data={"code": running["code"]})
    assert response.status_code == 410
    page = response.get_data(as_text=True)
    assert "Seminaret er slut." in page
    assert "Ingen af din kommunes seminarer" not in page
    # Another council's ended seminar stays unknown.
    assert client.post("/join", data={"code": "XXXXXX"}).status_code == 404


def test_a_proposed_question_follows_the_viewers_language_and_an_edited_one_stays_as_typed(
    app, client, course, running, admin, members
):
    act(app, running, operations.step, 1, admin=admin)  # the choice card, proposed in Danish
    act(app, running, operations.open_question)
    with app.app_context():
        db.session.get(Member, members[0].id).locale = "en"
        db.session.commit()
    card = material(course, "choice")
    sign_in(client, members[0])
    client.post(f"/join/{running['code']}")
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    assert str(escape(card.proposed.text.en)) in page
    assert str(escape(card.proposed.options[0].en)) in page
    assert str(escape(card.proposed.text.da)) not in page
    with app.app_context():
        item = db.session.get(SeminarItem, running["items"][1])
        item.question_text, item.options = "Hvem tager ordet?", ["Borgmesteren", "Direktøren"]
        db.session.commit()
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    assert "Hvem tager ordet?" in page
    assert "Direktøren" in page


def test_a_phone_shows_its_own_answer_after_answering_and_stores_nothing_linking_them(
    app, client, running, members
):
    sign_in(client, members[0])
    response = client.post(f"/join/{running['code']}")
    assert response.location.endswith(f"/join/{running['code']}#current-card")
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    assert re.search(r'id="current-card"[^>]*tabindex="-1"', page)
    # Without the script: the answer's own page says what this member answered.
    response = client.post(
        f"/seminars/{running['code']}/answer", data={"item": running["items"][0], "answer": "5"}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Dit svar: Helt enig" in page
    assert re.search(r'data-when="answered"[^>]*data-focus', page)
    # With the script: the reply carries it for the phone to show.
    client = app.test_client()
    sign_in(client, members[1])
    response = client.post(
        f"/seminars/{running['code']}/answer",
        data={"item": running["items"][0], "answer": "2"},
        headers={"Accept": "application/json"},
    )
    assert response.json["own"] == "Dit svar: Uenig"
    # Nothing kept says it: a later visit shows only that they answered.
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    assert "Dit svar: " not in page
    with app.app_context():
        assert db.session.scalar(select(SeminarAnswer.count).where(SeminarAnswer.value == "2")) == 1


def presenter_buttons(page):
    """Each control of the presenter view and whether its button is enabled."""
    forms = re.findall(r'data-control="(\w+)">.*?<button type="submit"([^>]*)>', page, re.S)
    return {control: "disabled" not in attributes for control, attributes in forms}


def test_the_presenter_buttons_are_disabled_when_their_action_is_not_possible(app, client, running, admin):
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    buttons = presenter_buttons(client.get(f"{base}/present").get_data(as_text=True))
    assert buttons == {
        "back": True,
        "next": True,
        "open": False,  # open already
        "close": True,
        "reveal": False,  # nobody has answered
        "agreement": True,
        "end": True,
    }
    act(app, running, operations.step, 1, admin=admin)
    act(app, running, operations.step, 1, admin=admin)
    buttons = presenter_buttons(client.get(f"{base}/present").get_data(as_text=True))
    assert (buttons["next"], buttons["open"], buttons["close"]) == (False, True, False)
    act(app, running, operations.end_seminar, admin=admin)
    assert not any(presenter_buttons(client.get(f"{base}/present").get_data(as_text=True)).values())


def test_the_agreements_are_shown_on_the_screen_not_folded_away(app, client, running, admin):
    act(app, running, operations.add_agreement, "Vi lytter til hinanden", admin=admin)
    sign_in(client, admin)
    page = client.get(f"/admin/seminars/{running['id']}/present").get_data(as_text=True)
    stage = page[page.index('class="stage"') : page.index("presenter-join")]
    assert "Vi lytter til hinanden" in stage
    assert "<details" not in stage


def test_someone_present_without_a_phone_is_added_from_the_roster_and_the_summary_names_who_attended(
    app, client, make, running, admin, members
):
    answer_as(app, running, members[0], "4")  # Medlem 0 joined on a phone
    stranger = make.member(make.council("andetby"), "s@andetby.example", name="Fremmed")
    act(app, running, operations.end_seminar, admin=admin)
    sign_in(client, admin)
    base = f"/admin/seminars/{running['id']}"
    page = client.get(f"{base}/attendance").get_data(as_text=True)
    # The rest of the roster can be ticked as present without a phone; nobody of another council.
    assert re.search(rf'name="present" value="{members[3].id}"', page)
    assert "Medlem 3" in page
    assert "Fremmed" not in page
    response = client.post(
        f"{base}/attendance", data={"present": [members[0].id, members[3].id, stranger.id]}
    )
    assert response.status_code == 303
    with app.app_context():
        confirmed = set(
            db.session.execute(
                select(SeminarAttendance.member_id).where(SeminarAttendance.is_confirmed)
            ).scalars()
        )
    assert confirmed == {members[0].id, members[3].id}
    summary = client.get(f"{base}/summary").get_data(as_text=True)
    assert "Medlem 0" in summary
    assert "Medlem 3" in summary
    assert "Medlem 1" not in summary


def test_the_phone_waiting_for_the_first_card_shows_the_title_once(app, client, running, admin, members):
    act(app, running, operations.step, -1, admin=admin)  # back to the welcome screen
    sign_in(client, members[0])
    client.post(f"/join/{running['code']}")
    page = client.get(f"/join/{running['code']}").get_data(as_text=True)
    main = page[page.index("<main") : page.index("</main>")]
    assert main.count(">Seminar</h") == 1


def test_a_seminar_held_before_its_planned_date_records_the_completion_on_the_day_it_was_held(
    app, client, running, admin, members
):
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        seminar.held_on = date.today() + timedelta(days=7)  # planned for next week, held today
        db.session.commit()
    answer_as(app, running, members[0], "4")
    sign_in(client, admin)
    # The presenter is warned when the seminar starts before its planned date (a planned one shows it).
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        seminar.status, seminar.position = "planned", -1
        db.session.commit()
    page = client.get(f"/admin/seminars/{running['id']}/present").get_data(as_text=True)
    assert "data-early-warning" in page
    with app.app_context():
        seminar = db.session.get(Seminar, running["id"])
        seminar.status, seminar.position = "live", 0
        db.session.commit()
    act(app, running, operations.end_seminar, admin=admin)
    response = client.post(
        f"/admin/seminars/{running['id']}/attendance",
        data={"present": [members[0].id], "record_completion": "yes"},
    )
    assert response.status_code == 303
    with app.app_context():
        [completion] = db.session.execute(select(SeminarCompletion)).scalars()
        assert (completion.member_id, completion.completed_on) == (members[0].id, date.today())


def test_a_refused_completion_never_loses_the_attendance(app, client, running, admin, members):
    answer_as(app, running, members[0], "4")
    # Ended on a day before the council's current round: no completion can count for this round.
    act(app, running, operations.end_seminar, admin=admin, now=datetime(2001, 1, 1, 12, tzinfo=UTC))
    with app.app_context():
        db.session.get(Member, admin.id).locale = "en"
        db.session.commit()
    sign_in(client, admin)
    response = client.post(
        f"/admin/seminars/{running['id']}/attendance",
        data={"present": [members[0].id], "record_completion": "yes"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "No completion was recorded" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(
            select(SeminarAttendance.is_confirmed).where(SeminarAttendance.member_id == members[0].id)
        )
        assert db.session.scalar(select(SeminarCompletion.id)) is None


def test_the_reveal_button_says_how_many_have_answered_of_the_fewest_allowed(
    app, client, running, admin, members
):
    answer_as(app, running, members[0], "4")
    answer_as(app, running, members[1], "2")
    with app.app_context():
        db.session.get(Member, admin.id).locale = "en"
        db.session.commit()
    sign_in(client, admin)
    page = client.get(f"/admin/seminars/{running['id']}/present").get_data(as_text=True)
    assert re.search(
        r'aria-describedby="reveal-hint">Reveal the results</button></form>\s*'
        r'<span class="presenter-reveal-hint" id="reveal-hint" aria-live="polite" data-reveal-status>'
        r"2 of at least 5 answers</span>",
        page,
    )
    # The settings say the allowed range before anything is refused.
    assert "A number from 3 to 50." in client.get("/admin/seminars").get_data(as_text=True)


def test_the_completion_choice_is_set_apart_from_the_names_in_a_fieldset_of_its_own(
    app, client, running, admin, members
):
    answer_as(app, running, members[0], "4")
    act(app, running, operations.end_seminar, admin=admin)
    sign_in(client, admin)
    page = client.get(f"/admin/seminars/{running['id']}/attendance").get_data(as_text=True)
    fieldsets = re.findall(r"<fieldset.*?</fieldset>", page, re.S)
    [completion] = [fieldset for fieldset in fieldsets if 'name="record_completion"' in fieldset]
    assert "<legend" in completion
    assert 'name="present"' not in completion


@pytest.mark.parametrize(("locale", "term"), [("da", "seminar"), ("sv", "seminari")])
def test_the_seminar_has_one_name_in_each_language(locale, term):
    from pathlib import Path

    from babel.messages.pofile import read_po

    path = Path(__file__).parent.parent / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as catalogue:
        messages = list(read_po(catalogue))
    named_otherwise = []
    for message in messages:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if any("seminar" in text.lower() for text in ids) and not all(term in s.lower() for s in strings):
            named_otherwise.append(strings[0])
    assert not named_otherwise
    assert not [m.string for m in messages if "temamøde" in str(m.string).lower()]


def test_the_announcement_ends_a_title_that_has_punctuation_of_its_own_once(app, course, running):
    from dataclasses import replace

    from flask import render_template

    from course.content.model import Text

    with app.test_request_context():
        state = queries.load_room(running["id"], course)
        said = {}
        for title in ("Hvem tier?", "Tonen"):
            card = replace(state.card, title=Text(da=title, sv=title, en=title))
            said[title] = " ".join(
                render_template("seminars/_announce.html", state=replace(state, card=card)).split()
            )
    assert said["Hvem tier?"].startswith("Kort 1 af 3: Hvem tier? ")
    assert "?." not in said["Hvem tier?"]
    assert said["Tonen"].startswith("Kort 1 af 3: Tonen. ")
