"""A councillor's way through, in Chromium: sign in, watch a video at a raised playback rate, pass both
quizzes (one of them with the keyboard only), and see the module complete; and the transcript route."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import TEST_PLAYBACK_RATE
from tests.browser.journeys import answer_with_keyboard, answer_with_mouse, pass_quiz, sign_in

pytestmark = pytest.mark.browser


def play_until_quizzes_open(site) -> None:
    page = site.page
    video = page.locator("video")
    video.evaluate(
        f"video => {{ video.muted = true; video.playbackRate = {TEST_PLAYBACK_RATE}; return video.play(); }}"
    )
    status = page.locator("[data-video-status]")
    status.get_by_text("Quizzerne er åbne", exact=False).wait_for(timeout=120_000)


def test_councillor_watches_the_video_passes_both_quizzes_and_completes_the_module(site, make, course):
    member = make.member(make.council("journeyby", country="dk", locale="da"), "byraad@example.org")
    module = course.modules[0]
    mechanics, conduct = module.quizzes
    sign_in(site, member.email)
    page = site.page

    page.get_by_role("link", name=re.compile("Start kurset")).click()
    page.wait_for_url(re.compile(f"/modules/{module.id}$"))
    site.audit()
    # Captions in the language spoken, subtitles in the other two.
    assert page.locator("video track[kind=captions]").count() == 1
    assert page.locator("video track[kind=subtitles]").count() == 2
    assert page.locator("video track[default]").get_attribute("srclang") == "da"

    play_until_quizzes_open(site)
    progress = int(page.locator("#video-progress-bar").get_attribute("value") or 0)
    assert progress >= 90

    page.get_by_role("link", name="Gå til quizzerne").click()
    page.wait_for_load_state("load")
    site.audit()

    pass_quiz(site, mechanics)
    pass_quiz(site, conduct, answer=answer_with_keyboard)
    assert page.get_by_text(re.compile("Du gennemførte modulet den")).is_visible()
    site.goto("/")
    assert page.get_by_text("1 af 3 moduler gennemført").is_visible()


def test_councillor_opens_the_quizzes_through_the_transcript(site, make, course):
    member = make.member(make.council("laeseby", country="se", locale="sv"), "lasare@example.org")
    module = course.modules[1]
    sign_in(site, member.email)
    page = site.page
    site.goto(f"/modules/{module.id}")

    page.get_by_text("Læs udskriften", exact=True).click()
    assert page.get_by_role("heading", name=module.scenes[0].title.da).is_visible()
    page.get_by_role("button", name="Bekræft, og åbn quizzerne").click()
    page.wait_for_load_state("load")
    site.audit()
    # Forgot the box: the page comes back (422) with the error beside the box, which it describes.
    site.failed_responses.remove(next(r for r in site.failed_responses if r.startswith("422 POST")))
    box = page.get_by_label("Jeg har læst hele udskriften")
    assert box.get_attribute("aria-describedby") == "transcript-read-error"
    assert page.locator("#transcript-read-error").is_visible()
    assert page.locator("[data-error-summary]").evaluate("summary => summary === document.activeElement")

    page.get_by_label("Jeg har læst hele udskriften").check()
    page.get_by_role("button", name="Bekræft, og åbn quizzerne").click()
    page.wait_for_load_state("load")
    site.audit()
    assert page.get_by_text("Tak. Quizzerne er nu åbne.").is_visible()

    quiz = module.quizzes[0]
    page.get_by_role("link", name=re.compile(f"Tag quizzen.*{re.escape(quiz.title.da)}")).click()
    page.wait_for_url(re.compile(f"/quizzes/{quiz.id}$"))
    site.audit()
    # Every question this Swedish council gets is either general or about Swedish law.
    names = {locator.get_attribute("name") for locator in page.locator("fieldset input").all()}
    assert all(quiz.question(name).jurisdiction in (None, "se") for name in names)
    answer_with_mouse(site, quiz)
    page.wait_for_url(re.compile("/attempts/"))
    site.audit()
    assert page.get_by_role("heading", name="Du bestod").is_visible()
