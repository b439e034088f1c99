"""Next steps in Chromium, on a 390 px phone and at 320 px: the step list opens the quizzes while the video
plays, without a reload; the pass that completes a module leads on to the next; and the administration pages
the audit found too wide keep inside the screen (at 320 px, and at 640 px, a laptop at 200 % zoom)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import TEST_PLAYBACK_RATE
from tests.browser.journeys import answer_with_mouse, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
NARROW = {"width": 320, "height": 640}
#: A 1280 px wide laptop window at 200 % zoom.
ZOOMED = {"width": 640, "height": 400}


def assert_fits(site, path: str) -> None:
    """The page does not scroll sideways: nothing reaches past the window, and scrolling right moves
    nothing (what is wider, a table, scrolls inside its own box)."""
    page = site.page
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{path} is wider than {page.viewport_size['width']} px"
    )
    assert page.evaluate("() => { window.scrollTo(10000, window.scrollY); return window.scrollX; }") == 0


def assert_fits_a_phone(site, path: str) -> None:
    page = site.page
    for size in (PHONE, NARROW):
        page.set_viewport_size(size)
        assert_fits(site, path)
    page.set_viewport_size(PHONE)


def test_the_step_list_opens_the_quizzes_while_the_video_plays_and_a_pass_leads_on(site, make, course):
    member = make.member(make.council("trinby", country="dk", locale="da"), "trin@trinby.example")
    first, second = course.modules[0], course.modules[1]
    page = site.page
    page.set_viewport_size(PHONE)
    sign_in(site, member.email)
    site.goto(f"/modules/{first.id}")
    assert_fits_a_phone(site, f"/modules/{first.id}")

    steps = page.locator("[data-step-list]")
    assert steps.get_by_role("link").count() == 0
    assert page.get_by_role("link", name=re.compile("Tag quizzen")).count() == 0
    page.evaluate("window.sameDocument = true")

    video = page.locator("video")
    video.evaluate(
        f"video => {{ video.muted = true; video.playbackRate = {TEST_PLAYBACK_RATE}; return video.play(); }}"
    )
    status = page.locator("[data-video-status]")
    status.get_by_text("Quizzerne er åbne", exact=False).wait_for(timeout=120_000)
    video.evaluate("video => video.pause()")

    # The list changed in place: the same document, the video step done, each quiz named with a link.
    assert page.evaluate("window.sameDocument === true")
    assert steps.locator("[data-video-step]").inner_text().strip() == "Gennemført"
    for quiz in first.quizzes:
        link = steps.get_by_role("link", name=quiz.title.da, exact=True)
        assert link.get_attribute("href") == f"/modules/{first.id}/quizzes/{quiz.id}"
    assert steps.locator(".status-locked").count() == 0
    assert page.get_by_role("link", name=re.compile("Tag quizzen")).count() == len(first.quizzes)
    site.audit()
    # The status's link goes down to the quizzes, on the same page.
    status.get_by_role("link", name="Gå til quizzerne").click()
    take_first = re.compile(f"Tag quizzen.*{re.escape(first.quizzes[0].title.da)}")
    page.get_by_role("link", name=take_first).wait_for()
    assert page.evaluate("window.sameDocument === true")
    assert_fits_a_phone(site, f"/modules/{first.id}")

    # The first quiz from the step list: passed, with nothing yet to lead on to.
    mechanics, conduct = first.quizzes
    steps.get_by_role("link", name=mechanics.title.da, exact=True).click()
    page.wait_for_url(re.compile(f"/quizzes/{mechanics.id}$"))
    site.audit()
    assert_fits_a_phone(site, f"quiz {mechanics.id}")
    answer_with_mouse(site, mechanics)
    page.wait_for_url(re.compile("/attempts/"))
    site.audit()
    assert page.get_by_role("link", name=re.compile("Fortsæt med modul")).count() == 0

    # The second completes the module: its result leads to module 2.
    page.get_by_role("link", name="Tilbage til modulet").click()
    page.wait_for_load_state("load")
    site.audit()
    page.get_by_role("link", name=re.compile(f"Tag quizzen.*{re.escape(conduct.title.da)}")).click()
    page.wait_for_url(re.compile(f"/quizzes/{conduct.id}$"))
    site.audit()
    answer_with_mouse(site, conduct)
    page.wait_for_url(re.compile("/attempts/"))
    site.audit()
    assert page.get_by_text("Du har gennemført dette modul.").is_visible()
    assert_fits_a_phone(site, f"result of {conduct.id}")
    page.get_by_role("link", name=f"Fortsæt med modul {second.number}: {second.title.da}").click()
    page.wait_for_url(re.compile(f"/modules/{second.id}$"))
    site.audit()


def test_breadcrumb_separators_are_drawn_and_not_read_out(site, make, course):
    make.member(make.council("kruemelby"), "k@kruemelby.example")
    module = course.modules[0]
    page = site.page
    page.set_viewport_size(NARROW)
    sign_in(site, "k@kruemelby.example")
    site.goto(f"/modules/{module.id}/quizzes/{module.quizzes[0].id}")
    site.failed_responses.remove(next(r for r in site.failed_responses if r.startswith("403 GET")))
    separators = page.locator(".breadcrumbs__list-item").evaluate_all(
        """items => items.map(item => {
            const style = getComputedStyle(item, '::before');
            return [style.content, style.display, parseFloat(style.width), style.borderTopStyle];
        })"""
    )
    assert len(separators) == 3
    assert separators[0][0] == "none"
    for content, display, width, border in separators[1:]:
        # Drawn with a border, with no text in it for a screen reader to read out.
        assert (content, display, border) == ('""', "inline-block", "solid")
        assert width > 0
    assert page.get_by_role("navigation", name="Du er her").inner_text().split() == [
        "Kurset",
        "Modul",
        "1",
        *module.quizzes[0].title.da.split(),
    ]
    assert_fits(site, "the locked quiz")


def test_administration_pages_keep_inside_the_screen(site, make, certify):
    council = make.council("bredby", name="Bredby Kommune")
    admin = make.member(council, "admin@bredby.example", name="Agnete Administratorsen", is_admin=True)
    members = [
        make.member(council, f"m{index}@bredby.example", name=f"Medlem Nummer{index} Langtnavnsen")
        for index in range(4)
    ]
    certify(members[0])
    page = site.page
    sign_in(site, admin.email)
    # Tables of members and certificates at 200 % zoom: their hidden labels stay inside the scroll box.
    page.set_viewport_size(ZOOMED)
    for path in ("/admin/members", "/admin/certificates"):
        site.goto(path)
        assert page.locator(".table--responsive-scroll .sr-only").count() > 0, "no hidden label to check"
        assert_fits(site, path)
    # The dashboard with its figures table open, and the import page, on the narrowest phone.
    page.set_viewport_size(NARROW)
    site.goto("/admin/")
    page.get_by_text("Vis tallene som en tabel").click()
    assert page.get_by_role("table", name="Deltagere pr. trin og modul").is_visible()
    assert_fits(site, "/admin/")
    site.goto("/admin/members/import")
    assert_fits(site, "/admin/members/import")
