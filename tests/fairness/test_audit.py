"""Audit assembly: verdict logic, small-category disclosure, suppression, Holm family, byte-identical reruns."""

import numpy as np
import pytest
from coachwire.fairness import AuditConfig, EmployeeRow, Verdict, run_audit, stats


def _rows(groups: dict[str, tuple[int, int]], attribute: str = "sex", extra: dict[str, str] | None = None):
    rows = []
    for label, (recipients, n) in sorted(groups.items()):
        for i in range(n):
            attrs = {attribute: label, **(extra or {})}
            rows.append(EmployeeRow(attributes=attrs, received={"any": i < recipients}))
    return rows


def _result(audit, attribute="sex", outcome="any"):
    return next(r for r in audit.results if r.attribute == attribute and r.outcome == outcome)


def test_worked_example_is_flagged():
    audit = run_audit(_rows({"A": (12, 40), "B": (48, 80)}), AuditConfig(intersections=()))
    res = _result(audit)
    assert res.reference_group == "B"
    a = next(g for g in res.groups if g.label == "A")
    assert a.impact_ratio == pytest.approx(0.5)
    assert (round(a.ci_low, 2), round(a.ci_high, 2)) == (0.29, 0.80)
    assert a.test == "score_z"  # all expected counts >= 5
    assert a.p_value == pytest.approx(stats.score_test_2prop(12, 40, 48, 80)[1], rel=1e-11)
    assert audit.holm_family_size == 2  # omnibus + one pairwise
    assert a.verdict is Verdict.FLAGGED
    assert a.p_adjusted == pytest.approx(min(1.0, 2 * min(a.p_value, res.omnibus.p_value)), rel=1e-11)


def test_fisher_used_when_an_expected_count_is_below_five():
    audit = run_audit(_rows({"A": (1, 12), "B": (9, 15)}), AuditConfig(intersections=()))
    a = next(g for g in _result(audit).groups if g.label == "A")
    assert a.test == "fisher_exact"
    assert a.p_value == pytest.approx(stats.fisher_exact_2x2(1, 11, 9, 6), rel=1e-11)


def test_low_ratio_without_significance_is_insufficient_never_pass():
    audit = run_audit(_rows({"A": (3, 20), "B": (5, 20)}), AuditConfig(intersections=()))
    a = next(g for g in _result(audit).groups if g.label == "A")
    assert a.impact_ratio < 0.8 and a.p_adjusted >= 0.05
    assert a.verdict is Verdict.INSUFFICIENT_DATA
    assert a.additional_people_needed > 0
    assert {g.verdict for g in _result(audit).groups} <= {Verdict.REFERENCE, Verdict.INSUFFICIENT_DATA}


def test_significant_but_ratio_above_threshold_is_not_flagged():
    # 85% of the reference rate with huge n: significant, but ratio >= 0.8 -> no evidence of (adverse) disparity
    audit = run_audit(_rows({"A": (1700, 5000), "B": (2000, 5000)}), AuditConfig(intersections=()))
    a = next(g for g in _result(audit).groups if g.label == "A")
    assert a.p_adjusted < 0.05 and a.impact_ratio >= 0.8
    assert a.verdict is Verdict.NO_EVIDENCE
    assert a.additional_people_needed is None


def test_well_powered_similar_rates_give_no_evidence():
    audit = run_audit(_rows({"A": (480, 1000), "B": (500, 1000)}), AuditConfig(intersections=()))
    a = next(g for g in _result(audit).groups if g.label == "A")
    assert a.power >= 0.8 and a.verdict is Verdict.NO_EVIDENCE


def test_groups_below_min_n_are_not_tested():
    audit = run_audit(_rows({"A": (0, 6), "B": (50, 100)}), AuditConfig(intersections=(), min_n=10))
    a = next(g for g in _result(audit).groups if g.label == "A")
    assert a.test is None and a.p_value is None
    assert a.verdict is Verdict.INSUFFICIENT_DATA and a.additional_people_needed > 0


def test_unknown_and_small_categories_are_disclosed_not_compared():
    groups = {"A": (100, 300), "B": (120, 300), "C": (2, 5), "declined to state": (7, 20)}
    audit = run_audit(_rows(groups), AuditConfig(intersections=()))
    res = _result(audit)
    assert res.n == 625
    assert (res.unknown.n, res.unknown.recipients, res.unknown.rate) == (20, 7, 0.35)
    assert [g.label for g in res.groups] == ["A", "B"]
    (small,) = res.excluded_small_categories
    assert (small.label, small.n, small.recipients, small.rate) == ("C", 5, 2, 0.4)
    assert small.share == pytest.approx(5 / 605)


