"""Live updates for the seminar's screen and phones: server-sent events fed by one watcher per process.

Every change raises the seminar's ``version`` (:func:`course.seminars.operations.changed`). Each process
runs ONE watcher thread, started with the first open stream, that learns of changes made by any worker or
host and fans them out to its own open streams; no stream ever holds a database or Redis connection:

- ``database`` (the default): on PostgreSQL the watcher LISTENs on one connection for the NOTIFY each change
  sends when its transaction commits; on SQLite it reads the versions of the seminars it has streams for
  about once a second (one small query per process, however many phones). A change made in the same
  process wakes the watcher at once.
- a ``redis://`` URL: changes are published after their commit and the watcher holds one subscription.

For each change the watcher loads the room's state once (a few queries) and hands it to the local streams,
each of which keeps only the latest state: a slow phone skips versions instead of queueing them. Events
carry the version as their id; a phone reconnecting with ``Last-Event-ID`` gets the current state only if
it has changed since.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from course.extensions import db
from course.seminars.models import Seminar
from course.seminars.operations import NOTIFY_CHANNEL
from course.seminars.queries import RoomState, load_room

log = logging.getLogger(__name__)

REDIS_CHANNEL = "course:seminar"
#: How long the browser waits before reconnecting a closed stream.
RETRY_MILLISECONDS = 2000
#: Loads of one seminar's state are at least this far apart: a burst of answers makes one event, not sixty.
MIN_GAP_SECONDS = 0.1


class Snapshot:
    """The room's state at one version, with its rendered events cached per kind of page and language."""

    __slots__ = ("_lock", "_rendered", "state")

    def __init__(self, state: RoomState) -> None:
        self.state = state
        self._rendered: dict[Any, str] = {}
        self._lock = threading.Lock()

    @property
    def version(self) -> int:
        return self.state.version

    def rendered(self, key: Any, render: Callable[[], str]) -> str:
        with self._lock:
            if key not in self._rendered:
                self._rendered[key] = render()
            return self._rendered[key]


class Mailbox:
    """One open stream's view of a seminar: the latest snapshot, and a condition to wait for a newer one."""

    def __init__(self, snapshot: Snapshot) -> None:
        self.seminar_id = snapshot.state.seminar_id
        self.latest = snapshot
        self.is_closed = False
        self._changed = threading.Condition()

    def put(self, snapshot: Snapshot) -> None:
        with self._changed:
            if snapshot.version > self.latest.version:
                self.latest = snapshot
                self._changed.notify_all()

    def close(self) -> None:
        with self._changed:
            self.is_closed = True
            self._changed.notify_all()

    def wait(self, sent_version: int | None, timeout: float) -> Snapshot | None:
        """The latest snapshot once it differs from ``sent_version``; None after ``timeout`` or on close."""
        with self._changed:
            self._changed.wait_for(lambda: self.is_closed or self.latest.version != sent_version, timeout)
            if self.is_closed or self.latest.version == sent_version:
                return None
            return self.latest


