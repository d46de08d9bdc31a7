"""The audit pipeline: window, derivation of outcomes and categories, opt-out separation, manifest, rerun."""

import hashlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from coachwire.fairness import AuditConfig, run_audit
from coachwire.fairness.audit import UNKNOWN
from coachwire.fairness.pipeline import (
    age_band,
    class_mask,
    employee_rows,
    rerun,
    run,
    tenure_band,
    tenure_labels,
)
from coachwire.fairness.records import (
    OUTCOME_ANY,
    OUTCOME_MEAN,
    AuditInputs,
    AuditManifest,
    HighValueClass,
    InputMismatchError,
    PipelineConfig,
    PopulationMember,
    RecommendationFact,
    ReproducibilityError,
)
from coachwire.models.bias_audits import AuditWindow, parse_window
from coachwire.models.demographics import DemographicRecord
from pydantic import ValidationError

GENERATED = datetime(2027, 1, 3, 6, 0, tzinfo=UTC)
WINDOW = parse_window("2026Q4")
# Tiny hand-made populations: no small-category exclusion, so every cell is visible in the full result.
SMALL = PipelineConfig(stats=AuditConfig(intersections=(("gender", "race_ethnicity"),), small_category_share=0.0))


# --------------------------------------------------------------------------------------------------------------------
# Window
# --------------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026Q1", date(2026, 1, 1), date(2026, 4, 1)),
        ("2026Q2", date(2026, 4, 1), date(2026, 7, 1)),
        ("2026Q3", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026Q4", date(2026, 10, 1), date(2027, 1, 1)),
        (" 2024Q1 ", date(2024, 1, 1), date(2024, 4, 1)),
    ],
)
def test_parse_window_gives_the_quarter_with_an_exclusive_end(text, start, end):
    window = parse_window(text)
    assert (window.start, window.end) == (start, end)
    assert window.last_day == end - timedelta(days=1)
    assert window.label == text.strip()


@pytest.mark.parametrize("bad", ["2026Q5", "2026Q0", "2026-Q4", "26Q4", "2026q4", "Q4 2026", "", "2026Q4x", "1969Q1"])
def test_parse_window_rejects_bad_input_clearly(bad):
    with pytest.raises(ValueError, match="window"):
        parse_window(bad)


