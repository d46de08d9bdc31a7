"""What changed between two versions of a framework: the facts an HR admin checks before publishing."""

from __future__ import annotations

from pydantic import BaseModel, Field

from coachwire.models.framework import Framework


class BenchmarkChange(BaseModel):
    role_id: str
    stage: str
    skill_id: str
    before: int | None
    after: int | None


class FrameworkDiff(BaseModel):
    framework_id: str
    from_version: str
    to_version: str
    skills_added: list[str] = Field(default_factory=list)
    skills_removed: list[str] = Field(default_factory=list)
    skills_changed: dict[str, list[str]] = Field(default_factory=dict)  # skill → changed field names
    roles_added: list[str] = Field(default_factory=list)
    roles_removed: list[str] = Field(default_factory=list)
    benchmarks_changed: list[BenchmarkChange] = Field(default_factory=list)
    scale_changed: bool = False

    @property
    def raised_benchmarks(self) -> list[BenchmarkChange]:
        return [c for c in self.benchmarks_changed if (c.after or 0) > (c.before or 0)]


def _benchmarks(framework: Framework) -> dict[tuple[str, str, str], int]:
    return {(role.role_id, stage.stage, skill): level
            for role in framework.roles for stage in role.stages for skill, level in stage.benchmarks.items()}


def diff(before: Framework, after: Framework) -> FrameworkDiff:
    old_skills = {s.skill_id: s for s in before.skills}
    new_skills = {s.skill_id: s for s in after.skills}
    changed = {}
    for skill_id in sorted(old_skills.keys() & new_skills.keys()):
        a, b = old_skills[skill_id].model_dump(), new_skills[skill_id].model_dump()
        fields = sorted(k for k in a if a[k] != b[k])
        if fields:
            changed[skill_id] = fields
    old_b, new_b = _benchmarks(before), _benchmarks(after)
    benchmark_changes = [BenchmarkChange(role_id=r, stage=st, skill_id=sk, before=old_b.get((r, st, sk)),
                                         after=new_b.get((r, st, sk)))
                         for (r, st, sk) in sorted(old_b.keys() | new_b.keys()) if old_b.get((r, st, sk))
                         != new_b.get((r, st, sk))]
    old_roles, new_roles = {r.role_id for r in before.roles}, {r.role_id for r in after.roles}
    return FrameworkDiff(
        framework_id=after.framework_id, from_version=before.version, to_version=after.version,
        skills_added=sorted(new_skills.keys() - old_skills.keys()),
        skills_removed=sorted(old_skills.keys() - new_skills.keys()),
        skills_changed=changed, roles_added=sorted(new_roles - old_roles), roles_removed=sorted(old_roles - new_roles),
        benchmarks_changed=benchmark_changes, scale_changed=before.scale != after.scale)
