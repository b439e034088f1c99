"""The results of a run: ratios to hello world, the targets, the printed table and ``results.json``."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

HELLO = "hello"
#: bench/floor.py: the session check alone, the ceiling of any signed-in page's share of hello world.
FLOOR = "floor"


@dataclass
class Measurement:
    """One scenario under load, as wrk reported it."""

    name: str
    label: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    queries: int | None = None
    ratio: float | None = None
    notes: str = ""
    #: Latency of one user alone (a single connection): how long the page takes, without queueing.
    single_p50_ms: float | None = None
    single_p95_ms: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def from_wrk(cls, name: str, label: str, summary: Mapping[str, Any]) -> Measurement:
        errors = sum(summary[key] for key in ("connect", "read", "write", "status", "timeout"))
        return cls(
            name=name,
            label=label,
            requests=int(summary["requests"]),
            seconds=summary["duration_us"] / 1e6,
            p50_ms=summary["p50_us"] / 1000,
            p95_ms=summary["p95_us"] / 1000,
            p99_ms=summary["p99_us"] / 1000,
            errors=int(errors),
        )


@dataclass(frozen=True, slots=True)
class Target:
    what: str
    value: float | None
    limit: float
    unit: str
    #: "min": the value must be at least the limit; "max": below it.
    direction: str

    @property
    def is_met(self) -> bool:
        if self.value is None:
            return False
        return self.value >= self.limit if self.direction == "min" else self.value < self.limit

    def describe(self) -> str:
        sign = "≥" if self.direction == "min" else "<"
        value = "—" if self.value is None else f"{self.value:.{1 if self.unit else 0}f}{self.unit}"
        return f"{self.what}: {value} ({sign} {self.limit:g}{self.unit}) {'met' if self.is_met else 'MISSED'}"


@dataclass
class Results:
    database: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    measurements: list[Measurement]
    memory_mb: dict[str, float] = field(default_factory=dict)
    pdf_ms: dict[str, float] = field(default_factory=dict)
    hello_runs: list[float] = field(default_factory=list)

    def by_name(self, name: str) -> Measurement | None:
        return next((m for m in self.measurements if m.name == name), None)


def apply_ratios(measurements: Sequence[Measurement], hello_rps: float) -> None:
    """Each scenario's requests/s as a share of hello world's, measured in the same run."""
    for measurement in measurements:
        measurement.ratio = measurement.rps / hello_rps if hello_rps else None


def targets(results: Results) -> list[Target]:
    """The issue's targets, checked against a run."""

    def ratio(name: str) -> float | None:
        measurement = results.by_name(name)
        return None if measurement is None or measurement.ratio is None else measurement.ratio * 100

    def p95(name: str) -> float | None:
        # A page's own time: at saturation every latency is mostly the queue in front of the workers.
        measurement = results.by_name(name)
        return None if measurement is None else measurement.single_p95_ms

    errors = sum(m.errors for m in results.measurements)
    return [
        Target("module page, % of hello world req/s", ratio("module"), 50, "%", "min"),
        Target("POST /api/progress, % of hello world req/s", ratio("progress"), 60, "%", "min"),
        Target("errors, all scenarios", float(errors), 1, "", "max"),
        Target("council dashboard (60 members) p95, one user", p95("dashboard"), 50, " ms", "max"),
        Target("platform overview (400 councils) p95, one user", p95("platform"), 250, " ms", "max"),
        Target("one certificate PDF", results.pdf_ms.get("median"), 50, " ms", "max"),
        Target("peak memory of a worker", results.memory_mb.get("site_worker_peak"), 150, " MB", "max"),
    ]


