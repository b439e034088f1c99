"""Settings: read from COURSE_* variables, with clear errors, and no start without a secret key."""

from __future__ import annotations

import pytest

from course import create_app
from course.config import SettingsError, settings_from_env


def test_defaults_need_no_environment():
    settings = settings_from_env({})
    assert settings["COURSE_VIDEO_THRESHOLD"] == 0.9
    assert settings["COURSE_MAX_PLAYBACK_RATE"] == 2.0
    assert settings["COURSE_TRANSCRIPT_COUNTS"] is True
    assert settings["COURSE_CONTENT_DIR"].name == "modules"


def test_values_are_parsed():
    settings = settings_from_env(
        {
            "COURSE_VIDEO_THRESHOLD": "0.75",
            "COURSE_TRANSCRIPT_COUNTS": "no",
            "COURSE_BASE_URL": "https://kursus.example.dk/",
        }
    )
    assert settings["COURSE_VIDEO_THRESHOLD"] == 0.75
    assert settings["COURSE_TRANSCRIPT_COUNTS"] is False
    assert settings["COURSE_BASE_URL"] == "https://kursus.example.dk"


def test_bad_values_are_named_in_one_clear_error():
    with pytest.raises(SettingsError) as raised:
        settings_from_env(
            {
                "COURSE_VIDEO_THRESHOLD": "lots",
                "COURSE_SMTP_PORT": "99999",
                "COURSE_BASE_URL": "kursus.example.dk",
            }
        )
    message = str(raised.value)
    assert "COURSE_VIDEO_THRESHOLD='lots' must be a number" in message
    assert "COURSE_SMTP_PORT" in message
    assert "COURSE_BASE_URL" in message


def test_the_site_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_SECRET_KEY", raising=False)
    monkeypatch.delenv("COURSE_DEMO", raising=False)
    with pytest.raises(SettingsError, match="COURSE_SECRET_KEY is required"):
        create_app({"COURSE_INSTANCE_DIR": str(tmp_path)})


def test_the_demo_keeps_one_generated_key(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_SECRET_KEY", raising=False)
    first = create_app({"COURSE_INSTANCE_DIR": str(tmp_path), "COURSE_DEMO": True})
    second = create_app({"COURSE_INSTANCE_DIR": str(tmp_path), "COURSE_DEMO": True})
    assert len(first.secret_key) == 64
    assert first.secret_key == second.secret_key