class Hub:
    """The process's watcher and the open streams it feeds."""

    def __init__(self, app: Flask, broker: Broker, load: Callable[[int], RoomState | None]) -> None:
        self.app = app
        self.broker = broker
        self._load = load
        self._lock = threading.Lock()
        self._boxes: dict[int, set[Mailbox]] = {}
        self._latest: dict[int, Snapshot] = {}
        self._loaded_at: dict[int, float] = {}
        self._dirty: set[int] = set()
        self.wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # --- streams -----------------------------------------------------------------------------------

    def subscribe(self, state: RoomState) -> Mailbox:
        """Register a stream for ``state``'s seminar; ``state`` was read by the request that opened it."""
        with self._lock:
            snapshot = self._offer_locked(Snapshot(state))
            box = Mailbox(snapshot)
            self._boxes.setdefault(state.seminar_id, set()).add(box)
            self._start_locked()
        return box

    def unsubscribe(self, box: Mailbox) -> None:
        with self._lock:
            boxes = self._boxes.get(box.seminar_id)
            if boxes is not None:
                boxes.discard(box)
                if not boxes:
                    del self._boxes[box.seminar_id]
                    self._latest.pop(box.seminar_id, None)

    @property
    def stream_count(self) -> int:
        with self._lock:
            return sum(len(boxes) for boxes in self._boxes.values())

    def watched(self) -> dict[int, int]:
        """The seminars with open streams here, and the version they have."""
        with self._lock:
            return {seminar_id: self._latest[seminar_id].version for seminar_id in self._boxes}

    def _offer_locked(self, snapshot: Snapshot) -> Snapshot:
        current = self._latest.get(snapshot.state.seminar_id)
        if current is not None and current.version >= snapshot.version:
            return current
        self._latest[snapshot.state.seminar_id] = snapshot
        for box in self._boxes.get(snapshot.state.seminar_id, ()):
            box.put(snapshot)
        return snapshot

    # --- the watcher -------------------------------------------------------------------------------

    def poke(self, seminar_ids: Iterable[int]) -> None:
        """Changes committed in this process: look at them now rather than at the next poll."""
        with self._lock:
            self._dirty.update(seminar_ids)
        self.wake.set()

    def _start_locked(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="seminar-watcher", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.broker.close()

    def _run(self) -> None:
        timeout = self.broker.interval
        while not self._stopping.is_set():
            try:
                changed = self.broker.wait(self, timeout)
            except Exception:
                log.exception("the seminar watcher lost its source of changes; retrying")
                changed = set(self.watched())
                time.sleep(1)
            with self._lock:
                changed |= self._dirty
                self._dirty.clear()
                changed &= set(self._boxes)
            timeout = self.broker.interval
            now = time.monotonic()
            for seminar_id in sorted(changed):
                wait = self._loaded_at.get(seminar_id, 0) + MIN_GAP_SECONDS - now
                if wait > 0:
                    with self._lock:
                        self._dirty.add(seminar_id)
                    timeout = min(timeout, wait)
                    continue
                self._refresh(seminar_id)

    def _refresh(self, seminar_id: int) -> None:
        self._loaded_at[seminar_id] = time.monotonic()
        try:
            with self.app.app_context():
                state = self._load(seminar_id)
        except Exception:
            log.exception("could not load seminar %s", seminar_id)
            return
        with self._lock:
            if state is None:  # deleted: its streams end
                for box in self._boxes.pop(seminar_id, set()):
                    box.close()
                self._latest.pop(seminar_id, None)
            else:
                self._offer_locked(Snapshot(state))


# --- where changes come from ---------------------------------------------------------------------------


class Broker:
    """How the watcher learns which seminars changed in other processes."""

    interval = 1.0

    def wait(self, hub: Hub, timeout: float) -> set[int]:
        raise NotImplementedError

    def publish(self, seminar_ids: set[int]) -> None:
        """Called after a commit that changed ``seminar_ids`` (for brokers that are told after the fact)."""

    def close(self) -> None:
        pass


class VersionPoller(Broker):
    """Reads the versions of the watched seminars about once a second: one query per process."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval

    def wait(self, hub: Hub, timeout: float) -> set[int]:
        hub.wake.wait(timeout)
        hub.wake.clear()
        watched = hub.watched()
        if not watched:
            return set()
        with hub.app.app_context():
            rows = db.session.execute(
                select(Seminar.id, Seminar.version).where(Seminar.id.in_(watched))
            ).all()
        found = {seminar_id: version for seminar_id, version in rows}
        return {seminar_id for seminar_id, version in watched.items() if found.get(seminar_id) != version}


class PostgresListener(Broker):
    """One LISTEN connection per process; PostgreSQL delivers each change's NOTIFY at its commit."""

    interval = 1.0

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self.conninfo = url.render_as_string(hide_password=False)
        self._connection: Any = None

    def _connect(self, hub: Hub) -> Any:
        import psycopg

        connection = psycopg.connect(self.conninfo, autocommit=True)
        connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        return connection

    def wait(self, hub: Hub, timeout: float) -> set[int]:
        changed: set[int] = set()
        if self._connection is None or self._connection.closed:
            self._connection = self._connect(hub)
            changed |= set(hub.watched())  # whatever happened while no one listened
        if hub.wake.is_set():
            hub.wake.clear()
            timeout = 0.0
        for notify in self._connection.notifies(timeout=max(timeout, 0.01), stop_after=1):
            changed.add(int(notify.payload))
        # Gather whatever else has arrived, without waiting.
        for notify in self._connection.notifies(timeout=0.0):
            changed.add(int(notify.payload))
        return changed

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()


class RedisBroker(Broker):
    """Changes are published to Redis after their commit; each process holds one subscription."""

    interval = 1.0

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url)
        self._pubsub: Any = None

    def publish(self, seminar_ids: set[int]) -> None:
        for seminar_id in seminar_ids:
            self.client.publish(REDIS_CHANNEL, str(seminar_id))

    def wait(self, hub: Hub, timeout: float) -> set[int]:
        changed: set[int] = set()
        if self._pubsub is None:
            self._pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            self._pubsub.subscribe(REDIS_CHANNEL)
            changed |= set(hub.watched())
        if hub.wake.is_set():
            hub.wake.clear()
            timeout = 0.0
        message = self._pubsub.get_message(timeout=max(timeout, 0.01))
        while message is not None:
            if message.get("type") == "message":
                changed.add(int(message["data"]))
            message = self._pubsub.get_message(timeout=0.0)
        return changed

    def close(self) -> None:
        if self._pubsub is not None:
            self._pubsub.close()
        self.client.close()


