"""Frameworks, catalogs and crosswalks in memory, with publish's rules: versions are immutable, a role belongs to
one framework. Unlike the adapter nothing is cached, so a test never sees a stale read."""

from __future__ import annotations

from datetime import date

from coachwire.models.coaching import FilledRequisition
from coachwire.models.framework import Catalog, Crosswalk, Framework
from coachwire.ports import RoleConflict, VersionConflict


class FakeCatalogStore:
    def forget_cached(self) -> None:
        self.forgotten = getattr(self, "forgotten", 0) + 1  # nothing is cached here: count the calls

    def __init__(self) -> None:
        self.versions_by_id: dict[tuple[str, str], str] = {}  # (framework_id, version) → Framework JSON
        self.current: dict[str, str] = {}  # framework_id → version
        self.role_owner: dict[str, str] = {}  # role_id → framework_id
        self.catalogs: dict[str, str] = {}  # framework_id → Catalog JSON
        self.crosswalk_docs: dict[tuple[str, str], str] = {}  # (framework_id, crosswalk_id) → JSON
        self.requisition_docs: dict[str, str] = {}  # requisition_id → FilledRequisition JSON

    def framework(self, framework_id: str) -> Framework | None:
        version = self.current.get(framework_id)
        return self.framework_version(framework_id, version) if version else None

    def framework_for_role(self, role_id: str) -> Framework | None:
        owner = self.role_owner.get(role_id)
        return self.framework(owner) if owner else None

    def catalog(self, framework_id: str) -> Catalog:
        doc = self.catalogs.get(framework_id)
        return Catalog.model_validate_json(doc) if doc else Catalog(framework_id=framework_id, items=[])

    def publish(self, framework: Framework, catalog: Catalog | None) -> bool:
        fid, version = framework.framework_id, framework.version
        if (fid, version) in self.versions_by_id:  # checked first, as the adapter reads its first refusal
            if self.framework_version(fid, version) == framework:
                return False
            raise VersionConflict(f"{fid} version {version} was published with other content")
        taken = [r.role_id for r in framework.roles if self.role_owner.get(r.role_id, fid) != fid]
        if taken:
            raise RoleConflict(f"roles already in another framework: {', '.join(taken)}")
        self.versions_by_id[(fid, version)] = framework.model_dump_json()
        self.current[fid] = version
        if catalog is not None:
            self.catalogs[fid] = catalog.model_dump_json()
        for role in framework.roles:
            self.role_owner[role.role_id] = fid
        return True

    def put_framework(self, framework: Framework, catalog: Catalog) -> None:
        self.publish(framework, catalog)

    def framework_version(self, framework_id: str, version: str) -> Framework | None:
        doc = self.versions_by_id.get((framework_id, version))
        return Framework.model_validate_json(doc) if doc else None

    def versions(self, framework_id: str) -> list[str]:
        return sorted(v for f, v in self.versions_by_id if f == framework_id)

    def frameworks(self) -> list[dict]:
        summaries = []
        for fid in sorted(self.current):
            fw = self.framework(fid)
            assert fw is not None
            summaries.append({"framework_id": fid, "name": fw.name, "owner": fw.owner, "current_version": fw.version,
                              "effective_date": fw.effective_date.isoformat()})
        return summaries

    def put_crosswalk(self, crosswalk: Crosswalk) -> None:
        self.crosswalk_docs[(crosswalk.framework_id, crosswalk.crosswalk_id)] = crosswalk.model_dump_json()

    def crosswalks(self, framework_id: str) -> list[Crosswalk]:
        return [Crosswalk.model_validate_json(doc) for (fid, _), doc in sorted(self.crosswalk_docs.items())
                if fid == framework_id]

    def put_requisition(self, requisition: FilledRequisition) -> None:
        self.requisition_docs[requisition.requisition_id] = requisition.model_dump_json()

    def requisitions(self, filled_from: date | None = None, filled_to: date | None = None
                     ) -> list[FilledRequisition]:
        stored = [FilledRequisition.model_validate_json(doc) for doc in self.requisition_docs.values()]
        return sorted((r for r in stored if (filled_from is None or r.filled_at >= filled_from)
                       and (filled_to is None or r.filled_at <= filled_to)),
                      key=lambda r: (r.filled_at, r.requisition_id))
