"""The closed list of features the engine may use, and the typed input record for one employee.

``EmployeeState`` has no field for demographic or other protected data and forbids unknown fields, so a caller
cannot pass them in by accident. Hire date and tenure are left out on purpose: they are an avoidable proxy for
age (see docs/model-card.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field


@dataclass(frozen=True)
class Feature:
    name: str
    description: str
    inputs: tuple[str, ...]


# Order is the order of the factors on every recommendation. docs/model-card.md lists exactly these.
FEATURES: tuple[Feature, ...] = (
    Feature(
        "gap_priority",
        "Gap to the role and stage benchmark (capped at 3 levels) times the skill's criticality (1-3), scaled to 0-1.",
        ("role_id", "stage", "levels", "framework benchmarks", "framework criticality"),
    ),
    Feature(
        "level_fit",
        "1 if the item builds the next level above the current one, 0.5 two above, 0.1 further; items at or "
        "below the current level are never candidates.",
        ("levels", "item builds_level"),
    ),
    Feature(
        "efficacy",
        "Learned from history: the share of people at the same level who completed the item and rose at least one "
        "level on its skill within the window, shrunk toward the pooled rate for the skill and level (Beta prior); "
        "the sample size is reported with it.",
        ("levels", "fitted efficacy table"),
    ),
    Feature(
        "agreed_priority",
        "1 for the first skill the employee and manager agreed to prioritise, 1/2 for the second, 1/3 for the "
        "third...; 0 for skills not on the list.",
        ("priorities",),
    ),
    Feature(
        "flagged_in_checkin",
        "1 if the manager flagged the item's skill as a gap in the latest check-in, else 0.",
        ("flagged_skills",),
    ),
    Feature(
        "prerequisites_met",
        "Share of the skill's framework prerequisites the employee already meets (1 when it has none).",
        ("levels", "framework prerequisites"),
    ),
    Feature(
        "variety",
        "1/(1+r) where r is the number of better-ranked candidates for the same skill, so one skill does not fill "
        "the list (a hard cap per skill applies on top).",
        ("other candidates' scores",),
    ),
    Feature(
        "decline_recency",
        "1 - days since the employee declined this item / cooldown, while within the cooldown; else 0. Carries a "
        "negative weight.",
        ("declined", "as_of"),
    ),
)
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in FEATURES)


class EmployeeState(BaseModel):
    """Everything the engine knows about one employee. Nothing else can be passed (extra fields are an error)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    employee_id: str = Field(min_length=1)
    role_id: str = Field(min_length=1)
    stage: str = Field(min_length=1)
    levels: dict[str, int] = Field(default_factory=dict, description="skill_id → current level (0 = not rated)")
    flagged_skills: frozenset[str] = frozenset()
    priorities: tuple[str, ...] = Field(default=(), description="agreed skill priorities, most important first")
    completed: frozenset[str] = frozenset()
    open_items: frozenset[str] = frozenset()
    declined: dict[str, date] = Field(default_factory=dict, description="item_id → date of the latest decline")

    def level(self, skill_id: str) -> int:
        return self.levels.get(skill_id, 0)

    def priority_value(self, skill_id: str) -> float:
        try:
            return 1.0 / (1 + self.priorities.index(skill_id))
        except ValueError:
            return 0.0


class _Assessed(Protocol):
    @property
    def level(self) -> int: ...


class ProfileView(Protocol):
    """What ``state_from_profile`` reads of a stored ``EmployeeProfile`` (read-only, so the pydantic record fits)."""

    @property
    def employee_id(self) -> str: ...
    @property
    def role_id(self) -> str: ...
    @property
    def career_stage(self) -> str: ...
    @property
    def levels(self) -> Mapping[str, _Assessed]: ...
    @property
    def flagged_skills(self) -> Iterable[str]: ...
    @property
    def completed_items(self) -> Iterable[str]: ...
    @property
    def open_items(self) -> Iterable[str]: ...


def state_from_profile(
    profile: ProfileView, *, priorities: tuple[str, ...] = (), declined: dict[str, date] | None = None
) -> EmployeeState:
    """Copy only the allowed fields of a stored ``EmployeeProfile`` (structurally typed, ``ProfileView``: this
    module imports no store models). Hire date, e-mail and name are deliberately not copied."""
    levels = {skill: assessed.level for skill, assessed in profile.levels.items()}
    return EmployeeState(
        employee_id=profile.employee_id,
        role_id=profile.role_id,
        stage=profile.career_stage,
        levels=levels,
        flagged_skills=frozenset(profile.flagged_skills),
        priorities=priorities,
        completed=frozenset(profile.completed_items),
        open_items=frozenset(profile.open_items),
        declined=declined or {},
    )
