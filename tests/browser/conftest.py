"""Browser fixtures: the real site on a local port, Debian's Chromium driven by Playwright, and an
axe-core audit of every page a test visits (a test that navigates without auditing fails)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urldefrag

import pytest
from werkzeug.serving import ThreadedWSGIServer

from tests.conftest import make_test_app

CHROMIUM = os.environ.get("COURSE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The browser journey plays videos fast; the server is configured to accept that rate.
TEST_PLAYBACK_RATE = 16.0


@pytest.fixture(scope="session")
def live_app(app, database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """A second application on the same database, configured like production: CSRF and rate limits on."""
    return make_test_app(
        database_url,
        tmp_path_factory.mktemp("live-instance"),
        WTF_CSRF_ENABLED=True,
        COURSE_MAX_PLAYBACK_RATE=TEST_PLAYBACK_RATE,
    )


class LiveServer(ThreadedWSGIServer):
    """The development server, counting the connections it is serving.

    A page can still be sending a request (a progress report from a playing video, say) when its test ends.
    Closing the browser context closes the connection, but a request the server already took goes on in its
    thread; emptying the tables under it can deadlock on PostgreSQL. A test's teardown therefore waits until
    every connection the server took is done.
    """

    def __init__(self, app) -> None:
        super().__init__("127.0.0.1", 0, app)
        self.serving = 0
        self._changed = threading.Condition()

    def process_request(self, request, client_address) -> None:
        with self._changed:
            self.serving += 1
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self._changed:
                self.serving -= 1
                self._changed.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: self.serving == 0, timeout)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"


@pytest.fixture(scope="session")
def live_server(live_app) -> Iterator[LiveServer]:
    server = LiveServer(live_app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=10)
    live_app.extensions["seminar_hub"].stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class AuditedPage:
    """A Playwright page that remembers every document it showed and which of them axe checked."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.visited: set[str] = set()
        self.audited: set[str] = set()
        self.problems: list[str] = []
        #: Responses of 400 and above; a test that expects one removes it from the list.
        self.failed_responses: list[str] = []
        page.on("framenavigated", self._navigated)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.visited.add(urldefrag(frame.url).url)

    def _response(self, response) -> None:
        if response.status >= 400 and response.url.startswith(self.base_url):
            self.failed_responses.append(f"{response.status} {response.request.method} {response.url}")

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.problems.append(f"CSP: {text}")
        elif message.type == "error" and "Failed to load resource" not in text:
            self.problems.append(f"console error: {text}")

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.audit()
        return response

    def audit(self) -> None:
        """Run axe-core on the current page; no serious or critical violation is allowed."""
        from axe_playwright_python.sync_playwright import Axe

        self.page.wait_for_load_state("load")
        results = Axe().run(self.page)
        serious = [
            f"{violation['id']} ({violation['impact']}): {violation['help']} at "
            + ", ".join(node["target"][0] for node in violation["nodes"][:3])
            for violation in results.response["violations"]
            if violation["impact"] in ("serious", "critical")
        ]
        assert not serious, f"axe on {self.page.url}:\n" + "\n".join(serious)
        self.audited.add(urldefrag(self.page.url).url)


@pytest.fixture
def site(browser, live_server) -> Iterator[AuditedPage]:
    context = browser.new_context(locale="da-DK", viewport={"width": 412, "height": 915})
    page = context.new_page()
    page.set_default_timeout(20_000)
    audited = AuditedPage(page, live_server.url)
    yield audited
    context.close()
    # The database is emptied after this: no request of the page may still be running then.
    assert live_server.wait_until_idle(timeout=30), "the live server was still serving 30 s after the test"
    unaudited = sorted(url for url in audited.visited - audited.audited if url.startswith(live_server.url))
    assert not unaudited, f"pages visited without an axe audit: {unaudited}"
    assert not audited.problems, audited.problems
    assert not audited.failed_responses, audited.failed_responses
