"""A pilot's scorecard, pure: records in (per member: profile facts and audit records; the managers' alerts; the
trigger reliability counts), a judged criterion out. Every criterion of record is evaluated as of a day, and names
the metric definition it used (`coachwire.metrics.definitions`).

What counts (docs/pilots.md "Scorecard"):

* adoption: a member is active on day D when an audit record *about them and made by them* lies in the 30 days
  ending on D: trigger `chat_action` with decision.action `engagement.*` and outcome `succeeded` (a press on a
  message button or a slash command; refused presses are `no_action` with no subject); trigger `api` with
  decision.action `plan.changed`, outcome `succeeded` and `requested_by` the member (their own plan change: a
  manager's or HR's change does not count); trigger `learning_next_step` with outcome `succeeded` (a completion
  Coachwire took; a repeated completion is `no_action`). Denominator: the members who had not left by the first day
  of the 30 days (a member whose profile was erased has left).
* manager_utilisation (behaviour only): among the members' managers (profile `manager_id`) who received at least one
  stall alert about a member between the start and D, the share who acted on at least one of them by D (the alert
  carries a decision: discussed, snoozed or not_relevant). The self-report half needs the pulse survey: not yet.
* skill_progression: a gap is flagged when a check-in's `checkin_gap_nudge` record lists the skill in
  `flagged_skills` (its time is the flag's time); only flags on or after the start count, and only those 60 days old
  by the end of D are decidable. The profile keeps one assessment per skill (level, assessed_at, previous_level),
  not the whole history, so a gap counts as risen when that assessment was made within the 60 days after the flag
  and is at least one level above the level before it. A later assessment overwrites the evidence, so this is a
  lower bound. Members who left or changed role within the 60 days are left out.
* trigger_reliability: the reliability report over the pilot up to D: of the (event, trigger) pairs with a fate
  (in-flight ones are not yet decidable), the share not silent. Exact counts, no interval. The acceptance markers
  carry no employee, so this is every accepted HRIS event, not only the cohort's.
* employee_sentiment: no pulse survey yet, not measurable.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from coachwire.metrics.definitions import definition
from coachwire.metrics.proportions import proportion
from coachwire.models.coaching import AuditRecord, ManagerAlert, SkillAssessment
from coachwire.models.pilots import SuccessCriterion
from coachwire.models.scorecard import CriterionResult, Interval

ADOPTION_DAYS = 30
PROGRESSION_DAYS = 60
CHECKPOINTS = (("day_30", 30), ("day_60", 60))
SELF_REPORT_NOTE = "behaviour only: the self-report half is not measurable (no manager survey yet)"
LOWER_BOUND_NOTE = ("the profile keeps only the latest assessment of each skill, so a rise a later assessment "
                    "overwrote is not seen: a lower bound")
CROSS_ORG_NOTE = "every HRIS event accepted in the window (acceptance markers name no employee), not only the cohort's"


@dataclass(frozen=True)
class MemberFacts:
    """What the scorecard reads about one member: their profile's facts (None: erased) and their audit records."""

    employee_id: str
    present: bool = True
    manager_id: str | None = None
    leaving_date: date | None = None
    role_effective_date: date | None = None
    levels: Mapping[str, SkillAssessment] = field(default_factory=dict)
    records: tuple[AuditRecord, ...] = ()


@dataclass(frozen=True)
class ReliabilityFacts:
    """The fate totals of a reliability report (coachwire.domain.reliability.ReliabilityReport.totals)."""

    accepted: int
    totals: Mapping[str, int]


@dataclass(frozen=True)
class Measurement:
    successes: int = 0
    n: int = 0
    reason: str | None = None  # set: not measurable, whatever the counts
    note: str | None = None
    interval: bool = True
    details: dict[str, int] = field(default_factory=dict)


def day_of(start: date, number: int) -> date:
    """Day `number` of a pilot (the start is day 1)."""
    return start + timedelta(days=number - 1)