def make_broker(setting: str, database_url: str) -> Broker:
    if setting.startswith(("redis://", "rediss://", "unix://")):
        return RedisBroker(setting)
    if database_url.startswith("postgresql"):
        return PostgresListener(database_url)
    return VersionPoller()


# --- the event stream ------------------------------------------------------------------------------------


def format_event(version: int, data: str) -> str:
    return f"id: {version}\nevent: state\ndata: {data}\n\n"


def event_stream(
    hub: Hub,
    state: RoomState,
    last_event_id: int | None,
    render: Callable[[Snapshot], str],
    *,
    heartbeat: float,
    lifetime: float,
) -> Iterator[str]:
    """The stream one page reads: the current state (unless it already has this version), then every
    newer state that looks different on this page, with a comment line as heartbeat. (A phone does not show
    how many have answered: a burst of answers changes the version sixty times but sends the phones
    nothing.) It ends after ``lifetime`` seconds; the browser reconnects with ``Last-Event-ID`` and
    resumes."""
    box = hub.subscribe(state)
    try:
        yield f"retry: {RETRY_MILLISECONDS}\n\n"
        sent = last_event_id
        shown: str | None = None
        deadline = time.monotonic() + lifetime
        snapshot: Snapshot | None = box.latest
        while True:
            if snapshot is not None and snapshot.version != sent:
                data = render(snapshot)
                if data != shown:
                    yield format_event(snapshot.version, data)
                    shown = data
                sent = snapshot.version
            remaining = deadline - time.monotonic()
            if remaining <= 0 or box.is_closed:
                return
            snapshot = box.wait(sent, min(heartbeat, remaining))
            if snapshot is None and not box.is_closed and deadline > time.monotonic():
                yield ": heartbeat\n\n"
    finally:
        hub.unsubscribe(box)


def json_event(html: str, announce: str) -> str:
    return json.dumps({"html": html, "announce": announce}, separators=(",", ":"))


# --- set-up ----------------------------------------------------------------------------------------------


def get_hub(app: Flask) -> Hub:
    return app.extensions["seminar_hub"]


def init_app(app: Flask) -> None:
    from course.web.course import get_course

    def load(seminar_id: int) -> RoomState | None:
        return load_room(seminar_id, get_course())

    broker = make_broker(app.config["COURSE_SEMINAR_BROKER"], app.config["SQLALCHEMY_DATABASE_URI"])
    hub = Hub(app, broker, load)
    app.extensions["seminar_hub"] = hub
    app.config.setdefault("SEMINAR_HEARTBEAT_SECONDS", 15.0)
    app.config.setdefault("SEMINAR_STREAM_SECONDS", 300.0)
    _HUBS.append(hub)


#: Every hub of this process (one per application; the tests build several), told of each commit.
_HUBS: list[Hub] = []


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    changed: set[int] | None = session.info.pop("seminar_changes", None)
    if not changed:
        return
    for hub in _HUBS:
        try:
            hub.broker.publish(changed)
        except Exception:  # the change is saved; phones see it at the next change or reconnect
            log.exception("could not publish a seminar change")
        hub.poke(changed)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop("seminar_changes", None)
