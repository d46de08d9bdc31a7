"""Competency framework and learning catalog: skills, a 3-5 level scale with anchors, role benchmarks."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from coachwire.models.base import Identifier, InboundModel


class ScaleLevel(InboundModel):
    level: int = Field(ge=1, le=5)
    name: str = Field(min_length=1, max_length=60)


class SkillLevelAnchors(InboundModel):
    level: int = Field(ge=1, le=5)
    anchors: list[str] = Field(min_length=1, description="Observable behaviours at this level")


class Prerequisite(InboundModel):
    """Another skill that should be at `level` before this one is developed."""

    skill_id: Identifier
    level: int = Field(ge=1, le=5)


class Skill(InboundModel):
    skill_id: Identifier
    name: str = Field(min_length=1, max_length=120)
    description: str = ""
    category: str = Field(min_length=1, max_length=80)
    criticality: int = Field(ge=1, le=3, description="1 useful, 2 important, 3 critical")
    levels: list[SkillLevelAnchors]
    prerequisites: list[Prerequisite] = Field(default_factory=list)


class CareerStage(InboundModel):
    stage: Identifier
    order: int = Field(ge=0)
    benchmarks: dict[str, int] = Field(description="skill_id → minimum level expected at this stage")


class Role(InboundModel):
    role_id: Identifier
    name: str
    family: str
    stages: list[CareerStage] = Field(min_length=1)

    def stage(self, stage: str) -> CareerStage | None:
        return next((s for s in self.stages if s.stage == stage), None)


class Framework(InboundModel):
    framework_id: Identifier
    version: str = Field(min_length=1, max_length=40)
    name: str
    owner: str
    effective_date: date
    scale: list[ScaleLevel] = Field(min_length=3, max_length=5)
    skills: list[Skill] = Field(min_length=1)
    roles: list[Role] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Framework:
        levels = [s.level for s in self.scale]
        if levels != list(range(1, len(levels) + 1)):
            raise ValueError("scale: levels must be 1..N in order")
        skill_ids = [s.skill_id for s in self.skills]
        _no_duplicates("skills", skill_ids)
        _no_duplicates("roles", [r.role_id for r in self.roles])
        for skill in self.skills:
            anchored = sorted(a.level for a in skill.levels)
            if anchored != levels:
                raise ValueError(f"skills.{skill.skill_id}.levels: every scale level needs behavioural anchors")
        known = set(skill_ids)
        top = levels[-1]
        for role in self.roles:
            _no_duplicates(f"roles.{role.role_id}.stages", [s.stage for s in role.stages])
            previous: dict[str, int] = {}
            for stage in sorted(role.stages, key=lambda s: s.order):
                where = f"roles.{role.role_id}.stages.{stage.stage}.benchmarks"
                for skill_id, level in stage.benchmarks.items():
                    if skill_id not in known:
                        raise ValueError(f"{where}.{skill_id}: unknown skill")
                    if not 1 <= level <= top:
                        raise ValueError(f"{where}.{skill_id}: level {level} outside the scale 1..{top}")
                    if level < previous.get(skill_id, 0):
                        raise ValueError(f"{where}.{skill_id}: benchmark drops as the career stage rises")
                previous.update(stage.benchmarks)
        return self

    @property
    def top_level(self) -> int:
        return len(self.scale)

    def skill(self, skill_id: str) -> Skill | None:
        return next((s for s in self.skills if s.skill_id == skill_id), None)

    def role(self, role_id: str) -> Role | None:
        return next((r for r in self.roles if r.role_id == role_id), None)


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
