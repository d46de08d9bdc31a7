"""model_training: a candidate fitted from the stored history goes into shadow once; opted-out history is left out."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from coachwire.models.history import AssessmentFact, CompletionFact, HistoryEntry
from coachwire.ports import ProfileChange
from coachwire.services.training import model_training

from tests.services.events import change_profile, hire

JOB = {"job": "model_training", "as_of": "2026-12-01"}


def grew(deps, employee: str, item: str, rose: bool, when: date = date(2026, 3, 1)) -> None:
    """A completion, and a check-in a month later that did (or did not) rate the skill higher."""
    at = datetime(when.year, when.month, when.day, 10, tzinfo=UTC)
    entries = (HistoryEntry(employee_id=employee, entry_id=f"{employee}-{item}-c", at=at,
                            completions=[CompletionFact(item_id=item, skill_id="design", level_at_completion=1)]),
               HistoryEntry(employee_id=employee, entry_id=f"{employee}-{item}-r", at=at + timedelta(days=30),
                            assessments=[AssessmentFact(skill_id="design", level=2 if rose else 1)]))
    held = deps.profiles.get(employee)
    deps.profiles.commit(ProfileChange(profile=held, expected_version=held.version, write_profile=False,
                                       history=entries))


def people(deps, n: int = 6) -> None:
    for i in range(n):
        hire(deps, f"emp-{i}", "mgr-1")
        grew(deps, f"emp-{i}", "design-l2", rose=i < 4)


def test_a_candidate_is_stored_and_put_in_shadow_once(deps):
    people(deps)
    result = model_training(JOB, deps)
    assert result.outcome == "succeeded" and result.decision["shadow"] is True and result.decision["stored"] is True
    candidate = result.decision["candidate"]
    assert deps.models.get(candidate) is not None and deps.models.pointer().shadow == candidate
    assert deps.models.pointer().revision == 1 and result.decision["history_entries"] > 0
    (entry,) = deps.models.entries()
    assert (entry.version, entry.origin, entry.training_window_end) == (candidate, "training", "2026-12-01")

    again = model_training(JOB, deps)  # the same history: the same candidate, nothing moves
    assert (again.outcome, again.decision["candidate"], again.decision["stored"]) == ("no_action", candidate, False)
    assert deps.models.pointer().revision == 1


def test_an_opted_out_employees_history_does_not_shape_the_candidate(deps):
    people(deps)
    hire(deps, "emp-x", "mgr-1")
    grew(deps, "emp-x", "design-l2-practice", rose=True, when=date(2026, 5, 1))
    change_profile(deps, "emp-x", personalisation_enabled=False)
    with_them = model_training(JOB, deps)
    assert with_them.decision["opted_out_excluded"] == 1

    from tests.factories import catalog, framework
    from tests.fakes import fake_dependencies

    alone = fake_dependencies()
    alone.catalog.publish(framework(), catalog())
    people(alone)
    assert model_training(JOB, alone).decision["candidate"] == with_them.decision["candidate"]


def test_no_history_trains_nothing(deps):
    hire(deps)
    result = model_training(JOB, deps)
    assert (result.outcome, result.decision["reason"]) == ("no_action", "no_history")
    assert deps.models.entries() == [] and deps.models.pointer().shadow is None