def format_table(measurements: Sequence[Measurement]) -> str:
    """A Markdown table, ready to paste into docs/benchmarks.md."""
    header = [
        "scenario",
        "req/s",
        "% of hello",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "one user p50 / p95 ms",
        "errors",
        "queries/request",
    ]
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    for m in measurements:
        cells = [
            m.label,
            f"{m.rps:,.0f}",
            "—" if m.ratio is None else f"{m.ratio * 100:.0f}%",
            f"{m.p50_ms:.1f}",
            f"{m.p95_ms:.1f}",
            f"{m.p99_ms:.1f}",
            "—" if m.single_p95_ms is None else f"{m.single_p50_ms:.1f} / {m.single_p95_ms:.1f}",
            str(m.errors),
            "—" if m.queries is None else str(m.queries),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def floor_note(results: Results) -> str | None:
    """The share of hello world that no signed-in page can exceed, as measured in the run."""
    floor = results.by_name(FLOOR)
    if floor is None or floor.ratio is None:
        return None
    return (
        f"signed-in floor (session cookie and one indexed query, nothing else): {floor.ratio * 100:.0f}% "
        "of hello world's req/s, the most any signed-in page can reach on this stack"
    )


def format_report(results: Results) -> str:
    settings = results.settings
    parts = [
        f"database: {results.database}; {settings.get('workers')} workers, "
        f"{settings.get('connections')} connections, {settings.get('duration')} s per scenario",
        "",
        format_table(results.measurements),
        "",
    ]
    if results.hello_runs:
        runs = ", ".join(f"{rps:,.0f}" for rps in results.hello_runs)
        parts.append(f"hello world req/s, before and after the site: {runs}")
    if (note := floor_note(results)) is not None:
        parts.append(note)
    if results.pdf_ms:
        parts.append(
            f"one certificate PDF: {results.pdf_ms['median']:.1f} ms median "
            f"(first, with fonts loaded: {results.pdf_ms['first']:.1f} ms)"
        )
    if results.memory_mb:
        parts.append(
            f"peak memory (VmHWM) of a site worker: {results.memory_mb['site_worker_peak']:.0f} MB; "
            f"of a hello world worker: {results.memory_mb.get('hello_worker_peak', 0):.0f} MB"
        )
    parts.append("")
    parts.extend(target.describe() for target in targets(results))
    return "\n".join(parts)


def to_json(results: Results) -> dict[str, Any]:
    data = asdict(results)
    for measurement, row in zip(results.measurements, data["measurements"], strict=True):
        row["rps"] = round(measurement.rps, 1)
    data["targets"] = [
        {"what": t.what, "value": t.value, "limit": t.limit, "unit": t.unit.strip(), "met": t.is_met}
        for t in targets(results)
    ]
    return data


def write_json(results: Results, path: Path) -> None:
    path.write_text(json.dumps(to_json(results), indent=2, ensure_ascii=False, default=str) + "\n")


def read_json(path: Path) -> Results:
    """A run written by :func:`write_json`, read back."""
    data = json.loads(path.read_text())
    measurements = []
    for row in data["measurements"]:
        fields = {key: value for key, value in row.items() if key != "rps"}
        measurements.append(Measurement(**fields))
    return Results(
        database=data["database"],
        machine=data["machine"],
        settings=data["settings"],
        measurements=measurements,
        memory_mb=data["memory_mb"],
        pdf_ms=data["pdf_ms"],
        hello_runs=data["hello_runs"],
    )


def format_docs(runs: Sequence[Results]) -> str:
    """The results section of docs/benchmarks.md: a table per run, then the targets side by side."""
    parts = []
    for results in runs:
        hello = ", ".join(f"{rps:,.0f}" for rps in results.hello_runs)
        parts += [
            f"### {results.machine.get('database', results.database)}",
            "",
            f"Hello world: {hello} requests/s before and after the site. One certificate PDF: "
            f"{results.pdf_ms['median']:.1f} ms (median, in-process). Peak memory of a site worker: "
            f"{results.memory_mb['site_worker_peak']:.0f} MB (of a hello world worker: "
            f"{results.memory_mb['hello_worker_peak']:.0f} MB).",
            "",
            format_table(results.measurements),
            "",
        ]
        if (note := floor_note(results)) is not None:
            parts += [note[0].upper() + note[1:] + ".", ""]

    def cell(target: Target) -> str:
        value = "—" if target.value is None else f"{target.value:.{1 if target.unit else 0}f}{target.unit}"
        return f"{value} {'met' if target.is_met else '**missed**'}"

    checked = [targets(results) for results in runs]
    names = [results.machine.get("database", results.database).split(" (")[0] for results in runs]
    parts += ["### Targets", "", "| target | " + " | ".join(names) + " |"]
    parts.append("|---|" + "---:|" * len(runs))
    for row in zip(*checked, strict=True):
        first = row[0]
        sign = "≥" if first.direction == "min" else "<"
        cells = " | ".join(cell(target) for target in row)
        parts.append(f"| {first.what} ({sign} {first.limit:g}{first.unit}) | {cells} |")
    return "\n".join(parts)
