"""The learner's next steps: the result of the pass that completes a module leads on to the next module
(the certificate after the last), and the module page's step list links to the quizzes once they are open."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from course.extensions import db
from course.learning.models import ModuleProgress, VideoProgress
from course.learning.progress import NOT_STARTED, count_progress_by_council, get_course_state
from course.learning.views import OPENED_SALT
from course.people.models import Member
from tests.helpers import attempt_id_from, complete_module, open_quizzes_by_transcript, pass_quiz


@pytest.fixture
def learner(make):
    return make.member(make.council("naesteby", locale="en"), "next@example.org")


def _result_page(client, module, quiz, attempt_id: int) -> str:
    response = client.get(f"/modules/{module.id}/quizzes/{quiz.id}/attempts/{attempt_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_pass_that_completes_a_module_links_to_the_next_module(client, auth, app, course, learner):
    first, second = course.modules[0], course.modules[1]
    auth.login(learner.email)
    open_quizzes_by_transcript(client, first.id)
    attempt = pass_quiz(client, app, course, first.id, first.quizzes[0].id)
    page = _result_page(client, first, first.quizzes[0], attempt)
    assert f'href="/modules/{second.id}"' not in page, "one quiz of two does not complete the module"

    attempt = pass_quiz(client, app, course, first.id, first.quizzes[1].id)
    page = _result_page(client, first, first.quizzes[1], attempt)
    assert "You have completed this module." in page
    link = re.search(rf'<a class="button button-primary" href="/modules/{second.id}">([^<]*)', page)
    assert link, "no link to the next module"
    assert f"Continue with module {second.number}" in link.group(1)
    assert '<a class="button button-primary" href="/certificate">' not in page


def test_the_pass_that_completes_the_course_links_to_the_certificate(client, auth, app, course, learner):
    auth.login(learner.email)
    for module in course.modules[:-1]:
        complete_module(client, app, course, module.id)
    last = course.modules[-1]
    open_quizzes_by_transcript(client, last.id)
    pass_quiz(client, app, course, last.id, last.quizzes[0].id)
    attempt = pass_quiz(client, app, course, last.id, last.quizzes[1].id)
    page = _result_page(client, last, last.quizzes[1], attempt)
    assert "You have completed the whole course." in page
    assert '<a class="button button-primary" href="/certificate">' in page
    assert "Continue with module" not in page
    # The course overview leads there too, besides the site's navigation.
    overview = client.get("/").get_data(as_text=True)
    progress = overview.split('<section aria-labelledby="progress-heading"')[1].split("</section>")[0]
    assert '<a href="/certificate">Your certificate</a>' in progress


def _step_list(html: str) -> str:
    match = re.search(r'<ol class="step-list"[^>]*>(.*?)</ol>', html, re.S)
    assert match, "the module page has no step list"
    return match.group(1)


def test_quiz_names_in_the_step_list_link_to_the_quiz_once_it_is_open(client, auth, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    steps = _step_list(client.get(f"/modules/{module.id}").get_data(as_text=True))
    for quiz in module.quizzes:
        assert f'<a href="/modules/{module.id}/quizzes/{quiz.id}">' not in steps
        # The address is there for the page's script, which makes the link when the video step is done.
        assert f'data-quiz-link="/modules/{module.id}/quizzes/{quiz.id}"' in steps

    open_quizzes_by_transcript(client, module.id)
    steps = _step_list(client.get(f"/modules/{module.id}").get_data(as_text=True))
    for quiz in module.quizzes:
        assert f'<a href="/modules/{module.id}/quizzes/{quiz.id}">{quiz.title.en}</a>' in steps
    assert "data-quiz-link" not in steps


def test_the_quiz_buttons_are_hidden_until_the_video_step_is_done(client, auth, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    buttons = re.findall(r'<a class="button[^"]*" href="/modules/[^"]+/quizzes/[^"]+"([^>]*)>', page)
    assert len(buttons) == len(module.quizzes)
    assert all("hidden" in attributes for attributes in buttons)

    open_quizzes_by_transcript(client, module.id)
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    buttons = re.findall(r'<a class="button[^"]*" href="/modules/[^"]+/quizzes/[^"]+"([^>]*)>', page)
    assert buttons
    assert not any("hidden" in attributes for attributes in buttons)


def _module_rows(app, member_id: int, model=ModuleProgress) -> int:
    with app.app_context():
        return db.session.execute(
            select(func.count()).select_from(model).where(model.member_id == member_id)
        ).scalar_one()


def test_opening_a_module_page_does_not_start_the_module(client, auth, app, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    assert client.get(f"/modules/{module.id}").status_code == 200
    assert client.get(f"/modules/{module.id}").status_code == 200
    # A GET writes no progress of any kind.
    assert _module_rows(app, learner.id) == 0
    assert _module_rows(app, learner.id, VideoProgress) == 0
    with app.app_context():
        member = db.session.get(Member, learner.id)
        assert get_course_state(member, course).status == NOT_STARTED
        assert count_progress_by_council()[member.council_id].started == 0
    overview = client.get("/").get_data(as_text=True)
    assert "In progress" not in overview

    # Watching does start it: the first report creates the module's row.
    report = {"module": module.id, "language": "en", "segments": [[0, 1.5]]}
    assert client.post("/api/progress", json=report).status_code == 200
    assert _module_rows(app, learner.id) == 1


def test_the_transcript_confirmation_shows_its_error_beside_the_box(client, auth, app, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    response = client.post(f"/modules/{module.id}/transcript", data={})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The error summary links to the box, and the box is described by the error beside it.
    assert '<a href="#transcript-read">Tick the box' in page
    assert re.search(r'<span class="form-error-message" id="transcript-read-error">.*Tick the box', page)
    box = re.search(r'<input type="checkbox" id="transcript-read"[^>]*>', page).group(0)
    assert 'aria-describedby="transcript-read-error"' in box
    # The transcript is open to be read, and nothing was recorded.
    assert re.search(r'<details class="details" open>', page)
    assert _module_rows(app, learner.id) == 0

    # A box ticked later confirms as before.
    open_quizzes_by_transcript(client, module.id)
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert "transcript-read-error" not in page


def _tracks(html: str) -> dict[str, str]:
    return {
        re.search(r'srclang="(\w+)"', track).group(1): track
        for track in re.findall(r"<track [^>]*>", html)
        if 'kind="chapters"' not in track
    }


def test_the_spoken_language_has_captions_and_the_translations_are_subtitles(client, auth, make, course):
    module = course.modules[0]
    make.member(make.council("undertekstby", locale="sv", country="se"), "sv@example.org")
    auth.login("sv@example.org")
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    tracks = _tracks(page)
    assert set(tracks) == {"da", "sv", "en"}
    # The Swedish video's own words are captions; Danish and English are translations of them.
    assert 'kind="captions"' in tracks["sv"]
    assert 'kind="subtitles"' in tracks["da"]
    assert 'kind="subtitles"' in tracks["en"]
    # Each label is the language's own name; those in another language than the page's say so.
    assert 'label="Svenska"' in tracks["sv"]
    assert " lang=" not in tracks["sv"]
    assert " default" in tracks["sv"]
    assert 'label="Dansk" lang="da"' in tracks["da"]
    assert 'label="English" lang="en"' in tracks["en"]


def test_the_video_help_names_no_button_the_browser_may_not_show(client, auth, course, learner):
    auth.login(learner.email)
    page = client.get(f"/modules/{course.modules[0].id}").get_data(as_text=True)
    help_text = re.search(r'<p id="video-help" class="form-hint">(.*?)</p>', page, re.S).group(1)
    assert "CC" not in help_text
    assert "menu" in help_text


def test_source_titles_in_another_language_are_marked_with_it(client, auth, make, course, learner):
    module = course.modules[0]
    danish = [source for source in course.sources_for(module.sources) if source.language == "da"]
    assert danish, "the module cites no Danish source: the check proves nothing"
    auth.login(learner.email)
    english_page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert f'<cite lang="da">{danish[0].title}</cite>' in english_page.replace("&#39;", "'")
    auth.logout()
    make.member(make.council("kildeby", locale="da"), "da@example.org")
    auth.login("da@example.org")
    danish_page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert f"<cite>{danish[0].title}</cite>" in danish_page.replace("&#39;", "'")
    assert '<cite lang="da">' not in danish_page


def test_an_incomplete_quiz_links_each_missing_answer_to_its_question(client, auth, app, course, learner):
    module = course.modules[0]
    quiz = module.quizzes[0]
    auth.login(learner.email)
    open_quizzes_by_transcript(client, module.id)
    page = client.get(f"/modules/{module.id}/quizzes/{quiz.id}").get_data(as_text=True)
    response = client.post(
        f"/modules/{module.id}/quizzes/{quiz.id}", data={"attempt": str(attempt_id_from(page))}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    # The link leads to the question's legend, which takes focus: the focus ring goes round the question
    # rather than through it, as it did round the fieldset whose border the legend sits on.
    assert '<a href="#question-1-legend">' in page
    assert re.search(r'<legend class="form-label" id="question-1-legend" tabindex="-1">', page)
    fieldset = re.search(r'<fieldset id="question-1"[^>]*>', page).group(0)
    assert "tabindex" not in fieldset


def _opened_note(app, member, module_id: str, language: str, seconds_ago: int) -> str:
    """The signed note a module page carries of when it opened the video, made ``seconds_ago``."""

    class Earlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - seconds_ago

    with app.app_context():
        council_round = db.session.get(Member, member.id).council.current_round_id
    serializer = URLSafeTimedSerializer(app.secret_key, salt=OPENED_SALT, signer=Earlier)
    return serializer.dumps([member.id, council_round, module_id, language])


def test_the_page_carries_a_signed_note_of_when_it_opened_the_video(client, auth, app, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    note = re.search(r'data-opened="([^"]+)"', page).group(1)
    report = {"module": module.id, "language": "en", "segments": [[0, 1]], "opened": note}
    assert client.post("/api/progress", json=report).status_code == 200
    # Once the opening is noted, the page carries no note.
    assert "data-opened" not in client.get(f"/modules/{module.id}").get_data(as_text=True)


def test_what_was_watched_is_judged_from_when_the_page_opened_the_video(client, auth, app, course, learner):
    """Two minutes since the page opened allow some 250 seconds at 2x; without the note, only the slack."""
    module = course.modules[0]
    auth.login(learner.email)
    report = {"module": module.id, "language": "en", "segments": [[0, 100]]}
    for note in (
        None,
        "not a note",
        _opened_note(app, learner, course.modules[1].id, "en", 120),  # another module's
        _opened_note(app, learner, module.id, "da", 120),  # another language's
    ):
        response = client.post("/api/progress", json=report | ({"opened": note} if note else {}))
        assert response.status_code == 422, note
    assert _module_rows(app, learner.id, VideoProgress) == 0

    note = _opened_note(app, learner, module.id, "en", 120)
    assert client.post("/api/progress", json=report | {"opened": note}).status_code == 200
    # The beacon's form carries the note too.
    form = {"module": module.id, "language": "en", "segments": "[[100, 130]]", "opened": note}
    assert client.post("/api/progress", data=form).status_code == 200
    with app.app_context():
        row = db.session.execute(select(VideoProgress)).scalar_one()
        assert row.seconds_watched == pytest.approx(130)
