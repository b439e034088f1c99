"""The built videos play in Chromium, in both formats, with captions showing in the member's language."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_built_video_plays_with_captions_showing(site, make, course):
    member = make.member(make.council("kinoby", country="se", locale="sv"), "tittare@example.org")
    module = course.modules[2]
    video = module.video("sv")
    site.goto("/login")
    page = site.page
    page.get_by_label("E-mailadresse").fill(member.email)
    page.get_by_label("Adgangskode").fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(site.base_url + "/")
    site.audit()
    page.get_by_role("button", name="Svenska").click()
    page.wait_for_load_state("load")
    site.audit()
    site.goto(f"/modules/{module.id}")

    player = page.locator("video")
    state = player.evaluate("""async (video) => {
        video.muted = true;
        await video.play();
        await new Promise(resolve => setTimeout(resolve, 2500));
        const track = [...video.textTracks].find(t => t.mode === "showing");
        return {
          source: video.currentSrc, duration: video.duration, time: video.currentTime,
          showing: track && track.language,
          cues: track && track.activeCues ? [...track.activeCues].map(c => c.text) : [],
          tracks: [...video.textTracks].map(t => [t.kind, t.language]),
        };
    }""")
    assert state["source"].endswith("video.webm")
    assert state["duration"] == pytest.approx(video.duration, abs=0.6)
    assert state["time"] > 1.0
    assert state["showing"] == "sv"
    assert state["cues"], "no caption is on screen while the video plays"
    first_words = module.scenes[0].narration.sv.split()[:2]
    assert first_words[0] in " ".join(state["cues"])
    assert sorted(map(tuple, state["tracks"])) == sorted(
        [("subtitles", "da"), ("captions", "sv"), ("subtitles", "en"), ("chapters", "sv")]
    )

    # The H.264 file plays too, for browsers without VP9.
    mp4 = player.evaluate("""async (video) => {
        video.pause();
        video.src = video.querySelector('source[type="video/mp4"]').src;
        video.muted = true;
        await video.play();
        await new Promise(resolve => setTimeout(resolve, 1000));
        return {duration: video.duration, time: video.currentTime};
    }""")
    assert mp4["duration"] == pytest.approx(video.duration, abs=0.6)
    assert mp4["time"] > 0.3
