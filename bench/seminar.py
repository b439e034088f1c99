"""``python -m bench seminar``: many live seminars at once on the real stack.

The site runs under gunicorn with gthread workers (as the README says: an open stream holds a thread, not a
worker) on 127.0.0.1, on the database ``COURSE_DATABASE_URL`` names (default: a SQLite file of its own under
``bench/.work``). The harness

1. makes (once) ``--seminars`` councils of ``--members`` members, and plans one seminar in each with a few
   cards; every member and facilitator is signed in the way the site signs in (``bench/sessions.py``);
2. opens one event stream per member (``GET /seminars/<code>/events``) from one asyncio process over raw
   HTTP connections, and waits until each has the seminar's state;
3. has every facilitator post "next" ``--steps`` times, all seminars at once, and measures for each post the
   time from sending it to the moment the last of its seminar's phones has the new state;
4. opens a question in every seminar and lets every member answer at once (``--concurrency`` requests in
   flight), for answers per second while the streams stay open;
5. reads the workers' peak memory (VmHWM), closes everything and ends the seminars.

Everything is bounded: the connections by ``--seminars`` × ``--members``, the run by ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import func, select

from bench import database, sessions
from bench.load import SESSION_COOKIE, BenchError, Server, gunicorn

#: Councils made by this benchmark have slugs with this prefix; their members' addresses end in ``DOMAIN``.
SLUG_PREFIX = "seminar-bench-"
DOMAIN = "seminar-bench.example"
CARDS = 8


# --- pure helpers -----------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0 to 1) percentile of ``values`` by linear interpolation between the nearest ranks,
    as numpy's default; NaN for no values."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, not {fraction}")
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class EventParser:
    """Server-sent events from the bytes of a stream, fed in pieces as they arrive: each complete event's id
    (None for an event without one, such as the first ``retry:``) comes out once; comments are skipped."""

    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[int | None]:
        self._buffer += data.replace(b"\r\n", b"\n")
        ids: list[int | None] = []
        while b"\n\n" in self._buffer:
            block, self._buffer = self._buffer.split(b"\n\n", 1)
            lines = [line for line in block.split(b"\n") if line and not line.startswith(b":")]
            if not lines:
                continue  # a heartbeat
            event_id = None
            for line in lines:
                if line.startswith(b"id:"):
                    value = line[3:].strip()
                    event_id = int(value) if value.isdigit() else None
            ids.append(event_id)
        return ids


def first_arrival(arrivals: Sequence[tuple[int, float]], version: int) -> float | None:
    """When a stream first had ``version`` or a later one (a slow stream may skip versions)."""
    return next((at for event_id, at in arrivals if event_id >= version), None)


def split_head(data: bytes) -> tuple[int, bytes] | None:
    """The status code of an HTTP response and the bytes after its header, once the header is complete."""
    if b"\r\n\r\n" not in data:
        return None
    head, rest = data.split(b"\r\n\r\n", 1)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", head)
    if match is None:
        raise ValueError(f"not an HTTP response: {head[:40]!r}")
    return int(match.group(1)), rest


@dataclass
class Summary:
    seminars: int
    members: int
    workers: int
    threads: int
    database: str
    streams_opened: int = 0
    streams_wanted: int = 0
    open_seconds: float = 0.0
    next_latencies: list[float] = field(default_factory=list)
    next_missed: int = 0
    answers: int = 0
    answers_failed: int = 0
    answer_seconds: float = 0.0
    answer_latencies: list[float] = field(default_factory=list)
    answers_counted: int = 0
    worker_peak_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def answers_per_second(self) -> float:
        return self.answers / self.answer_seconds if self.answer_seconds else 0.0


def format_summary(summary: Summary) -> str:
    """The figures of a run, as printed and as docs/benchmarks.md shows them."""

    def ms(values: Sequence[float], fraction: float) -> str:
        value = percentile(values, fraction)
        return "–" if math.isnan(value) else f"{value * 1000:,.0f} ms"

    lines = [
        f"database {summary.database}; gunicorn gthread, "
        f"{summary.workers} workers × {summary.threads} threads",
        f"{summary.seminars} seminars × {summary.members} phones: {summary.streams_opened:,} of "
        f"{summary.streams_wanted:,} streams open with their state in {summary.open_seconds:.1f} s",
        f"'next' to the last phone of the seminar: p50 {ms(summary.next_latencies, 0.5)}, "
        f"p95 {ms(summary.next_latencies, 0.95)}, max {ms(summary.next_latencies, 1.0)} "
        f"({len(summary.next_latencies)} posts, {summary.next_missed} not seen by every phone)",
        f"answers: {summary.answers:,} in {summary.answer_seconds:.2f} s = "
        f"{summary.answers_per_second:,.0f}/s, "
        f"one answer p50 {ms(summary.answer_latencies, 0.5)}, p95 {ms(summary.answer_latencies, 0.95)}; "
        f"{summary.answers_failed} failed, {summary.answers_counted:,} counted",
        f"worker peak memory (VmHWM): {summary.worker_peak_mb:,.0f} MB",
    ]
    lines.extend(summary.notes)
    return "\n".join(lines)


# --- the seminars -----------------------------------------------------------------------------------------


@dataclass
class Room:
    seminar_id: int
    code: str
    facilitator: sessions.SignedIn
    phones: list[sessions.SignedIn]
    streams: list[Stream] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


def prepare(app: Flask, seminars: int, members: int) -> list[Room]:
    """``seminars`` councils with ``members`` members and an administrator each (made once, kept), and a new
    seminar of ``CARDS`` cards planned in each; everyone signed in."""
    from course.extensions import db
    from course.people.models import Council, Member
    from course.people.services import add_member, create_council
    from course.seminars import operations
    from course.seminars.material import list_material
    from course.web.course import get_course

    rooms = []
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        material = list_material(get_course().conversation)[:CARDS]
        for number in range(seminars):
            slug = f"{SLUG_PREFIX}{number}"
            council = db.session.scalar(select(Council).where(Council.slug == slug))
            if council is None:
                council = create_council(slug, f"Seminarbench {number} Kommune", "dk", "da")
            have = db.session.scalar(
                select(func.count()).select_from(Member).where(Member.council_id == council.id)
            )
            for index in range(have, members + 1):
                add_member(
                    council,
                    f"m{index}.c{number}@{DOMAIN}",
                    f"Medlem {index}",
                    is_admin=index == 0,
                )
            db.session.flush()
            people = db.session.scalars(
                select(Member).where(Member.council_id == council.id).order_by(Member.id).limit(members + 1)
            ).all()
            admin, phones = people[0], people[1:]
            seminar = operations.plan_seminar(council, "Benchmark", date.today(), "", actor=admin)
            for card in material:
                operations.add_card(seminar, card, "da", actor=admin)
            db.session.commit()
            rooms.append((seminar.id, seminar.join_code, admin.id, [member.id for member in phones]))
    signed = sessions.sign_in(app, [member_id for room in rooms for member_id in (room[2], *room[3])])
    return [
        Room(seminar_id, code, signed[admin_id], [signed[member_id] for member_id in phone_ids])
        for seminar_id, code, admin_id, phone_ids in rooms
    ]


def finish(app: Flask, rooms: Iterable[Room]) -> int:
    """End the seminars (so the councils can be used again), sign everyone out; the answers counted."""
    from course.extensions import db
    from course.people.models import Member
    from course.seminars import operations
    from course.seminars.models import Seminar, SeminarAnswer, SeminarItem

    rooms = list(rooms)
    with app.app_context():
        counted = db.session.scalar(
            select(func.sum(SeminarAnswer.count))
            .select_from(SeminarAnswer)
            .join(SeminarItem, SeminarAnswer.item_id == SeminarItem.id)
            .where(SeminarItem.seminar_id.in_([room.seminar_id for room in rooms]))
        )
        for room in rooms:
            seminar = db.session.get(Seminar, room.seminar_id)
            if seminar is not None and seminar.status == "live":
                operations.end_seminar(seminar, actor=db.session.get(Member, room.facilitator.member_id))
        db.session.commit()
    sessions.sign_out(app, [room.facilitator.member_id for room in rooms])
    sessions.sign_out(app, [phone.member_id for room in rooms for phone in room.phones])
    return int(counted or 0)


def current_items(app: Flask, rooms: Iterable[Room]) -> dict[int, int]:
    """Each seminar's current card (its item id)."""
    from course.extensions import db
    from course.seminars.models import Seminar

    with app.app_context():
        db.session.expire_all()
        found = {}
        for room in rooms:
            seminar = db.session.get(Seminar, room.seminar_id)
            found[room.seminar_id] = seminar.items[seminar.position].id
        return found