def test_window_membership_is_start_inclusive_end_exclusive():
    assert WINDOW.contains(datetime(2026, 10, 1, tzinfo=UTC))
    assert WINDOW.contains(datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC))
    assert not WINDOW.contains(datetime(2027, 1, 1, tzinfo=UTC))
    assert not WINDOW.contains(datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC))
    # 00:30 on 1 Jan in Berlin is still 2026 in UTC
    berlin = datetime(2027, 1, 1, 0, 30, tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert WINDOW.contains(berlin - timedelta(hours=1))


def test_window_model_rejects_inconsistent_dates():
    with pytest.raises(ValidationError, match="2026Q4"):
        AuditWindow(label="2026Q4", start=date(2026, 10, 1), end=date(2026, 12, 31))
    assert AuditWindow(label="2026Q4", start=date(2026, 10, 1), end=date(2027, 1, 1)) == WINDOW


# --------------------------------------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------------------------------------


def test_tenure_bands_at_the_window_end():
    at = date(2026, 12, 31)
    edges = (1, 3, 5, 10)
    assert tenure_labels(edges) == ["0-1y", "1-3y", "3-5y", "5-10y", "10y+"]
    assert tenure_band(date(2026, 1, 1), at, edges) == "0-1y"  # 364 days
    assert tenure_band(date(2025, 12, 31), at, edges) == "1-3y"  # exactly one year
    assert tenure_band(date(2024, 1, 1), at, edges) == "1-3y"
    assert tenure_band(date(2023, 12, 31), at, edges) == "3-5y"
    assert tenure_band(date(2016, 12, 31), at, edges) == "10y+"
    assert tenure_band(date(2017, 1, 1), at, edges) == "5-10y"
    assert tenure_band(None, at, edges) == UNKNOWN
    assert tenure_band(date(2024, 2, 29), date(2026, 2, 28), edges) == "1-3y"


def test_age_bands_from_birth_year_bands():
    assert age_band("1980-1989", 2026) == "37-46"
    assert age_band("2000-2009", 2026) == "17-26"
    for missing in (None, "none", "declined_to_state"):
        assert age_band(missing, 2026) == UNKNOWN


def test_high_value_class_mapping():
    classes = PipelineConfig().high_value_classes
    names = [c.name for c in classes]
    assert names == ["stretch_assignment", "leadership_programme", "mentoring"]

    def members(item_id, kind, skill):
        mask = class_mask(item_id, kind, skill, classes)
        return {name for bit, name in enumerate(names) if mask >> bit & 1}

    assert members("eng.x.stretch", "stretch_assignment", "eng.delivery") == {"stretch_assignment"}
    assert members("pm.product_leadership.first-time-manager", "course", "pm.product_leadership") == {
        "leadership_programme"
    }
    assert members("ppl.stakeholder_partnering.leadership-forum", "stretch_assignment", "ppl.stakeholder") == {
        "stretch_assignment",
        "leadership_programme",
    }
    assert members("eng.mentoring.mentor-circle", "mentoring", "eng.mentoring") == {"mentoring"}
    assert members("eng.testing.tdd", "course", "eng.testing") == set()
    # kinds AND patterns: only leadership courses
    narrow = (HighValueClass(name="lp", title="lp", item_kinds=("course",), skill_id_patterns=("lead.*",)),)
    assert class_mask("a", "course", "lead.x", narrow) == 1
    assert class_mask("a", "project", "lead.x", narrow) == 0
    assert class_mask("a", "course", "eng.x", narrow) == 0


def test_config_intersections_must_name_configured_attributes():
    with pytest.raises(ValidationError, match="sex"):
        PipelineConfig(stats=AuditConfig(intersections=(("sex", "race_ethnicity"),)))
    with pytest.raises(ValidationError, match="attributes"):
        PipelineConfig(attributes=("gender", "shoe_size"))
    with pytest.raises(ValidationError, match="unique"):
        PipelineConfig(high_value_classes=(HighValueClass(name=OUTCOME_ANY, title="x"),))
    assert PipelineConfig().stats.intersections == (("gender", "race_ethnicity"),)


# --------------------------------------------------------------------------------------------------------------------
# A hand-made quarter
# --------------------------------------------------------------------------------------------------------------------


def _member(eid, hire=date(2020, 1, 15), enabled=True):
    return PopulationMember(employee_id=eid, role_id="r", career_stage="s", hire_date=hire,
                            personalisation_enabled=enabled)


def _demo(eid, gender=None, race=None, birth=None, geo=None):
    return DemographicRecord(employee_id=eid, gender=gender, race_ethnicity=race, birth_year_band=birth,
                             geography=geo, updated_at=datetime(2026, 9, 1, tzinfo=UTC))


def _rec(rid, eid, kind="course", *, at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC), basis="personalised",
         skill="eng.testing", item=None, version="rec-1"):
    return RecommendationFact(employee_id=eid, recommendation_id=rid, item_id=item or f"{skill}.{rid}",
                              item_kind=kind, skill_id=skill, basis=basis, model_version=version,
                              framework_version="fw-1", created_at=at)


