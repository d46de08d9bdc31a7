"""SAMPLE_PEOPLE, the synthetic organisation, profiles and seeding (with in-memory stores, no AWS)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from coachwire.models.coaching import EmployeeProfile
from coachwire.models.events import EmployeeUpserted
from coachwire.models.framework import Catalog, Framework
from coachwire.ports import ProfileChange
from coachwire.settings import Settings
from coachwire_tools.sample_org import framework_for_role, load_catalogs, load_frameworks
from coachwire_tools.sample_org.people import SAMPLE_PEOPLE, SAMPLE_PEOPLE_BY_ID, Person, synthetic_org
from coachwire_tools.sample_org.seed import profile_for, sample_profiles, seed_sample_org


def check_org(people: list[Person] | tuple[Person, ...]) -> None:
    """Structural checks shared by the named and the synthetic organisation."""
    frameworks = load_frameworks()
    ids = [p.employee_id for p in people]
    assert len(ids) == len(set(ids))
    emails = [p.email for p in people]
    assert len(emails) == len(set(emails))
    by_id = {p.employee_id: p for p in people}
    position = {p.employee_id: i for i, p in enumerate(people)}
    for person in people:
        EmployeeUpserted.model_validate(person.upserted_data())
        assert person.email.endswith("@example.com")
        framework = framework_for_role(person.role_id, frameworks)
        role = framework.role(person.role_id)
        assert role is not None and role.stage(person.career_stage) is not None, person.employee_id
        assert set(person.levels) == {s.skill_id for s in framework.skills}, person.employee_id
        assert all(1 <= v <= framework.top_level for v in person.levels.values())
        if person.manager_id is not None:
            manager = by_id[person.manager_id]
            assert manager.access in ("manager", "hr_admin") or manager.manager_id is None
            assert framework_for_role(manager.role_id, frameworks) == framework, "reports stay in their family"
            assert position[manager.employee_id] < position[person.employee_id], "managers come first"
    # No reporting cycles.
    for person in people:
        seen, current = set(), person
        while current.manager_id is not None:
            assert current.employee_id not in seen
            seen.add(current.employee_id)
            current = by_id[current.manager_id]


def gaps_of(person: Person) -> list[str]:
    framework = framework_for_role(person.role_id)
    bench = framework.role(person.role_id).stage(person.career_stage).benchmarks  # type: ignore[union-attr]
    return [s for s, level in person.levels.items() if level < bench.get(s, 0)]


# ---- SAMPLE_PEOPLE ---------------------------------------------------------------------------------


def test_sample_people_is_a_small_named_org_across_three_families() -> None:
    assert len(SAMPLE_PEOPLE) == 12
    assert [p.employee_id for p in SAMPLE_PEOPLE] == [f"emp-{i:04d}" for i in range(1, 13)]
    check_org(SAMPLE_PEOPLE)
    managers = [p for p in SAMPLE_PEOPLE if p.access == "manager"]
    assert len(managers) == 3
    assert {framework_for_role(m.role_id).framework_id for m in managers} == {
        "software_engineering",
        "people_partnering",
        "product_management",
    }
    assert [p.employee_id for p in SAMPLE_PEOPLE if p.access == "hr_admin"] == ["emp-0012"]
    for person in SAMPLE_PEOPLE:
        assert person.display_name.split()[0].lower() in person.email
        assert person.job_title
        if person.manager_id is not None:
            assert SAMPLE_PEOPLE_BY_ID[person.manager_id].access == "manager"
        assert person.hire_date < date(2026, 1, 1)


def test_sample_people_mix_gaps_and_no_gaps() -> None:
    with_gaps = {p.employee_id for p in SAMPLE_PEOPLE if gaps_of(p)}
    assert {"emp-0003", "emp-0011"} <= with_gaps
    assert gaps_of(SAMPLE_PEOPLE_BY_ID["emp-0003"]) == ["eng.system_design", "eng.operations"]
    assert "emp-0007" not in with_gaps  # a clean record until the promotion example
    assert 4 <= len(with_gaps) <= 9


# ---- profiles and seeding --------------------------------------------------------------------------


def test_profile_for_is_pure_and_complete() -> None:
    mei = SAMPLE_PEOPLE_BY_ID["emp-0003"]
    framework = framework_for_role(mei.role_id)
    profile = profile_for(mei, framework)
    assert profile == profile_for(mei, framework)
    assert isinstance(profile, EmployeeProfile)
    assert profile.framework_id == "software_engineering"
    assert profile.manager_id == "emp-0001" and profile.version == 0
    assert profile.level_of("eng.system_design") == 1
    assert {a.source for a in profile.levels.values()} == {"seed"}
    assert {a.assessed_at for a in profile.levels.values()} == {datetime(2026, 1, 1, 9, tzinfo=UTC)}
    assert profile.benchmark_snapshot == framework.role("eng.software_engineer").stage("mid").benchmarks  # type: ignore[union-attr]
    assert profile.flagged_skills == [] and profile.completed_items == []
    # Round-trips through its stored form.
    assert EmployeeProfile.model_validate(profile.model_dump(mode="json")) == profile


def test_profile_for_rejects_the_wrong_framework() -> None:
    product = next(f for f in load_frameworks() if f.framework_id == "product_management")
    with pytest.raises(KeyError):
        profile_for(SAMPLE_PEOPLE_BY_ID["emp-0003"], product)


class MemoryCatalogStore:
    def __init__(self) -> None:
        self.frameworks: dict[str, tuple[Framework, Catalog]] = {}

    def put_framework(self, framework: Framework, catalog: Catalog) -> None:
        self.frameworks[framework.framework_id] = (framework, catalog)


class MemoryProfileStore:
    def __init__(self) -> None:
        self.profiles: dict[str, EmployeeProfile] = {}
        self.commits = 0

    def get(self, employee_id: str) -> EmployeeProfile | None:
        return self.profiles.get(employee_id)

    def commit(self, change: ProfileChange) -> None:
        assert change.expected_version is None
        assert change.profile.employee_id not in self.profiles
        self.commits += 1
        self.profiles[change.profile.employee_id] = change.profile


def test_seed_writes_frameworks_catalogs_and_profiles_once() -> None:
    catalogs, profiles = MemoryCatalogStore(), MemoryProfileStore()
    summary = seed_sample_org(Settings(), catalog_store=catalogs, profile_store=profiles)  # type: ignore[arg-type]
    assert summary.frameworks == 3 and summary.profiles_written == 12 and summary.profiles_skipped == 0
    assert summary.catalog_items == sum(len(c.items) for c in load_catalogs().values())
    assert set(catalogs.frameworks) == {"software_engineering", "people_partnering", "product_management"}
    for framework, catalog in catalogs.frameworks.values():
        assert catalog.framework_id == framework.framework_id
    assert set(profiles.profiles) == {p.employee_id for p in SAMPLE_PEOPLE}
    assert list(profiles.profiles.values()) == sample_profiles()

    again = seed_sample_org(Settings(), catalog_store=catalogs, profile_store=profiles)  # type: ignore[arg-type]
    assert again.profiles_written == 0 and again.profiles_skipped == 12
    assert profiles.commits == 12


# ---- synthetic organisation ------------------------------------------------------------------------


def test_synthetic_org_is_deterministic_and_well_formed() -> None:
    org = synthetic_org(200, 7)
    assert org == synthetic_org(200, 7)
    assert org != synthetic_org(200, 8)
    assert [p.employee_id for p in org] == [f"emp-{i}" for i in range(1001, 1201)]
    check_org(org)
    heads = [p for p in org if p.manager_id is None]
    assert len(heads) == 3
    managers = {p.manager_id for p in org if p.manager_id}
    assert 20 <= len(managers) <= 30, "about one manager per eight people"
    spans = Counter(p.manager_id for p in org if p.manager_id and p.manager_id not in {h.employee_id for h in heads})
    assert max(spans.values()) <= 12
    assert all(p.access == "manager" for p in org if p.employee_id in managers)
    assert all(p.hire_date < date(2026, 6, 1) for p in org)
    families = Counter(framework_for_role(p.role_id).framework_id for p in org)
    assert families == {"software_engineering": 110, "product_management": 40, "people_partnering": 50}
    with_gaps = sum(1 for p in org if gaps_of(p))
    assert 0.4 * len(org) < with_gaps < 0.9 * len(org), "some, not all, start below benchmark"
    assert not any(gaps_of(h) for h in heads)
    assert len({p.display_name for p in org}) == len(org)


@pytest.mark.parametrize("n", [1, 2, 5, 9, 33])
def test_synthetic_org_small_sizes(n: int) -> None:
    org = synthetic_org(n, 3, hired_before=date(2025, 1, 1))
    assert len(org) == n
    check_org(org)
    assert all(p.hire_date < date(2025, 1, 1) for p in org)
