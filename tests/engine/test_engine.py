"""Engine: factors, exact sums, deltas, versions, demographic isolation, batch = single, efficacy
shrinkage, and that the evaluation finds the planted signal."""

from __future__ import annotations

import ast
import re
import tokenize
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from coachwire.engine.efficacy import CompletionLog, CompletionRecord, fit_efficacy
from coachwire.engine.features import FEATURE_NAMES, EmployeeState
from coachwire.engine.model import (
    BatchInput,
    EngineIndex,
    FactorWeights,
    ModelConfig,
    ModelVersion,
    pick_top,
    score_batch,
    score_one,
)
from coachwire.models.framework import Prerequisite
from coachwire_tools.sample_org import load_catalogs, load_frameworks
from pydantic import ValidationError

ENGINE = Path(__file__).resolve().parents[2] / "layers" / "coachwire" / "engine"
ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 3, 1)
FW = next(f for f in load_frameworks() if f.framework_id == "software_engineering")
CAT = load_catalogs()[FW.framework_id]
ROLE = FW.roles[0]
STAGE = ROLE.stages[1]
VERSION = ModelVersion(config=ModelConfig())


def state(**overrides) -> EmployeeState:
    levels = {s: max(1, lv - 1) for s, lv in STAGE.benchmarks.items()}
    data = {"employee_id": "e1", "role_id": ROLE.role_id, "stage": STAGE.stage, "levels": levels} | overrides
    return EmployeeState(**data)


def by_item(candidates):
    return {c.item_id: c for c in candidates}


def factor(candidate, name):
    return next(f for f in candidate.factors if f.name == name)


def test_every_candidate_has_all_factors_and_contributions_re_add_exactly():
    cands = score_one(state(priorities=("eng.testing",), flagged_skills=frozenset({"eng.security"})), FW, CAT,
                      VERSION, AS_OF)
    assert cands
    for c in cands:
        assert tuple(f.name for f in c.factors) == FEATURE_NAMES
        assert sum(Decimal(str(f.contribution)) for f in c.factors) == Decimal(str(c.score))
        for f in c.factors:
            assert Decimal(str(f.contribution)) == round(Decimal(str(f.value)) * Decimal(str(f.weight)), 4) or \
                abs(f.contribution - f.value * f.weight) < 1e-4
        assert c.model_version == VERSION.version and c.framework_version == FW.version


def test_gap_priority_level_fit_and_eligibility():
    st = state()
    cands = by_item(score_one(st, FW, CAT, VERSION, AS_OF))
    for c in cands.values():
        gap = min(3, c.target_level - c.current_level)
        crit = FW.skill(c.skill_id).criticality
        assert factor(c, "gap_priority").value == round(gap / 3 * crit / 3, 4)
        assert factor(c, "level_fit").value == {1: 1.0, 2: 0.5}.get(c.builds_level - c.current_level, 0.1)
        assert c.builds_level > c.current_level
    at_benchmark = state(levels=dict(STAGE.benchmarks))
    assert score_one(at_benchmark, FW, CAT, VERSION, AS_OF) == []


def _delta_case(changed: dict, name: str):
    base = by_item(score_one(state(), FW, CAT, VERSION, AS_OF))
    if changed.get("declined") == "last-of-its-skill":  # stays last in its skill, so variety cannot move
        last = min(base.values(), key=lambda c: factor(c, "variety").value)
        changed = {"declined": {last.item_id: AS_OF - timedelta(days=30)}}
    after = by_item(score_one(state(**changed), FW, CAT, VERSION, AS_OF))
    return base, after


@pytest.mark.parametrize(
    ("changed", "name", "skill"),
    [
        ({"flagged_skills": frozenset({"eng.code_quality"})}, "flagged_in_checkin", "eng.code_quality"),
        ({"declined": "last-of-its-skill"}, "decline_recency", None),
    ],
)
def test_changing_one_input_moves_the_score_by_that_factors_delta(changed, name, skill):
    base, after = _delta_case(changed, name)
    moved = [i for i in base if base[i].score != after[i].score]
    assert moved
    for item in moved:
        delta = Decimal(str(after[item].score)) - Decimal(str(base[item].score))
        before_c, after_c = factor(base[item], name).contribution, factor(after[item], name).contribution
        fdelta = Decimal(str(after_c)) - Decimal(str(before_c))
        # Only that factor moved (variety may follow if the within-skill order changes: not here).
        others = [f.name for f, g in zip(base[item].factors, after[item].factors, strict=True) if f != g]
        assert others == [name]
        assert delta == fdelta


