"""Competency framework and learning catalog: skills, a 3-5 level scale with anchors, role benchmarks."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, ValidationInfo, model_validator

from coachwire.models.base import Identifier, InboundModel

# Validation context key that skips the cross-reference checks (`Framework._consistent`). Only
# `coachwire.frameworks.validate` sets it, so that it can collect every problem instead of the first.
SKIP_CONSISTENCY = "coachwire.framework.skip_consistency"

Level = Annotated[int, Field(ge=1, le=5)]


class ScaleLevel(InboundModel):
    """One step of the proficiency scale."""

    level: int = Field(ge=1, le=5, description="1..N in order, N being 3, 4 or 5")
    name: str = Field(min_length=1, max_length=60, description="Label of the level, e.g. Practising")


class SkillLevelAnchors(InboundModel):
    """What someone at `level` in this skill is seen doing."""

    level: int = Field(ge=1, le=5, description="A level of the scale")
    anchors: list[str] = Field(min_length=1, description="Observable behaviours at this level")


class Prerequisite(InboundModel):
    """Another skill that should be at `level` before this one is developed."""

    skill_id: Identifier = Field(description="The skill needed first")
    level: int = Field(ge=1, le=5, description="The level of that skill needed first")


class Skill(InboundModel):
    """A skill with behavioural anchors for every level of the scale."""

    skill_id: Identifier = Field(description="Stable id: never reuse or rename it once published")
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    category: str = Field(min_length=1, max_length=80, description="Grouping shown to people, e.g. Delivery")
    criticality: int = Field(ge=1, le=3, description="1 useful, 2 important, 3 critical")
    levels: list[SkillLevelAnchors] = Field(description="Anchors for each level of the scale, exactly once each")
    prerequisites: list[Prerequisite] = Field(default_factory=list, description="Optional; must not form a cycle")


class CareerStage(InboundModel):
    """A step of a role's career path and the minimum level it expects per skill."""

    stage: Identifier = Field(description="Stage id, unique within the role, e.g. senior")
    order: int = Field(ge=0, description="Position on the career path: higher is more senior; unique within the role")
    benchmarks: dict[str, Level] = Field(
        description="skill_id → minimum level expected at this stage; never lower than at an earlier stage"
    )


class Role(InboundModel):
    """A role and its career stages."""

    role_id: Identifier = Field(description="Stable id of the role")
    name: str
    family: str = Field(description="Job family, e.g. Engineering")
    stages: list[CareerStage] = Field(min_length=1)

    def stage(self, stage: str) -> CareerStage | None:
        return next((s for s in self.stages if s.stage == stage), None)


class Framework(InboundModel):
    """A competency framework. The file format is documented in docs/frameworks.md."""

    framework_id: Identifier = Field(description="Stable id of the framework")
    version: str = Field(min_length=1, max_length=40, description='Quote it in YAML: "2026.1", not 2026.1')
    name: str
    owner: str = Field(description="Who maintains the framework, e.g. People Leadership Team")
    effective_date: date = Field(description="From when the framework applies (YYYY-MM-DD)")
    scale: list[ScaleLevel] = Field(min_length=3, max_length=5, description="The one proficiency scale: 3-5 levels")
    skills: list[Skill] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Framework:
        """Cross-references (scale, anchors, benchmarks, prerequisites). The rules live in
        `coachwire.frameworks.validate`, which reports all problems with paths; the model raises the first,
        so a framework the model accepts is exactly one `coachwire framework validate` accepts."""
        if _skip_consistency(info.context):
            return self
        from coachwire.models.framework_rules import consistency_problems

        problems = consistency_problems(self.model_dump())
        if problems:
            first = problems[0]
            more = f" (and {len(problems) - 1} more: see `coachwire framework validate`)" if len(problems) > 1 else ""
            raise ValueError(f"{first.path}: {first.message} [{first.code}]{more}")
        return self

    @property
    def top_level(self) -> int:
        return len(self.scale)

    def skill(self, skill_id: str) -> Skill | None:
        return next((s for s in self.skills if s.skill_id == skill_id), None)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.role_id == role_id), None)

    def stage_of(self, role_id: str, stage: str) -> CareerStage:
        """`role(role_id).stage(stage)` for a role and stage the caller knows the framework defines (taken from
        it, or already checked against it); a KeyError if it does not."""
        found = role.stage(stage) if (role := self.role(role_id)) is not None else None
        if found is None:
            raise KeyError(f"framework {self.framework_id} has no stage {stage!r} of role {role_id!r}")
        return found


def _skip_consistency(context: Any) -> bool:
    return isinstance(context, dict) and bool(context.get(SKIP_CONSISTENCY))


def _no_duplicates(where: str, ids: list[str]) -> None:
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ValueError(f"{where}: duplicate ids {', '.join(dupes)}")


ItemKind = Literal["course", "article", "practice", "mentoring", "stretch_assignment", "project"]


class CatalogItem(InboundModel):
    item_id: Identifier
    title: str = Field(min_length=1, max_length=200)
    kind: ItemKind
    skill_id: Identifier
    builds_level: int = Field(ge=1, le=5, description="The proficiency level this item builds towards")
    duration_minutes: int = Field(ge=1, le=100_000)
    url: str | None = None


class Catalog(InboundModel):
    framework_id: Identifier
    items: list[CatalogItem]

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        _no_duplicates("items", [i.item_id for i in self.items])
        return self


ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=512)]


class Crosswalk(InboundModel):
    """Maps an external taxonomy's ids (a vendor's skill ids, O*NET element ids, ESCO URIs, an LMS's course
    ids) onto one framework's skills and catalog items."""

    crosswalk_id: Identifier
    framework_id: Identifier
    source: str = Field(min_length=1, max_length=200, description="the external taxonomy, e.g. 'ESCO v1.1.1'")
    skills: dict[ExternalId, Identifier] = Field(default_factory=dict)
    items: dict[ExternalId, Identifier] = Field(default_factory=dict)
