"""Learned efficacy: how often people at level L who completed an item rose at least one level on its skill
within a window, per (item, L), shrunk toward the pooled rate for (skill, L) with a Beta prior (empirical Bayes).

posterior mean = (successes + m · prior) / (n + m), where prior = pooled success rate of all items of the skill at
that level (the global rate when the pool is empty) and m = ``prior_strength`` (pseudo-observations). Only
completions whose whole window lies before ``as_of`` count, so a time split never leaks the future.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
from pydantic import BaseModel, ConfigDict

EPOCH = date(2000, 1, 1)
NO_RISE = np.iinfo(np.int32).max  # sentinel day: never rose


def day_number(d: date) -> int:
    return (d - EPOCH).days


class CompletionRecord(BaseModel):
    """One completion and the assessments of the same skill that followed it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    employee_id: str
    item_id: str
    skill_id: str
    level_at_completion: int
    completed_at: date
    later_assessments: tuple[tuple[date, int], ...] = ()

    def first_rise(self) -> date | None:
        start, level_then = self.completed_at, self.level_at_completion
        rises = [d for d, level in self.later_assessments if level > level_then and d >= start]
        return min(rises) if rises else None


@dataclass(frozen=True)
class CompletionLog:
    """Columnar completions: what the fit and the evaluation work on (one row per completion)."""

    employee_ids: np.ndarray  # object (str)
    item_ids: np.ndarray  # object (str)
    skill_ids: np.ndarray  # object (str)
    level: np.ndarray  # int16, level at completion
    day: np.ndarray  # int32, day number of the completion
    rise_day: np.ndarray  # int32, first day the skill's level exceeded `level`, NO_RISE if never

    @classmethod
    def from_records(cls, records: Iterable[CompletionRecord]) -> CompletionLog:
        rows = list(records)
        rises = [r.first_rise() for r in rows]
        return cls(
            employee_ids=np.array([r.employee_id for r in rows], dtype=object),
            item_ids=np.array([r.item_id for r in rows], dtype=object),
            skill_ids=np.array([r.skill_id for r in rows], dtype=object),
            level=np.array([r.level_at_completion for r in rows], dtype=np.int16),
            day=np.array([day_number(r.completed_at) for r in rows], dtype=np.int32),
            rise_day=np.array([NO_RISE if d is None else day_number(d) for d in rises], dtype=np.int32),
        )

    def __len__(self) -> int:
        return len(self.day)

    def select(self, mask: np.ndarray) -> CompletionLog:
        return CompletionLog(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))

    def rose_within(self, window_days: int) -> np.ndarray:
        return (self.rise_day.astype(np.int64) - self.day) <= window_days


class EfficacyEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    item_id: str
    skill_id: str
    level: int
    n: int
    successes: int
    prior: float
    posterior: float


class PriorEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    skill_id: str
    level: int
    n: int
    rate: float


class EfficacyTable(BaseModel):
    """Fitted efficacy: per (item, level) entries with evidence, per (skill, level) priors, a global fallback."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entries: tuple[EfficacyEntry, ...] = ()
    priors: tuple[PriorEntry, ...] = ()
    global_rate: float = 0.0
    completions_used: int = 0

    def maps(self) -> tuple[dict[tuple[str, int], EfficacyEntry], dict[tuple[str, int], float]]:
        """((item_id, level) → entry, (skill_id, level) → prior rate): built once per compiled model."""
        return ({(e.item_id, e.level): e for e in self.entries}, {(p.skill_id, p.level): p.rate for p in self.priors})

    def lookup(self, item_id: str, skill_id: str, level: int) -> tuple[float, int]:
        """(posterior mean, n) for an item at a level; the prior (n = 0) when there is no evidence."""
        entries, priors = self.maps()
        entry = entries.get((item_id, level))
        if entry is not None:
            return entry.posterior, entry.n
        return priors.get((skill_id, level), self.global_rate), 0


def fit_efficacy(
    log: CompletionLog, *, window_days: int, prior_strength: float, as_of: date | None = None
) -> EfficacyTable:
    """Fit the table from completions whose window ended by ``as_of`` (all of them when ``as_of`` is None)."""
    if prior_strength < 0:
        raise ValueError("prior_strength must be >= 0")
    usable = np.ones(len(log), dtype=bool) if as_of is None else log.day + window_days <= day_number(as_of)
    sub = log.select(usable)
    if len(sub) == 0:
        return EfficacyTable()
    success = sub.rose_within(window_days).astype(np.int64)
    global_rate = float(success.mean())

    # Group by (item, level) and by (skill, level) with integer codes and bincount (vectorised).
    item_codes, item_inv = np.unique(sub.item_ids.astype(str), return_inverse=True)
    skill_codes, skill_inv = np.unique(sub.skill_ids.astype(str), return_inverse=True)
    levels = sub.level.astype(np.int64)
    n_levels = int(levels.max()) + 1
    pair = item_inv * n_levels + levels
    pair_n = np.bincount(pair, minlength=len(item_codes) * n_levels)
    pair_s = np.bincount(pair, weights=success, minlength=len(item_codes) * n_levels)
    pool = skill_inv * n_levels + levels
    pool_n = np.bincount(pool, minlength=len(skill_codes) * n_levels)
    pool_s = np.bincount(pool, weights=success, minlength=len(skill_codes) * n_levels)

    priors = []
    prior_rate = np.full(len(pool_n), global_rate)
    for code in np.flatnonzero(pool_n):
        prior_rate[code] = pool_s[code] / pool_n[code]
        skill, level = divmod(int(code), n_levels)
        priors.append(PriorEntry(skill_id=str(skill_codes[skill]), level=level, n=int(pool_n[code]),
                                 rate=round(float(prior_rate[code]), 6)))
    # Every (item, level) pair maps to one pool: the item's skill is fixed.
    item_skill = np.empty(len(item_codes), dtype=np.int64)
    item_skill[item_inv] = skill_inv
    entries = []
    for code in np.flatnonzero(pair_n):
        item, level = divmod(int(code), n_levels)
        prior = float(prior_rate[item_skill[item] * n_levels + level])
        n, s = int(pair_n[code]), int(pair_s[code])
        posterior = (s + prior_strength * prior) / (n + prior_strength) if n + prior_strength > 0 else prior
        entries.append(EfficacyEntry(item_id=str(item_codes[item]), skill_id=str(skill_codes[item_skill[item]]),
                                     level=level, n=n, successes=s, prior=round(prior, 6),
                                     posterior=round(posterior, 6)))
    return EfficacyTable(entries=tuple(entries), priors=tuple(priors), global_rate=round(global_rate, 6),
                         completions_used=len(sub))
