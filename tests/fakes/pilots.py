"""The pilot registry in memory: the adapter's conditions (a new id once, version-conditioned replaces)."""

from __future__ import annotations

from coachwire.models.pilots import Pilot
from coachwire.ports import ConcurrentUpdate


class FakePilotStore:
    def __init__(self) -> None:
        self.docs: dict[str, str] = {}

    def add(self, pilot: Pilot) -> bool:
        if pilot.pilot_id in self.docs:
            return False
        self.docs[pilot.pilot_id] = pilot.model_dump_json()
        return True

    def get(self, pilot_id: str) -> Pilot | None:
        doc = self.docs.get(pilot_id)
        return Pilot.model_validate_json(doc) if doc else None

    def all(self) -> list[Pilot]:
        found = [Pilot.model_validate_json(doc) for doc in self.docs.values()]
        return sorted(found, key=lambda p: (p.created_at, p.pilot_id), reverse=True)

    def replace(self, pilot: Pilot, expected_version: int) -> None:
        stored = self.get(pilot.pilot_id)
        if stored is None or stored.version != expected_version:
            raise ConcurrentUpdate(f"pilot {pilot.pilot_id} changed meanwhile")
        self.docs[pilot.pilot_id] = pilot.model_dump_json()