def hand_made() -> AuditInputs:
    population = (
        _member("a"),                               # woman, black, 6 years
        _member("b", enabled=False),                # opted out
        _member("c", hire=date(2027, 1, 5)),        # joins after the window
        _member("d", hire=None),                    # declined gender, tenure unknown
        _member("e", hire=date(2025, 12, 31)),      # no demographics record
        _member("f", hire=date(2026, 1, 1)),        # man, white
    )
    demographics = (
        _demo("a", "woman", "black", "1980-1989", "uk"),
        _demo("b", "woman", "black", "1980-1989", "uk"),
        _demo("d", "declined_to_state", "white", "none", "us"),
        _demo("f", "man", "white", "1990-1999", "us"),
    )
    recommendations = (
        _rec("r1", "a", "stretch_assignment", at=datetime(2026, 10, 1, tzinfo=UTC)),  # first instant: in
        _rec("r2", "a", "course", skill="pm.product_leadership"),
        _rec("r3", "a", "stretch_assignment", at=datetime(2026, 9, 30, 23, 59, 59, tzinfo=UTC)),  # before
        _rec("r4", "a", "mentoring", at=datetime(2027, 1, 1, tzinfo=UTC), version="rec-0"),  # end is exclusive
        _rec("r5", "b", "stretch_assignment", basis="core_programme"),  # opted out
        _rec("r6", "b", "mentoring"),  # personalised before opting out: still not audited
        _rec("r7", "d", "mentoring", basis="core_programme"),  # audited employee, core programme
        _rec("r8", "zz", "course"),  # someone outside the population
        _rec("r9", "f", "mentoring", version="rec-2"),
        _rec("r10", "f", "course", version="rec-2"),
        _rec("r11", "f", "course", version="rec-2"),
    )
    return AuditInputs(window=WINDOW, population=population, demographics=demographics,
                       recommendations=recommendations)


def _result(run_, outcome, attribute):
    return next(r for r in run_.result.results if r.outcome == outcome and r.attribute == attribute)


def _cells(res):
    out = {g.label: (g.n, g.recipients if res.measure == "rate" else g.total) for g in res.groups}
    out.update({d.label: (d.n, d.recipients if res.measure == "rate" else d.total)
                for d in res.excluded_small_categories})
    if res.unknown.n:
        out[UNKNOWN] = (res.unknown.n, res.unknown.recipients if res.measure == "rate" else res.unknown.total)
    return out


@pytest.fixture(scope="module")
def hand_run():
    return run(hand_made(), SMALL, code_version="test-1", generated_at=GENERATED)


def test_counts_separate_opted_out_and_partition_the_recommendations(hand_run):
    c = hand_run.counts
    assert (c.population, c.audited, c.opted_out, c.not_employed_in_window) == (6, 4, 1, 1)
    assert c.recommendations == 11
    assert c.recommendations_outside_window == 2  # r3, r4
    assert c.recommendations_audited == 5  # r1, r2, r9, r10, r11
    assert c.recommendations_core_programme == 1  # r7
    assert c.recommendations_opted_out == 2  # r5, r6
    assert c.recommendations_outside_population == 1  # r8
    assert c.recommendations_outside_window + c.recommendations_audited + c.recommendations_core_programme + \
        c.recommendations_opted_out + c.recommendations_outside_population == c.recommendations
    assert c.demographics_missing == 1
    assert hand_run.result.population == 4 and hand_run.result.opted_out == 1


def test_outcomes_per_employee(hand_run):
    # audited: a (r1 stretch, r2 leadership course), d (nothing personalised), e (nothing), f (mentoring + 2)
    tenure = {
        OUTCOME_ANY: {"5-10y": (1, 1), "1-3y": (1, 0), "0-1y": (1, 1), UNKNOWN: (1, 0)},
        "stretch_assignment": {"5-10y": (1, 1), "1-3y": (1, 0), "0-1y": (1, 0), UNKNOWN: (1, 0)},
        "leadership_programme": {"5-10y": (1, 1), "1-3y": (1, 0), "0-1y": (1, 0), UNKNOWN: (1, 0)},
        "mentoring": {"5-10y": (1, 0), "1-3y": (1, 0), "0-1y": (1, 1), UNKNOWN: (1, 0)},
        OUTCOME_MEAN: {"5-10y": (1, 2), "1-3y": (1, 0), "0-1y": (1, 3), UNKNOWN: (1, 0)},
    }
    for outcome, expected in tenure.items():
        assert _cells(_result(hand_run, outcome, "tenure_band")) == expected, outcome
    assert _result(hand_run, OUTCOME_MEAN, "tenure_band").measure == "mean"
    assert hand_run.result.outcomes == sorted(tenure)


