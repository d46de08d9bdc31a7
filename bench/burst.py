"""A burst of signed HRIS webhooks of every type, all sent at once to the local stack and reconciled: throughput
and time from acceptance to each event's terminal outcome. `make bench` runs 5,000; tests/local/test_burst.py
runs 500 as a correctness test (no timings asserted there).

    .venv/bin/python -m bench.burst [--events 5000] [--senders 16] [--doc docs/performance.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from coachwire_tools.local.burst import BurstResult, burst_steps, run_burst
from coachwire_tools.local.stack import LocalStack

from bench.__main__ import handler_logs_discarded

SECTION = "## Burst of concurrent webhooks (`python -m bench.burst`)"


def table(result: BurstResult, senders: int) -> list[str]:
    r = result.reconciliation
    types = ", ".join(f"{n:,} {t}" for t, n in sorted(result.types.items()))
    return [
        f"Burst on {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, the local stack (moto server, real HTTP, handlers in-process); "
        f"{result.sent:,} webhooks from {senders} concurrent senders, shuffled ({types})",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| accepted (202) / sent | {result.accepted:,} / {result.sent:,} |",
        f"| refused: 422 for a skill of the role held before a role change that overtook it | "
        f"{sum(result.refused.values()):,} |",
        f"| terminal outcomes / lost / duplicated effects | {r.terminal:,} / {len(r.lost)} / "
        f"{len(r.duplicated_effects)} |",
        f"| parked before their employee / refused on replay | {len(r.parked):,} / {len(r.rejected_on_replay)} |",
        f"| notifications sent / duplicate e-mails / dead-lettered | {r.notifications['sent']:,} / "
        f"{r.duplicate_emails} / {sum(r.dead_lettered.values())} |",
        f"| first send to every event terminal | {result.seconds:.0f} s |",
        f"| throughput | {result.throughput:.1f} events/s |",
        f"| time to terminal p50 | {result.time_to_terminal(50):.1f} s |",
        f"| time to terminal p99 | {result.time_to_terminal(99):.1f} s |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.burst", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--senders", type=int, default=16, help="concurrent HTTP senders")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--doc", help="append the table to this Markdown file (make bench: docs/performance.md)")
    args = parser.parse_args(argv)

    steps = burst_steps(args.events, datetime.now(UTC).date(), seed=args.seed)
    print(f"[bench.burst] sending {len(steps):,} webhooks from {args.senders} senders", file=sys.stderr, flush=True)
    with handler_logs_discarded(), LocalStack(seed="sample") as stack:
        result = run_burst(stack, steps, senders=args.senders, timeout=3600)
    lines = table(result, args.senders)
    print("\n".join(lines))
    if not result.reconciliation.clean or result.unexpected_refusals:
        print(json.dumps(result.reconciliation.summary() | {"refused": result.refused}), file=sys.stderr)
        print("[bench.burst] the burst did not reconcile: see the summary above", file=sys.stderr)
        return 1
    if args.doc:
        # `python -m bench` rewrites the document first; this section follows it.
        doc = Path(args.doc)
        doc.write_text(doc.read_text().rstrip() + f"\n\n{SECTION}\n\n" + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