# --- the client -------------------------------------------------------------------------------------------


def _headers(signed: sessions.SignedIn, **more: str) -> str:
    headers = {
        "Host": "127.0.0.1",
        "User-Agent": sessions.USER_AGENT,
        "Cookie": f"{SESSION_COOKIE}={signed.cookie}",
        **more,
    }
    return "".join(f"{name}: {value}\r\n" for name, value in headers.items())


class Stream:
    """One phone's event stream on its own connection (HTTP/1.0: the body is the stream itself)."""

    def __init__(self, room: Room, signed: sessions.SignedIn) -> None:
        self.room = room
        self.signed = signed
        self.version = 0
        self.arrivals: list[tuple[int, float]] = []
        self.writer: asyncio.StreamWriter | None = None
        self.task: asyncio.Task[None] | None = None
        self.has_state = asyncio.Event()

    async def open(self, port: int) -> None:
        reader, self.writer = await asyncio.open_connection("127.0.0.1", port, limit=2**20)
        request = (
            f"GET /seminars/{self.room.code}/events HTTP/1.0\r\n"
            + _headers(self.signed, Accept="text/event-stream")
            + "\r\n"
        )
        self.writer.write(request.encode())
        await self.writer.drain()
        self.task = asyncio.create_task(self._read(reader))

    async def _read(self, reader: asyncio.StreamReader) -> None:
        data = b""
        while (head := split_head(data)) is None:
            chunk = await reader.read(65536)
            if not chunk:
                return
            data += chunk
        status, rest = head
        if status != 200:
            raise BenchError(f"a stream was refused: HTTP {status}")
        parser = EventParser()
        chunk = rest
        while True:
            now = time.monotonic()
            for event_id in parser.feed(chunk):
                if event_id is not None and event_id > self.version:
                    self.version = event_id
                    self.arrivals.append((event_id, now))
                    self.has_state.set()
                    self.room.changed.set()
            chunk = await reader.read(65536)
            if not chunk:
                return

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.writer is not None:
            self.writer.close()


