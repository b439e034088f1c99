"""A refused progress report says why, in the member's language: a too-fast report (the playback-rate rule)
gets the reason ``too_fast`` and a message naming the fastest rate that counts; the module page carries that
rate and the note the player shows when the video plays faster."""

from __future__ import annotations

import pytest

from course.extensions import db
from course.learning.models import VideoProgress

TOO_FAST = {
    "en": (
        "Only playback at up to 2× speed counts as watching. Play the video at normal speed (or up to 2×) "
        "and your progress will grow again."
    ),
    "da": (
        "Kun afspilning med op til 2× hastighed tæller som set. Afspil videoen med normal hastighed "
        "(eller op til 2×), så tæller det, du ser, med igen."
    ),
    "sv": (
        "Bara uppspelning i upp till 2× hastighet räknas som sett. Spela upp filmen i normal hastighet "
        "(eller upp till 2×) så räknas det du tittar på igen."
    ),
}


@pytest.fixture
def sign_in(make, auth):
    def signed_in(locale: str):
        council = make.council(f"fartby-{locale}", country="se" if locale == "sv" else "dk", locale=locale)
        member = make.member(council, locale=locale)
        auth.login(member.email)
        return member

    return signed_in


def _report(client, module, language, segments):
    return client.post(
        "/api/progress", json={"module": module.id, "language": language, "segments": segments}
    )


@pytest.mark.parametrize("locale", ["en", "da", "sv"])
def test_a_too_fast_report_is_refused_with_a_reason_and_a_message_in_the_members_language(
    app, client, course, sign_in, locale
):
    member = sign_in(locale)
    module = course.modules[0]
    language = "en" if module.video(locale) is None else locale
    duration = module.video(language).duration
    assert _report(client, module, language, [[0, 4]]).status_code == 200

    response = _report(client, module, language, [[4, duration]])

    assert response.status_code == 422
    body = response.get_json()
    assert body["reason"] == "too_fast"
    assert body["message"] == TOO_FAST[locale]
    assert "at most" in body["error"]  # the technical text stays, in English
    # What was accepted before the refusal is kept, and nothing of the refused report was added.
    with app.app_context():
        progress = db.session.query(VideoProgress).filter_by(member_id=member.id).one()
        assert progress.intervals == [[0.0, 4.0]]
        assert progress.seconds_watched == pytest.approx(4.0)
    assert _report(client, module, language, [[4, 6]]).get_json()["seconds_watched"] == pytest.approx(6.0)


def test_the_message_formats_the_configured_rate_for_the_language(app, client, course, sign_in, monkeypatch):
    monkeypatch.setitem(app.config, "COURSE_MAX_PLAYBACK_RATE", 2.5)
    sign_in("da")
    module = course.modules[0]
    response = _report(client, module, "da", [[0, module.video("da").duration]])
    assert response.status_code == 422
    message = response.get_json()["message"]
    assert "op til 2,5× hastighed" in message
    assert "2.5" not in message

    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert 'data-max-rate="2.5"' in page
    assert "2,5×" in page


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"language": "en", "segments": [[0, 100_000]]}, "outside_video"),
        ({"language": "xx", "segments": [[0, 1]]}, "no_video"),
        ({"language": "en", "segments": [["a", 1]]}, "invalid"),
    ],
)
def test_other_refusals_have_their_own_reason_and_a_message(client, course, sign_in, payload, reason):
    sign_in("da")
    module = course.modules[0]
    response = client.post("/api/progress", json={"module": module.id, **payload})
    assert response.status_code == 422
    body = response.get_json()
    assert body["reason"] == reason
    assert body["error"]
    assert body["message"]
    assert body["message"] != body["error"]
    assert "videoen" in body["message"]  # Danish


def test_the_module_page_carries_the_fastest_rate_and_the_note_for_playing_faster(client, course, sign_in):
    sign_in("sv")
    module = course.modules[0]
    page = client.get(f"/modules/{module.id}").get_data(as_text=True)
    assert 'data-max-rate="2.0"' in page
    assert "<template data-video-rate-note>" in page
    assert "snabbare än 2×" in page
    assert "data-video-rate-status" in page
