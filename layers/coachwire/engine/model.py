"""Model configuration, immutable model versions and scoring (one employee, or a batch with numpy).

score = Σ contribution over the factors in ``features.FEATURES``; contribution = round(round(value, 4) × weight, 4)
and score = round(Σ contributions, 4), so the factor table re-adds exactly to the score. ``variety`` depends on the
other candidates: r = the number of eligible items of the same skill ranked above this one by the other factors
(ties: item id), value 1/(1+r). A candidate is an item not completed or open whose skill has a gap to the role and
stage benchmark or is an agreed priority, and which builds a level above the current one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from coachwire.engine.efficacy import EfficacyTable
from coachwire.engine.features import FEATURE_NAMES, EmployeeState
from coachwire.models.framework import Catalog, Framework

PRECISION = 4
GAP_CAP = 3  # gaps beyond three levels score like three


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FactorWeights(_Frozen):
    gap_priority: float = 0.30
    level_fit: float = 0.20
    efficacy: float = 0.40
    agreed_priority: float = 0.15
    flagged_in_checkin: float = 0.05
    prerequisites_met: float = 0.10
    variety: float = 0.10
    decline_recency: float = -0.40

    def ordered(self) -> tuple[float, ...]:
        return tuple(getattr(self, name) for name in FEATURE_NAMES)


class ModelConfig(_Frozen):
    name: str = "engine-default"
    weights: FactorWeights = FactorWeights()
    window_days: int = Field(default=90, ge=1)
    prior_strength: float = Field(default=20.0, ge=0)
    k: int = Field(default=3, ge=1)
    variety_cap: int = Field(default=2, ge=1)
    decline_cooldown_days: int = Field(default=90, ge=1)


class TrainingWindow(_Frozen):
    start: date | None = None
    end: date | None = None


class DataCounts(_Frozen):
    completions: int = 0
    completions_used: int = 0
    employees: int = 0
    item_level_pairs: int = 0


class MetricRow(_Frozen):
    """One evaluation result recorded on a version: e.g. (model, level_gain_recommended, 0.61, 0.58, 0.64, 1500)."""

    scorer: str
    metric: str
    value: float
    low: float
    high: float
    n: int


class ModelVersion(_Frozen):
    """Configuration + fitted parameters + provenance. Frozen; ``version`` is a hash of all of it, so any change
    (even one efficacy entry) is a different version."""

    config: ModelConfig
    efficacy: EfficacyTable = EfficacyTable()
    training_window: TrainingWindow = TrainingWindow()
    data_counts: DataCounts = DataCounts()
    evaluation: tuple[MetricRow, ...] = ()

    @property
    def version(self) -> str:
        payload = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return f"{self.config.name}.{hashlib.sha256(payload.encode()).hexdigest()[:16]}"

    def to_json(self) -> str:
        return json.dumps({"version": self.version, **self.model_dump(mode="json")}, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> ModelVersion:
        data = json.loads(text)
        claimed = data.pop("version", None)
        model = cls.model_validate(data)
        if claimed is not None and claimed != model.version:
            raise ValueError(f"model version mismatch: file says {claimed}, content hashes to {model.version}")
        return model


class Factor(_Frozen):
    name: str
    value: float
    weight: float
    contribution: float


class Candidate(_Frozen):
    item_id: str
    skill_id: str
    current_level: int
    target_level: int
    builds_level: int
    score: float
    factors: tuple[Factor, ...]
    efficacy_n: int
    efficacy_successes: int = 0  # raw count behind efficacy_n, for explanations ("64% of 140 colleagues")
    model_version: str
    framework_id: str
    framework_version: str


def rnd(x: float | np.ndarray) -> np.ndarray:
    """The one rounding used by single and batch scoring (numpy's), so both give identical floats."""
    return np.round(x, PRECISION) + 0.0  # + 0.0 turns -0.0 into 0.0


def rnd1(x: float) -> float:
    """Scalar twin of ``rnd``: numpy rounds as rint(x·10^4)/10^4, and Python's round() is the same half-even rint."""
    return round(x * 10.0**PRECISION) / 10.0**PRECISION + 0.0


def level_fit(step: np.ndarray | int) -> np.ndarray:
    step = np.asarray(step)
    return np.where(step == 1, 1.0, np.where(step == 2, 0.5, 0.1))


def decline_value(days_since: np.ndarray | int, cooldown: int) -> np.ndarray:
    days = np.maximum(np.asarray(days_since, dtype=np.float64), 0.0)
    return np.where(days < cooldown, 1.0 - days / cooldown, 0.0)


@dataclass(frozen=True)
class EngineIndex:
    """A model version compiled against one framework and catalog: arrays aligned on skills and items."""

    version: ModelVersion
    version_id: str
    framework: Framework
    skill_ids: tuple[str, ...]
    skill_pos: dict[str, int]
    criticality: np.ndarray  # (skills,)
    item_ids: tuple[str, ...]  # sorted: position = tie-break order
    item_pos: dict[str, int]
    item_skill: np.ndarray  # (items,) skill position
    item_builds: np.ndarray  # (items,)
    rolestages: tuple[tuple[str, str], ...]
    rolestage_pos: dict[tuple[str, str], int]
    benchmarks: np.ndarray  # (rolestages, skills)
    efficacy: np.ndarray  # (items, top+1) posterior mean
    efficacy_n: np.ndarray  # (items, top+1)
    efficacy_successes: np.ndarray  # (items, top+1)
    prerequisites: tuple[tuple[tuple[int, int], ...], ...]  # per skill: ((skill pos, level), ...)

    @classmethod
    def build(cls, version: ModelVersion, framework: Framework, catalog: Catalog) -> EngineIndex:
        skill_ids = tuple(s.skill_id for s in framework.skills)
        skill_pos = {s: i for i, s in enumerate(skill_ids)}
        items = sorted((i for i in catalog.items if i.skill_id in skill_pos), key=lambda i: i.item_id)
        rolestages = tuple((r.role_id, s.stage) for r in framework.roles for s in r.stages)
        bench = np.zeros((len(rolestages), len(skill_ids)))
        for row, (role_id, stage) in enumerate(rolestages):
            marks = framework.stage_of(role_id, stage).benchmarks
            for skill, level in marks.items():
                bench[row, skill_pos[skill]] = level
        top = framework.top_level
        entries, priors = version.efficacy.maps()
        eff = np.zeros((len(items), top + 1))
        eff_n = np.zeros((len(items), top + 1), dtype=np.int64)
        eff_s = np.zeros((len(items), top + 1), dtype=np.int64)
        for row, item in enumerate(items):
            for level in range(top + 1):
                entry = entries.get((item.item_id, level))
                if entry is not None:
                    eff[row, level], eff_n[row, level], eff_s[row, level] = entry.posterior, entry.n, entry.successes
                else:
                    eff[row, level] = priors.get((item.skill_id, level), version.efficacy.global_rate)
        prereqs = tuple(
            tuple((skill_pos[p.skill_id], p.level) for p in s.prerequisites if p.skill_id in skill_pos)
            for s in framework.skills
        )
        return cls(
            version=version,
            version_id=version.version,
            framework=framework,
            skill_ids=skill_ids,
            skill_pos=skill_pos,
            criticality=np.array([s.criticality for s in framework.skills], dtype=np.float64),
            item_ids=tuple(i.item_id for i in items),
            item_pos={i.item_id: n for n, i in enumerate(items)},
            item_skill=np.array([skill_pos[i.skill_id] for i in items], dtype=np.int64),
            item_builds=np.array([i.builds_level for i in items], dtype=np.int64),
            rolestages=rolestages,
            rolestage_pos={rs: n for n, rs in enumerate(rolestages)},
            benchmarks=bench,
            efficacy=eff,
            efficacy_n=eff_n,
            efficacy_successes=eff_s,
            prerequisites=prereqs,
        )

    @property
    def config(self) -> ModelConfig:
        return self.version.config

    def prerequisite_share(self, levels: np.ndarray) -> np.ndarray:
        """(rows, skills) share of each skill's prerequisites met, from a (rows, skills) level matrix."""
        share = np.ones(levels.shape, dtype=np.float64)
        for skill, needs in enumerate(self.prerequisites):
            if needs:
                share[:, skill] = np.mean([levels[:, p] >= lv for p, lv in needs], axis=0)
        return share


# -- one employee -----------------------------------------------------------------------------------------


def score_one(
    state: EmployeeState,
    framework: Framework,
    catalog: Catalog,
    version: ModelVersion,
    as_of: date,
    *,
    index: EngineIndex | None = None,
) -> list[Candidate]:
    """Every candidate for one employee, best first (ties: item id), each with its full factor table."""
    ix = index or EngineIndex.build(version, framework, catalog)
    cfg = ix.config
    weights = cfg.weights.ordered()
    rs = ix.rolestage_pos.get((state.role_id, state.stage))
    if rs is None:
        raise KeyError(f"unknown role/stage {state.role_id}/{state.stage} in framework {framework.framework_id}")
    levels = np.array([[state.level(s) for s in ix.skill_ids]], dtype=np.int64)
    prereq = ix.prerequisite_share(levels)[0]
    # (item pos, values without variety, current, target, efficacy n, efficacy successes)
    rows: list[tuple[int, list[float], int, int, int, int]] = []
    for pos, item_id in enumerate(ix.item_ids):
        if item_id in state.completed or item_id in state.open_items:
            continue
        skill = int(ix.item_skill[pos])
        skill_id = ix.skill_ids[skill]
        current, target = int(levels[0, skill]), int(ix.benchmarks[rs, skill])
        step = int(ix.item_builds[pos]) - current
        priority = state.priority_value(skill_id)
        gap = max(0, target - current)
        flagged = skill_id in state.flagged_skills
        # A flagged skill already at its benchmark stays a candidate: the manager asked for growth there.
        if step <= 0 or (gap == 0 and priority == 0 and not flagged):
            continue
        declined = state.declined.get(item_id)
        values = [
            min(gap, GAP_CAP) / GAP_CAP * ix.criticality[skill] / 3.0,
            {1: 1.0, 2: 0.5}.get(step, 0.1),  # = level_fit(step)
            float(ix.efficacy[pos, min(current, ix.efficacy.shape[1] - 1)]),
            priority,
            1.0 if flagged else 0.0,
            float(prereq[skill]),
            0.0,  # variety, filled in below
            0.0 if declined is None else float(decline_value((as_of - declined).days, cfg.decline_cooldown_days)),
        ]
        at = min(current, ix.efficacy_n.shape[1] - 1)
        rows.append((pos, values, current, target, int(ix.efficacy_n[pos, at]), int(ix.efficacy_successes[pos, at])))

    variety_at = FEATURE_NAMES.index("variety")

    def contributions(values: list[float]) -> list[tuple[float, float]]:
        out = []
        for value, weight in zip(values, weights, strict=True):
            v = rnd1(value)
            out.append((v, rnd1(v * weight)))
        return out

    def total(parts: list[float]) -> float:
        acc = 0.0
        for p in parts:
            acc += p
        return rnd1(acc)

    # Base score (every factor but variety) orders candidates within a skill.
    base = {}
    for pos, values, *_ in rows:
        parts = [c for i, (_, c) in enumerate(contributions(values)) if i != variety_at]
        base[pos] = total(parts)
    better: dict[int, int] = {}
    by_skill: dict[int, list[int]] = {}
    for pos, *_ in rows:
        by_skill.setdefault(int(ix.item_skill[pos]), []).append(pos)
    for members in by_skill.values():
        for rank, pos in enumerate(sorted(members, key=lambda p: (-base[p], p))):
            better[pos] = rank

    candidates = []
    for pos, values, current, target, n, successes in rows:
        values[variety_at] = 1.0 / (1 + better[pos])
        table = contributions(values)
        factors = tuple(
            Factor.model_construct(name=name, value=v, weight=w, contribution=c)
            for name, w, (v, c) in zip(FEATURE_NAMES, weights, table, strict=True)
        )
        candidates.append(
            Candidate.model_construct(  # every field is computed here from validated inputs
                item_id=ix.item_ids[pos],
                skill_id=ix.skill_ids[int(ix.item_skill[pos])],
                current_level=current,
                target_level=target,
                builds_level=int(ix.item_builds[pos]),
                score=total([c for _, c in table]),
                factors=factors,
                efficacy_n=n,
                efficacy_successes=successes,
                model_version=ix.version_id,
                framework_id=framework.framework_id,
                framework_version=framework.version,
            )
        )
    candidates.sort(key=lambda c: (-c.score, c.item_id))
    return candidates


def pick_top(candidates: list[Candidate], k: int, variety_cap: int) -> list[Candidate]:
    """The first k candidates, at most ``variety_cap`` per skill."""
    chosen: list[Candidate] = []
    per: dict[str, int] = {}
    for c in candidates:
        if len(chosen) == k:
            break
        if per.get(c.skill_id, 0) >= variety_cap:
            continue
        chosen.append(c)
        per[c.skill_id] = per.get(c.skill_id, 0) + 1
    return chosen


# -- many employees -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchInput:
    """Employees as rows. Sparse per-item inputs are (row, item position[, value]) arrays."""

    levels: np.ndarray  # (n, skills) int
    rolestage: np.ndarray  # (n,) position in EngineIndex.rolestages
    flagged: np.ndarray | None = None  # (n, skills) bool
    priority: np.ndarray | None = None  # (n, skills) float: EmployeeState.priority_value per skill
    excluded: tuple[np.ndarray, np.ndarray] | None = None  # completed or open items
    declined_days: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # days since the decline

    @classmethod
    def from_states(cls, states: list[EmployeeState], ix: EngineIndex, as_of: date) -> BatchInput:
        n, s = len(states), len(ix.skill_ids)
        levels = np.zeros((n, s), dtype=np.int64)
        flagged = np.zeros((n, s), dtype=bool)
        priority = np.zeros((n, s))
        ex_r, ex_c, de_r, de_c, de_d = [], [], [], [], []
        for row, st in enumerate(states):
            for skill, level in st.levels.items():
                if skill in ix.skill_pos:
                    levels[row, ix.skill_pos[skill]] = level
            for skill in st.flagged_skills:
                if skill in ix.skill_pos:
                    flagged[row, ix.skill_pos[skill]] = True
            for skill in st.priorities:
                if skill in ix.skill_pos:
                    priority[row, ix.skill_pos[skill]] = st.priority_value(skill)
            for item in st.completed | st.open_items:
                if item in ix.item_pos:
                    ex_r.append(row)
                    ex_c.append(ix.item_pos[item])
            for item, when in st.declined.items():
                if item in ix.item_pos:
                    de_r.append(row)
                    de_c.append(ix.item_pos[item])
                    de_d.append((as_of - when).days)
        rolestage = np.array([ix.rolestage_pos[(st.role_id, st.stage)] for st in states], dtype=np.int64)
        excluded = (np.array(ex_r, dtype=np.int64), np.array(ex_c, dtype=np.int64))
        declined = (np.array(de_r, dtype=np.int64), np.array(de_c, dtype=np.int64), np.array(de_d, dtype=np.float64))
        return cls(levels, rolestage, flagged, priority, excluded, declined)


@dataclass(frozen=True)
class BatchResult:
    items: np.ndarray  # (n, k) item positions, -1 where fewer than k candidates
    scores: np.ndarray  # (n, k) scores, -inf where no candidate


def _rows(sparse: tuple[np.ndarray, ...] | None, lo: int, hi: int) -> tuple[np.ndarray, ...] | None:
    if sparse is None or len(sparse[0]) == 0:
        return None
    keep = (sparse[0] >= lo) & (sparse[0] < hi)
    return (sparse[0][keep] - lo, *(a[keep] for a in sparse[1:]))


def score_matrix(ix: EngineIndex, batch: BatchInput, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, eligible) for rows lo:hi over every item; the score is -inf where not eligible or over the
    per-skill cap. The same arithmetic, in the same order, as ``score_one``."""
    cfg = ix.config
    weights = cfg.weights.ordered()
    levels = batch.levels[lo:hi].astype(np.int64)
    rows = levels.shape[0]
    cur = levels[:, ix.item_skill]
    tgt = ix.benchmarks[batch.rolestage[lo:hi]][:, ix.item_skill]
    gap = np.clip(tgt - cur, 0, None)
    step = ix.item_builds[None, :] - cur
    prio = batch.priority[lo:hi][:, ix.item_skill] if batch.priority is not None else np.zeros(cur.shape)
    flagged = batch.flagged[lo:hi][:, ix.item_skill] if batch.flagged is not None else np.zeros(cur.shape, dtype=bool)
    eligible = (step > 0) & ((gap > 0) | (prio > 0) | flagged)
    excluded = _rows(batch.excluded, lo, hi)
    if excluded is not None:
        eligible[excluded[0], excluded[1]] = False
    declined = np.zeros(cur.shape)
    dec = _rows(batch.declined_days, lo, hi)
    if dec is not None:
        declined[dec[0], dec[1]] = decline_value(dec[2], cfg.decline_cooldown_days)
    eff_level = np.minimum(cur, ix.efficacy.shape[1] - 1)
    values = [
        np.minimum(gap, GAP_CAP) / GAP_CAP * ix.criticality[ix.item_skill][None, :] / 3.0,
        level_fit(step),
        ix.efficacy[np.arange(len(ix.item_ids))[None, :], eff_level],
        prio,
        flagged.astype(np.float64),
        ix.prerequisite_share(levels)[:, ix.item_skill],
        None,
        declined,
    ]
    variety_at = FEATURE_NAMES.index("variety")
    contrib: list[np.ndarray | None] = [
        None if v is None else rnd(rnd(v) * w) for v, w in zip(values, weights, strict=True)
    ]
    base = np.zeros(cur.shape)
    for i, c in enumerate(contrib):
        if i != variety_at:
            assert c is not None  # only the variety slot is None, filled in below
            base = base + c
    base = rnd(base)
    ranked = np.where(eligible, base, -np.inf)
    better = np.zeros(cur.shape, dtype=np.int64)
    for skill in range(len(ix.skill_ids)):
        members = np.flatnonzero(ix.item_skill == skill)  # ascending item positions: ties keep id order
        if len(members) == 0:
            continue
        order = np.argsort(-ranked[:, members], axis=1, kind="stable")
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(len(members))[None, :].repeat(rows, axis=0), axis=1)
        better[:, members] = ranks
    contrib[variety_at] = rnd(rnd(1.0 / (1 + better)) * weights[variety_at])
    score = np.zeros(cur.shape)
    for c in contrib:
        assert c is not None  # every slot is filled now
        score = score + c
    score = rnd(score)
    usable = eligible & (better < cfg.variety_cap)
    return np.where(usable, score, -np.inf), eligible


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best k per row (ties: lower item position first); -1 / -inf padding."""
    k = min(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(scores, order, axis=1)
    return np.where(np.isfinite(best), order, -1), best


def score_batch(ix: EngineIndex, batch: BatchInput, *, k: int | None = None, chunk_rows: int = 2048) -> BatchResult:
    """Top-k per employee for many employees, in chunks of rows to bound memory."""
    k = k or ix.config.k
    n = batch.levels.shape[0]
    items = np.full((n, min(k, len(ix.item_ids))), -1, dtype=np.int64)
    scores = np.full(items.shape, -np.inf)
    for lo in range(0, n, chunk_rows):
        hi = min(n, lo + chunk_rows)
        matrix, _ = score_matrix(ix, batch, lo, hi)
        items[lo:hi], scores[lo:hi] = top_k(matrix, k)
    return BatchResult(items, scores)
