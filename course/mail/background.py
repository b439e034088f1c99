"""Work that sends e-mail after the response has gone: one worker thread per process.

A request for a sign-in link or a password reset must answer the same, and just as fast, whether or not
the address belongs to a member; otherwise the answer, or the time it takes, tells a stranger who is
registered. So the request only queues the job: looking the address up, writing the link and talking to
the SMTP server all happen here, after the response. A job that fails is logged; nobody is waiting for it.

Each job runs in an application context of the app that queued it and commits once when it succeeds, as a
view would. The queue is in memory, so what must not be lost is not in it: the request commits the e-mail to
the database first (course/mail/outbox.py) and queues only "deliver row N". A worker's first job is to
deliver whatever an earlier process left behind.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

Job = Callable[[], Any]

_jobs: queue.Queue[tuple[Flask, Job]] = queue.Queue()
_lock = threading.Lock()
_worker: threading.Thread | None = None


def _run() -> None:
    from course.extensions import db

    while True:
        app, job = _jobs.get()
        try:
            with app.app_context():
                try:
                    job()
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    app.logger.exception("background e-mail job failed")
                finally:
                    db.session.remove()
        finally:
            _jobs.task_done()


def send_later(job: Job) -> None:
    """Run ``job`` after the current request, in this app's context; it flushes, the worker commits."""
    global _worker
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with _lock:
        # Started on first use, so a process that forks (gunicorn) starts its own worker after the fork.
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="course-mail", daemon=True)
            _worker.start()
            _jobs.put((app, _deliver_left_behind))
    _jobs.put((app, job))


def _deliver_left_behind() -> None:
    from course.mail.outbox import deliver_pending

    deliver_pending()


def wait_for_jobs() -> None:
    """Block until every queued job has run (tests, and the CLI before it exits)."""
    _jobs.join()
