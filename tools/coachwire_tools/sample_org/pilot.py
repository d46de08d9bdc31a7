"""A deterministic 60-day pilot of the synthetic organisation, as canonical HRIS webhook bodies.

What happens (all driven by one ``random.Random``; same arguments → byte-identical payloads):

* day 0: ``employee.upserted`` for everyone, managers before their reports (an initial HRIS sync);
* each employee with a manager gets a first ``performance.checkin.submitted`` in the first three weeks
  and, unless quiet, a second one in weeks 7-8 (3-5 ratings) where skills they learned may rise and, for
  some people, one rating drops. ``gap_flagged`` is set when a rating is below the stage benchmark.
  The first check-in is a baseline that rates every skill of the framework (``baseline_checkin=True``):
  Coachwire treats a skill nobody has rated yet as level 0, so with 3-5 ratings nearly everyone would look
  gapped and the stall signal would drown. Pass ``baseline_checkin=False`` for 3-5 ratings throughout;
* ~8% of the org changes role (promotions, moves to the manager track, two moves from engineering into
  product with a new manager). For three of them the HRIS later re-sends their *previous* assignment:
  an ``employee.role.changed`` with an older ``effective_date`` delivered after the newer one, which
  Coachwire must ignore;
* engaged employees complete 2-3 catalog items for skills where they have a gap (``activity_id`` is the
  catalog item id): the first within 2-10 days of their check-in, then never more than 29 days apart and
  the last after day 31, so from day 30 on every 30-day window holds one of their completions. A few
  people without gaps complete one stretch item;
* ~20% of the employees who have gaps go quiet: after their first check-in nothing happens for them at
  all, so stall detection should alert their managers once its window (30 days by default) has passed.

Nothing reads the clock: the caller passes ``start`` (normally ``default_start(today)``, i.e. 60 days ago).

With an ``AuditScenario`` (the demo passes one) the pilot also carries demographics, sent as
``employee.demographics.upserted`` on day 1, and plants a disparity in the history the bias audit must find:
for a share of one group (default: women) the manager never flags a gap at a check-in and no learning is
arranged, so those people receive no recommendation at all. Everything else, geography included (the fair
control), is drawn independently of the history. Without a scenario the pilot is exactly as described above.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from coachwire import spine
from coachwire.models.framework import Catalog, CatalogItem, Framework

from coachwire_tools.sample_org.people import Person, synthetic_org

PILOT_DAYS = 60
QUIET_SHARE = 0.20  # of employees with gaps
ROLE_CHANGE_SHARE = 0.08  # of the whole org
OUT_OF_ORDER_CHANGES = 3
CROSS_FAMILY_MOVES = 2
WIDENED_GAP_SHARE = 0.12  # of engaged employees

# Where an individual contributor at the top of their ladder moves next.
MANAGER_TRACK: dict[str, tuple[str, str]] = {
    "eng.software_engineer": ("eng.engineering_manager", "manager"),
    "pm.product_manager": ("pm.product_lead", "lead"),
}
# Family heads are appointed, not promoted into during a pilot.
NOT_PROMOTED_INTO: frozenset[tuple[str, str]] = frozenset(
    {("eng.engineering_manager", "director"), ("pm.product_lead", "head")}
)
CROSS_FAMILY_FROM = ("eng.software_engineer", frozenset({"mid", "senior"}))
CROSS_FAMILY_TO = ("pm.product_manager", "pm")
SCORED_KINDS = frozenset({"course", "article"})
# A scored completion at or above this, for an item one level above the current one, is evidence of that
# level: Coachwire records it (coachwire.domain.profiles.PASSING_SCORE) and the pilot's later ratings
# honour it, so the manager's next check-in does not read as a drop.
EVIDENCE_PASS_SCORE = 0.8


# Category shares for the scenario's demographics (the HRIS may send nothing, or an explicit decline).
GENDERS: tuple[tuple[str | None, float], ...] = (
    ("woman", 0.45), ("man", 0.45), ("non_binary", 0.03), ("declined_to_state", 0.04), (None, 0.03))
RACES_ETHNICITIES: tuple[tuple[str | None, float], ...] = (
    ("white", 0.52), ("asian", 0.16), ("black", 0.13), ("hispanic_latino", 0.11), ("multiracial", 0.04),
    ("declined_to_state", 0.04))
GEOGRAPHIES: tuple[tuple[str | None, float], ...] = (("gb", 0.45), ("de", 0.25), ("us", 0.3))


@dataclass(frozen=True)
class AuditScenario:
    """What the demo's bias audit must find: `affected_share` of the people whose `attribute` is `group` get no
    gap flagged and no learning arranged (so no recommendation); geography is the fair control."""

    attribute: str = "gender"
    group: str = "woman"
    affected_share: float = 0.6
    fair_control: str = "geography"

    def draw(self, rng: random.Random, employee_id: str, hire_year: int) -> dict:
        """The `data` of this person's employee.demographics.upserted (drawn independently of their history)."""
        def pick(table: tuple[tuple[str | None, float], ...]) -> str | None:
            return rng.choices([label for label, _ in table], weights=[w for _, w in table])[0]

        data = {"employee_id": employee_id, "gender": pick(GENDERS), "race_ethnicity": pick(RACES_ETHNICITIES),
                "geography": pick(GEOGRAPHIES)}
        decade = max(1960, min(2000, hire_year - rng.randint(22, 45))) // 10 * 10
        data["birth_year_band"] = f"{decade}-{decade + 9}" if rng.random() > 0.05 else "declined_to_state"
        return {k: v for k, v in data.items() if v is not None}