def test_decline_recency_fades_over_the_cooldown():
    item = "eng.code_quality.pr-descriptions"
    values = []
    for days in (0, 45, 90, 200):
        c = by_item(score_one(state(declined={item: AS_OF - timedelta(days=days)}), FW, CAT, VERSION, AS_OF))[item]
        values.append(factor(c, "decline_recency").value)
        assert factor(c, "decline_recency").weight < 0
    assert values == [1.0, 0.5, 0.0, 0.0]


def test_agreed_priority_ranks_and_opens_non_gap_skills():
    full = dict(STAGE.benchmarks)
    cands = score_one(state(levels=full, priorities=("eng.testing", "eng.security")), FW, CAT, VERSION, AS_OF)
    values = {c.skill_id: factor(c, "agreed_priority").value for c in cands}
    assert values == {"eng.testing": 1.0, "eng.security": 0.5}


def test_variety_penalises_the_second_item_of_a_skill_and_caps_the_list():
    cands = score_one(state(), FW, CAT, VERSION, AS_OF)
    seen: dict[str, int] = {}
    for c in cands:
        r = seen.get(c.skill_id, 0)
        assert factor(c, "variety").value == round(1 / (1 + r), 4)
        seen[c.skill_id] = r + 1
    top = pick_top(cands, 10, 1)
    assert len({c.skill_id for c in top}) == len(top)


def test_prerequisites_met_is_the_share_met():
    skills = [s.model_copy(update={"prerequisites": [Prerequisite(skill_id="eng.testing", level=4),
                                                      Prerequisite(skill_id="eng.delivery", level=1)]})
              if s.skill_id == "eng.code_quality" else s for s in FW.skills]
    fw = FW.model_copy(update={"skills": skills})
    cands = score_one(state(), fw, CAT, VERSION, AS_OF)
    for c in cands:
        expected = 0.5 if c.skill_id == "eng.code_quality" else 1.0
        assert factor(c, "prerequisites_met").value == expected


def test_efficacy_factor_uses_the_table_and_reports_n():
    log = CompletionLog.from_records(
        CompletionRecord(employee_id=f"p{i}", item_id="eng.code_quality.pr-descriptions", skill_id="eng.code_quality",
                         level_at_completion=1, completed_at=date(2025, 1, 1),
                         later_assessments=((date(2025, 2, 1), 2),) if i < 8 else ())
        for i in range(10)
    )
    version = ModelVersion(config=ModelConfig(), efficacy=fit_efficacy(log, window_days=90, prior_strength=0))
    st = state(levels={**state().levels, "eng.code_quality": 1})
    c = by_item(score_one(st, FW, CAT, version, AS_OF))["eng.code_quality.pr-descriptions"]
    assert factor(c, "efficacy").value == 0.8 and c.efficacy_n == 10


def test_efficacy_shrinks_thin_evidence_toward_the_pooled_prior():
    def rec(item, i, rose):
        return CompletionRecord(employee_id=f"{item}{i}", item_id=item, skill_id="s", level_at_completion=2,
                                completed_at=date(2025, 1, 1),
                                later_assessments=((date(2025, 3, 1), 3),) if rose else ())
    records = [rec("big", i, i < 20) for i in range(100)] + [rec("thin", i, True) for i in range(2)]
    table = fit_efficacy(CompletionLog.from_records(records), window_days=90, prior_strength=20)
    entries, priors = table.maps()
    prior = priors[("s", 2)]
    assert prior == pytest.approx(22 / 102, abs=1e-6)
    thin = entries[("thin", 2)]
    assert thin.n == 2 and thin.successes == 2
    assert prior < thin.posterior < 0.5  # raw rate 1.0 pulled hard toward ~0.22
    assert thin.posterior == pytest.approx((2 + 20 * prior) / 22, abs=1e-5)
    assert entries[("big", 2)].posterior == pytest.approx((20 + 20 * prior) / 120, abs=1e-5)
    # Rises outside the window and completions whose window is not over yet do not count.
    late = fit_efficacy(CompletionLog.from_records(records), window_days=30, prior_strength=0)
    assert late.maps()[0][("thin", 2)].successes == 0
    assert fit_efficacy(CompletionLog.from_records(records), window_days=90, prior_strength=0,
                        as_of=date(2025, 2, 1)).entries == ()


