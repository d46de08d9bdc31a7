"""Engine benchmark: `python -m bench.engine [--employees 100000] [--items 500] [--repeats 2000]`.

p50/p99 of `score_one` for one sample employee, and `score_batch` (top-k for every employee, numpy, chunked) for
100,000 employees x a 500-item synthetic catalog: wall time and peak traced memory. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc
from datetime import date
from pathlib import Path

import numpy as np
from coachwire.engine.efficacy import EfficacyEntry, EfficacyTable
from coachwire.engine.features import EmployeeState
from coachwire.engine.model import BatchInput, EngineIndex, ModelConfig, ModelVersion, score_batch, score_one
from coachwire.models.framework import CareerStage, Catalog, CatalogItem, Framework, Role, ScaleLevel, Skill

AS_OF = date(2026, 3, 1)


def synthetic(items: int, skills: int, seed: int = 1) -> tuple[Framework, Catalog, ModelVersion]:
    """A framework of `skills` skills and a catalog of `items` items (built unvalidated: a benchmark fixture)."""
    rng = np.random.default_rng(seed)
    skill_ids = [f"s{i:03d}" for i in range(skills)]
    stages = [
        CareerStage.model_construct(stage=f"st{o}", order=o,
                                    benchmarks={s: int(min(5, 1 + o + rng.integers(0, 2))) for s in skill_ids})
        for o in range(4)
    ]
    framework = Framework.model_construct(
        framework_id="bench", version="1", name="bench", owner="bench", effective_date=AS_OF,
        scale=[ScaleLevel.model_construct(level=i, name=f"L{i}") for i in range(1, 6)],
        skills=[Skill.model_construct(skill_id=s, name=s, category="c", criticality=int(rng.integers(1, 4)),
                                      levels=[], prerequisites=[]) for s in skill_ids],
        roles=[Role.model_construct(role_id=f"r{r}", name="r", family="f", stages=stages) for r in range(5)],
    )
    catalog = Catalog.model_construct(framework_id="bench", items=[
        CatalogItem.model_construct(item_id=f"i{n:04d}", title="t", kind="course", skill_id=skill_ids[n % skills],
                                    builds_level=int(rng.integers(1, 6)), duration_minutes=60)
        for n in range(items)
    ])
    entries = tuple(
        EfficacyEntry(item_id=i.item_id, skill_id=i.skill_id, level=lv, n=50, successes=10, prior=0.3,
                      posterior=round(float(rng.uniform(0.1, 0.7)), 6))
        for i in catalog.items for lv in range(5)
    )
    version = ModelVersion(config=ModelConfig(), efficacy=EfficacyTable(entries=entries, global_rate=0.3))
    return framework, catalog, version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=500)
    parser.add_argument("--skills", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--chunk-rows", type=int, default=2048)
    parser.add_argument("--doc", help="append the table to this Markdown file (make bench: docs/performance.md)")
    args = parser.parse_args(argv)

    framework, catalog, version = synthetic(args.items, args.skills)
    ix = EngineIndex.build(version, framework, catalog)
    rng = np.random.default_rng(2)
    skill_ids = [s.skill_id for s in framework.skills]
    one = EmployeeState(employee_id="e", role_id="r0", stage="st1",
                        levels={s: int(rng.integers(1, 4)) for s in skill_ids}, priorities=tuple(skill_ids[:3]))
    for _ in range(20):
        score_one(one, framework, catalog, version, AS_OF, index=ix)
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        score_one(one, framework, catalog, version, AS_OF, index=ix)
        times.append(time.perf_counter() - t0)
    p50, p99 = np.percentile(np.array(times) * 1000, [50, 99])

    n = args.employees
    batch = BatchInput(
        levels=rng.integers(1, 5, size=(n, len(skill_ids)), dtype=np.int8),
        rolestage=rng.integers(0, len(ix.rolestages), size=n),
        priority=np.where(rng.random((n, len(skill_ids))) < 0.05, 1.0, 0.0).astype(np.float32),
    )
    tracemalloc.start()
    t0 = time.perf_counter()
    result = score_batch(ix, batch, chunk_rows=args.chunk_rows)
    wall = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert result.items.shape == (n, version.config.k)

    lines = [
        f"Engine benchmark on {platform.python_implementation()} {platform.python_version()}, numpy "
        f"{np.__version__}, {platform.machine()}; catalog {args.items} items / {args.skills} skills",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| score_one p50 (one employee, {args.items} items) | {p50:.2f} ms |",
        f"| score_one p99 | {p99:.2f} ms |",
        f"| score_batch {n:,} employees x {args.items} items, top-{version.config.k} | {wall:.2f} s |",
        f"| score_batch throughput | {n / wall:,.0f} employees/s |",
        f"| score_batch peak traced memory (chunk {args.chunk_rows} rows) | {peak / 2**20:.0f} MiB |",
    ]
    print("\n".join(lines))
    if args.doc:
        # `python -m bench` rewrites the document first; this section follows it.
        doc = Path(args.doc)
        doc.write_text(doc.read_text().rstrip() + "\n\n## Recommendation engine scoring (`python -m bench.engine`)\n\n"
                       + "\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