@dataclass(frozen=True)
class PilotStep:
    """One webhook delivery: ``payload`` is the exact JSON body (``{"type", "timestamp", "data"}``)."""

    day: int
    payload: dict = field(hash=False)

    @property
    def type(self) -> str:
        return str(self.payload["type"])

    @property
    def body(self) -> str:
        """The payload serialised deterministically; sign and send exactly these bytes."""
        return json.dumps(self.payload, separators=(",", ":"), sort_keys=True)

    @property
    def webhook_id(self) -> str:
        """A stable ``webhook-id`` for this delivery, so a replay is deduplicated rather than doubled."""
        return "msg_pilot_" + hashlib.sha256(self.body.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Pilot:
    start: date
    seed: int
    people: tuple[Person, ...]
    steps: tuple[PilotStep, ...]
    # Employees with gaps who go silent after one check-in: expect stall alerts to their managers.
    quiet_employee_ids: frozenset[str]
    # employee_id → skill whose rating dropped at the second check-in.
    widened_gaps: dict[str, str]
    role_changed_employee_ids: frozenset[str]
    cross_family_employee_ids: frozenset[str]
    # Employees who receive a stale role change (older effective_date) after their real one.
    out_of_order_employee_ids: frozenset[str]
    # employee_id → (role_id, career_stage) once every event is applied and stale ones are ignored.
    final_roles: dict[str, tuple[str, str]]
    # With an AuditScenario: employee_id → demographics data sent, and who the planted disparity touched.
    demographics: dict[str, dict] = field(default_factory=dict)
    planted_employee_ids: frozenset[str] = frozenset()

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.type] = counts.get(step.type, 0) + 1
        return counts


def default_start(today: date) -> date:
    """The usual pilot start: 60 days before ``today`` (passed in; nothing here reads the clock)."""
    return today - timedelta(days=PILOT_DAYS)


def replay_days(steps: Iterable[PilotStep], days: int = PILOT_DAYS) -> dict[int, list[PilotStep]]:
    """Steps grouped by pilot day, in delivery order. Every day 0..days-1 is present (quiet days map to an
    empty list) so a replay can advance its clock and run the daily stall detection on each one."""
    grouped: dict[int, list[PilotStep]] = {d: [] for d in range(days)}
    for step in steps:
        grouped.setdefault(step.day, []).append(step)
    return dict(sorted(grouped.items()))


