"""council-course: a course on social media and local democracy for municipal councils."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from course.config import SettingsError, settings_from_env

__version__ = "0.1.0"


def _blueprints() -> list[Any]:
    # One explicit list: a feature is on the site when, and only when, it is named here.
    from course.admin.views import bp as admin_bp
    from course.auth.views import bp as auth_bp
    from course.certificates.views import bp as certificates_bp
    from course.certificates.views import verification_bp
    from course.conversation.views import bp as conversation_bp
    from course.learning.views import bp as learning_bp
    from course.plan.views import admin_bp as plan_admin_bp
    from course.plan.views import bp as plan_bp
    from course.platform.views import bp as platform_bp
    from course.platform.views import logos as logos_bp
    from course.privacy.views import bp as privacy_bp
    from course.seminars.views import admin_bp as seminars_admin_bp
    from course.seminars.views import room_bp as seminar_room_bp
    from course.site.views import bp as site_bp

    return [
        site_bp,
        auth_bp,
        learning_bp,
        conversation_bp,
        admin_bp,
        platform_bp,
        logos_bp,
        certificates_bp,
        verification_bp,
        privacy_bp,
        seminars_admin_bp,
        seminar_room_bp,
        plan_bp,
        plan_admin_bp,
    ]


def _secret_key(app: Flask) -> str:
    if app.config.get("SECRET_KEY"):
        return app.config["SECRET_KEY"]
    if app.config["COURSE_SECRET_KEY"]:
        return app.config["COURSE_SECRET_KEY"]
    if app.config.get("TESTING"):
        return secrets.token_hex(32)
    if app.config["COURSE_DEMO"]:
        # The demo keeps one generated key in its instance folder, so sessions survive a restart.
        key_file = Path(app.instance_path) / "demo-secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    raise SettingsError(
        "COURSE_SECRET_KEY is required: set it to a long random value, for example the output of "
        "`python -c 'import secrets; print(secrets.token_hex(32))'`"
    )


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the site. ``config`` overrides settings read from ``COURSE_*`` environment variables."""
    settings = settings_from_env(os.environ)
    overrides = dict(config or {})
    instance = overrides.get("COURSE_INSTANCE_DIR") or settings["COURSE_INSTANCE_DIR"]
    app = Flask(__name__, instance_path=str(instance) if instance else None)
    app.config.update(settings)
    app.config.update(
        SESSION_COOKIE_NAME="council_course_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(days=14),
        # Councillors read long pages between meetings: a form stays valid for the whole session.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=False,
        MAX_CONTENT_LENGTH=5 * 1024 * 1024,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        RATELIMIT_HEADERS_ENABLED=True,
        ARGON2_FAST=False,
    )
    app.config.update(overrides)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config["SECRET_KEY"] = _secret_key(app)
    app.config["SESSION_COOKIE_SECURE"] = app.config["COURSE_BASE_URL"].startswith("https://")
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI",
        app.config["COURSE_DATABASE_URL"]
        or "sqlite:///" + str(Path(app.instance_path) / "council-course.db"),
    )
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["COURSE_RATELIMIT_STORAGE_URL"])
    for key in ("COURSE_CONTENT_DIR", "COURSE_VIDEO_DIR", "COURSE_TRANSLATIONS_DIR"):
        app.config[key] = Path(app.config[key])
    if app.config.get("COURSE_PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    _init_extensions(app)
    return app


def _init_extensions(app: Flask) -> None:
    # Every model module is imported before the mappers are used and before Alembic compares them.
    from course import (
        certificates,
        cli,
        i18n,
        models,  # noqa: F401
        plan,
        seminars,
    )
    from course.auth import passwords
    from course.auth.access import load_member, unauthorized
    from course.db import remove_session
    from course.extensions import csrf, db, limiter, login_manager, migrate
    from course.web import course as loaded_course
    from course.web import errors, headers, inputs, templating

    db.init_app(app)
    # Registered after Flask-SQLAlchemy's own clean-up, so it runs first (teardowns run in reverse).
    app.teardown_appcontext(remove_session)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    idle_limit = timedelta(hours=app.config["COURSE_SESSION_IDLE_HOURS"])
    login_manager.user_loader(partial(load_member, idle_limit=idle_limit))
    login_manager.unauthorized_handler(unauthorized)
    passwords.configure(fast=bool(app.config.get("ARGON2_FAST")))

    loaded_course.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    headers.init_app(app)
    inputs.init_app(app)  # before the blueprints: their routes use its <id:...> converter
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    certificates.init_app(app)
    seminars.init_app(app)
    plan.init_app(app)
    cli.init_app(app)
