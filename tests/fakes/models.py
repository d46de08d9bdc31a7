"""The model registry in memory: versions stored once, one pointer changed by compare-and-swap on its revision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coachwire.ports import ConcurrentUpdate

if TYPE_CHECKING:  # numpy only when a test stores or reads a model
    from coachwire.engine.model import ModelVersion
    from coachwire.engine.registry import ModelEntry, RegistryPointer


class FakeModelRegistry:
    def __init__(self) -> None:
        self.stored: dict[str, tuple[ModelVersion, ModelEntry]] = {}
        self._pointer: RegistryPointer | None = None

    def get(self, version: str) -> ModelVersion | None:
        found = self.stored.get(version)
        return found[0] if found else None

    def put(self, model: ModelVersion, entry: ModelEntry) -> bool:
        if model.version in self.stored:
            return False
        self.stored[model.version] = (model, entry)
        return True

    def entries(self) -> list[ModelEntry]:
        entries = [entry for _, entry in self.stored.values()]
        return sorted(entries, key=lambda e: (e.created_at is not None, e.created_at or 0, e.version))

    def pointer(self) -> RegistryPointer:
        from coachwire.engine.registry import RegistryPointer

        return self._pointer or RegistryPointer()

    def swap_pointer(self, new: RegistryPointer, expected_revision: int) -> None:
        stored = None if self._pointer is None else self._pointer.revision
        if (expected_revision == 0 and stored is not None) or (expected_revision != 0 and stored != expected_revision):
            raise ConcurrentUpdate("the model registry changed meanwhile")
        self._pointer = new