def generate_pilot(
    start: date,
    *,
    n: int = 200,
    seed: int = 7,
    frameworks: list[Framework] | None = None,
    catalogs: dict[str, Catalog] | None = None,
    baseline_checkin: bool = True,
) -> list[PilotStep]:
    pilot = build_pilot(
        start, n=n, seed=seed, frameworks=frameworks, catalogs=catalogs, baseline_checkin=baseline_checkin
    )
    return list(pilot.steps)


# --------------------------------------------------------------------------------------------------


@dataclass
class _State:
    """An employee as the HRIS sees them while the pilot unfolds."""

    person: Person
    framework: Framework
    role_id: str
    stage: str
    manager_id: str | None
    levels: dict[str, int]
    completed: list[str] = field(default_factory=list)
    learned: set[str] = field(default_factory=set)
    rated_first: dict[str, int] = field(default_factory=dict)
    evidenced: set[str] = field(default_factory=set)
    # Delivery time of this employee's latest event: their next one happens after it, so each person's
    # events arrive in the order the pilot decided them (the stale role change is the one exception).
    last_sent: datetime | None = None

    def benchmarks(self) -> dict[str, int]:
        return self.framework.stage_of(self.role_id, self.stage).benchmarks

    def gaps(self) -> list[str]:
        bench = self.benchmarks()
        return [s.skill_id for s in self.framework.skills if self.levels.get(s.skill_id, 0) < bench.get(s.skill_id, 0)]


