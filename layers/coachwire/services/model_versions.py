"""The model registry in use: the versions triggers score with (active and shadow), training, promotion and
rollback. Promotion and rollback are hr_admin decisions and land in the audit log."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from coachwire.engine.model import EngineIndex, ModelVersion
from coachwire.engine.registry import (
    DEFAULT_VERSION,
    DEFAULT_VERSION_ID,
    ModelEntry,
    RegistryPointer,
    RegistryRefused,
    promoted,
    rolled_back,
    status_of,
)
from coachwire.models.coaching import AuditRecord
from coachwire.models.framework import Catalog, Framework
from coachwire.services.deps import Dependencies


@dataclass(frozen=True)
class Scorers:
    """What one firing scores with: the active model, and the shadow candidate if one is running."""

    active: EngineIndex
    shadow: EngineIndex | None


def model_version(deps: Dependencies, version: str) -> ModelVersion | None:
    return DEFAULT_VERSION if version == DEFAULT_VERSION_ID else deps.models.get(version)


def _fingerprint(framework: Framework, catalog: Catalog) -> str:
    parts = [framework.framework_id, framework.version,
             *(f"{i.item_id}:{i.skill_id}:{i.builds_level}" for i in catalog.items)]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


_COMPILED: dict[tuple[str, str], EngineIndex] = {}  # (model version, framework+catalog fingerprint)
_COMPILED_MAX = 32


def compile_model(model: ModelVersion, framework: Framework, catalog: Catalog) -> EngineIndex:
    """Compiling a model against a framework and catalog costs milliseconds: a warm Lambda reuses it."""
    key = (model.version, _fingerprint(framework, catalog))
    if key not in _COMPILED:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.pop(next(iter(_COMPILED)))
        _COMPILED[key] = EngineIndex.build(model, framework, catalog)
    return _COMPILED[key]


def scorers(deps: Dependencies, framework: Framework, catalog: Catalog) -> Scorers:
    pointer = deps.models.pointer()
    active = model_version(deps, pointer.active)
    if active is None:
        raise RuntimeError(f"the active model version '{pointer.active}' is not in the registry")
    shadow = model_version(deps, pointer.shadow) if pointer.shadow else None
    return Scorers(compile_model(active, framework, catalog),
                   compile_model(shadow, framework, catalog) if shadow is not None else None)


def listing(deps: Dependencies) -> tuple[RegistryPointer, list[ModelEntry]]:
    pointer = deps.models.pointer()
    entries = [e.model_copy(update={"status": status_of(e.version, pointer)}) for e in deps.models.entries()]
    if not any(e.version == DEFAULT_VERSION_ID for e in entries):
        entries.insert(0, ModelEntry(version=DEFAULT_VERSION_ID, origin="built_in",
                                     status=status_of(DEFAULT_VERSION_ID, pointer)))
    return pointer, entries


@dataclass(frozen=True)
class ReviewGate:
    """What the model review found for a candidate: its latest completed review audit and the cases still open."""

    audit_id: str | None
    open_reviews: tuple[str, ...]
    audited_recommendations: int
    comparisons_without_disparity: int = 0  # verdict "no evidence of disparity": enough people to judge

    def problem(self, version: str) -> str | None:
        if self.audit_id is None:
            return (f"no completed model review audit for '{version}': request one with "
                    f"POST /models/{version}/review and promote when it is done")
        if self.open_reviews:
            return f"its model review ({self.audit_id}) has open review cases: {', '.join(self.open_reviews)}"
        if self.audited_recommendations == 0:
            return (f"its model review ({self.audit_id}) audited no shadow recommendations, so nothing shows how it "
                    "treats each group")
        if self.comparisons_without_disparity == 0:
            return (f"its model review ({self.audit_id}) had too few people in every comparison to show anything "
                    "(insufficient data is not a pass): review a longer or later window")
        return None


def review_gate(deps: Dependencies, version: str) -> ReviewGate:
    governance = getattr(deps, "governance", None)
    if governance is None:
        return ReviewGate(None, (), 0)
    done = [a for a in governance.audits()
            if a.kind == "model_review" and a.reviewed_model == version and a.status == "completed"]
    if not done:
        return ReviewGate(None, (), 0)
    latest = max(done, key=lambda a: (a.completed_at or a.requested_at, a.audit_id))
    cases = (governance.review(rid) for rid in latest.review_ids)
    still_open = tuple(c.review_id for c in cases if c is not None and c.status in ("open", "investigating"))
    return ReviewGate(latest.audit_id, still_open, int(latest.counts.get("recommendations_audited", 0)),
                      latest.verdicts.get("no_evidence", 0))


class ReviewGateRefused(RegistryRefused):
    """Promotion refused by the model review gate; an hr_admin may override it with a reason."""


def promote(deps: Dependencies, version: str, *, by: str, reason: str, request_id: str,
            override_reason: str | None = None) -> RegistryPointer:
    """Make `version` active, once its model review (the bias audit of its shadow recommendations) is done with no
    open case, or with an hr_admin's override reason. Raises RegistryRefused (unknown or already active),
    ReviewGateRefused, or ConcurrentUpdate."""
    now = deps.clock.now()
    pointer = deps.models.pointer()
    known = model_version(deps, version) is not None
    gate = review_gate(deps, version) if known else ReviewGate(None, (), 0)
    problem = gate.problem(version) if known and version != pointer.active else None
    if problem and not override_reason:
        raise ReviewGateRefused("override_reason", f"{problem}; an hr_admin may override with a reason")
    new = promoted(pointer, version, by=by, reason=reason, at=now, known=known,
                   override_reason=override_reason if problem else None)
    deps.models.swap_pointer(new, pointer.revision)
    _audit(deps, request_id, "model.promoted", new, pointer, by, review_audit=gate.audit_id or "",
           open_reviews=list(gate.open_reviews), overridden=bool(problem))
    return new


def rollback(deps: Dependencies, *, by: str, reason: str, request_id: str) -> RegistryPointer:
    now = deps.clock.now()
    pointer = deps.models.pointer()
    new = rolled_back(pointer, by=by, reason=reason, at=now)
    deps.models.swap_pointer(new, pointer.revision)
    _audit(deps, request_id, "model.rolled_back", new, pointer, by)
    return new


def _audit(deps: Dependencies, request_id: str, action: str, new: RegistryPointer, old: RegistryPointer,
           by: str, **gate: str | bool | list[str]) -> None:
    # Reasons are free text an admin typed: they stay on the pointer record, not in the audit log.
    deps.audit.append(AuditRecord(
        event_id=request_id, trigger="api", subject_id="model_registry", outcome="succeeded",
        recorded_at=deps.clock.now(), recommender_version=new.active,
        decision={"action": action, "requested_by": by, "from_version": old.active, "to_version": new.active,
                  "revision": new.revision, **gate}))