async def post(
    port: int, path: str, signed: sessions.SignedIn, form: dict[str, Any] | None = None
) -> tuple[int, bytes]:
    """A form posted as the page's script posts it (CSRF header, JSON reply); the status and the body."""
    body = urlencode(form or {}).encode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        request = (
            f"POST {path} HTTP/1.0\r\n"
            + _headers(
                signed,
                Accept="application/json",
                **{
                    "X-CSRFToken": signed.csrf,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Content-Length": str(len(body)),
                },
            )
            + "\r\n"
        )
        writer.write(request.encode() + body)
        await writer.drain()
        data = await reader.read()
    finally:
        writer.close()
    head = split_head(data)
    if head is None:
        raise BenchError(f"no complete response to POST {path}")
    return head


async def wait_for_version(room: Room, version: int, timeout: float) -> bool:
    """Until every stream of ``room`` has ``version`` (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while min((stream.version for stream in room.streams), default=version) < version:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        room.changed.clear()
        if min(stream.version for stream in room.streams) >= version:
            break
        try:
            await asyncio.wait_for(room.changed.wait(), remaining)
        except TimeoutError:
            return False
    return True


async def step_room(port: int, room: Room, steps: int, pause: float, summary: Summary) -> None:
    """The facilitator's "next", ``steps`` times, each timed to the last phone of the room."""
    for _ in range(steps):
        started = time.monotonic()
        status, body = await post(port, f"/admin/seminars/{room.seminar_id}/next", room.facilitator)
        if status != 200:
            raise BenchError(f"'next' was refused: HTTP {status} {body[:200]!r}")
        version = json.loads(body)["version"]
        if await wait_for_version(room, version, 30):
            last = max(first_arrival(stream.arrivals, version) or started for stream in room.streams)
            summary.next_latencies.append(last - started)
        else:
            summary.next_missed += 1
        await asyncio.sleep(pause)


async def drive(
    app: Flask, server: Server, rooms: list[Room], args: argparse.Namespace, summary: Summary
) -> None:
    port = server.port
    # Open the streams, a bounded number of connections being set up at a time.
    opening = asyncio.Semaphore(args.concurrency)
    started = time.monotonic()

    async def open_one(stream: Stream) -> None:
        async with opening:
            await stream.open(port)
            await asyncio.wait_for(stream.has_state.wait(), 60)

    for room in rooms:
        room.streams = [Stream(room, signed) for signed in room.phones]
    results = await asyncio.gather(
        *(open_one(stream) for room in rooms for stream in room.streams), return_exceptions=True
    )
    failures = [result for result in results if isinstance(result, BaseException)]
    summary.streams_opened = len(results) - len(failures)
    summary.open_seconds = time.monotonic() - started
    if failures:
        kinds = sorted({type(failure).__name__ + ": " + str(failure)[:80] for failure in failures})
        summary.notes.append(f"{len(failures)} streams could not be opened: {'; '.join(kinds[:3])}")
        for room in rooms:
            room.streams = [stream for stream in room.streams if stream.has_state.is_set()]

    # The facilitators step through their cards, all seminars at once (their starts spread over a pause).
    async def facilitate(index: int, room: Room) -> None:
        await asyncio.sleep(args.pause * index / len(rooms))
        await step_room(port, room, args.steps, args.pause, summary)

    await asyncio.gather(*(facilitate(index, room) for index, room in enumerate(rooms)))

    # A question opens in every seminar, then every member answers at once.
    for room in rooms:
        status, body = await post(port, f"/admin/seminars/{room.seminar_id}/open", room.facilitator)
        if status != 200:
            raise BenchError(f"opening a question was refused: HTTP {status} {body[:200]!r}")
    items = current_items(app, rooms)
    answering = asyncio.Semaphore(args.concurrency)

    async def answer(room: Room, signed: sessions.SignedIn) -> None:
        async with answering:
            began = time.monotonic()
            path = f"/seminars/{room.code}/answer"
            status, _ = await post(port, path, signed, {"item": items[room.seminar_id], "answer": "4"})
            summary.answer_latencies.append(time.monotonic() - began)
            if status == 200:
                summary.answers += 1
            else:
                summary.answers_failed += 1

    started = time.monotonic()
    await asyncio.gather(*(answer(room, signed) for room in rooms for signed in room.phones))
    summary.answer_seconds = time.monotonic() - started
    summary.worker_peak_mb = server.worker_peak_mb()


