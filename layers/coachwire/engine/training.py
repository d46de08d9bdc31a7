"""Fitting a candidate model version from recorded history (pure: the weekly training service feeds it).

History entries hold completions (item, skill, level just before) and check-in ratings (skill, level). A completion
"worked" when a later check-in rated its skill above the level at completion within the window: only managers'
check-in ratings count as outcomes, not an item's own pass mark, so efficacy measures development, not test-taking.
Entries of employees who have opted out of personalisation must not reach this module (the service drops them, and
the triggers do not record them while opted out); ``fit_candidate`` also takes the opted-out set and drops any it
sees, so the rule holds even for history written before someone opted out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from coachwire.engine.efficacy import NO_RISE, CompletionLog, CompletionRecord, day_number, fit_efficacy
from coachwire.engine.evaluate import evaluate
from coachwire.engine.history import Person, SyntheticHistory
from coachwire.engine.model import DataCounts, MetricRow, ModelConfig, ModelVersion, TrainingWindow
from coachwire.models.framework import Catalog, Framework
from coachwire.models.history import HistoryEntry

MIN_TEST_COMPLETIONS = 30  # below this the time-split evaluation is not run (its intervals would say nothing)


@dataclass(frozen=True)
class TrainingOutcome:
    version: ModelVersion | None
    reason: str  # "trained", "no_history", "no_full_window"
    entries_used: int
    employees_excluded: int


def completion_records(entries: Iterable[HistoryEntry]) -> list[CompletionRecord]:
    """One record per completion, with the same employee's later check-in ratings of that skill."""
    ratings: dict[tuple[str, str], list[tuple[date, int]]] = defaultdict(list)
    completions = []
    for e in entries:
        for a in e.assessments:
            ratings[(e.employee_id, a.skill_id)].append((e.at.date(), a.level))
        for c in e.completions:
            completions.append((e, c))
    records = []
    for e, c in completions:
        when = e.at.date()
        later = tuple(sorted((d, lv) for d, lv in ratings[(e.employee_id, c.skill_id)] if d >= when))
        records.append(CompletionRecord(employee_id=e.employee_id, item_id=c.item_id, skill_id=c.skill_id,
                                        level_at_completion=c.level_at_completion, completed_at=when,
                                        later_assessments=later))
    records.sort(key=lambda r: (r.completed_at, r.employee_id, r.item_id))
    return records


@dataclass(frozen=True)
class PersonNow:
    """Where an employee stands today (for the replay): no other field about them is read."""

    employee_id: str
    framework_id: str
    role_id: str
    stage: str
    priorities: tuple[str, ...] = ()


def recorded_history(entries: list[HistoryEntry], people: list[PersonNow], frameworks: dict[str, Framework],
                     catalogs: dict[str, Catalog], start: date, end: date) -> SyntheticHistory:
    """Recorded history in the shape the time-split evaluation replays (the same one the synthetic generator
    produces), so real data is evaluated exactly like the planted-signal data."""
    known = {p.employee_id for p in people}
    records = [r for r in completion_records(entries) if r.employee_id in known]
    changes = sorted(((e.employee_id, a.skill_id, day_number(e.at.date()), a.level)
                      for e in entries if e.employee_id in known for a in e.assessments),
                     key=lambda c: (c[2], c[0], c[1]))  # chronological, for the replay below
    levels: dict[str, dict[str, int]] = defaultdict(dict)
    snapshots, pos = [], 0
    for r in records:  # chronological: apply every rating before the completion day
        while pos < len(changes) and changes[pos][2] < day_number(r.completed_at):
            emp, skill, _, level = changes[pos]
            levels[emp][skill] = level
            pos += 1
        snapshots.append({**levels[r.employee_id], r.skill_id: r.level_at_completion})
    log = CompletionLog.from_records(records)
    rise = log.rise_day.copy()
    rise[rise >= day_number(end)] = NO_RISE
    log = CompletionLog(log.employee_ids, log.item_ids, log.skill_ids, log.level, log.day, rise)
    return SyntheticHistory(
        seed=0, start=start, end=end,
        people=tuple(Person(p.employee_id, p.framework_id, p.role_id, p.stage, p.priorities) for p in people),
        frameworks=frameworks, catalogs=catalogs, log=log, snapshots=tuple(snapshots),
        initial_levels={p.employee_id: {} for p in people}, changes=tuple((c[0], c[1], c[2], c[3]) for c in changes),
        truth={}, popularity={})


def fit_candidate(entries: list[HistoryEntry], *, config: ModelConfig, start: date, end: date,
                  opted_out: frozenset[str], people: list[PersonNow] | None = None,
                  frameworks: dict[str, Framework] | None = None,
                  catalogs: dict[str, Catalog] | None = None) -> TrainingOutcome:
    """A candidate version fitted on [start, end) with the given configuration, or the reason there is none."""
    kept = [e for e in entries if e.employee_id not in opted_out and start <= e.at.date() < end]
    excluded = len({e.employee_id for e in entries if e.employee_id in opted_out})
    records = completion_records(kept)
    if not records:
        return TrainingOutcome(None, "no_history", len(kept), excluded)
    log = CompletionLog.from_records(records)
    table = fit_efficacy(log, window_days=config.window_days, prior_strength=config.prior_strength, as_of=end)
    if table.completions_used == 0:
        return TrainingOutcome(None, "no_full_window", len(kept), excluded)
    rows: tuple[MetricRow, ...] = ()
    if people and frameworks and catalogs:
        train_days = max(1, int((end - start).days * 0.75))
        split = start + timedelta(days=train_days)
        if int((log.day >= day_number(split)).sum()) >= MIN_TEST_COMPLETIONS:
            history = recorded_history(kept, [p for p in people if p.employee_id not in opted_out], frameworks,
                                       catalogs, start, end)
            report, _ = evaluate(history, train_days=train_days, config=config)
            rows = tuple(r for r in report.rows if r.scorer in ("model", "popular_in_role", "random"))
    version = ModelVersion(
        config=config, efficacy=table, training_window=TrainingWindow(start=start, end=end),
        data_counts=DataCounts(completions=len(records), completions_used=table.completions_used,
                               employees=len(set(np.asarray(log.employee_ids).tolist())),
                               item_level_pairs=len(table.entries)),
        evaluation=rows)
    return TrainingOutcome(version, "trained", len(kept), excluded)
