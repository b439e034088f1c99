"""What a member is told about the video's progress, in their language: why a report was refused, and the
note the player shows while the video plays faster than the fastest rate that counts."""

from __future__ import annotations

from flask_babel import format_decimal
from flask_babel import gettext as _

from course.learning.watching import LearningRules


def playback_rate(rate: float) -> str:
    """A playback rate as the language writes it: 2×, 2,5× (2.5× in English)."""
    return f"{format_decimal(rate, format='#,##0.##')}×"


def too_fast_message(rules: LearningRules) -> str:
    return _(
        "Only playback at up to %(rate)s speed counts as watching. Play the video at normal speed (or up to %(rate)s) and your progress will grow again.",  # noqa: E501
        rate=playback_rate(rules.max_playback_rate),
    )


def rate_note(rules: LearningRules) -> str:
    """Shown by the player as soon as the video plays faster than the fastest rate that counts."""
    return _(
        "You are playing the video faster than %(rate)s. Only playback at up to %(rate)s speed counts as watching, so your progress does not grow at this speed.",  # noqa: E501
        rate=playback_rate(rules.max_playback_rate),
    )


def rejection_message(reason: str, rules: LearningRules) -> str:
    """Why a progress report was refused (a :attr:`ProgressRejectedError.reason`), for the member."""
    if reason == "too_fast":
        return too_fast_message(rules)
    if reason == "no_video":
        return _("The video is not available in this language. Reload the page and play the video again.")
    if reason == "outside_video":
        return _(
            "Part of what the video player reported lies outside the video, so it was not counted. Reload the page and play the video again."  # noqa: E501
        )
    return _(
        "The video player sent a report that could not be read, so it was not counted. Reload the page and play the video again."  # noqa: E501
    )
