"""Seeded synthetic audit inputs with a PLANTED disparity and a FAIR control, for tests, the demo and the bench.

The planted group (default: gender "woman") has each would-be stretch assignment replaced by a course with
probability 1 - factor, so it receives stretch assignments at about `factor` times the others' per-recommendation
rate; everything else, including how many recommendations anyone gets, ignores demographics. Geography is drawn
independently of everything and affects nothing: the fair control the audit must not flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from coachwire.fairness.records import AuditInputs, PopulationMember, RecommendationFact
from coachwire.models.bias_audits import parse_window
from coachwire.models.demographics import DECLINED, DemographicRecord

GENDERS = (("woman", 0.44), ("man", 0.47), ("non_binary", 0.02), (DECLINED, 0.03), (None, 0.04))
RACES = (
    ("white", 0.50), ("black", 0.14), ("asian", 0.14), ("hispanic_latino", 0.12), ("multiracial", 0.04),
    ("indigenous", 0.01), (DECLINED, 0.03), (None, 0.02),
)
BIRTH_BANDS = (
    ("1960-1969", 0.08), ("1970-1979", 0.2), ("1980-1989", 0.3), ("1990-1999", 0.3), ("2000-2009", 0.08),
    ("none", 0.02), (DECLINED, 0.02),
)
GEOGRAPHIES = (("uk", 0.3), ("us", 0.35), ("de", 0.15), ("in", 0.2))
# Item kinds with their share of recommendations; 10% of items build the leadership skill.
KINDS = (("course", 0.42), ("article", 0.18), ("practice", 0.14), ("project", 0.1), ("stretch_assignment", 0.09),
         ("mentoring", 0.07))
ITEMS_PER_KIND = 12


@dataclass(frozen=True)
class PlantedDisparity:
    attribute: str = "gender"  # a demographics field: gender, race_ethnicity or geography
    group: str = "woman"
    item_kind: str = "stretch_assignment"
    factor: float = 0.5


def _draw(rng: np.random.Generator, table: tuple[tuple[str | None, float], ...], size: int) -> list[str | None]:
    labels = [label for label, _ in table]
    p = np.array([w for _, w in table])
    return [labels[i] for i in rng.choice(len(labels), size=size, p=p / p.sum())]


def synthetic_inputs(
    employees: int = 2000,
    recommendations: int | None = None,
    *,
    window: str = "2026Q4",
    seed: int = 7,
    planted: PlantedDisparity | None = PlantedDisparity(),
    opted_out_share: float = 0.05,
) -> AuditInputs:
    """`employees` people and about `recommendations` records (default 10 per person): ~90% personalised in the
    window, the rest split between the previous quarter, the core programme (opted-out people) and people who
    left (not in the population)."""
    rng = np.random.default_rng(seed)
    win = parse_window(window)
    total = 10 * employees if recommendations is None else recommendations
    ids = [f"e{i:07d}" for i in range(employees)]

    # Population: hire dates over 15 years, a few joining after the window; some opted out.
    hire_offsets = rng.integers(-15 * 365, 60, size=employees)
    enabled = rng.random(employees) >= opted_out_share
    population = tuple(
        PopulationMember(
            employee_id=e, role_id=f"role{int(r)}", career_stage=f"stage{int(s)}",
            hire_date=None if u < 0.01 else win.last_day + timedelta(days=int(off)),
            personalisation_enabled=bool(on),
        )
        for e, r, s, off, on, u in zip(ids, rng.integers(0, 8, employees), rng.integers(0, 4, employees),
                                       hire_offsets, enabled, rng.random(employees), strict=True)
    )
    genders = _draw(rng, GENDERS, employees)
    races = _draw(rng, RACES, employees)
    bands = _draw(rng, BIRTH_BANDS, employees)
    geographies = _draw(rng, GEOGRAPHIES, employees)
    has_record = rng.random(employees) >= 0.02
    updated = datetime(win.start.year, win.start.month, 1, tzinfo=UTC) - timedelta(days=30)
    demographics = tuple(
        DemographicRecord(employee_id=e, gender=g, race_ethnicity=r, birth_year_band=b, geography=geo,
                          updated_at=updated)
        for e, g, r, b, geo, keep in zip(ids, genders, races, bands, geographies, has_record, strict=True) if keep
    )
    attributes = {"gender": genders, "race_ethnicity": races, "geography": geographies}

    # Recommendations: owners drawn with over-dispersed weights (some people get far more), kinds independent of
    # everything except the planted group.
    weights = rng.gamma(2.0, 1.0, size=employees)
    owner = rng.choice(employees, size=total, p=weights / weights.sum())
    kind_names = [k for k, _ in KINDS]
    kind_p = np.array([w for _, w in KINDS])
    kind = rng.choice(len(kind_names), size=total, p=kind_p / kind_p.sum())
    if planted is not None:
        in_group = np.array([v == planted.group for v in attributes[planted.attribute]])
        target = kind_names.index(planted.item_kind)
        demote = in_group[owner] & (kind == target) & (rng.random(total) >= planted.factor)
        kind[demote] = kind_names.index("course")
    leadership = rng.random(total) < 0.1
    item_no = rng.integers(0, ITEMS_PER_KIND, size=total)
    where = rng.random(total)  # < 0.04 previous quarter, < 0.06 someone who left, else in the window
    span = (win.end - win.start).days * 86400
    offset = rng.integers(0, span, size=total)
    start = datetime(win.start.year, win.start.month, win.start.day, tzinfo=UTC)
    half = start + timedelta(seconds=span // 2)
    leaver_ids = [f"x{i:07d}" for i in range(max(1, employees // 50))]

    facts = []
    for i in range(total):
        o = int(owner[i])
        created = start + timedelta(seconds=int(offset[i]))
        employee_id = ids[o]
        if where[i] < 0.04:
            created -= timedelta(days=92)
        elif where[i] < 0.06:
            employee_id = leaver_ids[o % len(leaver_ids)]
        skill = "syn.people_leadership" if leadership[i] else f"syn.skill{int(item_no[i]) % 6}"
        k = kind_names[int(kind[i])]
        facts.append(RecommendationFact(
            employee_id=employee_id, recommendation_id=f"r{i:08d}", item_id=f"{skill}.{k}-{int(item_no[i])}",
            item_kind=k, skill_id=skill, basis="personalised" if enabled[o] else "core_programme",
            model_version="rec-2026.1" if created < half else "rec-2026.2", framework_version="fw-3",
            created_at=created,
        ))
    return AuditInputs(window=win, population=population, demographics=demographics, recommendations=tuple(facts))

