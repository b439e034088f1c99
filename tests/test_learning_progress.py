"""Watched video: merging segments, the plausibility rule, the threshold, and the progress API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from course.db import utcnow
from course.extensions import db
from course.learning import progress, watching
from course.learning.models import ModuleProgress, VideoProgress
from course.learning.watching import LearningRules, ProgressRejectedError, merge_intervals, parse_segments
from course.people.models import Member
from tests.helpers import open_quizzes_by_transcript

RULES = LearningRules(video_threshold=0.9, max_playback_rate=2.0, transcript_counts=True, slack_seconds=5.0)


@pytest.mark.parametrize(
    ("segments", "merged"),
    [
        ([], []),
        ([(0, 10)], [(0, 10)]),
        ([(10, 20), (0, 5)], [(0, 5), (10, 20)]),
        ([(0, 10), (5, 15)], [(0, 15)]),
        ([(0, 10), (10.3, 20)], [(0, 20)]),  # reports a few hundred ms apart are one stretch
        ([(0, 10), (12, 20)], [(0, 10), (12, 20)]),
        ([(5, 5), (3, 2)], []),  # empty and reversed segments count nothing
        ([(0, 30), (10, 20)], [(0, 30)]),
    ],
)
def test_merge_intervals(segments, merged):
    assert merge_intervals(segments) == merged


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "0-10",
        [[0]],
        [[0, 1, 2]],
        [["a", 5]],
        [[True, 5]],
        [[-1, 5]],
        [[5, 4]],
        [[0, 1e9]],
        [[0, float("nan")]],
        [[0, float("inf")]],
        [[0, 1]] * 201,
    ],
)
def test_parse_segments_rejects_malformed_reports(raw):
    with pytest.raises(ProgressRejectedError):
        parse_segments(raw, duration=120.0)


def test_parse_segments_clamps_an_end_just_past_the_duration():
    assert parse_segments([[100, 120.4]], duration=120.0) == [(100.0, 120.0)]


@pytest.fixture
def learner(make):
    return make.member(make.council("progressby"))


def _member(member_id: int) -> Member:
    return db.session.get(Member, member_id)


def test_watching_at_normal_speed_is_accepted_and_merged(app, course, learner):
    module = course.modules[0]
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        watching.record_segments(
            member, course, module, "da", [[0, 5]], RULES, now=start + timedelta(seconds=5)
        )
        update = watching.record_segments(
            member, course, module, "da", [[5, 10], [3, 8]], RULES, now=start + timedelta(seconds=10)
        )
        db.session.commit()
        progress = db.session.query(VideoProgress).one()
        assert progress.intervals == [[0.0, 10.0]]
        assert update.seconds_watched == pytest.approx(10.0)


def test_more_new_seconds_than_wall_time_allows_is_rejected_and_records_nothing(app, course, learner):
    module = course.modules[0]
    duration = module.video("da").duration
    start = utcnow()
    # Wall time at 2x (+5 s of slack, once) allows half the video; 90 % of it is not plausible.
    wall = (duration / 2 - RULES.slack_seconds) / RULES.max_playback_rate
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        db.session.commit()
        with pytest.raises(ProgressRejectedError, match=f"at most {duration / 2:.1f}"):
            watching.record_segments(
                member,
                course,
                module,
                "da",
                [[0, duration * 0.9]],
                RULES,
                now=start + timedelta(seconds=wall),
            )
        db.session.rollback()
        progress = db.session.query(VideoProgress).one()
        assert progress.seconds_watched == 0
        assert progress.last_report_at is None


def test_a_report_without_an_opened_page_creates_the_rows_and_is_judged_from_now(app, course, learner):
    """An old tab may report after the rows are gone; the report starts the progress from its own time."""
    module = course.modules[0]
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        update = watching.record_segments(member, course, module, "da", [[0, 4]], RULES, now=start)
        db.session.commit()
        assert update.seconds_watched == pytest.approx(4.0)
        assert not update.is_video_done
        assert db.session.query(ModuleProgress).one().last_activity_at == start
        assert db.session.query(VideoProgress).one().created_at == start
        # Five seconds of slack at twice the speed allow ten seconds at once, not more.
        with pytest.raises(ProgressRejectedError):
            watching.record_segments(member, course, module, "da", [[4, 30]], RULES, now=start)


def test_the_allowance_counts_from_when_the_video_was_first_opened(app, course, learner):
    module = course.modules[0]
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        watching.record_segments(
            member, course, module, "da", [[0, 20]], RULES, now=start + timedelta(seconds=20)
        )
        # 21 seconds after opening, 50 seconds cannot have been watched: 21 × 2 + 5 slack = 47.
        with pytest.raises(ProgressRejectedError):
            watching.record_segments(
                member, course, module, "da", [[20, 50]], RULES, now=start + timedelta(seconds=21)
            )
        # Re-reporting seconds already counted adds nothing new, so it is fine at any time.
        watching.record_segments(
            member, course, module, "da", [[0, 20]], RULES, now=start + timedelta(seconds=21)
        )


def test_seeking_to_the_end_counts_only_what_was_played(app, course, learner):
    module = course.modules[0]
    duration = module.video("da").duration
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        # The player jumped to the end and played the last 4 seconds.
        update = watching.record_segments(
            member,
            course,
            module,
            "da",
            [[duration - 4, duration]],
            RULES,
            now=start + timedelta(seconds=600),
        )
        assert update.seconds_watched == pytest.approx(4.0)
        assert not update.is_video_done


def test_reaching_the_threshold_completes_the_video_step_once(app, course, learner):
    module = course.modules[0]
    duration = module.video("en").duration
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "en", now=start)
        below = watching.record_segments(
            member,
            course,
            module,
            "en",
            [[0, duration * 0.85]],
            RULES,
            now=start + timedelta(seconds=duration),
        )
        assert not below.is_video_done
        reached = watching.record_segments(
            member,
            course,
            module,
            "en",
            [[0, duration * 0.95]],
            RULES,
            now=start + timedelta(seconds=duration + 30),
        )
        again = watching.record_segments(
            member, course, module, "en", [[0, duration]], RULES, now=start + timedelta(seconds=duration + 60)
        )
        db.session.commit()
        assert reached.video_completed_now
        assert reached.is_video_done
        assert again.is_video_done
        assert not again.video_completed_now
        row = db.session.query(ModuleProgress).one()
        assert row.video_route == "video"
        assert row.video_completed_at is not None


def test_transcript_route_completes_the_video_step_when_allowed(app, course, learner):
    module = course.modules[1]
    with app.app_context():
        member = _member(learner.id)
        assert not watching.confirm_transcript(member, course, module, LearningRules(transcript_counts=False))
        assert watching.confirm_transcript(member, course, module, RULES)
        db.session.commit()
        assert db.session.query(ModuleProgress).one().video_route == "transcript"


# --- through HTTP ---------------------------------------------------------------------------------------


def test_progress_api_accepts_json_and_returns_coverage(client, auth, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    client.get(f"/modules/{module.id}", headers={"Accept-Language": "da"})
    response = client.post(
        "/api/progress", json={"module": module.id, "language": "da", "segments": [[0, 4]]}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["seconds_watched"] == pytest.approx(4.0)
    assert body["coverage"] == pytest.approx(4.0 / module.video("da").duration, abs=1e-3)
    assert body["video_done"] is False


def test_progress_api_accepts_a_form_encoded_beacon(client, auth, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    client.get(f"/modules/{module.id}")
    response = client.post(
        "/api/progress",
        data={
            "module": module.id,
            "language": "en",
            "segments": json.dumps([[0, 3]]),
        },
    )
    assert response.status_code == 200


def test_progress_api_rejects_an_implausible_jump_with_422(client, auth, course, learner):
    module = course.modules[0]
    auth.login(learner.email)
    client.get(f"/modules/{module.id}")
    duration = module.video("en").duration
    response = client.post(
        "/api/progress", json={"module": module.id, "language": "en", "segments": [[0, duration]]}
    )
    assert response.status_code == 422
    assert "at most" in response.get_json()["error"]


@pytest.mark.parametrize(
    "payload",
    [
        [1, 2],
        {"module": "no-such-module", "language": "en", "segments": [[0, 1]]},
        {"module": None, "language": "en", "segments": [[0, 1]]},
        {"module": "how-social-media-work", "language": "xx", "segments": [[0, 1]]},
        {"module": "how-social-media-work", "language": "en", "segments": "[[0, 1]]"},
    ],
)
def test_progress_api_rejects_bad_payloads_without_a_server_error(client, auth, learner, payload):
    auth.login(learner.email)
    response = client.post("/api/progress", json=payload)
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


def test_progress_api_needs_a_signed_in_member(client):
    response = client.post("/api/progress", json={"module": "x", "language": "en", "segments": [[0, 1]]})
    assert response.status_code == 401


def test_a_script_of_rapid_reports_cannot_complete_the_video(app, course, learner):
    """9.5-second segments every 0.1 seconds: the slack is allowed once for the whole video step, not per
    report, so the script is held to wall time × the fastest rate and the video is never done."""
    module = course.modules[0]
    duration = module.video("da").duration
    start = utcnow()
    accepted = 0.0
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        db.session.commit()
        position, moment = 0.0, start
        while position < duration:
            moment += timedelta(seconds=0.1)
            segment = [position, min(position + 9.5, duration)]
            try:
                update = watching.record_segments(member, course, module, "da", [segment], RULES, now=moment)
            except ProgressRejectedError:
                db.session.rollback()
            else:
                db.session.commit()
                accepted = update.seconds_watched
                position = segment[1]
            if moment - start > timedelta(seconds=3):
                break
        elapsed = (moment - start).total_seconds()
        assert accepted <= elapsed * RULES.max_playback_rate + RULES.slack_seconds
        assert not watching.is_video_done(member, module.id)


def test_watching_at_the_fastest_rate_is_never_refused(app, course, learner):
    """A report every 2 seconds of what the player played at twice the speed, arriving up to a second
    late: every report is accepted and the video step completes."""
    module = course.modules[0]
    duration = module.video("da").duration
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        db.session.commit()
        played, wall = 0.0, 0.0
        while played < duration:
            wall += 2.0
            segment = [played, min(played + 2.0 * RULES.max_playback_rate, duration)]
            # Network delay: the report arrives late (never early).
            update = watching.record_segments(
                member, course, module, "da", [segment], RULES, now=start + timedelta(seconds=wall + 0.9)
            )
            db.session.commit()
            played = segment[1]
        assert update.is_video_done


def test_switching_language_keeps_what_was_watched(app, course, learner):
    """Watched 82 % in Danish, then the page in English: the figure never drops, and watching the rest in
    English completes the video step."""
    module = course.modules[0]
    danish, english = module.video("da"), module.video("en")
    start = utcnow()
    with app.app_context():
        member = _member(learner.id)
        watching.open_module(member, module, "da", now=start)
        danish_part = danish.duration * 0.82
        before = watching.record_segments(
            member,
            course,
            module,
            "da",
            [[0, danish_part]],
            RULES,
            now=start + timedelta(seconds=danish_part),
        )
        db.session.commit()
        assert before.coverage == pytest.approx(0.82, abs=0.03)
        later = start + timedelta(seconds=danish.duration)
        watching.open_module(member, module, "en", now=later)
        # A few seconds at the start of the English video, already seen in Danish.
        again = watching.record_segments(member, course, module, "en", [[0, 5]], RULES, now=later)
        db.session.commit()
        assert again.coverage >= before.coverage
        assert not again.is_video_done
        # The rest, in English: the scenes not seen in Danish are now seen.
        rest_from = english.duration * 0.78
        done = watching.record_segments(
            member,
            course,
            module,
            "en",
            [[rest_from, english.duration]],
            RULES,
            now=later + timedelta(seconds=english.duration),
        )
        db.session.commit()
        assert done.coverage > 0.97
        assert done.is_video_done
        state = progress.get_module_state(member, course, module)
        assert state.coverage == pytest.approx(done.coverage, abs=1e-4)


def test_once_the_video_step_is_done_the_page_no_longer_says_when_the_quizzes_open(
    client, auth, course, learner
):
    module = course.modules[0]
    auth.login(learner.email)
    before = client.get(f"/modules/{module.id}?lang=en").get_data(as_text=True)
    assert "The quizzes open when you have watched 90% of the video." in before
    open_quizzes_by_transcript(client, module.id)
    after = client.get(f"/modules/{module.id}?lang=en").get_data(as_text=True)
    assert "The video step is done. The quizzes are open." in after
    assert "The quizzes open when you have watched" not in after