def test_attributes_unknowns_and_intersection(hand_run):
    assert _cells(_result(hand_run, OUTCOME_ANY, "gender")) == {"woman": (1, 1), "man": (1, 1), UNKNOWN: (2, 0)}
    assert _cells(_result(hand_run, OUTCOME_ANY, "race_ethnicity")) == {
        "black": (1, 1), "white": (2, 1), UNKNOWN: (1, 0)}
    assert _cells(_result(hand_run, OUTCOME_ANY, "age_band")) == {"37-46": (1, 1), "27-36": (1, 1), UNKNOWN: (2, 0)}
    # d declined gender but gave race: unknown on the intersection, never a "declined × white" group
    assert _cells(_result(hand_run, OUTCOME_ANY, "gender × race_ethnicity")) == {
        "woman × black": (1, 1), "man × white": (1, 1), UNKNOWN: (2, 0)}
    unknown = hand_run.counts.unknown_by_attribute
    # d declined gender and e has no record: one each, below the suppression threshold of 10, so suppressed
    assert unknown["gender"] == {"not_provided": None, "declined": None}
    assert unknown["geography"] == {"not_provided": None, "declined": 0}


def test_opted_out_people_appear_in_no_group(hand_run):
    # b (opted out, woman, black) received a personalised mentoring item before opting out
    for res in hand_run.result.results:
        assert res.n == 4
    assert _cells(_result(hand_run, "mentoring", "gender")) == {"woman": (1, 0), "man": (1, 1), UNKNOWN: (2, 0)}


def test_vectorised_aggregation_equals_the_row_by_row_reference(hand_run):
    rows = employee_rows(hand_made(), SMALL)
    assert len(rows) == 5 and sum(r.opted_out for r in rows) == 1
    assert run_audit(rows, SMALL.stats).canonical_json() == hand_run.result.canonical_json()


def test_manifest_records_what_the_audit_ran_on(hand_run):
    m = hand_run.manifest
    assert m.window == WINDOW
    assert m.input_content_hash == hand_made().content_hash()
    assert m.input_content_hash.startswith("sha256:") and len(m.input_content_hash) == 71
    assert m.model_versions == ("rec-1", "rec-2")  # rec-0 was created after the window
    assert m.framework_versions == ("fw-1",)
    assert m.config == SMALL
    assert m.code_version == "test-1" and m.generated_at == GENERATED
    assert m.results_sha256 == "sha256:" + hashlib.sha256(hand_run.results_json).hexdigest()
    assert {"population", "audited", "opted_out", "recommendations", "unknown"} <= set(m.population_rules)
    assert "2027-01-01 (exclusive)" in m.population_rules["recommendations"]
    mapping = m.category_mapping
    assert mapping["tenure_band"]["labels"] == ["0-1y", "1-3y", "3-5y", "5-10y", "10y+"]
    assert mapping["tenure_band"]["measured_at"] == "2026-12-31"
    assert mapping["intersections"] == ["gender × race_ethnicity"]
    assert [c["name"] for c in mapping["high_value_classes"]] == ["stretch_assignment", "leadership_programme",
                                                                  "mentoring"]
    assert hand_run.audit_id == m.audit_id == f"2026Q4-20270103T060000Z-{m.input_content_hash[7:15]}"
    assert AuditManifest.from_json(hand_run.manifest_json) == m
    assert json.loads(hand_run.manifest_json)["config"]["stats"]["alpha"] == 0.05


def test_published_json_suppresses_small_cells(hand_run):
    published = json.loads(hand_run.results_json)
    assert published["result"]["published_view"] is True
    for res in published["result"]["results"]:
        for g in res["groups"]:
            assert g["suppressed"] and g["n"] is None and g["rate"] is None and g["impact_ratio"] is None
            assert g["total"] is None and g["mean"] is None
        assert res["unknown"]["n"] in (None, 0)
    assert published["counts"]["opted_out"] == 1
    assert published["input_content_hash"] == hand_run.manifest.input_content_hash
    # the internal result keeps the cells
    assert any(g.n == 1 and not g.suppressed for r in hand_run.result.results for g in r.groups)
    # and the report shows every group as suppressed, with no table row of numbers
    page = hand_run.report_html.decode()
    assert page.count("suppressed: a small group, or hidden with one") == sum(
        len(r.groups) for r in hand_run.result.results)
    assert "<td>1</td>" not in page


