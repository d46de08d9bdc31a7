"""The pilot registry: register (cohorts resolved against the current profiles), read, edit criteria before the
start, amend after it. Every read and write first settles the pilot (`domain.pilots.advance`: frozen at the start
date, ended after the end) and persists that with a version-conditioned write, so no scheduler is needed for the
criteria to be frozen on time, and two readers cannot store two different frozen records (the record depends only
on the criteria and the start date). The audit log gets ids, codes and counts; never names, notes or reasons."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date

from coachwire.domain import pilots as rules
from coachwire.models.coaching import AuditRecord, EmployeeProfile
from coachwire.models.pilots import (
    Amendment,
    AmendmentRequest,
    Cohort,
    CriteriaEdit,
    CriteriaUpdate,
    Pilot,
    PilotRequest,
)
from coachwire.ports import ConcurrentUpdate, PilotStore
from coachwire.services.deps import Dependencies

SETTLE_TRIES = 3
SHOWN_IDS = 5


class PilotRefused(Exception):
    """A request the registry cannot take: `status` (400, 404, 409, 422) and the `field` at fault, if any."""

    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field


def _store(deps: Dependencies) -> PilotStore:
    if deps.pilots is None:
        raise PilotRefused(404, "this deployment keeps no pilots")
    return deps.pilots


def new_pilot_id() -> str:
    return f"pil-{uuid.uuid4().hex[:16]}"


# -- cohorts ------------------------------------------------------------------------------------------------------


def _current(profile: EmployeeProfile | None, today: date) -> bool:
    return profile is not None and (profile.leaving_date is None or profile.leaving_date > today)


def _in_families(deps: Dependencies, families: list[str], today: date, field: str) -> Iterator[str]:
    wanted = {f.casefold() for f in families}
    matched: set[str] = set()
    for summary in deps.catalog.frameworks():
        framework = deps.catalog.framework(summary["framework_id"])
        if framework is None:
            continue
        roles = {r.role_id for r in framework.roles if r.family.casefold() in wanted}
        matched |= {r.family.casefold() for r in framework.roles if r.family.casefold() in wanted}
        if not roles:
            continue
        for profile in deps.profiles.profiles_in_framework(framework.framework_id):
            if profile.role_id in roles and _current(profile, today):
                yield profile.employee_id
    unknown = [f for f in families if f.casefold() not in matched]
    if unknown:
        raise PilotRefused(422, f"{field}: no framework has a role in the family {', '.join(map(repr, unknown))}",
                           field)


def resolve_cohort(deps: Dependencies, cohort: Cohort, today: date, field: str = "cohort") -> list[str]:
    """The current employees a cohort names, sorted; PilotRefused(422, field) for an unknown family or id, or a
    size outside 50-200."""
    if cohort.employee_ids is not None:
        unknown = [e for e in cohort.employee_ids if not _current(deps.profiles.get(e), today)]
        if unknown:
            shown = ", ".join(unknown[:SHOWN_IDS]) + (f" and {len(unknown) - SHOWN_IDS} more"
                                                     if len(unknown) > SHOWN_IDS else "")
            raise PilotRefused(422, f"{field}: not a current employee: {shown}", field)
        members = sorted(cohort.employee_ids)
    else:
        members = sorted(set(_in_families(deps, cohort.role_families or [], today, field)))
    problem = rules.size_problem(len(members))
    if problem:
        raise PilotRefused(422, f"{field}: {problem}", field)
    return members


# -- settling (freeze at the start, end after the end) ------------------------------------------------------------


def _audit(deps: Dependencies, pilot: Pilot, action: str, by: str, **decision: str | int | list[str]) -> None:
    deps.audit.append(AuditRecord(
        event_id=f"pilot:{pilot.pilot_id}:{uuid.uuid4().hex[:8]}", trigger="api",
        subject_id=f"pilot:{pilot.pilot_id}", outcome="succeeded", recorded_at=deps.clock.now(),
        decision={"action": action, "pilot_id": pilot.pilot_id, "status": pilot.status, "requested_by": by,
                  **decision}))


def _settled(deps: Dependencies, store: PilotStore, pilot: Pilot) -> Pilot:
    """The pilot as of today, persisted if that changed it. A lost race re-reads: whoever won stored the same
    frozen record (or a later change on top of it)."""
    for _ in range(SETTLE_TRIES):
        advanced = rules.advance(pilot, deps.clock.now().date())
        if advanced == pilot:
            return pilot
        stored = advanced.model_copy(update={"version": pilot.version + 1})
        try:
            store.replace(stored, pilot.version)
        except ConcurrentUpdate:
            again = store.get(pilot.pilot_id)
            if again is None:
                return advanced
            pilot = again
            continue
        if pilot.registered is None and stored.registered is not None:
            _audit(deps, stored, "pilot.frozen", "system", criteria_sha256=stored.registered.sha256,
                   criteria=[c.key for c in stored.registered.criteria])
        return stored
    return rules.advance(pilot, deps.clock.now().date())


def get_pilot(deps: Dependencies, pilot_id: str) -> Pilot | None:
    store = _store(deps)
    found = store.get(pilot_id)
    return _settled(deps, store, found) if found else None


def list_pilots(deps: Dependencies) -> list[Pilot]:
    store = deps.pilots
    return [_settled(deps, store, p) for p in store.all()] if store else []


def _existing(deps: Dependencies, store: PilotStore, pilot_id: str) -> Pilot:
    found = store.get(pilot_id)
    if found is None:
        raise PilotRefused(404, f"no pilot '{pilot_id}'", "pilot_id")
    return _settled(deps, store, found)


def _write(store: PilotStore, pilot: Pilot, update: dict) -> Pilot:
    changed = pilot.model_copy(update={**update, "version": pilot.version + 1})
    try:
        store.replace(changed, pilot.version)
    except ConcurrentUpdate:
        raise PilotRefused(409, "the pilot changed meanwhile; read it again and retry") from None
    return changed


# -- writes -------------------------------------------------------------------------------------------------------


def register(deps: Dependencies, request: PilotRequest, by: str) -> Pilot:
    store = _store(deps)
    now = deps.clock.now()
    today = now.date()
    problem = rules.start_problem(request, today)
    if problem:
        raise PilotRefused(400, f"start: {problem}", "start")
    members = resolve_cohort(deps, request.cohort, today, "cohort")
    comparison: list[str] = []
    if request.comparison_cohort is not None:
        comparison = resolve_cohort(deps, request.comparison_cohort, today, "comparison_cohort")
        shared = rules.overlap(members, comparison)
        if shared:
            raise PilotRefused(422, f"comparison_cohort: {len(shared)} people are in the cohort too, e.g. "
                                    f"{', '.join(shared[:SHOWN_IDS])}", "comparison_cohort")
    pilot = Pilot(pilot_id=new_pilot_id(), request=request, members=members, comparison_members=comparison,
                  created_by=by, created_at=now)
    pilot = rules.advance(pilot, today)  # a pilot starting today is frozen as it is registered
    if not store.add(pilot):
        raise PilotRefused(409, "a pilot with this id exists; retry")
    _audit(deps, pilot, "pilot.registered", by, cohort_size=len(members), comparison_size=len(comparison),
           criteria=[c.key for c in request.criteria], start=request.start.isoformat(), end=request.end.isoformat())
    if pilot.registered is not None:
        _audit(deps, pilot, "pilot.frozen", "system", criteria_sha256=pilot.registered.sha256,
               criteria=[c.key for c in pilot.registered.criteria])
    return pilot


def edit_criteria(deps: Dependencies, pilot_id: str, update: CriteriaUpdate, by: str) -> Pilot:
    """Before the start only: the criteria replaced, the edit attributed. 409 once frozen (amend instead)."""
    store = _store(deps)
    pilot = _existing(deps, store, pilot_id)
    if pilot.registered is not None:
        raise PilotRefused(409, f"pilot {pilot_id} started on {pilot.request.start}: its criteria are frozen; "
                                f"POST /pilots/{pilot_id}/amendments to propose a change")
    edit = CriteriaEdit(at=deps.clock.now(), by=by, criteria=tuple(update.criteria))
    changed = _write(store, pilot, {"request": pilot.request.model_copy(update={"criteria": update.criteria}),
                                    "edits": [*pilot.edits, edit]})
    _audit(deps, changed, "pilot.criteria_edited", by, criteria=[c.key for c in update.criteria],
           edits=len(changed.edits))
    return changed


def amend(deps: Dependencies, pilot_id: str, wanted: AmendmentRequest, by: str) -> Pilot:
    """After the start only: an attributed amendment beside the registered criteria. 409 before (edit instead)."""
    store = _store(deps)
    pilot = _existing(deps, store, pilot_id)
    if pilot.registered is None:
        raise PilotRefused(409, f"pilot {pilot_id} starts on {pilot.request.start}: until then, change its "
                                f"criteria with PUT /pilots/{pilot_id}/criteria")
    amendment = Amendment(at=deps.clock.now(), by=by, reason=wanted.reason, criteria=tuple(wanted.criteria))
    changed = _write(store, pilot, {"amendments": [*pilot.amendments, amendment]})
    # The reason stays on the pilot: the audit log gets ids and codes only.
    _audit(deps, changed, "pilot.amended", by, criteria=[c.key for c in wanted.criteria],
           amendments=len(changed.amendments))
    return changed
