"""A small HTTP client for tests against a real server; standard library only, thread-safe."""

from __future__ import annotations

import json
import re
import secrets
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar

from werkzeug.serving import make_server


@dataclass
class Reply:
    status: int
    url: str
    body: str

    def json(self):
        return json.loads(self.body)

    def csrf_token(self) -> str:
        match = re.search(r'name="csrf-token" content="([^"]+)"', self.body) or re.search(
            r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', self.body
        )
        assert match, "no CSRF token on the page"
        return match.group(1)


class LiveSession:
    """One browser-like session: cookies kept, redirects followed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = CookieJar()
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(
        self, method: str, path: str, *, form=None, json_body=None, files=None, headers=None
    ) -> Reply:
        data = None
        headers = dict(headers or {})
        if files is not None:
            data, headers["Content-Type"] = _multipart(form or {}, files)
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=60) as response:
                return Reply(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.url, error.read().decode())

    def get(self, path: str, **kwargs) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs) -> Reply:
        return self.request("POST", path, **kwargs)

    def sign_in(self, email: str, password: str) -> Reply:
        token = self.get("/login").csrf_token()
        return self.post("/login", form={"email": email, "password": password, "csrf_token": token})


def _multipart(form: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """Encode form fields and ``{field: (filename, data)}`` files as multipart/form-data."""
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in form.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content) in files.items():
        header = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(header.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@contextmanager
def serve(app) -> Iterator[str]:
    """Run ``app`` on a free local port in a background thread (one thread per request)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
