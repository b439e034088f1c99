"""Security headers on every response."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, g, request


def content_security_policy(video_base_url: str | None) -> str:
    media = "'self'"
    if video_base_url:
        parts = urlsplit(video_base_url)
        media += f" {parts.scheme}://{parts.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"media-src {media}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    policy = content_security_policy(app.config["COURSE_VIDEO_BASE_URL"])
    https = app.config["COURSE_BASE_URL"].startswith("https://")

    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        if https or request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages about a signed-in member are never kept by shared caches or the back button. Only a member
        # the request already loaded counts: loading one here would query the database for every response.
        member = g.get("_login_user")
        if member is not None and member.is_authenticated and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response