def end_of(day: date) -> datetime:
    """The first moment after `day` (UTC): figures as of a day include all of it."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# -- adoption -----------------------------------------------------------------------------------------------------


def meaningful(record: AuditRecord, employee_id: str) -> bool:
    """A meaningful action by the member themself (module docstring)."""
    if record.subject_id != employee_id or record.outcome != "succeeded":
        return False
    action = str(record.decision.get("action", ""))
    if record.trigger == "chat_action":
        return action.startswith("engagement.")
    if record.trigger == "api":
        return action == "plan.changed" and record.decision.get("requested_by") == employee_id
    return record.trigger == "learning_next_step"


def _left_by(member: MemberFacts, day: date) -> bool:
    return not member.present or (member.leaving_date is not None and member.leaving_date <= day)


def adoption(members: Sequence[MemberFacts], day: date) -> Measurement:
    first = day - timedelta(days=ADOPTION_DAYS - 1)
    since, until = midnight(first), end_of(day)
    counted = [m for m in members if not _left_by(m, first)]
    active = sum(1 for m in counted
                 if any(since <= r.recorded_at < until and meaningful(r, m.employee_id) for r in m.records))
    return Measurement(active, len(counted), reason=None if counted else "no current member",
                       details={"left": len(members) - len(counted)})


# -- manager utilisation ------------------------------------------------------------------------------------------


def manager_utilisation(members: Sequence[MemberFacts], alerts: Iterable[ManagerAlert], start: date,
                        day: date) -> Measurement:
    managers = {m.manager_id for m in members if m.manager_id}
    ids = {m.employee_id for m in members}
    since, until = midnight(start), end_of(day)
    alerted: set[str] = set()
    acted: set[str] = set()
    for alert in alerts:
        if alert.manager_id not in managers or alert.employee_id not in ids or not since <= alert.created_at < until:
            continue
        alerted.add(alert.manager_id)
        if alert.decision is not None and alert.decision.at < until:
            acted.add(alert.manager_id)
    reason = None if alerted else f"no manager of a member received a stall alert yet; {SELF_REPORT_NOTE}"
    return Measurement(len(acted), len(alerted), reason=reason, note=SELF_REPORT_NOTE,
                       details={"managers": len(managers)})


# -- skill progression --------------------------------------------------------------------------------------------


def flags(member: MemberFacts, start: date) -> list[tuple[str, datetime]]:
    """(skill, flagged at) for each gap a check-in flagged on or after the start, oldest first."""
    found: list[tuple[str, datetime]] = []
    for record in member.records:
        listed = record.decision.get("flagged_skills")
        if (record.trigger == "checkin_gap_nudge" and record.subject_id == member.employee_id
                and record.outcome in ("succeeded", "no_action") and isinstance(listed, list)
                and record.recorded_at >= midnight(start)):
            found.extend((skill, record.recorded_at) for skill in listed)
    return sorted(found, key=lambda f: f[1])


def risen(assessment: SkillAssessment | None, flagged_at: datetime) -> bool:
    if assessment is None or assessment.previous_level is None:
        return False
    within = flagged_at < assessment.assessed_at <= flagged_at + timedelta(days=PROGRESSION_DAYS)
    return within and assessment.level >= assessment.previous_level + 1


def _moved_within(member: MemberFacts, flagged_at: datetime) -> bool:
    first, last = flagged_at.date(), (flagged_at + timedelta(days=PROGRESSION_DAYS)).date()
    return (not member.present
            or (member.leaving_date is not None and first < member.leaving_date <= last)
            or (member.role_effective_date is not None and first < member.role_effective_date <= last))


def skill_progression(members: Sequence[MemberFacts], start: date, day: date) -> Measurement:
    until = end_of(day)
    decided = rose = pending = excluded = 0
    for member in members:
        mine = flags(member, start)
        ripe = [(s, at) for s, at in mine if at + timedelta(days=PROGRESSION_DAYS) <= until]
        if not ripe:
            pending += bool(mine)
            continue
        if all(_moved_within(member, at) for _, at in ripe):
            excluded += 1
            continue
        decided += 1
        rose += any(risen(member.levels.get(s), at) for s, at in ripe if not _moved_within(member, at))
    reason = None
    if not decided:
        reason = (f"no gap flagged on or after the start is {PROGRESSION_DAYS} days old by {day} "
                  f"({pending} members have a gap still within its {PROGRESSION_DAYS} days)")
    return Measurement(rose, decided, reason=reason, note=LOWER_BOUND_NOTE,
                       details={"pending": pending, "excluded": excluded})


# -- trigger reliability ------------------------------------------------------------------------------------------


def trigger_reliability(facts: ReliabilityFacts) -> Measurement:
    in_flight = facts.totals.get("in_flight", 0)
    silent = facts.totals.get("silent", 0)
    n = sum(facts.totals.values()) - in_flight
    reason = None if n else "no HRIS event was accepted in the window"
    return Measurement(n - silent, n, reason=reason, note=CROSS_ORG_NOTE, interval=False,
                       details={"accepted": facts.accepted, "silent": silent, "in_flight": in_flight,
                                **{k: v for k, v in facts.totals.items() if k not in ("silent", "in_flight")}})


# -- judging ------------------------------------------------------------------------------------------------------


def _met(value: float, criterion: SuccessCriterion) -> bool:
    return value >= criterion.threshold if criterion.comparator == ">=" else value <= criterion.threshold


def _result(criterion: SuccessCriterion, **fields) -> CriterionResult:
    return CriterionResult(key=criterion.key, unit=criterion.unit, comparator=criterion.comparator,
                           threshold=criterion.threshold, definition=definition(criterion.key).ref, **fields)


def not_measurable(criterion: SuccessCriterion, reason: str) -> CriterionResult:
    return _result(criterion, status="not_measurable", reason=reason)


def judge(criterion: SuccessCriterion, measured: Measurement) -> CriterionResult:
    """The measurement against the criterion: not measurable without a denominator, or below the definition's
    minimum n (the figure is shown, marked insufficient data); else met or not met on the point estimate."""
    if measured.n == 0:
        return _result(criterion, status="not_measurable", n=measured.n, successes=measured.successes,
                       reason=measured.reason or "no data", details=measured.details)
    share = proportion(measured.successes, measured.n)
    value = 100.0 * share.estimate
    interval = (Interval(low=100.0 * share.low, high=100.0 * share.high, confidence=share.confidence,
                         method=share.method) if measured.interval else None)
    minimum = definition(criterion.key).minimum_n
    fields = {"value": value, "interval": interval, "n": measured.n, "successes": measured.successes,
              "details": measured.details}
    if measured.reason:
        return _result(criterion, status="not_measurable", reason=measured.reason, **fields)
    if measured.n < minimum:
        return _result(criterion, status="not_measurable", reason=_join(
            f"insufficient data: n = {measured.n}, below the definition's minimum of {minimum}", measured.note),
            **fields)
    return _result(criterion, status="met" if _met(value, criterion) else "not_met", reason=measured.note, **fields)


def _join(*parts: str | None) -> str:
    return "; ".join(p for p in parts if p)


@dataclass(frozen=True)
class Inputs:
    start: date
    members: Sequence[MemberFacts]
    alerts: Sequence[ManagerAlert] = ()
    reliability: ReliabilityFacts | None = None  # None: not read (no criterion needs it)


def evaluate(criterion: SuccessCriterion, inputs: Inputs, day: date) -> CriterionResult:
    """One criterion as of `day` (inclusive)."""
    if criterion.key == "employee_sentiment":
        return not_measurable(criterion, "no pulse survey yet")
    if criterion.key == "adoption":
        return judge(criterion, adoption(inputs.members, day))
    if criterion.key == "manager_utilisation":
        return judge(criterion, manager_utilisation(inputs.members, inputs.alerts, inputs.start, day))
    if criterion.key == "skill_progression":
        return judge(criterion, skill_progression(inputs.members, inputs.start, day))
    if inputs.reliability is None:
        return not_measurable(criterion, "the reliability report was not read")
    return judge(criterion, trigger_reliability(inputs.reliability))


def checkpoints(start: date, end: date, as_of: date | None) -> list[tuple[str, date]]:
    """Day 30 and day 60 of the pilot, or the day asked for; each capped at the end date."""
    if as_of is not None:
        return [("as_of", min(as_of, end))]
    return [(label, min(day_of(start, number), end)) for label, number in CHECKPOINTS]


def not_yet(criterion: SuccessCriterion, day: date, today: date) -> CriterionResult:
    return not_measurable(criterion, f"{day} has not come yet (today is {today})")
