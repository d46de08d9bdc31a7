"""Write the sample organisation into Coachwire's tables: frameworks, catalogs and SAMPLE_PEOPLE profiles.

``profile_for`` is pure (no AWS, no clock) so tests can build the same profiles in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING

from coachwire.domain.profiles import new_profile
from coachwire.models.coaching import EmployeeProfile, SkillAssessment
from coachwire.models.events import EmployeeUpserted
from coachwire.models.framework import Framework
from coachwire.ports import CatalogStore, ConcurrentUpdate, ProfileChange, ProfileStore

from coachwire_tools.sample_org import framework_for_role, load_catalogs, load_frameworks
from coachwire_tools.sample_org.people import SAMPLE_PEOPLE, Person

if TYPE_CHECKING:
    from coachwire.settings import Settings

SEED_EVIDENCE_ID = "seed:sample-org-2026.1"


def profile_for(person: Person, framework: Framework, *, assessed_at: datetime | None = None) -> EmployeeProfile:
    """The coaching profile a freshly seeded person starts with.

    Levels are recorded as ``source="seed"`` assessments dated ``assessed_at`` (default: 09:00 UTC on the later of
    the framework's effective date and the hire date, so the result never depends on the wall clock).
    ``benchmark_snapshot`` holds the current stage's benchmarks so a later raise can be noticed; nothing is
    flagged yet because no manager has submitted a check-in.
    """
    role = framework.role(person.role_id)
    if role is None:
        raise KeyError(f"{person.employee_id}: role '{person.role_id}' is not in framework {framework.framework_id}")
    stage = role.stage(person.career_stage)
    if stage is None:
        raise KeyError(f"{person.employee_id}: role '{person.role_id}' has no stage '{person.career_stage}'")
    unknown = sorted(set(person.levels) - {s.skill_id for s in framework.skills})
    if unknown:
        raise KeyError(f"{person.employee_id}: levels for skills outside {framework.framework_id}: {unknown}")
    when = assessed_at or datetime.combine(max(framework.effective_date, person.hire_date), time(9), UTC)
    # The same construction an HRIS employee.upserted gets, then the seeded levels on top.
    hris_record = EmployeeUpserted(
        employee_id=person.employee_id, manager_id=person.manager_id, role_id=person.role_id,
        career_stage=person.career_stage, email=person.email, display_name=person.display_name,
        hire_date=person.hire_date)
    return new_profile(hris_record, framework, when).model_copy(update={
        "hris_updated_at": None,
        "levels": {
            skill_id: SkillAssessment(level=level, assessed_at=when, source="seed", evidence_id=SEED_EVIDENCE_ID)
            for skill_id, level in person.levels.items()
        },
        "benchmark_snapshot": dict(stage.benchmarks),
    })


def sample_profiles(frameworks: list[Framework] | None = None) -> list[EmployeeProfile]:
    """Profiles for every SAMPLE_PEOPLE member, managers first (the order they appear in)."""
    frameworks = frameworks if frameworks is not None else load_frameworks()
    return [profile_for(p, framework_for_role(p.role_id, frameworks)) for p in SAMPLE_PEOPLE]


@dataclass(frozen=True)
class SeedSummary:
    frameworks: int
    catalog_items: int
    profiles_written: int
    profiles_skipped: int


def seed_sample_org(
    settings: Settings,
    *,
    catalog_store: CatalogStore | None = None,
    profile_store: ProfileStore | None = None,
) -> SeedSummary:
    """Write frameworks + catalogs, then SAMPLE_PEOPLE profiles, through the DynamoDB adapters.

    Safe to run twice: frameworks and catalogs are overwritten with the same content, and a profile that
    already exists is left alone (it may hold real pilot history). Pass stores explicitly to seed something
    other than the tables named in ``settings`` (tests use in-memory stores).
    """
    if catalog_store is None or profile_store is None:
        from coachwire.adapters.dynamo import DynamoCatalogStore, DynamoProfileStore

        catalog_store = catalog_store or DynamoCatalogStore(settings.catalog_table)
        profile_store = profile_store or DynamoProfileStore(settings.profiles_table)

    frameworks = load_frameworks()
    catalogs = load_catalogs()
    items = 0
    for framework in frameworks:
        catalog = catalogs[framework.framework_id]
        catalog_store.put_framework(framework, catalog)
        items += len(catalog.items)

    written = skipped = 0
    for profile in sample_profiles(frameworks):
        if profile_store.get(profile.employee_id) is not None:
            skipped += 1
            continue
        try:
            profile_store.commit(ProfileChange(profile=profile, expected_version=None))
        except ConcurrentUpdate:  # created by someone else between our read and write
            skipped += 1
        else:
            written += 1
    return SeedSummary(len(frameworks), items, written, skipped)
