"""Settings from ``COURSE_*`` environment variables, with safe defaults.

Every setting is listed in README.md. A bad value stops the site with one clear line naming the variable,
rather than failing later in a request.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE_DIR = Path(__file__).resolve().parent


class SettingsError(ValueError):
    """A ``COURSE_*`` variable has a value the site cannot use."""


def default_data_dir(name: str) -> Path:
    """Where ``modules``, ``videos`` or ``translations`` live by default.

    In a checkout (or an editable install) they sit next to the package; an installed wheel carries them
    inside the package under ``_data``.
    """
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    return PACKAGE_DIR / "_data" / name


def _text(value: str) -> str:
    return value.strip()


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        try:
            number = float(value)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return number

    return parse


def _port(value: str) -> int:
    if not value.strip().isdigit() or not 0 < int(value) < 65536:
        raise ValueError("must be a port number between 1 and 65535")
    return int(value)


def _directory(value: str) -> Path:
    return Path(value).expanduser().resolve()


def _base_url(value: str) -> str:
    value = value.strip().rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return value


def _seminar_broker(value: str) -> str:
    value = value.strip()
    if value != "database" and not value.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("must be database or a redis:// URL")
    return value


def _locale(value: str) -> str:
    if value not in ("da", "sv", "en"):
        raise ValueError("must be da, sv or en")
    return value


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "COURSE_DATABASE_URL",
        _text,
        None,
        "SQLAlchemy database URL; default: a SQLite file in the instance folder",
    ),
    Setting(
        "COURSE_SECRET_KEY", _text, None, "signs sessions and links; required outside the demo and the tests"
    ),
    Setting(
        "COURSE_BASE_URL",
        _base_url,
        "http://localhost:5000",
        "the public address, used in e-mails and certificate QR codes",
    ),
    Setting(
        "COURSE_VIDEO_THRESHOLD", _number(0.01, 1.0), 0.9, "share of a video to watch before its quizzes open"
    ),
    Setting("COURSE_MAX_PLAYBACK_RATE", _number(1.0, 16.0), 2.0, "fastest playback counted as watching"),
    Setting(
        "COURSE_TRANSCRIPT_COUNTS",
        _flag,
        True,
        "whether reading the transcript can stand in for watching the video",
    ),
    Setting("COURSE_CONTENT_DIR", _directory, None, "the course content (modules/)"),
    Setting("COURSE_VIDEO_DIR", _directory, None, "the videos and their captions (videos/)"),
    Setting(
        "COURSE_VIDEO_BASE_URL",
        _base_url,
        None,
        "serve videos from a static server or CDN holding a copy of videos/; default: the site itself",
    ),
    Setting("COURSE_TRANSLATIONS_DIR", _directory, None, "the interface catalogues (translations/)"),
    Setting(
        "COURSE_DEFAULT_LOCALE", _locale, "da", "language for visitors whose browser names none of da, sv, en"
    ),
    Setting("COURSE_SMTP_HOST", _text, None, "SMTP server; without it e-mail goes to the outbox folder"),
    Setting("COURSE_SMTP_PORT", _port, 587, "SMTP port"),
    Setting("COURSE_SMTP_USER", _text, None, "SMTP user name"),
    Setting("COURSE_SMTP_PASSWORD", _text, None, "SMTP password"),
    Setting("COURSE_SMTP_STARTTLS", _flag, True, "use STARTTLS when the SMTP server offers it"),
    Setting("COURSE_MAIL_FROM", _text, "council-course <no-reply@localhost>", "sender of every e-mail"),
    Setting(
        "COURSE_MAIL_REPLY_TO",
        _text,
        None,
        "Reply-To of every e-mail: an address people can answer (the secretariat's), so no message comes "
        "from a bare no-reply address",
    ),
    Setting(
        "COURSE_OPERATOR_NAME", _text, None, "who runs the site, named on the privacy and accessibility pages"
    ),
    Setting(
        "COURSE_PRIVACY_CONTROLLER",
        _text,
        None,
        "the data controller named on the privacy page; default: each member's municipality",
    ),
    Setting(
        "COURSE_PRIVACY_CONTACT",
        _text,
        None,
        "the data-protection contact (address or e-mail) named on the privacy page",
    ),
    Setting(
        "COURSE_ACCESSIBILITY_CONTACT",
        _text,
        None,
        "where to report an accessibility problem (accessibility statement); default: the Reply-To address",
    ),
    Setting(
        "COURSE_RATELIMIT_STORAGE_URL",
        _text,
        "memory://",
        "where rate-limit counters live, for example redis://127.0.0.1:6379/0",
    ),
    Setting(
        "COURSE_INSTANCE_DIR",
        _directory,
        None,
        "the instance folder: SQLite database, e-mail outbox, demo key; default: ./instance",
    ),
    Setting(
        "COURSE_PROXY_FIX",
        _flag,
        False,
        "trust one reverse proxy's X-Forwarded-For/-Proto/-Host (set it behind nginx or a load balancer)",
    ),
    Setting(
        "COURSE_SESSION_IDLE_HOURS",
        _number(0.25, 336),
        8.0,
        "hours without a request after which a sign-in session ends (it ends after 14 days in any case)",
    ),
    Setting(
        "COURSE_SEMINAR_BROKER",
        _seminar_broker,
        "database",
        "how live seminars learn of changes made by other workers and hosts: database (PostgreSQL "
        "LISTEN/NOTIFY, or version polling on SQLite) or a redis:// URL (pub/sub)",
    ),
    Setting("COURSE_DEMO", _flag, False, "set by `council-course demo`; allows a generated secret key"),
)


def settings_from_env(environ: Mapping[str, str]) -> dict[str, Any]:
    """Read every ``COURSE_*`` setting from ``environ``; raise :class:`SettingsError` naming bad ones."""
    values: dict[str, Any] = {}
    problems = []
    for setting in SETTINGS:
        raw = environ.get(setting.name)
        if raw is None or raw == "":
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as error:
            problems.append(f"{setting.name}={raw!r} {error}")
    if problems:
        raise SettingsError("; ".join(problems))
    for name, folder in (
        ("COURSE_CONTENT_DIR", "modules"),
        ("COURSE_VIDEO_DIR", "videos"),
        ("COURSE_TRANSLATIONS_DIR", "translations"),
    ):
        if values[name] is None:
            values[name] = default_data_dir(folder)
    return values
