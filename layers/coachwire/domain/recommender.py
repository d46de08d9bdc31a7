"""Recommendations from the engine's scores: ranked candidates as ScoredItems, picking, explanations.

Personalised: the active model version (coachwire.engine) scores every candidate as a sum of named factors; each
factor's contribution is stored with the recommendation so a manager can see exactly why an item ranks where it
does. Personalisation off: the role's core programme, in a fixed order, reading nothing about the person.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from coachwire.domain.gaps import SkillGap
from coachwire.engine.features import EmployeeState
from coachwire.engine.model import EngineIndex, score_one
from coachwire.models.coaching import EmployeeProfile, Recommendation, ScoreFactor
from coachwire.models.framework import Catalog, CatalogItem, Framework

CORE_PROGRAMME_VERSION = "core-programme-1"  # recorded on recommendations made with personalisation off
PRECISION = 4
MIN_EVIDENCE = 10  # fewer completions than this: the explanation says the evidence is thin


@dataclass(frozen=True)
class Evidence:
    """The history behind the efficacy factor: of `n` colleagues at `level` who completed the item, `successes`
    rose at least one level on its skill within `window_days`."""

    level: int
    n: int
    successes: int
    window_days: int
    expected: float  # the efficacy value used (shrunk toward the skill's pooled rate)
    trained: bool = True  # False for a model version that has not learned from any history yet


@dataclass(frozen=True)
class ScoredItem:
    item: CatalogItem
    gap: SkillGap
    factors: tuple[ScoreFactor, ...]
    model_version: str = CORE_PROGRAMME_VERSION
    evidence: Evidence | None = None
    engine_score: float | None = None  # the engine's own total (its rounding), when it scored the item

    @property
    def score(self) -> float:
        if self.engine_score is not None:
            return self.engine_score
        return round(sum(f.contribution for f in self.factors), PRECISION)


def _factor(name: str, value: float, weight: float) -> ScoreFactor:
    # The contribution follows from the stored value, so the factor table re-adds exactly.
    value = round(value, PRECISION)
    return ScoreFactor(name=name, value=value, weight=weight, contribution=round(value * weight, PRECISION))


def rank(state: EmployeeState, framework: Framework, catalog: Catalog, index: EngineIndex, as_of: date, *,
         exclude: frozenset[str] = frozenset(), only_skills: set[str] | None = None) -> list[ScoredItem]:
    """Every candidate the model scores for this employee, best first, minus `exclude` (hard rules such as
    declines still in their cooldown) and, when given, limited to `only_skills`."""
    items = {i.item_id: i for i in catalog.items}
    ranked = []
    for c in score_one(state, framework, catalog, index.version, as_of, index=index):
        if c.item_id in exclude or (only_skills is not None and c.skill_id not in only_skills):
            continue
        skill = framework.skill(c.skill_id)
        assert skill is not None  # the index is built from this framework
        size = max(0, c.target_level - c.current_level)
        gap = SkillGap(c.skill_id, skill.name, c.current_level, c.target_level, size, skill.criticality,
                       float(size * skill.criticality))
        factors = tuple(ScoreFactor(name=f.name, value=f.value, weight=f.weight, contribution=f.contribution)
                        for f in c.factors)
        efficacy = next(f.value for f in c.factors if f.name == "efficacy")
        evidence = Evidence(c.current_level, c.efficacy_n, c.efficacy_successes, index.config.window_days, efficacy,
                            trained=index.version.efficacy.completions_used > 0)
        ranked.append(ScoredItem(items[c.item_id], gap, factors, c.model_version, evidence, c.score))
    return ranked


def pick(scored: list[ScoredItem], limit: int, per_skill: int) -> list[ScoredItem]:
    """The first `limit` items, at most `per_skill` per skill (the engine's variety factor already spreads them;
    this is the hard cap on top)."""
    chosen: list[ScoredItem] = []
    per: dict[str, int] = {}
    for candidate in scored:
        if len(chosen) == limit:
            break
        if per.get(candidate.item.skill_id, 0) >= per_skill:
            continue
        chosen.append(candidate)
        per[candidate.item.skill_id] = per.get(candidate.item.skill_id, 0) + 1
    return chosen


def explain_evidence(evidence: Evidence, skill_name: str) -> str:
    window, level = evidence.window_days, evidence.level
    if not evidence.trained:
        return ("The model in use has not learned from completion history yet, so how well this item works did "
                "not count toward its rank.")
    if evidence.n >= MIN_EVIDENCE:
        share = round(100 * evidence.successes / evidence.n)
        return (f"{share}% of {evidence.n} colleagues at level {level} who completed this reached level {level + 1} "
                f"in {skill_name} within {window} days.")
    expected = round(100 * evidence.expected)
    if evidence.n == 0:
        return (f"No colleague at level {level} has completed it yet, so its expected effect ({expected}% reaching "
                f"the next level within {window} days) comes from other {skill_name} items.")
    return (f"Only {evidence.n} colleague{'s' if evidence.n != 1 else ''} at level {level} completed it so far, "
            f"too few to judge alone; blended with other {skill_name} items, {expected}% are expected to reach "
            f"the next level within {window} days.")


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
    if scored.evidence is not None:
        parts.append(explain_evidence(scored.evidence, gap.skill_name))
    return " ".join(parts)


def recommendation_id(employee_id: str, item_id: str, source_event_id: str, trigger: str, shadow_of: str = "") -> str:
    """Deterministic, so a redelivered event writes the same record instead of a second one. A shadow model's
    suggestion for the same item gets its own id."""
    key = f"{employee_id}|{item_id}|{source_event_id}|{trigger}" + (f"|shadow:{shadow_of}" if shadow_of else "")
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"rec_{digest[:20]}"


def to_recommendation(
    scored: ScoredItem,
    profile: EmployeeProfile,
    framework: Framework,
    *,
    trigger: str,
    source_event_id: str,
    created_at: datetime,
    shadow: bool = False,
) -> Recommendation:
    return Recommendation(
        recommendation_id=recommendation_id(profile.employee_id, scored.item.item_id, source_event_id, trigger,
                                            scored.model_version if shadow else ""),
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
        recommender_version=scored.model_version,
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
