"""PilotStore, on the fake and on DynamoDB (moto): a new id once, version-conditioned replaces, newest first."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from coachwire.domain.pilots import freeze_if_started
from coachwire.models.pilots import Pilot, PilotRequest
from coachwire.ports import ConcurrentUpdate

from tests.contracts.records import AT
from tests.pilot_org import pilot_body

START = date(2026, 11, 2)


def pilot(uid: str, suffix: str = "", minutes: int = 0) -> Pilot:
    return Pilot(pilot_id=f"pil-{uid}{suffix}", request=PilotRequest.model_validate(pilot_body(START)),
                 members=[f"emp-{uid}-{i}" for i in range(50)], created_by="hr-1",
                 created_at=AT + timedelta(minutes=minutes))


def test_a_pilot_is_added_once_and_read_back_as_it_was(deps, uid):
    made = pilot(uid)
    assert deps.pilots.add(made) is True
    assert deps.pilots.add(made.model_copy(update={"created_by": "hr-2"})) is False
    assert deps.pilots.get(made.pilot_id) == made
    assert deps.pilots.get(f"pil-none-{uid}") is None


def test_a_replace_is_conditioned_on_the_version_it_read(deps, uid):
    made = pilot(uid)
    deps.pilots.add(made)
    frozen = freeze_if_started(made, START).model_copy(update={"version": 1})
    deps.pilots.replace(frozen, 0)
    assert deps.pilots.get(made.pilot_id) == frozen
    with pytest.raises(ConcurrentUpdate):
        deps.pilots.replace(frozen.model_copy(update={"version": 2, "status": "ended"}), 0)
    assert deps.pilots.get(made.pilot_id).registered == frozen.registered
    with pytest.raises(ConcurrentUpdate):
        deps.pilots.replace(pilot(uid, "-absent").model_copy(update={"version": 1}), 0)


def test_all_lists_newest_first(deps, uid):
    older, newer = pilot(uid, "-a", minutes=1), pilot(uid, "-b", minutes=2)
    deps.pilots.add(older)
    deps.pilots.add(newer)
    ours = [p.pilot_id for p in deps.pilots.all() if p.pilot_id.startswith(f"pil-{uid}")]
    assert ours == [newer.pilot_id, older.pilot_id]
