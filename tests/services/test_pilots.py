"""The registry's lazy freeze under races: two readers at the start store one frozen record, and a write that
loses a race is a 409, never a silent overwrite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from coachwire.clock import FixedClock
from coachwire.domain.pilots import advance
from coachwire.models.pilots import AmendmentRequest, CriteriaUpdate, PilotRequest
from coachwire.services import pilots

from tests.fakes import FAKE_NOW, FakePilotStore, fake_dependencies
from tests.pilot_org import pilot_body, seed

START = FAKE_NOW.date() + timedelta(days=5)


class RacingStore(FakePilotStore):
    """Before our next replace lands, another reader settles the same pilot (as of the same day)."""

    def __init__(self) -> None:
        super().__init__()
        self.rival_day = None

    def replace(self, pilot, expected_version):
        if self.rival_day is not None:
            theirs = self.get(pilot.pilot_id)
            day, self.rival_day = self.rival_day, None
            super().replace(advance(theirs, day).model_copy(update={"version": theirs.version + 1}), theirs.version)
        super().replace(pilot, expected_version)


@pytest.fixture
def deps():
    made = fake_dependencies(clock=FixedClock(FAKE_NOW), pilots=RacingStore())
    seed(made)
    return made


def test_two_readers_freezing_at_once_store_one_and_the_same_record(deps):
    pilot = pilots.register(deps, PilotRequest.model_validate(pilot_body(START)), "hr-1")
    deps.clock.set(FAKE_NOW + timedelta(days=5))
    deps.pilots.rival_day = START
    seen = pilots.get_pilot(deps, pilot.pilot_id)
    stored = deps.pilots.get(pilot.pilot_id)
    assert seen == stored and stored.version == 1 and stored.registered is not None
    # The loser wrote nothing and logged no freeze of its own (the winner here wrote outside the service).
    assert [r.decision["action"] for r in deps.audit.records] == ["pilot.registered"]
    assert pilots.get_pilot(deps, pilot.pilot_id) == stored  # settled: nothing more to write


def test_an_amendment_that_loses_a_race_is_a_409(deps):
    pilot = pilots.register(deps, PilotRequest.model_validate(pilot_body(START)), "hr-1")
    deps.clock.set(FAKE_NOW + timedelta(days=5))
    pilots.get_pilot(deps, pilot.pilot_id)
    deps.pilots.rival_day = START + timedelta(days=400)  # the rival ends it meanwhile
    wanted = AmendmentRequest.model_validate({"reason": "r", "criteria": pilot_body(START)["criteria"]})
    with pytest.raises(pilots.PilotRefused) as lost:
        pilots.amend(deps, pilot.pilot_id, wanted, "hr-2")
    assert lost.value.status == 409
    assert deps.pilots.get(pilot.pilot_id).amendments == []


def test_without_a_store_the_registry_answers_404():
    bare = fake_dependencies(pilots=None)
    assert pilots.list_pilots(bare) == []
    with pytest.raises(pilots.PilotRefused) as none:
        pilots.edit_criteria(bare, "pil-1", CriteriaUpdate.model_validate(
            {"criteria": pilot_body(START)["criteria"]}), "hr-1")
    assert none.value.status == 404