def test_intersections_and_holm_across_the_whole_audit():
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(600):
        sex = str(rng.choice(["F", "M"]))
        race = str(rng.choice(["Asian", "Black", "White", "declined to state"], p=[0.3, 0.2, 0.45, 0.05]))
        p = 0.25 if sex == "F" and race == "Black" else 0.45
        rows.append(EmployeeRow(attributes={"sex": sex, "race_ethnicity": race}, received={"any": rng.random() < p}))
    audit = run_audit(rows)
    names = [r.attribute for r in audit.results]
    assert names == ["race_ethnicity", "sex", "sex × race_ethnicity"]
    inter = _result(audit, "sex × race_ethnicity")
    assert {g.label for g in inter.groups} == {f"{s} × {r}" for s in "FM" for r in ("Asian", "Black", "White")}
    raw = [r.omnibus.p_value for r in audit.results if r.omnibus]
    raw += [g.p_value for r in audit.results for g in r.groups if g.p_value is not None]
    adj = [r.omnibus.p_adjusted for r in audit.results if r.omnibus]
    adj += [g.p_adjusted for r in audit.results for g in r.groups if g.p_value is not None]
    assert audit.holm_family_size == len(raw)
    assert adj == pytest.approx(stats.holm(raw), rel=1e-11)


def test_published_view_suppresses_small_cells():
    groups = {"A": (3, 8), "B": (40, 100), "C": (30, 90), "unknown": (2, 4)}
    audit = run_audit(_rows(groups), AuditConfig(intersections=(), small_category_share=0.0))
    pub = _result(audit.published())
    a = next(g for g in pub.groups if g.label == "A")
    assert a.suppressed and a.n is None and a.recipients is None and a.rate is None and a.impact_ratio is None
    assert pub.unknown.suppressed and pub.unknown.n is None
    b = next(g for g in pub.groups if g.label == "B")
    assert not b.suppressed and b.n == 100
    # the internal result keeps everything
    assert next(g for g in _result(audit).groups if g.label == "A").n == 8
    published_json = audit.published().canonical_json()
    assert '"n":8' not in published_json and '"n":4,' not in published_json


def test_opted_out_rows_are_counted_not_analysed():
    rows = _rows({"A": (10, 50), "B": (20, 50)})
    rows.append(EmployeeRow(attributes={"sex": "A"}, received={"any": True}, opted_out=True))
    audit = run_audit(rows, AuditConfig(intersections=()))
    assert audit.opted_out == 1 and audit.population == 100


def test_rerun_is_byte_identical_regardless_of_row_order():
    rng = np.random.default_rng(11)
    rows = [
        EmployeeRow(
            attributes={"sex": str(rng.choice(["F", "M", "X"])), "race_ethnicity": str(rng.choice(["P", "Q", "R"]))},
            received={"any": bool(rng.random() < 0.4), "stretch": bool(rng.random() < 0.1)},
        )
        for _ in range(500)
    ]
    first = run_audit(rows).canonical_json().encode()
    second = run_audit(list(rows)).canonical_json().encode()
    shuffled = [rows[i] for i in rng.permutation(len(rows))]
    assert first == second == run_audit(shuffled).canonical_json().encode()


def test_a_lone_hidden_group_is_not_recoverable_from_the_total():
    """One group under the threshold: the next-smallest (not the reference) is hidden with it, so total minus the
    visible groups gives only their sum; the internal result keeps every number."""
    groups = {"A": (2, 8), "B": (40, 100), "C": (30, 90), "D": (25, 60), "unknown": (5, 20)}
    audit = run_audit(_rows(groups), AuditConfig(intersections=(), small_category_share=0.0))
    pub = _result(audit.published())
    hidden = {g.label for g in pub.groups if g.suppressed}
    assert hidden == {"A", "C"} and pub.reference_group == "D" and not pub.unknown.suppressed
    visible = sum(g.n for g in pub.groups if not g.suppressed) + pub.unknown.n
    assert pub.n - visible == 8 + 90  # two cells behind one difference
    assert all(g.additional_people_needed is None for g in pub.groups if g.suppressed)
    assert next(g for g in _result(audit).groups if g.label == "C").n == 90


def test_a_finding_is_never_hidden_the_reference_head_count_is_instead():
    groups = {"A": (2, 8), "B": (80, 100), "C": (10, 90), "unknown": (5, 20)}
    audit = run_audit(_rows(groups), AuditConfig(intersections=(), small_category_share=0.0))
    pub = _result(audit.published())
    c = next(g for g in pub.groups if g.label == "C")
    assert c.verdict == Verdict.FLAGGED and not c.suppressed and c.n == 90 and c.impact_ratio is not None
    ref = next(g for g in pub.groups if g.label == pub.reference_group)
    assert ref.n is None and ref.recipients is None and ref.rate == pytest.approx(0.8)
