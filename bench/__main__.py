"""`make bench`: warm time, AWS calls and rough cost per event for every trigger and the ingest function, and
each function's cold start beside a bare powertools + boto3 handler. Prints the tables and rewrites
docs/performance.md from the measured values.

    .venv/bin/python -m bench [--employees 80] [--cold-repeats 3] [--no-cold] [--no-doc]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from coachwire import spine
from coachwire.clock import SystemClock
from coachwire_tools.local.lambdas import repo_root
from coachwire_tools.local.stack import LocalStack
from coachwire_tools.sample_org.pilot import build_pilot, default_start

from bench.calls import CallRecorder
from bench.coldstart import BASELINE, ColdStarts, EventFactory
from bench.report import Run, render
from bench.stats import Summary
from bench.timing import stopwatch
from bench.workload import INGEST, FunctionSpec, Workload, function_spec

DOC = Path("docs/performance.md")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=80, help="size of the synthetic org in the pilot replay")
    parser.add_argument("--min-samples", type=int, default=60,
                        help="top role changes up to this many (the pilot has few)")
    parser.add_argument("--warmup", type=int, default=5, help="invocations per function discarded as warm-up")
    parser.add_argument("--cold-repeats", type=int, default=3, help="fresh interpreters per function and mode")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start measurements")
    parser.add_argument("--no-doc", action="store_true", help=f"print the tables, leave {DOC} alone")
    return parser.parse_args(argv)


_STARTED = time.monotonic()


def progress(text: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:5.0f} s] {text}", file=sys.stderr, flush=True)


@contextmanager
def handler_logs_discarded() -> Iterator[None]:
    """The handlers log one JSON line per invocation to stdout (kept: it is part of their cost); the bench's
    stdout is for the tables, so file descriptor 1 points at /dev/null meanwhile."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    with suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cores": str(os.cpu_count()), "cpu": cpu,
        "arch": platform.machine(), "python": platform.python_version(), "moto": version("moto"),
        "boto3": version("boto3"), "powertools": version("aws-lambda-powertools"), "pydantic": version("pydantic"),
        "numpy": version("numpy"),
        "load_start": load_average(),
    }


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg()) + " (1/5/15 min)"


def cold_functions(workload: Workload) -> dict[str, tuple[FunctionSpec, EventFactory]]:
    """Every function, and a factory for the event its cold start is called with: a real one from the warm
    phase (the webhook signed afresh each time: a signature is valid for five minutes), or None for a trigger
    the workload never fired (imported only)."""
    settings = workload.settings
    assert workload.last_webhook is not None
    employee = workload.last_webhook[0]["data"]["employee_id"]
    functions: dict[str, tuple[FunctionSpec, EventFactory]] = {
        t.name: (function_spec(t.name), lambda name=t.name: workload.last_events.get(name)) for t in spine.TRIGGERS}
    functions[INGEST] = (function_spec(INGEST), lambda: workload.webhook_event(*workload.last_webhook))
    functions[spine.API_FUNCTION] = (function_spec(spine.API_FUNCTION), lambda: workload.http_event(
        "GET", f"/employees/{employee}", {"authorization": "Bearer bench"},
        claims={"sub": "bench-hr-admin", settings.role_claim: "hr_admin"}))
    functions[BASELINE] = (FunctionSpec(BASELINE, 512, 30, "sqs"), lambda: {
        "table": settings.stats_table, "key": {"trigger": {"S": "profile_sync"}}})
    return functions


def measure(args: argparse.Namespace) -> Run:
    recorder = CallRecorder()
    recorder.install()
    about = machine()
    progress("starting moto, provisioning, seeding the sample organisation")
    with stopwatch() as total, handler_logs_discarded(), \
            tempfile.TemporaryDirectory(prefix="coachwire-bench-") as tmp, LocalStack(seed="sample") as stack:
        assert stack.dispatcher is not None
        stack.dispatcher.stop()  # the bench hands records to the handlers itself, one at a time
        workload = Workload(stack, recorder, warmup=args.warmup)
        round_trip = Summary.of(workload.moto_round_trip_ms())
        pilot = build_pilot(default_start(SystemClock().now().date()), n=args.employees)
        progress(f"replaying a 60-day pilot: {len(pilot.people)} employees, {len(pilot.steps)} webhooks")
        workload.replay(pilot, progress)
        role_changes = workload.measured.get("role_change_plan")
        topped_up = workload.role_change_top_up(
            pilot, max(0, args.min_samples - (len(role_changes.samples) if role_changes else 0)))
        progress(f"warm phase done ({topped_up} extra role changes)")
        outcomes = workload.outcomes()
        scan_items, scan_profiles, profile_bytes = workload.profiles_table()
        cold = None
        if not args.no_cold:
            cold = ColdStarts(Path(tmp), cold_functions(workload))
            progress("cold starts: warming the bytecode cache")
            cold.prepare()
            cold.measure(args.cold_repeats, progress)
    about["load_end"] = load_average()
    return Run(
        machine=about,
        workload=(
            f"the sample organisation (seeded frameworks, catalogs, named team) and a 60-day pilot of "
            f"{len(pilot.people)} synthetic employees ({len(pilot.steps)} signed webhooks, seed 7), replayed day by "
            f"day; {topped_up} extra role changes after it (a pilot has few); stall detection once per pilot day. "
            f"The first {args.warmup} invocations of each function are discarded as warm-up."),
        measured=workload.measured, outcomes=outcomes, round_trip=round_trip, scan_items=scan_items,
        scan_profiles=scan_profiles, profile_bytes=profile_bytes, cold=cold, cold_repeats=args.cold_repeats,
        seconds=total.ms / 1000)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.chdir(repo_root())
    run = measure(args)
    markdown = render(run)
    print(markdown)
    for name, measured in run.measured.items():
        for error, n in measured.errors.items():
            progress(f"{name}: {n} invocation(s) failed: {error}")
    if not args.no_doc:
        DOC.write_text(markdown)
        progress(f"wrote {DOC}")
    return 1 if any(m.failed for m in run.measured.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
