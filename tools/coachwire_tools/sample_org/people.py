"""People of the fictional sample organisation.

``SAMPLE_PEOPLE`` is a small, fixed, named team (12 people, three families) used by the examples, the demo
and tests. ``synthetic_org`` generates a larger deterministic organisation for the 60-day pilot.

All names are invented and every address is at example.com. ``SAMPLE_DEMOGRAPHICS`` gives the named team
SYNTHETIC demographics (invented, for the local stack's bias audit).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from coachwire.models.framework import Framework

Access = Literal["employee", "manager", "hr_admin"]


@dataclass(frozen=True)
class Person:
    employee_id: str
    display_name: str
    email: str
    role_id: str
    career_stage: str
    hire_date: date
    manager_id: str | None
    # skill_id → current proficiency on the framework's scale (only skills of the person's framework).
    levels: Mapping[str, int] = field(hash=False)
    access: Access = "employee"
    job_title: str = ""

    def upserted_data(self) -> dict:
        """The `data` of an `employee.upserted` webhook describing this person (JSON-ready)."""
        return {
            "employee_id": self.employee_id,
            "manager_id": self.manager_id,
            "role_id": self.role_id,
            "career_stage": self.career_stage,
            "email": self.email,
            "display_name": self.display_name,
            "hire_date": self.hire_date.isoformat(),
        }


def _person(
    number: int,
    name: str,
    role_id: str,
    stage: str,
    hired: str,
    manager: int | None,
    levels: dict[str, int],
    access: Access = "employee",
    title: str = "",
) -> Person:
    first, last = name.split(" ", 1)
    return Person(
        employee_id=f"emp-{number:04d}",
        display_name=name,
        email=f"{first}.{last}@example.com".lower().replace(" ", ""),
        role_id=role_id,
        career_stage=stage,
        hire_date=date.fromisoformat(hired),
        manager_id=f"emp-{manager:04d}" if manager is not None else None,
        levels=levels,
        access=access,
        job_title=title,
    )


def _eng(cq: int, sd: int, te: int, op: int, se: int, de: int, co: int, me: int) -> dict[str, int]:
    return {
        "eng.code_quality": cq,
        "eng.system_design": sd,
        "eng.testing": te,
        "eng.operations": op,
        "eng.security": se,
        "eng.delivery": de,
        "eng.communication": co,
        "eng.mentoring": me,
    }


def _pm(di: int, st: int, da: int, pr: int, de: int, sm: int, co: int, pl: int) -> dict[str, int]:
    return {
        "pm.discovery": di,
        "pm.strategy": st,
        "pm.data_experimentation": da,
        "pm.prioritisation": pr,
        "pm.delivery": de,
        "pm.stakeholder_management": sm,
        "pm.commercial": co,
        "pm.product_leadership": pl,
    }


def _ppl(er: int, law: int, mc: int, od: int, pd: int, pr: int, sp: int) -> dict[str, int]:
    return {
        "ppl.employee_relations": er,
        "ppl.employment_law": law,
        "ppl.manager_coaching": mc,
        "ppl.org_design": od,
        "ppl.people_data": pd,
        "ppl.performance_reward": pr,
        "ppl.stakeholder_partnering": sp,
    }


# Levels are chosen so that some people meet every benchmark and others have clear, explainable gaps:
#   emp-0003 Mei Ashgrove (mid engineer): system design 1 and operations 1 against a benchmark of 2.
#   emp-0007 Rafael Inchmore (product manager): no gaps today; a promotion to senior opens several.
#   emp-0011 Oskar Fenwright (people partner): employment law 1 against a benchmark of 2.
# fmt: off
SAMPLE_PEOPLE: tuple[Person, ...] = (
    # Engineering: one team under an engineering manager.
    _person(1, "Nadia Brightwater", "eng.engineering_manager", "manager", "2021-03-15", None,
            _eng(3, 3, 2, 3, 2, 3, 3, 3), "manager", "Engineering Manager, Payments Platform"),
    _person(2, "Tobias Quill", "eng.software_engineer", "senior", "2019-09-02", 1,
            _eng(3, 3, 3, 2, 2, 3, 3, 2), title="Senior Software Engineer"),
    _person(3, "Mei Ashgrove", "eng.software_engineer", "mid", "2023-05-08", 1,
            _eng(2, 1, 2, 1, 2, 2, 2, 1), title="Software Engineer"),
    _person(4, "Kofi Lanternby", "eng.software_engineer", "junior", "2025-09-01", 1,
            _eng(1, 1, 1, 1, 1, 1, 1, 1), title="Junior Software Engineer"),
    _person(5, "Sunniva Marshwood", "eng.software_engineer", "mid", "2022-11-14", 1,
            _eng(3, 2, 2, 2, 1, 2, 2, 1), title="Software Engineer"),
    # Product: a product lead with three product managers.
    _person(6, "Ines Calloway", "pm.product_lead", "lead", "2020-06-01", None,
            _pm(3, 3, 3, 3, 3, 3, 2, 2), "manager", "Product Lead, Onboarding"),
    _person(7, "Rafael Inchmore", "pm.product_manager", "pm", "2022-02-21", 6,
            _pm(2, 2, 2, 3, 3, 2, 2, 1), title="Product Manager"),
    _person(8, "Hana Velloway", "pm.product_manager", "associate", "2025-07-14", 6,
            _pm(1, 1, 1, 1, 1, 1, 1, 1), title="Associate Product Manager"),
    _person(9, "Jonah Peregrine", "pm.product_manager", "senior", "2018-04-03", 6,
            _pm(3, 2, 3, 3, 3, 3, 2, 2), title="Senior Product Manager"),
    # People: a senior people partner with a partner and a people-operations specialist (the HR admin).
    _person(10, "Beatrix Wrenfield", "ppl.people_partner", "senior_partner", "2017-10-09", None,
            _ppl(3, 3, 3, 2, 2, 3, 3), "manager", "Senior People Partner"),
    _person(11, "Oskar Fenwright", "ppl.people_partner", "partner", "2023-01-16", 10,
            _ppl(2, 1, 2, 2, 2, 2, 2), title="People Partner"),
    _person(12, "Leila Ambergate", "ppl.people_operations", "specialist", "2021-08-23", 10,
            _ppl(1, 2, 1, 2, 3, 2, 2), "hr_admin", "People Operations Specialist (HR admin)"),
)
# fmt: on

SAMPLE_PEOPLE_BY_ID: dict[str, Person] = {p.employee_id: p for p in SAMPLE_PEOPLE}

# SYNTHETIC demographics, invented for the sample organisation so that its bias audit has something to count:
# no real person's data. `coachwire local serve --seed sample` sends them as employee.demographics.upserted
# webhooks (ids msg_synthetic_demographics_<employee id>); docs/audits.md ("Synthetic data on the local stack").
# fmt: off
SAMPLE_DEMOGRAPHICS: dict[str, dict[str, str]] = {
    "emp-0001": {"gender": "woman", "race_ethnicity": "black", "birth_year_band": "1980-1989", "geography": "gb"},
    "emp-0002": {"gender": "man", "race_ethnicity": "white", "birth_year_band": "1980-1989", "geography": "gb"},
    "emp-0003": {"gender": "woman", "race_ethnicity": "asian", "birth_year_band": "declined_to_state",
                 "geography": "gb"},
    "emp-0004": {"gender": "man", "race_ethnicity": "black", "birth_year_band": "2000-2009", "geography": "de"},
    "emp-0005": {"gender": "woman", "race_ethnicity": "white", "birth_year_band": "1990-1999", "geography": "de"},
    "emp-0006": {"gender": "woman", "race_ethnicity": "hispanic_latino", "birth_year_band": "1980-1989",
                 "geography": "us"},
    "emp-0007": {"gender": "man", "race_ethnicity": "hispanic_latino", "birth_year_band": "1990-1999",
                 "geography": "us"},
    "emp-0008": {"gender": "non_binary", "race_ethnicity": "multiracial", "birth_year_band": "2000-2009",
                 "geography": "gb"},
    "emp-0009": {"gender": "man", "race_ethnicity": "asian", "birth_year_band": "1970-1979", "geography": "us"},
    "emp-0010": {"gender": "woman", "race_ethnicity": "white", "birth_year_band": "1970-1979", "geography": "gb"},
    "emp-0011": {"gender": "man", "race_ethnicity": "white", "birth_year_band": "1990-1999", "geography": "de"},
    "emp-0012": {"gender": "declined_to_state", "race_ethnicity": "declined_to_state",
                 "birth_year_band": "1980-1989", "geography": "gb"},
}
# fmt: on


# --------------------------------------------------------------------------------------------------
# Synthetic organisation
# --------------------------------------------------------------------------------------------------

# fmt: off
FIRST_NAMES: tuple[str, ...] = (
    "Ada", "Aarav", "Bea", "Bram", "Cato", "Dalia", "Emeka", "Esme", "Farah", "Gideon", "Hollis",
    "Ilse", "Juno", "Kasimir", "Lior", "Maren", "Nico", "Odile", "Priya", "Quentin", "Rosa", "Soren",
    "Tamsin", "Ugo", "Vesna", "Wren", "Xavi", "Yara", "Zeno", "Amara", "Felix", "Noor",
)
LAST_NAMES: tuple[str, ...] = (
    "Alderwick", "Barrowmere", "Candlish", "Dunmarsh", "Elderbrook", "Fallowby", "Gorsedale",
    "Hazelwick", "Ironsby", "Juniperfield", "Kestrelton", "Larchmont", "Merriweather", "Nettlecombe",
    "Oakhollow", "Pennywhistle", "Quarrington", "Rookwood", "Saltmarsh", "Thistlecroft", "Umberleigh",
    "Vantwood", "Willowmere", "Yarrowby", "Zephyrine", "Brackenford", "Copperleigh", "Fernhallow",
)
# fmt: on

# Family mix of the synthetic organisation (framework_id → share of headcount).
FAMILY_MIX: dict[str, float] = {
    "software_engineering": 0.55,
    "product_management": 0.20,
    "people_partnering": 0.25,
}
REPORTS_PER_MANAGER = 8

# framework_id → (role, stage) of the family head, manager roles with weights, IC roles with weights.
_HEAD: dict[str, tuple[str, str]] = {
    "software_engineering": ("eng.engineering_manager", "director"),
    "product_management": ("pm.product_lead", "head"),
    "people_partnering": ("ppl.people_partner", "senior_partner"),
}
_HEAD_TITLES: dict[str, str] = {
    "software_engineering": "Director of Engineering",
    "product_management": "Head of Product",
    "people_partnering": "Head of People",
}
_MANAGERS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "software_engineering": (
        ("eng.engineering_manager", "manager", 0.7),
        ("eng.engineering_manager", "senior_manager", 0.3),
    ),
    "product_management": (("pm.product_lead", "lead", 0.75), ("pm.product_lead", "group_lead", 0.25)),
    "people_partnering": (("ppl.people_partner", "senior_partner", 0.6), ("ppl.people_operations", "lead", 0.4)),
}
_ICS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "software_engineering": (
        ("eng.software_engineer", "junior", 0.3),
        ("eng.software_engineer", "mid", 0.45),
        ("eng.software_engineer", "senior", 0.25),
    ),
    "product_management": (
        ("pm.product_manager", "associate", 0.25),
        ("pm.product_manager", "pm", 0.5),
        ("pm.product_manager", "senior", 0.25),
    ),
    "people_partnering": (
        ("ppl.people_partner", "associate", 0.25),
        ("ppl.people_partner", "partner", 0.35),
        ("ppl.people_operations", "coordinator", 0.2),
        ("ppl.people_operations", "specialist", 0.2),
    ),
}
_JOB_TITLES: dict[tuple[str, str], str] = {
    ("eng.software_engineer", "junior"): "Junior Software Engineer",
    ("eng.software_engineer", "mid"): "Software Engineer",
    ("eng.software_engineer", "senior"): "Senior Software Engineer",
    ("eng.engineering_manager", "manager"): "Engineering Manager",
    ("eng.engineering_manager", "senior_manager"): "Senior Engineering Manager",
    ("eng.engineering_manager", "director"): "Director of Engineering",
    ("pm.product_manager", "associate"): "Associate Product Manager",
    ("pm.product_manager", "pm"): "Product Manager",
    ("pm.product_manager", "senior"): "Senior Product Manager",
    ("pm.product_lead", "lead"): "Product Lead",
    ("pm.product_lead", "group_lead"): "Group Product Lead",
    ("pm.product_lead", "head"): "Head of Product",
    ("ppl.people_partner", "associate"): "Associate People Partner",
    ("ppl.people_partner", "partner"): "People Partner",
    ("ppl.people_partner", "senior_partner"): "Senior People Partner",
    ("ppl.people_operations", "coordinator"): "People Operations Coordinator",
    ("ppl.people_operations", "specialist"): "People Operations Specialist",
    ("ppl.people_operations", "lead"): "People Operations Lead",
}
# Per-person development profile: chance that any one skill sits a level (rarely two) below benchmark.
_GAP_PROFILES: tuple[tuple[float, float], ...] = ((0.08, 0.3), (0.22, 0.5), (0.45, 0.2))  # (p_gap, weight)
DEFAULT_HIRED_BEFORE = date(2026, 6, 1)


def job_title(role_id: str, stage: str) -> str:
    return _JOB_TITLES.get((role_id, stage), f"{role_id} ({stage})")


def starting_levels(
    framework: Framework, role_id: str, stage: str, rng: random.Random, gap_chance: float
) -> dict[str, int]:
    """Levels around the stage benchmark: mostly at it, some above, some below (the gaps)."""
    role = framework.role(role_id)
    career_stage = role.stage(stage) if role else None
    if career_stage is None:
        raise KeyError(f"{framework.framework_id}: no stage '{stage}' for role '{role_id}'")
    top = framework.top_level
    levels: dict[str, int] = {}
    for skill in framework.skills:
        benchmark = career_stage.benchmarks.get(skill.skill_id, 1)
        roll = rng.random()
        if roll < gap_chance:
            delta = -2 if rng.random() < 0.12 else -1
        elif roll < gap_chance + 0.2:
            delta = 1
        else:
            delta = 0
        levels[skill.skill_id] = max(1, min(top, benchmark + delta))
    return levels


def _pick(rng: random.Random, options: tuple[tuple[str, str, float], ...]) -> tuple[str, str]:
    role_id, stage, _ = rng.choices(options, weights=[w for *_, w in options])[0]
    return role_id, stage


def _family_sizes(n: int) -> dict[str, int]:
    families = list(FAMILY_MIX)
    sizes = {f: int(n * FAMILY_MIX[f]) for f in families}
    # Hand out the remainder by largest fractional part, then by declared order (deterministic).
    remainder = n - sum(sizes.values())
    by_fraction = sorted(families, key=lambda f: (-(n * FAMILY_MIX[f] - sizes[f]), families.index(f)))
    for f in by_fraction[:remainder]:
        sizes[f] += 1
    return sizes


def synthetic_org(
    n: int = 200,
    seed: int = 7,
    *,
    frameworks: list[Framework] | None = None,
    hired_before: date = DEFAULT_HIRED_BEFORE,
    first_number: int = 1001,
) -> list[Person]:
    """A deterministic organisation of ``n`` people (ids ``emp-1001``...).

    Each family has a head (no manager) and about one manager per eight people; managers report to the
    head and everyone else to a manager of their own family. The list is ordered so that every manager
    appears before their reports. Hire dates fall before ``hired_before``.
    """
    if n < 1:
        raise ValueError("synthetic_org: n must be at least 1")
    if frameworks is None:
        from coachwire_tools.sample_org import load_frameworks

        frameworks = load_frameworks()
    by_id = {f.framework_id: f for f in frameworks}
    missing = set(FAMILY_MIX) - set(by_id)
    if missing:
        raise KeyError(f"synthetic_org: frameworks missing: {', '.join(sorted(missing))}")

    rng = random.Random(seed)
    sizes = _family_sizes(n)

    # (tier, family, role, stage): tier 0 heads, 1 managers, 2 individual contributors.
    heads: list[tuple[str, str, str]] = []
    managers: list[tuple[str, str, str]] = []
    ics: list[tuple[str, str, str]] = []
    for family, size in sizes.items():
        if size == 0:
            continue
        heads.append((family, *_HEAD[family]))
        n_managers = min(size - 1, max(0, round(size / REPORTS_PER_MANAGER) - 1))
        managers.extend((family, *_pick(rng, _MANAGERS[family])) for _ in range(n_managers))
        ics.extend((family, *_pick(rng, _ICS[family])) for _ in range(size - 1 - n_managers))
    rng.shuffle(managers)
    rng.shuffle(ics)

    used_names: set[tuple[str, str]] = set()
    people: list[Person] = []
    head_of: dict[str, str] = {}
    managers_of: dict[str, list[str]] = {f: [] for f in sizes}

    def make(tier: int, family: str, role_id: str, stage: str, manager_id: str | None) -> Person:
        number = first_number + len(people)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        while (first, last) in used_names and len(used_names) < len(FIRST_NAMES) * len(LAST_NAMES):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        used_names.add((first, last))
        email = f"{first}.{last}@example.com".lower()
        if any(p.email == email for p in people):  # only after every name pair is used
            email = f"{first}.{last}.{number}@example.com".lower()
        order = by_id[family].stage_of(role_id, stage).order
        tenure_days = rng.randint(*((45, 900), (400, 2400), (900, 3600))[min(order, 2)]) + 300 * (tier == 0)
        if tier == 0:
            gap_chance = 0.0
        else:
            gap_chance = rng.choices([p for p, _ in _GAP_PROFILES], weights=[w for _, w in _GAP_PROFILES])[0]
        return Person(
            employee_id=f"emp-{number:04d}",
            display_name=f"{first} {last}",
            email=email,
            role_id=role_id,
            career_stage=stage,
            hire_date=hired_before - timedelta(days=tenure_days),
            manager_id=manager_id,
            levels=starting_levels(by_id[family], role_id, stage, rng, gap_chance),
            access="manager" if tier < 2 else "employee",
            job_title=_HEAD_TITLES[family] if tier == 0 else job_title(role_id, stage),
        )

    for family, role_id, stage in heads:
        person = make(0, family, role_id, stage, None)
        people.append(person)
        head_of[family] = person.employee_id
    for family, role_id, stage in managers:
        person = make(1, family, role_id, stage, head_of[family])
        people.append(person)
        managers_of[family].append(person.employee_id)
    reports: dict[str, int] = {}
    for family, role_id, stage in ics:
        # Balanced spans: join one of the managers with the fewest reports so far.
        candidates = managers_of[family] or [head_of[family]]
        fewest = min(reports.get(m, 0) for m in candidates)
        manager_id = rng.choice([m for m in candidates if reports.get(m, 0) == fewest])
        reports[manager_id] = reports.get(manager_id, 0) + 1
        people.append(make(2, family, role_id, stage, manager_id))
    return people


def family_of(person: Person, frameworks: list[Framework]) -> Framework:
    for framework in frameworks:
        if framework.role(person.role_id) is not None:
            return framework
    raise KeyError(f"{person.employee_id}: no framework defines role '{person.role_id}'")
