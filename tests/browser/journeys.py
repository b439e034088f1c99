"""Steps the browser journeys share: signing in and out, and answering and passing quizzes, in Danish."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from tests.conftest import PASSWORD


def sign_in(site, email: str) -> None:
    site.goto("/login")
    page = site.page
    page.get_by_label("E-mailadresse").fill(email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(site.base_url + "/")
    site.audit()


def sign_out(site) -> None:
    site.page.get_by_role("button", name="Log ud").click()
    site.page.wait_for_url(re.compile("/login"))
    site.audit()


def answer_with_mouse(site, quiz) -> None:
    page = site.page
    for fieldset in page.locator("fieldset[id^=question-]").all():
        name = fieldset.locator("input").first.get_attribute("name")
        for option_id in sorted(quiz.question(name).correct_ids):
            fieldset.locator(f'input[value="{option_id}"]').check()
    page.get_by_role("button", name="Send svar").click()


def answer_with_keyboard(site, quiz) -> None:
    """Tab into each question and choose with arrows and space, then submit with Enter."""
    page = site.page
    first_input = page.locator("fieldset[id^=question-] input").first
    for _ in range(80):
        page.keyboard.press("Tab")
        if first_input.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("the first answer could not be reached with Tab")
    # Keyboard focus is visible: the focused control has an outline.
    assert first_input.evaluate("element => getComputedStyle(element).outlineStyle") != "none"

    for fieldset in page.locator("fieldset[id^=question-]").all():
        inputs = fieldset.locator("input")
        values = [inputs.nth(index).get_attribute("value") for index in range(inputs.count())]
        question = quiz.question(inputs.first.get_attribute("name"))
        if inputs.first.get_attribute("type") == "radio":
            target = values.index(next(iter(question.correct_ids)))
            if target == 0:
                page.keyboard.press("Space")
            for _ in range(target):
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Tab")
        else:
            for value in values:
                if value in question.correct_ids:
                    page.keyboard.press("Space")
                page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Send svar"
    page.keyboard.press("Enter")


def pass_quiz(site, quiz, answer: Callable = answer_with_mouse) -> None:
    """From the module page: open the quiz, answer it correctly, see the pass, and go back."""
    page = site.page
    page.get_by_role("link", name=re.compile(f"Tag quizzen.*{re.escape(quiz.title.da)}")).click()
    page.wait_for_url(re.compile(f"/quizzes/{quiz.id}$"))
    site.audit()
    answer(site, quiz)
    page.wait_for_url(re.compile("/attempts/"))
    site.audit()
    assert page.get_by_role("heading", name="Du bestod").is_visible()
    page.get_by_role("link", name="Tilbage til modulet").click()
    page.wait_for_load_state("load")
    site.audit()


def open_quizzes_through_the_transcript(site) -> None:
    """On a module page: read the transcript and confirm it, which opens the quizzes."""
    page = site.page
    page.get_by_text("Læs udskriften", exact=True).click()
    page.get_by_label("Jeg har læst hele udskriften").check()
    page.get_by_role("button", name="Bekræft, og åbn quizzerne").click()
    page.wait_for_load_state("load")
    site.audit()


def complete_module_through_the_transcript(site, module) -> None:
    site.goto(f"/modules/{module.id}")
    open_quizzes_through_the_transcript(site)
    for quiz in module.quizzes:
        pass_quiz(site, quiz)
