"""A fictional sample organisation: three competency frameworks, their learning catalogs, a small named
team (``people.SAMPLE_PEOPLE``), a deterministic synthetic org and a 60-day pilot timeline (``pilot``).

The YAML lives next to this module (``frameworks/*.yaml``, ``catalog/*.yaml``) and is read through
importlib.resources, so it works from a source checkout, an installed wheel or a Lambda layer.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

import yaml
from coachwire.models.framework import Catalog, Framework

FRAMEWORKS_DIR = "frameworks"
CATALOG_DIR = "catalog"

# (skill_id, level) → why no catalog item builds that skill to that level. Anything not listed here must
# be covered by at least one item (tests/sample_org enforce both directions).
INTENTIONAL_CATALOG_GAPS: dict[tuple[str, int], str] = {
    ("pm.commercial", 4): (
        "Owning a P&L line is developed by being given one; it is agreed between the product lead and the "
        "Chief Product Officer, not recommended from the catalog. The recommender should say so instead of "
        "suggesting an item."
    ),
}


def _yaml_files(folder: str) -> list[Traversable]:
    root = files(__name__).joinpath(folder)
    return sorted((f for f in root.iterdir() if f.name.endswith(".yaml")), key=lambda f: f.name)


def _read(resource: Traversable) -> dict:
    data = yaml.safe_load(resource.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{resource.name}: expected a mapping at the top level")
    return data


@cache
def _frameworks() -> tuple[Framework, ...]:
    frameworks = tuple(Framework.model_validate(_read(f)) for f in _yaml_files(FRAMEWORKS_DIR))
    if not frameworks:
        raise FileNotFoundError("sample_org: no framework YAML found (is the package data installed?)")
    return frameworks


@cache
def _catalogs() -> tuple[Catalog, ...]:
    return tuple(Catalog.model_validate(_read(f)) for f in _yaml_files(CATALOG_DIR))


def load_frameworks() -> list[Framework]:
    """The sample frameworks, ordered by file name. Models are frozen, so sharing them is safe."""
    return list(_frameworks())


def load_catalogs() -> dict[str, Catalog]:
    """framework_id → that framework's catalog."""
    catalogs: dict[str, Catalog] = {}
    for catalog in _catalogs():
        if catalog.framework_id in catalogs:
            raise ValueError(f"sample_org: two catalogs for framework '{catalog.framework_id}'")
        catalogs[catalog.framework_id] = catalog
    return catalogs


def framework_for_role(role_id: str, frameworks: list[Framework] | None = None) -> Framework:
    """The framework that defines ``role_id`` (role ids are unique across the sample frameworks)."""
    for framework in frameworks if frameworks is not None else _frameworks():
        if framework.role(role_id) is not None:
            return framework
    raise KeyError(f"no sample framework defines role '{role_id}'")


__all__ = [
    "INTENTIONAL_CATALOG_GAPS",
    "framework_for_role",
    "load_catalogs",
    "load_frameworks",
]
