"""Playing faster than counts, in Chromium: the module page says so as soon as the video's rate passes the
fastest rate that counts, once per change, and stops saying it when the rate is back; a report the server
refused as too fast shows the server's message, and what it refused is not sent again."""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.journeys import sign_in

pytestmark = pytest.mark.browser

NOTE = "Du afspiller videoen hurtigere end 2×"
REFUSED = "Kun afspilning med op til 2× hastighed tæller som set"
#: Counts the changes of the rate live region: each is one announcement.
WATCH_REGION = """() => {
    const region = document.querySelector("[data-video-rate-status]");
    window.regionChanges = 0;
    new MutationObserver(() => { window.regionChanges += 1; })
        .observe(region, {childList: true, characterData: true, subtree: true});
}"""


def _set_rate(page, rate: float) -> None:
    page.locator("video").evaluate(f"video => {{ video.playbackRate = {rate}; }}")


def _region_text(page) -> str:
    return page.locator("[data-video-rate-status]").inner_text().strip()


def test_a_note_shows_while_the_video_plays_faster_than_counts(site, make, course, live_app, monkeypatch):
    monkeypatch.setitem(live_app.config, "COURSE_MAX_PLAYBACK_RATE", 2.0)
    member = make.member(make.council("hastby", country="dk", locale="da"), "hurtig@hastby.example")
    module = course.modules[0]
    page = site.page
    sign_in(site, member.email)
    site.goto(f"/modules/{module.id}")

    region = page.locator("[data-video-rate-status]")
    assert region.get_attribute("role") == "status"
    assert page.locator("video").get_attribute("data-max-rate") == "2.0"
    assert _region_text(page) == ""
    page.evaluate(WATCH_REGION)

    _set_rate(page, 4)
    region.get_by_text(NOTE, exact=False).wait_for()
    assert region.is_visible()
    site.audit()  # the note, shown, passes axe (its contrast too)

    # Still too fast: the note stays, and is not announced again.
    _set_rate(page, 3)
    page.wait_for_timeout(300)
    assert NOTE in _region_text(page)
    assert page.evaluate("window.regionChanges") == 1

    # Back within the limit (the fastest rate itself counts): the note goes.
    _set_rate(page, 1)
    page.wait_for_function("() => !document.querySelector('[data-video-rate-status]').textContent.trim()")
    _set_rate(page, 2)
    page.wait_for_timeout(300)
    assert _region_text(page) == ""
    assert page.evaluate("window.regionChanges") == 2


def test_a_refused_report_shows_the_servers_message_and_is_not_sent_again(
    site, make, course, live_app, monkeypatch
):
    member = make.member(make.council("fartby", country="dk", locale="da"), "fart@fartby.example")
    module = course.modules[0]
    page = site.page
    sign_in(site, member.email)
    reports: list[list[list[float]]] = []

    def note_report(request) -> None:
        if request.url.endswith("/api/progress") and "json" in request.headers.get("content-type", ""):
            reports.append(json.loads(request.post_data)["segments"])

    page.on("request", note_report)
    site.goto(f"/modules/{module.id}")
    # The page allows the browser journeys' fast rate; the server now counts only up to 2×, so the page
    # shows no note of its own and the refusal is what tells the member.
    monkeypatch.setitem(live_app.config, "COURSE_MAX_PLAYBACK_RATE", 2.0)

    video = page.locator("video")
    with page.expect_response(
        lambda response: response.url.endswith("/api/progress") and response.status == 422, timeout=60_000
    ):
        video.evaluate("video => { video.muted = true; video.playbackRate = 4; return video.play(); }")
    region = page.locator("[data-video-rate-status]")
    region.get_by_text(REFUSED, exact=False).wait_for()
    assert page.locator("[data-video-status]").inner_text().strip() == ""  # the done message's place
    site.audit()

    # At normal speed the next reports count again, and the message goes.
    _set_rate(page, 1)
    page.wait_for_function(
        "() => !document.querySelector('[data-video-rate-status]').textContent.trim()", timeout=30_000
    )
    video.evaluate("video => video.pause()")
    page.wait_for_load_state("networkidle")

    # No played second was sent twice: a refused report's segments are dropped, not sent again.
    sent = sorted(tuple(segment) for report in reports for segment in report)
    assert len(sent) >= 3
    for (_, end), (start, _) in zip(sent, sent[1:], strict=False):
        assert start >= end - 0.01, sent
    assert int(page.locator("#video-progress-bar").get_attribute("value") or 0) > 0

    refused = [r for r in site.failed_responses if re.match(r"422 POST .*/api/progress$", r)]
    assert refused
    site.failed_responses[:] = [r for r in site.failed_responses if r not in refused]
