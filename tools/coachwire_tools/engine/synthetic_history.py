"""Deterministic synthetic completion history over the sample organisation, with a planted signal.

Each person also has three agreed priority skills (random, fixed), which they favour like skills with a gap.

Each employee completes an item every few weeks for ~18 months, choosing by the item's popularity (mostly items
for skills below their benchmark). Whether a completion is followed by a one-level rise on the skill within 90
days depends on a hidden truth per (item, level at completion): "works" pairs rise with probability
``P_WORKS`` (0.7), the rest with ``P_WEAK`` (0.15). Popularity is drawn independently of the truth, so the most
popular items are not the ones that work and a popularity baseline cannot win on level gain by construction.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from coachwire.engine.efficacy import NO_RISE, CompletionLog, day_number
from coachwire.engine.history import Person, SyntheticHistory

from coachwire_tools.sample_org import load_catalogs, load_frameworks
from coachwire_tools.sample_org.people import family_of, synthetic_org

P_WORKS = 0.7
P_WEAK = 0.15
SHARE_WORKS = 0.3  # share of (item, level) pairs that work
START_DEFICIT = 0.4  # chance that a skill starts one level below the sample organisation's level
DEFAULT_START = date(2025, 1, 1)
DEFAULT_DAYS = 540


def generate_history(
    employees: int = 1500, seed: int = 7, *, start: date = DEFAULT_START, days: int = DEFAULT_DAYS
) -> SyntheticHistory:
    frameworks = load_frameworks()
    catalogs = load_catalogs()
    rng = np.random.default_rng(seed)
    truth: dict[tuple[str, int], float] = {}
    popularity: dict[str, float] = {}
    for fw in frameworks:
        for item in sorted(catalogs[fw.framework_id].items, key=lambda i: i.item_id):
            popularity[item.item_id] = float(rng.lognormal(0.0, 0.9))
            for level in range(fw.top_level + 1):
                truth[(item.item_id, level)] = P_WORKS if rng.random() < SHARE_WORKS else P_WEAK

    org = synthetic_org(employees, seed=seed, frameworks=frameworks, hired_before=start)
    people, initial, changes, snapshots = [], {}, [], []
    cols: dict[str, list] = {k: [] for k in ("employee", "item", "skill", "level", "day", "rise")}
    start_day = day_number(start)
    end_day = start_day + days
    for person in org:
        fw = family_of(person, frameworks)
        catalog = catalogs[fw.framework_id]
        bench = fw.stage_of(person.role_id, person.career_stage).benchmarks
        skill_ids = [s.skill_id for s in fw.skills]
        priorities = tuple(skill_ids[i] for i in rng.choice(len(skill_ids), size=3, replace=False))
        people.append(Person(person.employee_id, fw.framework_id, person.role_id, person.career_stage, priorities))
        # Start a level below where the org says for some skills, so there is room to grow in 18 months.
        levels = {s: max(1, v - int(rng.random() < START_DEFICIT)) for s, v in person.levels.items()}
        initial[person.employee_id] = dict(levels)
        done: set[str] = set()
        pending: list[tuple[int, str, int]] = []  # (day, skill, new level)
        activity = rng.uniform(12, 40)  # mean days between completions for this person
        day = start_day + int(rng.exponential(activity))
        while day < end_day:
            for when, skill, new_level in sorted(p for p in pending if p[0] < day):
                if new_level > levels[skill]:
                    levels[skill] = new_level
                    changes.append((person.employee_id, skill, when, new_level))
            pending = [p for p in pending if p[0] >= day]
            options = [i for i in catalog.items if i.item_id not in done and i.builds_level > levels[i.skill_id]]
            if not options:
                break
            weights = np.array([
                popularity[i.item_id]
                * (3.0 if bench.get(i.skill_id, 0) > levels[i.skill_id] or i.skill_id in priorities else 0.3)
                for i in options
            ])
            item = options[int(rng.choice(len(options), p=weights / weights.sum()))]
            level = levels[item.skill_id]
            rise = NO_RISE
            if rng.random() < truth[(item.item_id, level)]:
                rise = day + int(rng.integers(10, 86))
                pending.append((rise, item.skill_id, min(fw.top_level, level + 1)))
            snapshots.append(dict(levels))
            done.add(item.item_id)
            for key, value in zip(cols, (person.employee_id, item.item_id, item.skill_id, level, day, rise),
                                  strict=True):
                cols[key].append(value)
            day += 1 + int(rng.exponential(activity))
        for when, skill, new_level in sorted(pending):
            if when < end_day and new_level > levels[skill]:
                levels[skill] = new_level
                changes.append((person.employee_id, skill, when, new_level))
    # A rise seen only after the end of the history is not observed.
    rise_days = np.array(cols["rise"], dtype=np.int64)
    rise_days[rise_days >= end_day] = NO_RISE
    log = CompletionLog(
        employee_ids=np.array(cols["employee"], dtype=object),
        item_ids=np.array(cols["item"], dtype=object),
        skill_ids=np.array(cols["skill"], dtype=object),
        level=np.array(cols["level"], dtype=np.int16),
        day=np.array(cols["day"], dtype=np.int32),
        rise_day=rise_days.astype(np.int32),
    )
    return SyntheticHistory(
        seed=seed,
        start=start,
        end=start + timedelta(days=days),
        people=tuple(people),
        frameworks={f.framework_id: f for f in frameworks},
        catalogs=catalogs,
        log=log,
        snapshots=tuple(snapshots),
        initial_levels=initial,
        changes=tuple(changes),
        truth=truth,
        popularity=popularity,
    )
