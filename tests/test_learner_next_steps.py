"""The learner's next steps: the result of the pass that completes a module leads on to the next module
(the certificate after the last), and the module page's step list links to the quizzes once they are open."""

from __future__ import annotations

import re

import pytest

from tests.helpers import complete_module, open_quizzes_by_transcript, pass_quiz


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
