"""Fitting candidates from recorded history: outcomes from later check-ins, opt-out isolation, real-data evaluation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from coachwire.engine.efficacy import EPOCH
from coachwire.engine.model import ModelConfig
from coachwire.engine.training import PersonNow, completion_records, fit_candidate
from coachwire.models.history import AssessmentFact, CompletionFact, HistoryEntry
from coachwire_tools.engine.synthetic_history import generate_history

START, END = date(2026, 1, 1), date(2026, 12, 1)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=UTC)


def grew(employee: str, item: str, rose: bool, when: date = date(2026, 3, 1)) -> list[HistoryEntry]:
    return [
        HistoryEntry(employee_id=employee, entry_id=f"{employee}-c", at=at(when),
                     completions=[CompletionFact(item_id=item, skill_id="design", level_at_completion=1)]),
        HistoryEntry(employee_id=employee, entry_id=f"{employee}-r", at=at(when + timedelta(days=30)),
                     assessments=[AssessmentFact(skill_id="design", level=2 if rose else 1)]),
    ]


def test_a_completion_works_when_a_later_check_in_of_the_same_person_and_skill_rates_it_higher():
    entries = grew("a", "design-l2", rose=True) + grew("b", "design-l2", rose=False)
    entries.append(HistoryEntry(employee_id="b", entry_id="b-other", at=at(date(2026, 3, 20)),
                                assessments=[AssessmentFact(skill_id="review", level=4)]))
    records = {r.employee_id: r for r in completion_records(entries)}
    assert records["a"].first_rise() == date(2026, 3, 31)
    assert records["b"].first_rise() is None  # a rise in another skill is not this item's doing


def test_opted_out_history_changes_nothing_in_the_candidate():
    others = [e for n in range(6) for e in grew(f"e{n}", "design-l2", rose=n < 4)]
    opted_out = grew("x", "design-l2", rose=False) + grew("x", "design-l2-practice", rose=True, when=date(2026, 5, 1))
    config = ModelConfig()
    alone = fit_candidate(others, config=config, start=START, end=END, opted_out=frozenset())
    with_them = fit_candidate(others + opted_out, config=config, start=START, end=END, opted_out=frozenset({"x"}))
    assert with_them.version == alone.version and with_them.employees_excluded == 1
    assert with_them.version.version == alone.version.version
    counted = fit_candidate(others + opted_out, config=config, start=START, end=END, opted_out=frozenset())
    assert counted.version.version != alone.version.version  # the exclusion is what kept them equal


def test_no_history_or_no_full_window_gives_no_candidate():
    assert fit_candidate([], config=ModelConfig(), start=START, end=END, opted_out=frozenset()).reason == "no_history"
    late = grew("a", "design-l2", rose=True, when=date(2026, 11, 1))
    assert fit_candidate(late, config=ModelConfig(), start=START, end=END,
                         opted_out=frozenset()).reason == "no_full_window"


def test_recorded_history_is_replayed_by_the_time_split_evaluation():
    synthetic = generate_history(1500, seed=7)
    log = synthetic.log
    entries = [HistoryEntry(employee_id=log.employee_ids[r], entry_id=f"c{r}",
                            at=at(EPOCH + timedelta(days=int(log.day[r]))),
                            completions=[CompletionFact(item_id=log.item_ids[r], skill_id=log.skill_ids[r],
                                                        level_at_completion=int(log.level[r]))])
               for r in range(len(log))]
    entries += [HistoryEntry(employee_id=emp, entry_id=f"a{n}", at=at(EPOCH + timedelta(days=day)),
                             assessments=[AssessmentFact(skill_id=skill, level=level)])
                for n, (emp, skill, day, level) in enumerate(synthetic.changes)]
    # The baseline check-in everyone had when the history starts.
    entries += [HistoryEntry(employee_id=emp, entry_id=f"b-{emp}", at=at(synthetic.start - timedelta(days=1)),
                             assessments=[AssessmentFact(skill_id=s, level=lv) for s, lv in levels.items()])
                for emp, levels in synthetic.initial_levels.items()]
    people = [PersonNow(p.employee_id, p.framework_id, p.role_id, p.stage, p.priorities) for p in synthetic.people]
    outcome = fit_candidate(entries, config=ModelConfig(), start=synthetic.start - timedelta(days=1),
                            end=synthetic.end,
                            opted_out=frozenset(), people=people, frameworks=synthetic.frameworks,
                            catalogs=synthetic.catalogs)
    rows = {(r.scorer, r.metric): r for r in outcome.version.evaluation}
    model, random = rows[("model", "level_gain_recommended")], rows[("random", "level_gain_recommended")]
    # Recorded outcomes count any later rise in the skill (not only the item's own), which dilutes the planted
    # signal; the model still ranks ahead of random and every scorer is evaluated on the same completions.
    assert model.n > 300 and model.value > random.value
    assert {r.scorer for r in outcome.version.evaluation} == {"model", "popular_in_role", "random"}
    assert outcome.version.data_counts.completions == len(log)
