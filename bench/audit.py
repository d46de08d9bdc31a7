"""Fairness audit at scale: `python -m bench.audit [--employees 100000] [--recommendations 1000000] [--doc FILE]`.

One quarter of synthetic history (planted disparity included) audited end to end by
`coachwire.fairness.pipeline.run`: wall time per phase and peak memory, against Lambda's 15 minutes / 10 GB.
Also the cost of decoding stored recommendation documents (what the audit function's scan pays per item).
Prints a markdown table; `--doc` appends it to a Markdown file (make bench: docs/performance.md).
"""

from __future__ import annotations

import argparse
import gc
import platform
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from coachwire.fairness import pipeline
from coachwire.fairness.audit import audit_from_tables
from coachwire.fairness.pipeline import run
from coachwire.fairness.records import PipelineConfig, RecommendationFact
from coachwire.models.coaching import Recommendation, ScoreFactor
from coachwire_tools.fairness.synthetic import synthetic_inputs

GENERATED = datetime(2027, 1, 2, tzinfo=UTC)


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, fn, phases: list[tuple[str, float]]):
    t0 = time.perf_counter()
    out = fn()
    phases.append((label, time.perf_counter() - t0))
    print(f"[bench.audit] {label}: {phases[-1][1]:.2f} s, peak RSS {peak_rss_mib():,.0f} MiB", file=sys.stderr)
    return out


def stored_docs(count: int) -> list[str]:
    """Recommendation documents as the profiles table stores them (the `doc` attribute), for the decode cost."""
    factors = [ScoreFactor(name=n, value=0.5, weight=0.25, contribution=0.125)
               for n in ("gap", "criticality", "efficacy", "priority")]
    return [
        Recommendation(
            recommendation_id=f"r{i:08d}", employee_id=f"e{i % 100_000:07d}",
            item_id=f"syn.skill{i % 6}.course-{i % 12}", item_title="A synthetic course title of ordinary length",
            item_kind="course", skill_id=f"syn.skill{i % 6}",
            skill_name="Synthetic skill", current_level=2, target_level=3, score=0.61, factors=factors,
            explanation="Recommended because your level in this skill is below your role's benchmark, it is critical "
                        "for the role, and people like you who completed it improved.",
            recommender_version="rec-2026.2", framework_id="fw", framework_version="3", trigger="checkin_gap_nudge",
            source_event_id=f"ev{i}", created_at=datetime(2026, 11, 2, tzinfo=UTC),
        ).model_dump_json()
        for i in range(count)
    ]


def decode(doc: str) -> RecommendationFact:
    rec = Recommendation.model_validate_json(doc)
    return RecommendationFact(
        employee_id=rec.employee_id, recommendation_id=rec.recommendation_id, item_id=rec.item_id,
        item_kind=rec.item_kind, skill_id=rec.skill_id, basis=rec.basis, model_version=rec.recommender_version,
        framework_version=rec.framework_version, created_at=rec.created_at,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--recommendations", type=int, default=1_000_000)
    parser.add_argument("--decode-sample", type=int, default=50_000, help="stored documents decoded to time it")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--doc", help="append the table to this Markdown file (make bench: docs/performance.md)")
    args = parser.parse_args(argv)
    config = PipelineConfig()
    phases: list[tuple[str, float]] = []
    rss_start = peak_rss_mib()

    inputs = timed("build inputs (synthetic, as the adapter would hand them over)",
                   lambda: synthetic_inputs(args.employees, args.recommendations, seed=args.seed), phases)
    rss_inputs = peak_rss_mib()
    gc.collect()

    # The pipeline's phases one by one (the same functions run() calls), then run() itself.
    digest = timed("content hash (canonical JSON, streamed)", inputs.content_hash, phases)
    prepared = timed("derive outcomes and categories (columns + numpy bincount)",
                     lambda: pipeline._prepare(inputs, config), phases)
    tables = timed("group counts for every outcome x dimension (numpy)", lambda: pipeline._tables(prepared, config),
                   phases)
    timed("statistics, Holm, verdicts", lambda: audit_from_tables(
        tables, population=prepared.counts.audited, opted_out=prepared.counts.opted_out, config=config.stats),
        phases)
    t0 = time.perf_counter()
    audit_run = run(inputs, config, code_version="bench", generated_at=GENERATED)
    full = time.perf_counter() - t0
    rss_end = peak_rss_mib()
    prepared = tables = None  # type: ignore[assignment]  # release before the traced run
    gc.collect()

    # Peak memory the audit itself allocates (the inputs already exist), traced in a second run.
    tracemalloc.start()
    run(inputs, config, code_version="bench", generated_at=GENERATED)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    gc.collect()

    docs = stored_docs(args.decode_sample)
    t0 = time.perf_counter()
    for doc in docs:
        decode(doc)
    per_doc = (time.perf_counter() - t0) / len(docs)
    doc_bytes = float(np.mean([len(d) for d in docs]))
    del docs
    input_json_mib = len(inputs.to_json()) / 2**20  # last: this materialises the whole canonical document

    stretch = next(f for f in audit_run.flags if f.outcome == "stretch_assignment" and f.attribute == "gender")
    lines = [
        f"Fairness audit benchmark on {platform.python_implementation()} {platform.python_version()}, numpy "
        f"{np.__version__}, {platform.machine()}, one process; window {inputs.window.label}, "
        f"{args.employees:,} employees, {args.recommendations:,} recommendation records "
        f"({audit_run.counts.recommendations_audited:,} audited), "
        f"{len(audit_run.result.results)} outcome x dimension tables, Holm family of "
        f"{audit_run.result.holm_family_size} tests",
        "",
        "| measure | value |",
        "|---|---:|",
        *(f"| {label} | {seconds:.2f} s |" for label, seconds in phases),
        f"| `pipeline.run` end to end (all of the above + results JSON, manifest, HTML report) | {full:.2f} s |",
        f"| peak RSS before inputs / with inputs built / after the audit | {rss_start:,.0f} / {rss_inputs:,.0f} / "
        f"{rss_end:,.0f} MiB |",
        f"| peak memory traced inside `pipeline.run` (inputs excluded) | {traced_peak / 2**20:,.0f} MiB |",
        f"| decode one stored recommendation doc (~{doc_bytes:,.0f} B JSON) into a RecommendationFact | "
        f"{per_doc * 1e6:.1f} µs ({per_doc * args.recommendations:.0f} s per {args.recommendations:,}) |",
        f"| canonical input JSON (what a rerun needs) | {input_json_mib:,.0f} MiB |",
        f"| results JSON / HTML report | {len(audit_run.results_json) / 1024:,.0f} KiB / "
        f"{len(audit_run.report_html) / 1024:,.0f} KiB |",
        f"| planted disparity (stretch assignments, women) | flagged: ratio {stretch.impact_ratio:.2f}, "
        f"95% CI {stretch.ci_low:.2f}-{stretch.ci_high:.2f} |",
    ]
    print("\n".join(lines))
    assert digest == audit_run.manifest.input_content_hash
    if args.doc:
        doc = Path(args.doc)
        doc.write_text(doc.read_text().rstrip() + "\n\n## Fairness audit at scale (`python -m bench.audit`)\n\n"
                       + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
