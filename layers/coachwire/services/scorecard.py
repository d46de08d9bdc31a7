"""A pilot's scorecard on request: the criteria of record (409 before the start: nothing is registered yet), each
evaluated by `coachwire.domain.scorecard` on what the ports hold: the members' profiles and audit records (by
subject), their managers' stall alerts, and the trigger reliability report over the pilot up to each day. Reads
only; the pilot itself is settled as any read settles it (services.pilots.get_pilot)."""

from __future__ import annotations

from datetime import date

from coachwire.domain import pilots as pilot_rules
from coachwire.domain import scorecard as rules
from coachwire.models.coaching import ManagerAlert
from coachwire.models.pilots import Pilot
from coachwire.models.scorecard import Scorecard, ScorecardPoint
from coachwire.services import pilots, reliability
from coachwire.services.deps import Dependencies

NEEDS_RECORDS = {"adoption", "skill_progression"}
NEEDS_PROFILES = {"adoption", "manager_utilisation", "skill_progression"}


def _member(deps: Dependencies, employee_id: str, with_records: bool) -> rules.MemberFacts:
    profile = deps.profiles.get(employee_id)
    records = tuple(deps.audit.for_subject(employee_id)) if with_records else ()
    if profile is None:
        return rules.MemberFacts(employee_id=employee_id, present=False, records=records)
    return rules.MemberFacts(employee_id=employee_id, manager_id=profile.manager_id,
                             leaving_date=profile.leaving_date, role_effective_date=profile.role_effective_date,
                             levels=dict(profile.levels), records=records)


def _alerts(deps: Dependencies, members: list[rules.MemberFacts]) -> list[ManagerAlert]:
    managers = sorted({m.manager_id for m in members if m.manager_id})
    return [alert for manager in managers for alert in deps.profiles.alerts_for_manager(manager)]


def scorecard(deps: Dependencies, pilot_id: str, as_of: date | None = None) -> Scorecard:
    """PilotRefused: 404 unknown pilot, 409 not started, 400 as_of before the start."""
    pilot: Pilot | None = pilots.get_pilot(deps, pilot_id)
    if pilot is None:
        raise pilots.PilotRefused(404, f"no pilot '{pilot_id}'", "pilot_id")
    record = pilot_rules.criteria_of_record(pilot)
    start, end = pilot.request.start, pilot.request.end
    if record is None:
        raise pilots.PilotRefused(409, f"pilot {pilot_id} has not started (it starts on {start}): no criteria "
                                       f"are registered yet, so there is no scorecard")
    if as_of is not None and as_of < start:
        raise pilots.PilotRefused(400, f"as_of {as_of} is before the pilot's start ({start})", "as_of")
    keys = {c.key for c in record.criteria}
    now = deps.clock.now()
    today = now.date()
    members = ([_member(deps, e, bool(keys & NEEDS_RECORDS)) for e in pilot.members]
               if keys & NEEDS_PROFILES else [])
    alerts = _alerts(deps, members) if "manager_utilisation" in keys else []
    points = []
    for label, day in rules.checkpoints(start, end, as_of):
        if day > today:
            points.append(ScorecardPoint(label=label, as_of=day,
                                         criteria=[rules.not_yet(c, day, today) for c in record.criteria]))
            continue
        facts = None
        if "trigger_reliability" in keys:
            found = reliability.report(deps, rules.midnight(start), min(rules.end_of(day), now))
            facts = rules.ReliabilityFacts(accepted=found.accepted, totals=found.totals)
        inputs = rules.Inputs(start=start, members=members, alerts=alerts, reliability=facts)
        points.append(ScorecardPoint(label=label, as_of=day,
                                     criteria=[rules.evaluate(c, inputs, day) for c in record.criteria]))
    return Scorecard(pilot_id=pilot.pilot_id, criteria_sha256=record.sha256, frozen_at=record.frozen_at,
                     start=start, end=end, computed_at=now, points=points)