class _Builder:
    def __init__(
        self,
        start: date,
        seed: int,
        people: list[Person],
        frameworks: list[Framework],
        catalogs: dict[str, Catalog],
        baseline_checkin: bool = True,
        audit_scenario: AuditScenario | None = None,
    ) -> None:
        self.start = start
        self.baseline = baseline_checkin
        self.scenario = audit_scenario
        # People whose manager never flags a gap (the planted disparity); empty without a scenario.
        self.unflagged: set[str] = set()
        self.rng = random.Random(f"coachwire-pilot:{seed}")
        self.people = people
        self.frameworks = {f.framework_id: f for f in frameworks}
        self.catalogs = catalogs
        self.by_id = {p.employee_id: p for p in people}
        self.events: list[tuple[datetime, int, dict]] = []

    # ---- time -------------------------------------------------------------------------------------
    def at(self, day: int, seconds: int) -> datetime:
        return datetime.combine(self.start + timedelta(days=day), time(0), UTC) + timedelta(seconds=seconds)

    def work_day(self, day: int) -> int:
        """Move a Saturday to Friday and a Sunday to Monday, staying inside the pilot."""
        weekday = (self.start + timedelta(days=day)).weekday()
        if weekday == 5:
            day = day - 1 if day - 1 >= 1 else day + 2
        elif weekday == 6:
            day = day + 1 if day + 1 < PILOT_DAYS else day - 2
        return day

    def work_time(self) -> int:
        return self.rng.randint(8 * 3600 + 30 * 60, 17 * 3600 + 30 * 60)

    def after_last(self, st: _State, candidate: datetime) -> datetime:
        if st.last_sent is not None and candidate <= st.last_sent:
            return st.last_sent + timedelta(minutes=self.rng.randint(5, 90))
        return candidate

    def emit(self, timestamp: datetime, event_type: str, data: dict) -> None:
        payload = {"type": event_type, "timestamp": timestamp.isoformat(), "data": data}
        self.events.append((timestamp, len(self.events), payload))

    # ---- state ------------------------------------------------------------------------------------
    def framework_of(self, role_id: str) -> Framework:
        return next(f for f in self.frameworks.values() if f.role(role_id) is not None)

    def state(self, person: Person) -> _State:
        return _State(
            person=person,
            framework=self.framework_of(person.role_id),
            role_id=person.role_id,
            stage=person.career_stage,
            manager_id=person.manager_id,
            levels=dict(person.levels),
        )

    def next_move(self, person: Person) -> tuple[str, str] | None:
        role = self.framework_of(person.role_id).role(person.role_id)
        assert role is not None
        stages = sorted(role.stages, key=lambda s: s.order)
        index = next(i for i, s in enumerate(stages) if s.stage == person.career_stage)
        if index + 1 < len(stages) and (role.role_id, stages[index + 1].stage) not in NOT_PROMOTED_INTO:
            return role.role_id, stages[index + 1].stage
        if index + 1 == len(stages):
            return MANAGER_TRACK.get(role.role_id)
        return None

    def planned_move(self, person: Person) -> tuple[str, str]:
        """`next_move` of someone picked as a mover, who has one by construction."""
        move = self.next_move(person)
        assert move is not None, person.employee_id
        return move

    # ---- events -----------------------------------------------------------------------------------
    def checkin(self, st: _State, number: int, day: int, skills: list[str]) -> None:
        bench = st.benchmarks()
        order = [s.skill_id for s in st.framework.skills]
        ratings = [
            {"skill_id": s, "level": st.levels[s],
             "gap_flagged": st.levels[s] < bench.get(s, 0) and st.person.employee_id not in self.unflagged}
            for s in sorted(skills, key=order.index)
        ]
        submitted = self.after_last(st, self.at(day, self.work_time()))
        assert st.manager_id is not None
        st.last_sent = submitted + timedelta(seconds=self.rng.randint(1, 90))
        self.emit(
            st.last_sent,
            spine.CHECKIN_SUBMITTED,
            {
                "checkin_id": f"chk-{st.person.employee_id}-{number}",
                "employee_id": st.person.employee_id,
                "manager_id": st.manager_id,
                "submitted_at": submitted.isoformat(),
                "skill_ratings": ratings,
            },
        )

    @staticmethod
    def all_skills(st: _State) -> list[str]:
        return [s.skill_id for s in st.framework.skills]

    def learning_cadence(self, c1: int) -> list[int]:
        """2-3 completion days: the first soon after the check-in (by day 30), the last after day 31, and
        never 30 days or more between two, so a 30-day stall window from day 30 on always holds one."""
        rng = self.rng
        first = c1 + rng.randint(2, min(10, 30 - c1))
        last = rng.randint(max(32, first + 7), 56)
        if last - first > 29 or rng.random() < 0.45:
            middle = rng.randint(max(first + 1, last - 29), min(last - 1, first + 29))
            return [first, middle, last]
        return [first, last]

    def choose_skills(self, st: _State, first: list[str], k: int) -> list[str]:
        """``first`` (deduplicated, in order) then random other skills of the current framework, k in all."""
        chosen: list[str] = []
        for s in first:
            if s not in chosen and len(chosen) < k:
                chosen.append(s)
        others = [s.skill_id for s in st.framework.skills if s.skill_id not in chosen]
        self.rng.shuffle(others)
        chosen.extend(others[: max(0, k - len(chosen))])
        return chosen

    def pick_item(self, st: _State, skill_id: str) -> CatalogItem | None:
        """The catalog item that builds ``skill_id`` one level up (nearest level if the catalog has none)."""
        target = min(st.levels.get(skill_id, 0) + 1, st.framework.top_level)
        items = [
            i
            for i in self.catalogs[st.framework.framework_id].items
            if i.skill_id == skill_id and i.item_id not in st.completed
        ]
        if not items:
            return None
        best = min(abs(i.builds_level - target) for i in items)
        return self.rng.choice([i for i in items if abs(i.builds_level - target) == best])

    def learning(self, st: _State, day: int) -> None:
        gaps = [s for s in st.gaps() if s not in st.learned] or st.gaps()
        if gaps:
            weight = {s.skill_id: s.criticality for s in st.framework.skills}
            skill_id = self.rng.choices(gaps, weights=[weight[s] for s in gaps])[0]
        else:  # no gap left: a stretch item one level up, if the scale allows
            room = [s.skill_id for s in st.framework.skills if st.levels.get(s.skill_id, 0) < st.framework.top_level]
            if not room:
                return
            skill_id = self.rng.choice(room)
        item = self.pick_item(st, skill_id)
        if item is None:
            return
        st.completed.append(item.item_id)
        st.learned.add(skill_id)
        completed = self.after_last(st, self.at(day, self.rng.randint(7 * 3600, 21 * 3600)))
        data: dict = {
            "employee_id": st.person.employee_id,
            "activity_id": item.item_id,
            "completed_at": completed.isoformat(),
        }
        if item.kind in SCORED_KINDS:
            data["score"] = round(self.rng.uniform(0.6, 1.0), 2)
            if data["score"] >= EVIDENCE_PASS_SCORE and item.builds_level == st.levels.get(skill_id, 0) + 1:
                st.levels[skill_id] = item.builds_level
                st.evidenced.add(skill_id)
        st.last_sent = completed + timedelta(seconds=self.rng.randint(5, 600))
        self.emit(st.last_sent, spine.LEARNING_COMPLETED, data)

    def role_change(
        self,
        st: _State,
        day: int,
        to: tuple[str, str],
        new_manager: str | None,
    ) -> date:
        sent = self.after_last(st, self.at(day, self.work_time()))
        st.last_sent = sent
        effective = sent.date() - timedelta(days=self.rng.randint(0, 3))
        self.emit(
            sent,
            spine.ROLE_CHANGED,
            {
                "employee_id": st.person.employee_id,
                "role_id": to[0],
                "career_stage": to[1],
                "effective_date": effective.isoformat(),
                "previous_role_id": st.role_id,
                "previous_career_stage": st.stage,
            },
        )
        new_framework = self.framework_of(to[0])
        if new_framework.framework_id != st.framework.framework_id:
            # New discipline: levels start a little below the new benchmark.
            bench = new_framework.stage_of(to[0], to[1]).benchmarks
            for skill in new_framework.skills:
                st.levels[skill.skill_id] = max(1, bench.get(skill.skill_id, 1) - self.rng.choice([0, 1, 1]))
        st.framework, st.role_id, st.stage = new_framework, to[0], to[1]
        if new_manager is not None and new_manager != st.manager_id:
            st.manager_id = new_manager
            # The HRIS also sends the updated employee record (new manager) a minute later.
            data = st.person.upserted_data() | {"manager_id": new_manager, "role_id": to[0], "career_stage": to[1]}
            st.last_sent = sent + timedelta(seconds=60)
            self.emit(st.last_sent, spine.EMPLOYEE_UPSERTED, data)
        return effective

    def stale_role_change(self, st: _State, previous: tuple[str, str], day: int, newer_effective: date) -> None:
        """The HRIS re-sends the assignment the employee had *before* their change: older effective date."""
        role = st.framework.role(previous[0]) or self.framework_of(previous[0]).role(previous[0])
        assert role is not None
        stages = sorted(role.stages, key=lambda s: s.order)
        index = next(i for i, s in enumerate(stages) if s.stage == previous[1])
        effective = max(st.person.hire_date, newer_effective - timedelta(days=self.rng.randint(120, 420)))
        data = {
            "employee_id": st.person.employee_id,
            "role_id": previous[0],
            "career_stage": previous[1],
            "effective_date": effective.isoformat(),
        }
        if index > 0 and effective > st.person.hire_date:
            data |= {"previous_role_id": previous[0], "previous_career_stage": stages[index - 1].stage}
        self.emit(self.at(day, self.work_time()), spine.ROLE_CHANGED, data)

    # ---- the pilot --------------------------------------------------------------------------------
    def build(self, seed: int) -> Pilot:
        rng = self.rng
        # Day 0: initial sync, 06:00 UTC, one record every 3 seconds, managers first.
        for i, person in enumerate(self.people):
            self.emit(self.at(0, 6 * 3600 + 3 * i), spine.EMPLOYEE_UPSERTED, person.upserted_data())

        states = {p.employee_id: self.state(p) for p in self.people}
        reportees = [p for p in self.people if p.manager_id is not None]
        demographics = self.plant(reportees, seed)
        gap_holders = sorted(p.employee_id for p in reportees if states[p.employee_id].gaps())
        quiet = set(rng.sample(gap_holders, round(QUIET_SHARE * len(gap_holders))))

        movable = [p for p in reportees if p.employee_id not in quiet and self.next_move(p) is not None]
        movers = rng.sample(movable, min(len(movable), round(ROLE_CHANGE_SHARE * len(self.people))))
        moves: dict[str, tuple[str, str]] = {p.employee_id: self.planned_move(p) for p in movers}
        new_managers: dict[str, str] = {}
        product_managers = [
            p.employee_id for p in self.people if p.role_id == "pm.product_lead" and p.career_stage != "head"
        ] or [p.employee_id for p in self.people if p.role_id == "pm.product_lead"]
        cross = [p for p in movers if p.role_id == CROSS_FAMILY_FROM[0] and p.career_stage in CROSS_FAMILY_FROM[1]][
            :CROSS_FAMILY_MOVES
        ]
        for p in cross if product_managers else []:
            moves[p.employee_id] = CROSS_FAMILY_TO
            new_managers[p.employee_id] = rng.choice(product_managers)
        promotions = [p for p in movers if p.employee_id not in new_managers and moves[p.employee_id][0] == p.role_id]
        out_of_order = {p.employee_id for p in promotions[:OUT_OF_ORDER_CHANGES]}

        engaged = [p for p in reportees if p.employee_id not in quiet and p.employee_id not in new_managers]
        widened_candidates = sorted(p.employee_id for p in engaged)
        widened_ids = set(rng.sample(widened_candidates, round(WIDENED_GAP_SHARE * len(widened_candidates))))
        widened: dict[str, str] = {}
        final_roles: dict[str, tuple[str, str]] = {p.employee_id: (p.role_id, p.career_stage) for p in self.people}

        for person in reportees:
            emp = person.employee_id
            st = states[emp]
            k = rng.randint(3, 5)
            if emp in quiet:
                day = self.work_day(rng.randint(2, 10))
                skills = self.all_skills(st) if self.baseline else self.choose_skills(st, st.gaps()[:2], k)
                self.checkin(st, 1, day, skills)
                continue

            c1 = self.work_day(rng.randint(2, 20))
            if self.baseline:
                skills = self.all_skills(st)
            else:
                skills = self.choose_skills(st, rng.sample(st.gaps(), min(2, len(st.gaps()))), k)
            st.rated_first = {s: st.levels[s] for s in skills}
            self.checkin(st, 1, c1, skills)

            if emp in self.unflagged:  # nobody named a gap, so nobody arranged learning either
                learn_days = []
            elif st.gaps() or emp in moves:
                learn_days = self.learning_cadence(c1)
            else:  # nothing to close: now and then a stretch item
                learn_days = [rng.randint(c1 + 1, 56)] if rng.random() < 0.3 else []

            timeline: list[tuple[int, int, str]] = [(d, 1, "learn") for d in learn_days]
            move_day = None
            if emp in moves:
                move_day = self.work_day(rng.randint(max(c1 + 3, 14), 38))
                timeline.append((move_day, 0, "move"))
            c2 = self.work_day(rng.randint(42, 56))
            timeline.append((c2, 2, "checkin"))

            for day, _, what in sorted(timeline):
                if what == "learn":
                    if day == move_day and emp in new_managers:
                        # A course of the new discipline on the day of the move would race the role change
                        # (deliveries of one day are sent concurrently): take it the day after.
                        day = min(day + 1, PILOT_DAYS - 1)
                    self.learning(st, day)
                elif what == "move":
                    previous = (st.role_id, st.stage)
                    effective = self.role_change(st, day, moves[emp], new_managers.get(emp))
                    final_roles[emp] = moves[emp]
                    if emp in out_of_order:
                        late = min(PILOT_DAYS - 1, day + rng.randint(2, 6))
                        self.stale_role_change(st, previous, late, effective)
                else:
                    self.second_checkin(st, k=rng.randint(3, 5), day=day, widen=emp in widened_ids, widened=widened)

        steps = []
        for timestamp, _, payload in sorted(self.events, key=lambda e: (e[0], e[1])):
            steps.append(PilotStep(day=(timestamp.date() - self.start).days, payload=payload))
        return Pilot(
            start=self.start,
            seed=seed,
            people=tuple(self.people),
            steps=tuple(steps),
            quiet_employee_ids=frozenset(quiet),
            widened_gaps=widened,
            role_changed_employee_ids=frozenset(moves),
            cross_family_employee_ids=frozenset(new_managers),
            out_of_order_employee_ids=frozenset(out_of_order),
            final_roles=final_roles,
            demographics=demographics,
            planted_employee_ids=frozenset(self.unflagged),
        )

    def plant(self, reportees: list[Person], seed: int) -> dict[str, dict]:
        """Demographics for everyone (day 1, after the initial sync) and the planted disparity. A separate random
        stream, so the rest of the history is drawn exactly as without a scenario."""
        if self.scenario is None:
            return {}
        rng = random.Random(f"coachwire-pilot-demographics:{seed}")
        demographics = {p.employee_id: self.scenario.draw(rng, p.employee_id, p.hire_date.year) for p in self.people}
        for i, person in enumerate(self.people):
            self.emit(self.at(1, 7 * 3600 + 3 * i), spine.DEMOGRAPHICS_UPSERTED, demographics[person.employee_id])
        in_group = [p.employee_id for p in reportees
                    if demographics[p.employee_id].get(self.scenario.attribute) == self.scenario.group]
        self.unflagged = {e for e in in_group if rng.random() < self.scenario.affected_share}
        return demographics

    def second_checkin(self, st: _State, *, k: int, day: int, widen: bool, widened: dict[str, str]) -> None:
        rng = self.rng
        bench = st.benchmarks()
        # Learning pays off for some skills (those already evidenced by a passed course were raised then).
        for skill_id in sorted(st.learned - st.evidenced):
            if skill_id in st.levels and rng.random() < 0.5:
                st.levels[skill_id] = min(st.framework.top_level, st.levels[skill_id] + 1)
        in_framework = {s.skill_id for s in st.framework.skills}
        drop: str | None = None
        if widen:
            # A rating from the first check-in falls by one, on a skill that then sits below benchmark.
            candidates = [
                s
                for s, level in st.rated_first.items()
                if s in in_framework and s not in st.learned and level >= 2 and level - 1 < bench.get(s, 0)
            ]
            if candidates:
                drop = rng.choice(sorted(candidates))
                st.levels[drop] -= 1
                widened[st.person.employee_id] = drop
        first = ([drop] if drop else []) + sorted(s for s in st.learned if s in in_framework) + st.gaps()
        new_discipline = self.baseline and not (set(st.rated_first) & in_framework)
        # First check-in in a new discipline: a baseline over the new framework's skills.
        self.checkin(st, 2, day, self.all_skills(st) if new_discipline else self.choose_skills(st, first, k))


def build_pilot(
    start: date,
    *,
    n: int = 200,
    seed: int = 7,
    frameworks: list[Framework] | None = None,
    catalogs: dict[str, Catalog] | None = None,
    baseline_checkin: bool = True,
    audit_scenario: AuditScenario | None = None,
) -> Pilot:
    """The full pilot (steps plus what to expect from them) for a synthetic org of ``n`` people."""
    if frameworks is None or catalogs is None:
        from coachwire_tools.sample_org import load_catalogs, load_frameworks

        frameworks = frameworks if frameworks is not None else load_frameworks()
        catalogs = catalogs if catalogs is not None else load_catalogs()
    people = synthetic_org(n, seed, frameworks=frameworks, hired_before=start)
    return _Builder(start, seed, people, frameworks, catalogs, baseline_checkin, audit_scenario).build(seed)
