"""Small hand-built frameworks, catalogs and profiles for unit tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from coachwire.models.coaching import EmployeeProfile, SkillAssessment
from coachwire.models.framework import Catalog, Framework

T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def anchors(n: int = 4) -> list[dict]:
    return [{"level": i, "anchors": [f"Observable behaviour at level {i}"]} for i in range(1, n + 1)]


def framework(**overrides) -> Framework:
    data = {
        "framework_id": "eng", "version": "2026.1", "name": "Engineering", "owner": "People Team",
        "effective_date": "2026-01-01",
        "scale": [{"level": 1, "name": "Developing"}, {"level": 2, "name": "Practising"},
                  {"level": 3, "name": "Accomplished"}, {"level": 4, "name": "Leading"}],
        "skills": [
            {"skill_id": "design", "name": "System design", "category": "Technical", "criticality": 3,
             "levels": anchors()},
            {"skill_id": "review", "name": "Code review", "category": "Technical", "criticality": 2,
             "levels": anchors()},
            {"skill_id": "comms", "name": "Stakeholder communication", "category": "Collaboration",
             "criticality": 1, "levels": anchors()},
        ],
        "roles": [{"role_id": "swe", "name": "Software Engineer", "family": "Engineering", "stages": [
            {"stage": "junior", "order": 0, "benchmarks": {"design": 1, "review": 1, "comms": 1}},
            {"stage": "mid", "order": 1, "benchmarks": {"design": 2, "review": 2, "comms": 2}},
            {"stage": "senior", "order": 2, "benchmarks": {"design": 3, "review": 3, "comms": 3}},
        ]}],
    }
    data.update(overrides)
    return Framework.model_validate(data)


def catalog() -> Catalog:
    items = []
    for skill in ("design", "review", "comms"):
        for level in (1, 2, 3, 4):
            items.append({"item_id": f"{skill}-l{level}", "title": f"{skill.title()} level {level}",
                          "kind": "course", "skill_id": skill, "builds_level": level, "duration_minutes": 60})
    items.append({"item_id": "design-l2-practice", "title": "Design a queue-based service", "kind": "practice",
                  "skill_id": "design", "builds_level": 2, "duration_minutes": 240})
    return Catalog.model_validate({"framework_id": "eng", "items": items})


def profile(levels: dict[str, int] | None = None, stage: str = "mid", **overrides) -> EmployeeProfile:
    assessed = {k: SkillAssessment(level=v, assessed_at=T0, source="checkin", evidence_id="ci-0")
                for k, v in (levels or {}).items()}
    data = {"employee_id": "emp-1", "manager_id": "emp-9", "role_id": "swe", "career_stage": stage,
            "framework_id": "eng", "email": "ada@example.com", "display_name": "Ada Example",
            "hire_date": date(2024, 1, 15), "levels": assessed}
    data.update(overrides)
    return EmployeeProfile.model_validate(data)


def ranked_items(levels: dict[str, int], *, stage: str = "senior", priorities: tuple[str, ...] = (),
                 flagged: tuple[str, ...] = (), exclude: frozenset[str] = frozenset(), items: Catalog | None = None,
                 model=None, only_skills: set[str] | None = None, fw: Framework | None = None):
    """The engine's ranking for one employee of the test framework, through the domain bridge the triggers use."""
    from coachwire.domain.recommender import rank
    from coachwire.engine.features import EmployeeState
    from coachwire.engine.model import EngineIndex
    from coachwire.engine.registry import DEFAULT_VERSION

    fw = fw or framework()
    items = items or catalog()
    index = EngineIndex.build(model or DEFAULT_VERSION, fw, items)
    state = EmployeeState(employee_id="emp-1", role_id="swe", stage=stage, levels=levels, priorities=priorities,
                          flagged_skills=frozenset(flagged))
    return rank(state, fw, items, index, T0.date(), exclude=exclude, only_skills=only_skills)