def test_versions_are_immutable_and_content_addressed():
    v = VERSION
    with pytest.raises(ValidationError):
        v.config = ModelConfig(k=9)  # type: ignore[misc]
    with pytest.raises(ValidationError):
        v.config.weights.efficacy = 0.1  # type: ignore[misc]
    assert ModelVersion(config=ModelConfig()).version == v.version
    changed = [
        ModelVersion(config=ModelConfig(weights=FactorWeights(efficacy=0.41))),
        ModelVersion(config=ModelConfig(window_days=91)),
        v.model_copy(update={"data_counts": v.data_counts.model_copy(update={"completions": 1})}),
    ]
    assert len({c.version for c in changed} | {v.version}) == 4
    assert ModelVersion.from_json(v.to_json()) == v
    tampered = v.to_json().replace('"window_days": 90', '"window_days": 30')
    with pytest.raises(ValueError, match="mismatch"):
        ModelVersion.from_json(tampered)


def test_employee_state_rejects_demographic_fields():
    base = {"employee_id": "e1", "role_id": ROLE.role_id, "stage": STAGE.stage}
    for key, value in (("gender", "f"), ("ethnicity", "x"), ("birth_year", 1980), ("age", 40),
                       ("hire_date", "2020-01-01"), ("disability", True), ("nationality", "x")):
        with pytest.raises(ValidationError):
            EmployeeState.model_validate(base | {key: value})
    assert not any(re.search(r"gender|ethnic|birth|disab|religio|nationality|demograph|hire_date|\bage\b", f)
                   for f in EmployeeState.model_fields)


def test_no_engine_module_reads_demographic_data():
    """Identifiers in the engine's code (comments and strings stripped) never name demographic data, and the
    engine imports nothing that holds it."""
    banned = re.compile(r"demograph|gender|ethnic|birth|hire_date|tenure|nationality|religio|disabil|^age$")
    for path in ENGINE.glob("*.py"):
        with tokenize.open(path) as handle:
            names = {t.string for t in tokenize.generate_tokens(handle.readline) if t.type == tokenize.NAME}
        assert not {n for n in names if banned.search(n.lower())}, path.name
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom | ast.Import):
                modules = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                for module in modules:
                    assert module and not module.startswith(
                        ("coachwire.adapters", "coachwire.services", "coachwire.api", "coachwire.models.coaching",
                         "coachwire_tools.readiness", "boto3")), (path.name, module)


def test_model_card_lists_exactly_the_features():
    card = (ROOT / "docs" / "model-card.md").read_text(encoding="utf-8")
    section = card.split("## Features", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([a-z_]+)` \|", section, re.M)
    assert tuple(listed) == FEATURE_NAMES


def test_batch_agrees_with_single_scoring():
    rng = np.random.default_rng(3)
    skills = [s.skill_id for s in FW.skills]
    items = [i.item_id for i in CAT.items]
    states = []
    for n in range(60):
        role = FW.roles[n % len(FW.roles)]
        stage = role.stages[int(rng.integers(len(role.stages)))]
        states.append(EmployeeState(
            employee_id=f"e{n}", role_id=role.role_id, stage=stage.stage,
            levels={s: int(rng.integers(1, 5)) for s in skills},
            flagged_skills=frozenset(rng.choice(skills, 2, replace=False).tolist()),
            priorities=tuple(rng.choice(skills, 2, replace=False).tolist()),
            completed=frozenset(rng.choice(items, 3, replace=False).tolist()),
            declined={str(i): AS_OF - timedelta(days=int(rng.integers(0, 120))) for i in rng.choice(items, 3)},
        ))
    ix = EngineIndex.build(VERSION, FW, CAT)
    result = score_batch(ix, BatchInput.from_states(states, ix, AS_OF), chunk_rows=7)
    for row, st in enumerate(states):
        cfg = VERSION.config
        single = pick_top(score_one(st, FW, CAT, VERSION, AS_OF, index=ix), cfg.k, cfg.variety_cap)
        got = [ix.item_ids[i] for i in result.items[row] if i >= 0]
        assert got == [c.item_id for c in single]
        assert list(result.scores[row][: len(single)]) == [c.score for c in single]


def test_evaluation_finds_the_planted_signal():
    from coachwire_tools.engine.evaluation import run

    report, version = run(employees=3000, seed=7)
    model = report.row("model", "level_gain_recommended")
    rand = report.row("random", "level_gain_recommended")
    assert model.low > rand.high  # non-overlapping 95% CIs
    assert report.row("model", "level_gain_difference").low > 0
    assert report.row("random", "level_gain_difference").high < report.row("model", "level_gain_difference").low
    assert version.evaluation and all(r.scorer == "model" for r in version.evaluation)
    assert version.training_window.end == report.split
