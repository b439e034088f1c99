"""Error pages in the visitor's language, and JSON errors for the API. No internal detail leaks."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, Response, g, jsonify, make_response, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from course.extensions import db, login_manager


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            _("The request could not be understood"),
            _("Something in the request was missing or not valid. Go back and try again."),
        ),
        401: (_("Please sign in"), _("You need to sign in to see this page.")),
        403: (_("You do not have access"), _("This page is not open to your account.")),
        404: (_("Page not found"), _("The page does not exist, or it has moved.")),
        405: (_("Not allowed"), _("That action is not possible on this page.")),
        413: (_("The file is too large"), _("Choose a smaller file and try again.")),
        422: (_("The request could not be processed"), _("Check what you entered and try again.")),
        429: (_("Too many attempts"), _("Please wait a few minutes before you try again.")),
        500: (
            _("Something went wrong"),
            _("An error occurred on our side. It has been logged. Please try again later."),
        ),
        503: (
            _("The service is unavailable"),
            _("The site cannot reach its database right now. Please try again in a moment."),
        ),
    }


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None) -> Response:
    title, message = _messages().get(code, _messages()[500])
    if _wants_json():
        response = jsonify(error=title, detail=detail or message)
    else:
        response = make_response(
            render_template("errors/error.html", code=code, title=title, message=detail or message)
        )
    response.status_code = code
    if code in (429, 503):
        response.headers["Retry-After"] = "60"
    return response


def is_outage(error: DBAPIError) -> bool:
    """Whether a database error means the database cannot be reached, rather than a bad statement or value."""
    return isinstance(error, OperationalError | InterfaceError) or bool(error.connection_invalidated)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, _("The form had expired or could not be verified. Please try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError):
        # The error page must not touch the database again, so it is rendered for an anonymous visitor.
        with contextlib.suppress(SQLAlchemyError):
            db.session.rollback()
        g._login_user = login_manager.anonymous_user()
        if is_outage(error):
            # A lost connection or a restarting database: answer 503 and let the pool reconnect.
            app.logger.warning(
                "database unavailable: %s %s", error.__class__.__name__, getattr(error.orig, "sqlstate", None)
            )
            return render_error(ServiceUnavailable.code)
        if isinstance(error, DataError):
            # A value the database refused (out of range, a NUL byte): input that escaped validation. It is
            # the request that is wrong, not the database that is down.
            app.logger.warning("database refused a value: %s", error.orig.__class__.__name__)
            return render_error(400)
        app.logger.error("database error", exc_info=error)
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return render_error(500)

    app.wsgi_app = LastResort(app, app.wsgi_app)  # type: ignore[method-assign]


class LastResort:
    """The outermost WSGI layer: an exception that escapes Flask still gets the site's page and headers.

    Flask's error handlers cover the views. What runs after them (ending the database session, an error
    handler that fails in turn) would otherwise reach the WSGI server, which answers with its own bare page
    and none of the site's security headers.
    """

    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        try:
            return self.wsgi_app(environ, start_response)
        except Exception:
            self.app.logger.exception("request failed outside the error handlers")
            response = self._error_page(environ)

            def restart_response(status: str, headers: list, exc_info: Any = None) -> Any:
                # The inner app may have started its response already; exc_info lets the server replace it
                # while nothing has been sent (PEP 3333), and re-raises when it is too late.
                return start_response(status, headers, sys.exc_info())

            return response(environ, restart_response)

    def _error_page(self, environ: dict[str, Any]) -> Response:
        with self.app.request_context(environ):
            # An anonymous visitor: the page must not touch the database, which may be what failed.
            g._login_user = self.app.login_manager.anonymous_user()  # type: ignore[attr-defined]
            try:
                return self.app.process_response(render_error(500))
            except Exception:
                self.app.logger.exception("the error page could not be rendered")
                return self.app.process_response(_plain_error_page(500))


def _plain_error_page(code: int) -> Response:
    """The error page without templates: the translated title and message in minimal HTML."""
    language = request.accept_languages.best_match(("da", "sv", "en")) or "en"
    with force_locale(language):
        title, message = _messages().get(code, _messages()[500])
    html = (
        f'<!doctype html>\n<html lang="{language}">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head>\n<body>\n<h1>{escape(title)}</h1>\n<p>{escape(message)}</p>\n"
        "</body>\n</html>\n"
    )
    return Response(html, status=code, mimetype="text/html")
