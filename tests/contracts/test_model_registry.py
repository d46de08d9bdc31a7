"""ModelRegistry: versions stored once; the one pointer moves only by compare-and-swap on its revision.

The pointer is a single item, so this is the one test that moves it (tests share the moto tables)."""

from __future__ import annotations

import pytest
from coachwire.engine.model import DataCounts
from coachwire.engine.registry import DEFAULT_VERSION, ModelEntry, RegistryPointer
from coachwire.ports import ConcurrentUpdate

from tests.contracts.records import AT


def test_versions_are_immutable_and_the_pointer_moves_by_compare_and_swap(deps, uid):
    model = DEFAULT_VERSION.model_copy(update={"data_counts": DataCounts(employees=int(uid[:6], 16))})
    entry = ModelEntry(version=model.version, created_at=AT, origin="training", employees=1)
    assert deps.models.put(model, entry) is True
    assert deps.models.put(model, entry) is False
    assert deps.models.get(model.version) == model and deps.models.get(f"missing-{uid}") is None
    assert entry in deps.models.entries()

    start = deps.models.pointer()
    shadowed = start.model_copy(update={"shadow": model.version, "revision": start.revision + 1})
    deps.models.swap_pointer(shadowed, start.revision)
    assert deps.models.pointer() == shadowed
    with pytest.raises(ConcurrentUpdate):  # decided on the revision before
        deps.models.swap_pointer(start.model_copy(update={"revision": start.revision + 1}), start.revision)
    with pytest.raises(ConcurrentUpdate):  # "first ever" while one exists
        deps.models.swap_pointer(RegistryPointer(revision=1), 0)
    assert deps.models.pointer() == shadowed


def test_an_empty_registry_points_at_the_built_in_version():
    from tests.fakes import fake_dependencies

    assert fake_dependencies().models.pointer() == RegistryPointer()
