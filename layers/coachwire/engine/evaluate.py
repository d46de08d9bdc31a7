"""Offline evaluation: a time-split replay of completion history.

Train on completions before the split T (only those whose whole window ended by T), then replay the test period
(T to the end): before every test completion, score the employee as they were that day and ask
  - hit rate@k: was the item they completed in the top k? (Wilson 95% CI over completions)
  - precision@k: of the k items recommended to each employee at T, the share they completed after T (Wilson CI
    over the k × employees slots; slots of one employee are not independent, so read it as approximate)
  - level gain: among test completions whose window is fully observed, the share that rose a level within the
    window, for recommended (in the top k at that moment) vs other completions (Wilson CIs), and the difference
    (normal approximation: p1 - p2 ± 1.96·sqrt(p1(1-p1)/n1 + p2(1-p2)/n2)).
Scorers: the active model, a candidate config, most popular in role (training completions) and random (seeded).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
from pydantic import BaseModel, ConfigDict

from coachwire.engine.efficacy import day_number, fit_efficacy
from coachwire.engine.history import SyntheticHistory
from coachwire.engine.model import (
    BatchInput,
    DataCounts,
    EngineIndex,
    FactorWeights,
    MetricRow,
    ModelConfig,
    ModelVersion,
    TrainingWindow,
    score_matrix,
    top_k,
)

Z = 1.959963984540054
CANDIDATE = ModelConfig(name="engine-candidate", weights=FactorWeights(efficacy=0.6), prior_strength=5.0)
SCORERS = ("model", "candidate", "popular_in_role", "random")


class EvaluationReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int
    employees: int
    k: int
    window_days: int
    history_start: date
    split: date
    history_end: date
    train_completions: int
    test_completions: int
    test_completions_full_window: int
    model_version: str
    candidate_version: str
    rows: tuple[MetricRow, ...]

    def row(self, scorer: str, metric: str) -> MetricRow:
        return next(r for r in self.rows if r.scorer == scorer and r.metric == metric)


def wilson(successes: int, n: int) -> tuple[float, float, float]:
    if n == 0:
        return 0.0, 0.0, 1.0
    p = successes / n
    denom = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denom
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denom
    return p, max(0.0, centre - half), min(1.0, centre + half)


def difference(s1: int, n1: int, s2: int, n2: int) -> tuple[float, float, float]:
    if n1 == 0 or n2 == 0:
        return 0.0, -1.0, 1.0
    p1, p2 = s1 / n1, s2 / n2
    half = Z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return p1 - p2, p1 - p2 - half, p1 - p2 + half


def fit_version(history: SyntheticHistory, config: ModelConfig, split: date) -> ModelVersion:
    train = history.log.select(history.log.day < day_number(split))
    table = fit_efficacy(train, window_days=config.window_days, prior_strength=config.prior_strength, as_of=split)
    return ModelVersion(
        config=config,
        efficacy=table,
        training_window=TrainingWindow(start=history.start, end=split),
        data_counts=DataCounts(
            completions=len(train),
            completions_used=table.completions_used,
            employees=len(set(train.employee_ids.tolist())),
            item_level_pairs=len(table.entries),
        ),
    )


def evaluate(
    history: SyntheticHistory, *, train_days: int = 365, config: ModelConfig | None = None,
    candidate: ModelConfig = CANDIDATE, seed: int = 7,
) -> tuple[EvaluationReport, ModelVersion]:
    """Returns the report and the active model version with the results recorded on it."""
    config = config or ModelConfig()
    k, window = config.k, config.window_days
    split = history.start + timedelta(days=train_days)
    split_day, end_day = day_number(split), day_number(history.end)
    versions = {"model": fit_version(history, config, split), "candidate": fit_version(history, candidate, split)}
    log = history.log
    person = {p.employee_id: p for p in history.people}
    roles = sorted({p.role_id for p in history.people})
    role_pos = {r: i for i, r in enumerate(roles)}
    rng = np.random.default_rng(seed)

    hits = {s: [0, 0] for s in SCORERS}
    gain = {s: [0, 0, 0, 0] for s in SCORERS}  # rec successes, rec n, other successes, other n
    precision = {s: [0, 0] for s in SCORERS}
    test_rows = np.flatnonzero(log.day >= split_day)
    full_window = log.day + window <= end_day
    rose = log.rose_within(window)
    at_split = history.levels_at(split)

    for fw_id, framework in history.frameworks.items():
        catalog = history.catalogs[fw_id]
        indexes = {name: EngineIndex.build(v, framework, catalog) for name, v in versions.items()}
        ix = indexes["model"]
        popular = np.zeros((len(roles), len(ix.item_ids)))
        train_rows = np.flatnonzero(log.day < split_day)
        for r in train_rows:
            item = ix.item_pos.get(log.item_ids[r])
            if item is not None:
                popular[role_pos[person[log.employee_ids[r]].role_id], item] += 1
        completed_by: dict[str, list[tuple[int, int]]] = {}
        for row in range(len(log)):
            item = ix.item_pos.get(log.item_ids[row])
            if item is not None:
                completed_by.setdefault(log.employee_ids[row], []).append((int(log.day[row]), item))

        def batch_for(
            employees: list[str], levels: list[dict[str, int]], days: list[int],
            ix: EngineIndex = ix, completed_by: dict[str, list[tuple[int, int]]] = completed_by,
        ) -> BatchInput:
            lv = np.zeros((len(employees), len(ix.skill_ids)), dtype=np.int64)
            prio = np.zeros(lv.shape)
            ex_r, ex_c = [], []
            for row, (emp, lvl, day) in enumerate(zip(employees, levels, days, strict=True)):
                for skill, level in lvl.items():
                    lv[row, ix.skill_pos[skill]] = level
                for rank, skill in enumerate(person[emp].priorities):
                    prio[row, ix.skill_pos[skill]] = 1.0 / (1 + rank)
                for when, item in completed_by.get(emp, ()):
                    if when < day:
                        ex_r.append(row)
                        ex_c.append(item)
            rs = np.array([ix.rolestage_pos[(person[e].role_id, person[e].stage)] for e in employees], dtype=np.int64)
            excluded = (np.array(ex_r, dtype=np.int64), np.array(ex_c, dtype=np.int64))
            return BatchInput(lv, rs, priority=prio, excluded=excluded)

        def tops(
            batch: BatchInput, employees: list[str],
            indexes: dict[str, EngineIndex] = indexes, popular: np.ndarray = popular,
        ) -> dict[str, np.ndarray]:
            n = batch.levels.shape[0]
            out = {}
            for name in ("model", "candidate"):
                matrix, eligible = score_matrix(indexes[name], batch, 0, n)
                out[name] = top_k(matrix, k)[0]
            role_rows = np.array([role_pos[person[e].role_id] for e in employees], dtype=np.int64)
            # Most popular in role; ties by item position. Random: uniform over eligible items.
            out["popular_in_role"] = top_k(np.where(eligible, popular[role_rows], -np.inf), k)[0]
            out["random"] = top_k(np.where(eligible, rng.random(eligible.shape), -np.inf), k)[0]
            return out

        rows = [r for r in test_rows if log.item_ids[r] in ix.item_pos]
        if rows:
            emps = [log.employee_ids[r] for r in rows]
            batch = batch_for(emps, [history.snapshots[r] for r in rows], [int(log.day[r]) for r in rows])
            items = np.array([ix.item_pos[log.item_ids[r]] for r in rows])
            for name, top in tops(batch, emps).items():
                recommended = (top == items[:, None]).any(axis=1)
                hits[name][0] += int(recommended.sum())
                hits[name][1] += len(rows)
                fw_rows = np.array(rows)
                observed = full_window[fw_rows]
                success = rose[fw_rows]
                gain[name][0] += int((success & recommended & observed).sum())
                gain[name][1] += int((recommended & observed).sum())
                gain[name][2] += int((success & ~recommended & observed).sum())
                gain[name][3] += int((~recommended & observed).sum())

        emps = [p.employee_id for p in history.people if p.framework_id == fw_id]
        batch = batch_for(emps, [at_split[e] for e in emps], [split_day] * len(emps))
        later = [{item for when, item in completed_by.get(e, ()) if when >= split_day} for e in emps]
        for name, top in tops(batch, emps).items():
            for row, done in enumerate(later):
                precision[name][0] += sum(1 for i in top[row] if i >= 0 and int(i) in done)
            precision[name][1] += k * len(emps)

    results = []
    for name in SCORERS:
        for metric, (s, n) in ((f"hit_rate@{k}", hits[name]), (f"precision@{k}", precision[name]),
                               ("level_gain_recommended", gain[name][:2]), ("level_gain_other", gain[name][2:])):
            p, lo, hi = wilson(s, n)
            results.append(MetricRow(scorer=name, metric=metric, value=round(p, 4), low=round(lo, 4),
                                     high=round(hi, 4), n=n))
        d, lo, hi = difference(*gain[name])
        results.append(MetricRow(scorer=name, metric="level_gain_difference", value=round(d, 4), low=round(lo, 4),
                                 high=round(hi, 4), n=gain[name][1] + gain[name][3]))
    report = EvaluationReport(
        seed=history.seed, employees=len(history.people), k=k, window_days=window, history_start=history.start,
        split=split, history_end=history.end, train_completions=int((log.day < split_day).sum()),
        test_completions=len(test_rows), test_completions_full_window=int(full_window[test_rows].sum()),
        model_version=versions["model"].version, candidate_version=versions["candidate"].version,
        rows=tuple(results),
    )
    active = versions["model"].model_copy(update={"evaluation": tuple(r for r in results if r.scorer == "model")})
    return report, ModelVersion.model_validate(active.model_dump())
