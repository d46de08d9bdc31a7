"""A small organisation for pilot tests: the test framework with a second role family (Product), 60 engineers and
60 product managers (ids eng-000.., pm-000..), written through any Dependencies (fakes or DynamoDB)."""

from __future__ import annotations

from datetime import date, timedelta

from coachwire.models.framework import Framework
from coachwire.ports import ProfileChange

from tests.factories import catalog, framework, profile

ENGINEERS = [f"eng-{i:03d}" for i in range(60)]
PRODUCT = [f"pm-{i:03d}" for i in range(60)]


def two_family_framework(framework_id: str = "eng", suffix: str = "") -> Framework:
    data = framework().model_dump(mode="json")
    data["framework_id"] = framework_id
    swe = data["roles"][0]
    swe["role_id"] = f"swe{suffix}"
    data["roles"].append({**swe, "role_id": f"pm{suffix}", "name": "Product Manager", "family": f"Product{suffix}"})
    swe["family"] = f"Engineering{suffix}"
    return Framework.model_validate(data)


def seed(deps, suffix: str = "", framework_id: str = "eng") -> tuple[list[str], list[str]]:
    """Publish the framework and store the people; returns (engineer ids, product ids)."""
    fw = two_family_framework(framework_id, suffix)
    deps.catalog.publish(fw, catalog().model_copy(update={"framework_id": framework_id}))
    engineers = [f"{e}{suffix}" for e in ENGINEERS]
    product = [f"{p}{suffix}" for p in PRODUCT]
    for ids, role in ((engineers, f"swe{suffix}"), (product, f"pm{suffix}")):
        for employee_id in ids:
            deps.profiles.commit(ProfileChange(profile=profile(employee_id=employee_id, role_id=role,
                                                               framework_id=framework_id, manager_id=None),
                                               expected_version=None))
    return engineers, product


def pilot_body(start: date, *, days: int = 60, **changes) -> dict:
    data = {"name": "Engineering coaching pilot", "cohort": {"role_families": ["Engineering"]},
            "start": start.isoformat(), "end": (start + timedelta(days=days)).isoformat(),
            "criteria": [{"key": "adoption", "comparator": ">=", "threshold": 70, "unit": "percent"},
                         {"key": "trigger_reliability", "comparator": ">=", "threshold": 100, "unit": "percent"}]}
    data.update(changes)
    return data
