"""Competency gap analysis, vectorised per framework with numpy.

A gap is max(0, benchmark - current) per skill; its weight is the gap times the skill's criticality.
Skills without a benchmark at the employee's stage carry no gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coachwire.errors import UnknownReference
from coachwire.models.framework import Framework


@dataclass(frozen=True)
class SkillGap:
    skill_id: str
    skill_name: str
    current_level: int
    target_level: int
    gap: int
    criticality: int
    weighted_gap: float


@dataclass(frozen=True)
class FrameworkIndex:
    """Arrays aligned on one skill order, built once per framework and reused for every employee."""

    framework: Framework
    skill_ids: tuple[str, ...]
    criticality: np.ndarray  # shape (skills,)

    @classmethod
    def of(cls, framework: Framework) -> FrameworkIndex:
        ids = tuple(s.skill_id for s in framework.skills)
        crit = np.array([s.criticality for s in framework.skills], dtype=np.float64)
        return cls(framework, ids, crit)

    def benchmark_vector(self, role_id: str, stage: str) -> np.ndarray:
        role = self.framework.role(role_id)
        if role is None:
            raise UnknownReference("role_id", f"unknown role '{role_id}' in framework {self.framework.framework_id}")
        career_stage = role.stage(stage)
        if career_stage is None:
            known = ", ".join(s.stage for s in role.stages)
            raise UnknownReference("career_stage", f"unknown stage '{stage}' for role '{role_id}' (known: {known})")
        return np.array([career_stage.benchmarks.get(s, 0) for s in self.skill_ids], dtype=np.float64)

    def level_vector(self, levels: dict[str, int]) -> np.ndarray:
        return np.array([levels.get(s, 0) for s in self.skill_ids], dtype=np.float64)

    def level_matrix(self, people_levels: list[dict[str, int]]) -> np.ndarray:
        """Rows are employees, columns skills: for scoring many employees at once."""
        matrix = np.zeros((len(people_levels), len(self.skill_ids)), dtype=np.float64)
        column = {s: i for i, s in enumerate(self.skill_ids)}
        for row, levels in enumerate(people_levels):
            for skill_id, level in levels.items():
                if skill_id in column:
                    matrix[row, column[skill_id]] = level
        return matrix

    def weighted_gaps(self, current: np.ndarray, benchmark: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Works for one vector or a matrix of employees (broadcasts over rows)."""
        gap = np.clip(benchmark - current, 0.0, None)
        return gap, gap * self.criticality

    def gaps(self, levels: dict[str, int], role_id: str, stage: str) -> list[SkillGap]:
        """Open gaps, largest weighted gap first (ties: skill order in the framework)."""
        benchmark = self.benchmark_vector(role_id, stage)
        current = self.level_vector(levels)
        gap, weighted = self.weighted_gaps(current, benchmark)
        order = np.lexsort((np.arange(len(self.skill_ids)), -weighted))
        result = []
        for i in order:
            if gap[i] <= 0:
                continue
            skill = self.framework.skills[i]
            result.append(
                SkillGap(
                    skill_id=skill.skill_id,
                    skill_name=skill.name,
                    current_level=int(current[i]),
                    target_level=int(benchmark[i]),
                    gap=int(gap[i]),
                    criticality=skill.criticality,
                    weighted_gap=float(weighted[i]),
                )
            )
        return result