def run(args: argparse.Namespace, echo: Callable[[str], None] = print) -> Summary:
    url = os.environ.get("COURSE_DATABASE_URL", "").strip()
    if not url:
        database.WORK_DIR.mkdir(exist_ok=True)
        url = "sqlite:///" + str(database.WORK_DIR / "seminar.db")
    workers = args.workers or os.cpu_count() or 1
    streams = args.seminars * args.members
    # An idle gthread worker starts threads as connections need them: enough for every stream on one worker
    # (the kernel does not share connections out evenly), and some for the posts.
    threads = streams + 2 * args.concurrency
    secret = os.urandom(32).hex()
    app = database.make_app(url, secret)
    summary = Summary(
        args.seminars, args.members, workers, threads, database.describe(url), streams_wanted=streams
    )
    echo(f"preparing {args.seminars} seminars of {args.members} members in {summary.database}")
    rooms = prepare(app, args.seminars, args.members)
    env = {
        **os.environ,
        "COURSE_DATABASE_URL": url,
        "COURSE_SECRET_KEY": secret,
        "COURSE_INSTANCE_DIR": str(database.WORK_DIR / "instance"),
        "PYTHONPATH": str(database.BENCH_DIR.parent),
    }
    extra = [
        "--worker-class", "gthread", "--threads", str(threads), "--worker-connections", str(threads),
        "--graceful-timeout", "5",
    ]  # fmt: skip
    try:
        with gunicorn("seminar", "course:create_app()", workers, env, extra) as server:
            echo(f"gunicorn gthread: {workers} workers × {threads} threads on {server.url}")

            async def bounded() -> None:
                try:
                    await asyncio.wait_for(drive(app, server, rooms, args, summary), args.max_seconds)
                except TimeoutError:
                    summary.notes.append(f"stopped after --max-seconds {args.max_seconds:.0f}")
                finally:
                    for room in rooms:
                        for stream in room.streams:
                            stream.close()

            asyncio.run(bounded())
    finally:
        summary.answers_counted = finish(app, rooms)
        from course.extensions import db

        with app.app_context():
            db.engine.dispose()
    echo("")
    echo(format_summary(summary))
    return summary


def add_parser(commands: Any) -> None:
    seminar = commands.add_parser(
        "seminar", help="live seminars: event streams, 'next' to the phones, answers"
    )
    seminar.add_argument("--seminars", type=int, default=20)
    seminar.add_argument("--members", type=int, default=60, help="phones per seminar")
    seminar.add_argument("--steps", type=int, default=5, help="'next' posts per facilitator (at most 7)")
    seminar.add_argument("--pause", type=float, default=1.0, help="seconds between a facilitator's posts")
    seminar.add_argument(
        "--concurrency", type=int, default=64, help="connections being opened or posting at once"
    )
    seminar.add_argument("--workers", type=int, help="gunicorn workers (default: one per core)")
    seminar.add_argument(
        "--max-seconds", type=float, default=300.0, help="the run stops by itself after this"
    )
    seminar.set_defaults(handler=_handle)


def _handle(args: argparse.Namespace) -> int:
    import sys

    if not 1 <= args.steps < CARDS:
        print(f"error: --steps must be 1 to {CARDS - 1}", file=sys.stderr)
        return 1
    if args.seminars < 1 or args.members < 1:
        print("error: --seminars and --members must be at least 1", file=sys.stderr)
        return 1
    try:
        run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