# --------------------------------------------------------------------------------------------------------------------
# Inputs: canonical JSON, hash and rerun
# --------------------------------------------------------------------------------------------------------------------


def test_input_hash_ignores_record_order_and_survives_a_json_round_trip():
    inputs = hand_made()
    shuffled = AuditInputs(window=inputs.window, population=tuple(reversed(inputs.population)),
                           demographics=tuple(reversed(inputs.demographics)),
                           recommendations=tuple(reversed(inputs.recommendations)))
    assert shuffled.to_json() == inputs.to_json()
    assert shuffled.content_hash() == inputs.content_hash()
    again = AuditInputs.from_json(inputs.to_json())
    assert again.to_json() == inputs.to_json()  # records come back sorted
    assert inputs.content_hash() == "sha256:" + hashlib.sha256(inputs.to_json()).hexdigest()
    doc = json.loads(inputs.to_json())
    assert list(doc) == ["demographics", "population", "recommendations", "window"]
    assert [r["recommendation_id"] for r in doc["recommendations"]] == sorted(f"r{i}" for i in range(1, 12))


def test_equal_instants_in_other_time_zones_hash_equally():
    inputs = hand_made()
    first = inputs.recommendations[0]
    shifted = first.model_copy(update={"created_at": first.created_at.astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York"))})
    moved = AuditInputs(window=inputs.window, population=inputs.population, demographics=inputs.demographics,
                        recommendations=(RecommendationFact.model_validate(shifted.model_dump()),
                                         *inputs.recommendations[1:]))
    assert moved.content_hash() == inputs.content_hash()


def test_duplicate_ids_are_rejected():
    inputs = hand_made()
    with pytest.raises(ValidationError, match="recommendations: duplicate ids r1"):
        AuditInputs(window=WINDOW, population=inputs.population,
                    recommendations=(*inputs.recommendations, inputs.recommendations[0]))
    with pytest.raises(ValidationError, match="population: duplicate ids a"):
        AuditInputs(window=WINDOW, population=(*inputs.population, _member("a")))


def test_rerun_from_the_manifest_is_byte_identical(hand_run):
    stored_manifest = AuditManifest.from_json(hand_run.manifest_json)
    stored_inputs = AuditInputs.from_json(hand_made().to_json())
    again = rerun(stored_manifest, stored_inputs)
    assert again.results_json == hand_run.results_json
    assert again.report_html == hand_run.report_html
    assert again.manifest_json == hand_run.manifest_json


def test_rerun_with_changed_inputs_is_refused(hand_run):
    inputs = hand_made()
    changed = AuditInputs(window=inputs.window, population=inputs.population, demographics=inputs.demographics,
                          recommendations=inputs.recommendations[:-1])
    with pytest.raises(InputMismatchError, match="not the inputs audit 2026Q4-"):
        rerun(hand_run.manifest, changed)


def test_rerun_that_does_not_reproduce_the_results_is_an_error(hand_run):
    tampered = hand_run.manifest.model_copy(update={"results_sha256": "sha256:" + "0" * 64})
    with pytest.raises(ReproducibilityError, match="code version test-1"):
        rerun(tampered, hand_made())


def test_different_generation_time_changes_only_the_metadata(hand_run):
    later = run(hand_made(), SMALL, code_version="test-1", generated_at=GENERATED + timedelta(days=1),
                audit_id="fixed")
    assert later.audit_id == "fixed"
    assert json.loads(later.results_json)["result"] == json.loads(hand_run.results_json)["result"]
    assert later.results_json != hand_run.results_json
