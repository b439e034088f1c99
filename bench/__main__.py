"""``python -m bench seed``, ``run``, ``cpu``, ``repeat`` and ``seminar``: see docs/benchmarks.md."""

from __future__ import annotations

import argparse
import sys

from bench import database


def _seed(args: argparse.Namespace) -> int:
    from bench.seed import SeedError, seed

    url = database.database_url()
    if args.reset:
        database.drop_everything(url)
    print(f"seeding {args.councils} councils of {args.members} members into {database.describe(url)}")
    try:
        result = seed(database.make_app(url), args.councils, args.members, echo=print)
    except SeedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{name} {count:,}" for name, count in result.rows.items())
    print(f"seeded {result.members:,} members in {result.seconds:.1f} s ({counts})")
    return 0


def _run(args: argparse.Namespace) -> int:
    from bench.load import BenchError, run

    try:
        run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _cpu(args: argparse.Namespace) -> int:
    from bench.cpu import run
    from bench.load import BenchError

    try:
        run(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _repeat(args: argparse.Namespace) -> int:
    from bench.cpu import repeat
    from bench.load import BenchError

    try:
        repeat(args)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _table(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bench.report import format_docs, read_json

    print(format_docs([read_json(Path(name)) for name in args.results]))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    seed = commands.add_parser("seed", help="fill a database at national scale (COURSE_DATABASE_URL)")
    seed.add_argument("--councils", type=int, default=400)
    seed.add_argument("--members", type=int, default=60, help="members per council")
    seed.add_argument("--reset", action="store_true", help="drop every table first")
    seed.set_defaults(handler=_seed)

    run = commands.add_parser("run", help="load the site and a bare hello world side by side")
    run.add_argument("--quick", action="store_true", help="short runs, for a check (under 2 minutes)")
    run.add_argument("--duration", type=float, help="seconds of load per scenario")
    run.add_argument("--connections", type=int, help="concurrent connections (default: 2 per worker)")
    run.add_argument("--workers", type=int, help="gunicorn workers (default: one per core)")
    run.add_argument("--only", nargs="+", metavar="SCENARIO", help="run only these scenarios")
    run.add_argument("--output", default=None, help="where to write the results (bench/results.json)")
    run.set_defaults(handler=_run)

    cpu = commands.add_parser("cpu", help="CPU time per request of each page, in-process (seed first)")
    cpu.add_argument("--rounds", type=int, default=5)
    cpu.add_argument("--requests", type=int, default=5, help="requests per round")
    cpu.set_defaults(handler=_cpu)

    from bench.cpu import PAGES

    repeat = commands.add_parser("repeat", help="requests of one page, to count instructions under valgrind")
    repeat.add_argument("page", choices=PAGES)
    repeat.add_argument("--requests", type=int, default=20)
    repeat.set_defaults(handler=_repeat)

    from bench.faults import add_parser as add_faults

    add_faults(commands)

    from bench.seminar import add_parser as add_seminar

    add_seminar(commands)

    table = commands.add_parser("table", help="print the results section of docs/benchmarks.md")
    table.add_argument("results", nargs="+", help="results files of `run` (SQLite, PostgreSQL, ...)")
    table.set_defaults(handler=_table)

    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
