"""A completion history as training and evaluation read it: who (role, stage, agreed priorities), what they
completed at which level, and when their levels rose. Training builds one from the recorded audit history; the
tooling's synthetic generator (coachwire_tools.engine.synthetic_history) builds one with a planted signal."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from coachwire.engine.efficacy import CompletionLog, day_number
from coachwire.models.framework import Catalog, Framework


@dataclass(frozen=True)
class Person:
    employee_id: str
    framework_id: str
    role_id: str
    stage: str
    priorities: tuple[str, ...] = ()


@dataclass(frozen=True)
class SyntheticHistory:
    seed: int
    start: date
    end: date
    people: tuple[Person, ...]
    frameworks: dict[str, Framework]
    catalogs: dict[str, Catalog]
    log: CompletionLog
    # Aligned with log rows: the employee's levels just before the completion.
    snapshots: tuple[dict[str, int], ...]
    initial_levels: dict[str, dict[str, int]]
    # (employee_id, skill_id, day number, new level), chronological per employee.
    changes: tuple[tuple[str, str, int, int], ...]
    truth: dict[tuple[str, int], float] = field(repr=False)
    popularity: dict[str, float] = field(repr=False)

    def levels_at(self, day: date) -> dict[str, dict[str, int]]:
        """Every employee's levels at the start of ``day``."""
        levels = {e: dict(v) for e, v in self.initial_levels.items()}
        cutoff = day_number(day)
        for employee, skill, when, level in self.changes:
            if when < cutoff:
                levels[employee][skill] = level
        return levels
