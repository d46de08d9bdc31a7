"""First recommender: rank catalog items for an employee's open gaps with named, additive factors.

score = Σ weight × value over the factors below; each factor's contribution is stored with the
recommendation so a manager can see exactly why an item ranks where it does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from coachwire.domain.gaps import SkillGap
from coachwire.models.coaching import EmployeeProfile, Recommendation, ScoreFactor
from coachwire.models.framework import Catalog, CatalogItem, Framework

RECOMMENDER_VERSION = "rules-1.1.0"


@dataclass(frozen=True)
class FactorWeights:
    gap_priority: float = 0.5
    level_fit: float = 0.3
    flagged_in_checkin: float = 0.2
    # Present only for employees with agreed priorities: 1 for the first agreed skill, 1/2 the second, …
    agreed_priority: float = 0.3


WEIGHTS = FactorWeights()
PRECISION = 4


@dataclass(frozen=True)
class ScoredItem:
    item: CatalogItem
    gap: SkillGap
    factors: tuple[ScoreFactor, ...]

    @property
    def score(self) -> float:
        return round(sum(f.contribution for f in self.factors), PRECISION)


def level_fit(current_level: int, builds_level: int) -> float:
    """1 for the next level up, 0.5 for two up, 0.1 beyond; items at or below the current level never fit."""
    step = builds_level - current_level
    if step <= 0:
        return 0.0
    return {1: 1.0, 2: 0.5}.get(step, 0.1)


def _factor(name: str, value: float, weight: float) -> ScoreFactor:
    # The contribution follows from the stored value, so the factor table re-adds exactly.
    value = round(value, PRECISION)
    return ScoreFactor(name=name, value=value, weight=weight, contribution=round(value * weight, PRECISION))


def score_candidates(
    gaps: list[SkillGap],
    catalog: Catalog,
    *,
    flagged_skills: set[str],
    exclude_items: set[str],
    agreed_priorities: list[str] | tuple[str, ...] = (),
    weights: FactorWeights = WEIGHTS,
) -> list[ScoredItem]:
    """Every eligible item for the given gaps, best first (ties broken by item id for stable output).

    `agreed_priorities` (skills employee and manager agreed on, most important first) adds the
    `agreed_priority` factor to every candidate: its value is 1/rank for a prioritised skill, 0 otherwise."""
    if not gaps:
        return []
    by_skill = {g.skill_id: g for g in gaps}
    top_weight = max(g.weighted_gap for g in gaps)
    rank = {skill: i for i, skill in enumerate(dict.fromkeys(agreed_priorities))}
    scored = []
    for item in catalog.items:
        gap = by_skill.get(item.skill_id)
        if gap is None or item.item_id in exclude_items:
            continue
        fit = level_fit(gap.current_level, item.builds_level)
        if fit == 0.0:
            continue
        factors = (
            _factor("gap_priority", gap.weighted_gap / top_weight, weights.gap_priority),
            _factor("level_fit", fit, weights.level_fit),
            _factor("flagged_in_checkin", 1.0 if item.skill_id in flagged_skills else 0.0,
                    weights.flagged_in_checkin),
        )
        if rank:
            position = rank.get(item.skill_id)
            factors += (_factor("agreed_priority", 0.0 if position is None else 1.0 / (position + 1),
                                weights.agreed_priority),)
        scored.append(ScoredItem(item, gap, factors))
    scored.sort(key=lambda s: (-s.score, s.item.item_id))
    return scored


def pick(scored: list[ScoredItem], limit: int, per_skill: int = 1) -> list[ScoredItem]:
    """Take the best items, spreading across skills first, then filling up to `limit`."""
    chosen: list[ScoredItem] = []
    per: dict[str, int] = {}
    for cap in range(1, per_skill + 1):
        for candidate in scored:
            if len(chosen) == limit:
                return chosen
            if candidate in chosen or per.get(candidate.item.skill_id, 0) >= cap:
                continue
            chosen.append(candidate)
            per[candidate.item.skill_id] = per.get(candidate.item.skill_id, 0) + 1
    return chosen


def explain(scored: ScoredItem, profile: EmployeeProfile, framework: Framework) -> str:
    """Plain language, citing the data behind the suggestion (dates, levels, benchmark)."""
    gap, item = scored.gap, scored.item
    if is_core(scored):
        return explain_core(scored, profile, framework)
    role = framework.role(profile.role_id)
    role_name = role.name if role else profile.role_id
    assessed = profile.levels.get(gap.skill_id)
    if assessed is None:
        where = f"There is no rating of {gap.skill_name} on record yet"
    else:
        source = {"checkin": "check-in", "learning": "learning record", "seed": "HRIS import",
                  "correction": "approved correction"}[assessed.source]
        where = (f"Your {assessed.assessed_at.date().isoformat()} {source} put {gap.skill_name} "
                 f"at level {assessed.level}")
    parts = [
        f"{where}; the {role_name} benchmark at the {profile.career_stage} stage is level {gap.target_level}.",
        f"This {item.kind.replace('_', ' ')} builds level {item.builds_level}"
        + (" — the next step from where you are." if item.builds_level == gap.current_level + 1 else "."),
    ]
    if gap.skill_id in profile.flagged_skills:
        parts.append("Your manager flagged this skill as a gap in your latest check-in.")
    if any(f.name == "agreed_priority" and f.contribution > 0 for f in scored.factors):
        parts.append(f"You and your manager agreed to prioritise {gap.skill_name}.")
    crit = {3: "critical", 2: "important", 1: "useful"}[gap.criticality]
    parts.append(f"The framework rates {gap.skill_name} as {crit} for your role.")
    return " ".join(parts)


def recommendation_id(employee_id: str, item_id: str, source_event_id: str, trigger: str) -> str:
    """Deterministic, so a redelivered event writes the same record instead of a second one."""
    digest = hashlib.sha256(f"{employee_id}|{item_id}|{source_event_id}|{trigger}".encode()).hexdigest()
    return f"rec_{digest[:20]}"


def to_recommendation(
    scored: ScoredItem,
    profile: EmployeeProfile,
    framework: Framework,
    *,
    trigger: str,
    source_event_id: str,
    created_at: datetime,
) -> Recommendation:
    return Recommendation(
        recommendation_id=recommendation_id(profile.employee_id, scored.item.item_id, source_event_id, trigger),
        employee_id=profile.employee_id,
        item_id=scored.item.item_id,
        item_title=scored.item.title,
        item_kind=scored.item.kind,
        skill_id=scored.gap.skill_id,
        skill_name=scored.gap.skill_name,
        current_level=scored.gap.current_level,
        target_level=scored.gap.target_level,
        score=scored.score,
        factors=list(scored.factors),
        explanation=explain(scored, profile, framework),
        recommender_version=RECOMMENDER_VERSION,
        framework_id=framework.framework_id,
        framework_version=framework.version,
        trigger=trigger,
        source_event_id=source_event_id,
        created_at=created_at,
        basis="core_programme" if is_core(scored) else "personalised",
    )


# --- The core learning programme (personalisation off) -------------------------------------------------

CORE_FACTOR = "core_programme_order"


def is_core(scored: ScoredItem) -> bool:
    return len(scored.factors) == 1 and scored.factors[0].name == CORE_FACTOR


def core_gaps(framework: Framework, role_id: str, career_stage: str) -> list[SkillGap]:
    """The role's benchmark skills in core-programme order (benchmark level, then criticality, then framework
    order), each from level 0 to its benchmark: no rating is read."""
    role = framework.role(role_id)
    stage = role.stage(career_stage) if role else None
    if stage is None:
        return []
    order = {s.skill_id: i for i, s in enumerate(framework.skills)}
    skills = [sk for sk in framework.skills if stage.benchmarks.get(sk.skill_id, 0) > 0]
    skills.sort(key=lambda sk: (-stage.benchmarks[sk.skill_id], -sk.criticality, order[sk.skill_id]))
    return [SkillGap(sk.skill_id, sk.name, 0, stage.benchmarks[sk.skill_id], stage.benchmarks[sk.skill_id],
                     sk.criticality, float(stage.benchmarks[sk.skill_id] * sk.criticality)) for sk in skills]


def core_curriculum(framework: Framework, catalog: Catalog, role_id: str, career_stage: str,
                    *, skip_items: set[str]) -> list[ScoredItem]:
    """The role's default curriculum, the same for everyone in the role and stage: the benchmark skills
    ordered by benchmark level, then criticality (then framework order); per skill, the catalog items that
    build up to the benchmark level, in catalog order. No rating, flag or decision is read: the only input
    about the person is `skip_items` (programme steps already completed or assigned).

    Each item carries one factor, `core_programme_order` = 1/(position+1), so the score still re-adds
    exactly and reflects the fixed programme order."""
    sequence: list[tuple[CatalogItem, SkillGap]] = []
    for gap in core_gaps(framework, role_id, career_stage):
        sequence += [(item, gap) for item in catalog.items
                     if item.skill_id == gap.skill_id and item.builds_level <= gap.target_level]
    result = []
    for position, (item, gap) in enumerate(sequence):
        if item.item_id in skip_items:
            continue
        result.append(ScoredItem(item, gap, (_factor(CORE_FACTOR, 1.0 / (position + 1), 1.0),)))
    return result


def explain_core(scored: ScoredItem, profile: EmployeeProfile, framework: Framework) -> str:
    gap, item = scored.gap, scored.item
    role = framework.role(profile.role_id)
    role_name = role.name if role else profile.role_id
    crit = {3: "critical", 2: "important", 1: "useful"}[gap.criticality]
    return (f"Personalisation is off, so this comes from the core learning programme for the {role_name} role "
            f"at the {profile.career_stage} stage. The benchmark there for {gap.skill_name} is level "
            f"{gap.target_level}, and the framework rates it as {crit}; this {item.kind.replace('_', ' ')} "
            f"builds level {item.builds_level}. Your check-ins, ratings and plan decisions were not used; "
            "only programme steps you already completed are skipped.")
