"""``python -m bench cpu``: the CPU time one request of each page costs in-process.

``python -m bench repeat PAGE --requests N`` makes N requests of one page and measures nothing itself: it is
run under ``valgrind --tool=callgrind`` twice (N = 0 and N = 20), and the difference of the two instruction
counts over N is what one request costs, whatever else the machine is doing (docs/benchmarks.md).

Throughput under wrk moves with whatever else the machine is doing; the process's own CPU time per request
moves much less, so it is the figure to compare two versions of the code by on a shared machine. Each page
is requested through the application's test client with a signed-in member's cookie, as in the load run:
after a warm-up, ``rounds`` rounds of ``requests`` requests, and the median of the rounds' means.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bench import database, sessions
from bench.load import SESSION_COOKIE, BenchError, Prepared, Settings, prepare

PAGES = ("overview", "module", "progress", "dashboard", "platform")


def _request(client: FlaskClient, probe: tuple[str, str, Any, Any], number: int) -> None:
    method, path, signed, data = probe
    headers = {"Cookie": f"{SESSION_COOKIE}={signed.cookie}", "User-Agent": sessions.USER_AGENT}
    if method == "GET":
        response = client.get(path, headers=headers)
    else:
        # A new played stretch each time, so that every report is plausible and does some work.
        start = (number % 40) * 0.5
        body = {**data, "segments": [[start, start + 0.5]]}
        response = client.post(path, json=body, headers={**headers, "X-CSRFToken": signed.csrf})
    if response.status_code != 200:
        raise BenchError(f"{method} {path} answered {response.status_code} in-process")


def cpu_milliseconds(app: Flask, prepared: Prepared, rounds: int, requests: int) -> dict[str, float]:
    """Per page, the median over ``rounds`` of the mean CPU milliseconds of ``requests`` requests."""
    client = app.test_client(use_cookies=False)
    results = {}
    for scenario in prepared.scenarios:
        if scenario.name not in PAGES or scenario.probe is None:
            continue
        for number in range(3):
            _request(client, scenario.probe, number)
        means = []
        for round_number in range(rounds):
            started = time.process_time()
            for number in range(requests):
                _request(client, scenario.probe, 3 + round_number * requests + number)
            means.append((time.process_time() - started) / requests * 1000)
        results[scenario.name] = statistics.median(means)
    return results


def run(args: argparse.Namespace) -> dict[str, float]:
    url = database.database_url()
    app = database.make_app(url)
    settings = Settings.from_args(argparse.Namespace(quick=True, duration=None, connections=None, workers=1))
    prepared = prepare(app, settings)
    try:
        results = cpu_milliseconds(app, prepared, args.rounds, args.requests)
    finally:
        sessions.drop_attempts(app, prepared.attempt_ids)
        sessions.sign_out(app, prepared.member_ids)
    print(f"CPU milliseconds per request, in-process, {database.describe(url)}")
    for name, value in results.items():
        print(f"  {name:<10} {value:7.2f}")
    return results


def repeat(args: argparse.Namespace) -> None:
    """Sign in as the load run does, warm up, then make ``args.requests`` requests of ``args.page``."""
    app = database.make_app(database.database_url())
    settings = Settings.from_args(argparse.Namespace(quick=True, duration=None, connections=None, workers=1))
    prepared = prepare(app, settings)
    try:
        scenario = next(found for found in prepared.scenarios if found.name == args.page)
        client = app.test_client(use_cookies=False)
        for number in range(3 + args.requests):
            _request(client, scenario.probe, number)
    finally:
        sessions.drop_attempts(app, prepared.attempt_ids)
        sessions.sign_out(app, prepared.member_ids)
