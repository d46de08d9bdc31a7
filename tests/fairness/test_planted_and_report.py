"""End to end on synthetic history: the planted disparity is flagged, the fair control is not, and the HTML
report shows both in words and charts, with small cells suppressed."""

import json
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from coachwire.fairness import Verdict, run_audit
from coachwire.fairness.pipeline import employee_rows, run
from coachwire.fairness.records import OUTCOME_MEAN, PipelineConfig
from coachwire_tools.fairness.synthetic import PlantedDisparity, synthetic_inputs

GENERATED = datetime(2027, 1, 2, 7, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def planted():
    inputs = synthetic_inputs(2000, seed=7)
    return inputs, run(inputs, PipelineConfig(), code_version="test", generated_at=GENERATED)


def _groups(audit_run, outcome, attribute):
    res = next(r for r in audit_run.result.results if r.outcome == outcome and r.attribute == attribute)
    return res, {g.label: g for g in res.groups}


def test_planted_disparity_is_flagged(planted):
    _, audit_run = planted
    res, groups = _groups(audit_run, "stretch_assignment", "gender")
    assert res.reference_group == "man"
    woman = groups["woman"]
    assert woman.verdict is Verdict.FLAGGED
    assert woman.impact_ratio < 0.8 and woman.ci_high < 0.8 and woman.p_adjusted < 0.05
    flag = next(f for f in audit_run.flags if (f.outcome, f.attribute, f.group) == ("stretch_assignment", "gender",
                                                                                 "woman"))
    assert (flag.reference_group, flag.n, flag.impact_ratio) == ("man", woman.n, woman.impact_ratio)
    assert flag.ci_low == woman.ci_low and flag.p_adjusted == woman.p_adjusted
    assert flag.reference_n == groups["man"].n and flag.group_value == woman.rate
    # the planted group shows up in the intersection too, and nothing else is flagged
    assert any(f.attribute == "gender × race_ethnicity" and f.group.startswith("woman × ") for f in audit_run.flags)
    assert {(f.outcome, f.attribute.split(" × ")[0]) for f in audit_run.flags} == {("stretch_assignment", "gender")}
    assert all(f.group.startswith("woman") for f in audit_run.flags)


def test_fair_control_is_not_flagged_and_is_well_powered(planted):
    _, audit_run = planted
    geography = [r for r in audit_run.result.results if r.attribute == "geography"]
    assert len(geography) == 5
    verdicts = [g.verdict for r in geography for g in r.groups]
    assert Verdict.FLAGGED not in verdicts
    # not a vacuous pass: the control is powered enough for a real "no evidence" on the common outcomes
    for outcome in ("any_personalised", OUTCOME_MEAN):
        _, groups = _groups(audit_run, outcome, "geography")
        assert all(g.verdict in (Verdict.NO_EVIDENCE, Verdict.REFERENCE) for g in groups.values())


def test_no_planted_disparity_no_flags():
    inputs = synthetic_inputs(1500, seed=11, planted=None)
    assert run(inputs, None, code_version="t", generated_at=GENERATED).flags == []


def test_stronger_planting_on_another_attribute_is_found():
    inputs = synthetic_inputs(1500, seed=3, planted=PlantedDisparity("race_ethnicity", "white", "mentoring", 0.3))
    flags = run(inputs, None, code_version="t", generated_at=GENERATED).flags
    assert ("mentoring", "race_ethnicity", "white") in {(f.outcome, f.attribute, f.group) for f in flags}


def test_vectorised_equals_row_reference_on_synthetic_history(planted):
    inputs, audit_run = planted
    rows = employee_rows(inputs)
    assert run_audit(rows, PipelineConfig().stats).canonical_json() == audit_run.result.canonical_json()


def test_mean_recommendations_outcome_present_and_unplanted(planted):
    _, audit_run = planted
    res, groups = _groups(audit_run, OUTCOME_MEAN, "gender")
    assert res.measure == "mean"
    assert all(g.mean is not None and g.total is not None for g in groups.values())
    assert groups["woman"].verdict is not Verdict.FLAGGED


# --------------------------------------------------------------------------------------------------------------------
# The HTML report
# --------------------------------------------------------------------------------------------------------------------

VOID = {"meta", "br", "line", "circle", "rect", "link", "img", "hr", "input"}


class _Balance(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append((tag, list(self.stack[-3:])))
        else:
            self.stack.pop()


def _parse(page: bytes) -> _Balance:
    parser = _Balance()
    parser.feed(page.decode("utf-8"))
    return parser


def test_report_is_self_contained_well_formed_html(planted):
    _, audit_run = planted
    page = audit_run.report_html
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []
    assert all(name not in ("script", "link", "img", "iframe") for name, _ in parsed.tags)
    assert not any(k in ("src", "href") or k.startswith("on") for _, attrs in parsed.tags for k in attrs)
    text = page.decode()
    assert "<script" not in text.lower() and "@import" not in text
    assert re.findall(r"https?://[^\s\"'<]+", text) == ["http://www.w3.org/2000/svg"] * text.count("<svg ")


def test_report_shows_the_planted_case_in_words_and_charts(planted):
    _, audit_run = planted
    text = audit_run.report_html.decode()
    assert text.count("<svg ") == 2 * len(audit_run.result.results)  # ratio chart + rates chart each
    assert f"{len(audit_run.flags)} comparisons flagged" in text
    woman = _groups(audit_run, "stretch_assignment", "gender")[1]["woman"]
    sentence = re.search(r"<b>Woman</b> \(gender\): ([\d.]+)% received at least one stretch assignment, against "
                         r"([\d.]+)% of <b>Man</b>, the best-served group\. That is an impact ratio of ([\d.]+)", text)
    assert sentence is not None
    assert float(sentence[1]) == pytest.approx(100 * woman.rate, abs=0.05)
    assert float(sentence[3]) == pytest.approx(woman.impact_ratio, abs=0.005)
    # the gender chart for stretch assignments marks the flag, draws the 0.8 line and the CI whisker
    section = text[text.index("<h2>Stretch assignment</h2>"):]
    section = section[section.index("<summary>Gender: "):]
    chart = section[section.index("<svg "):section.index("</svg>")]
    assert "0.8 four-fifths line" in chart and "⚑ flagged" in chart and 'stroke="#b42318"' in chart
    assert chart.count("<circle") == 3  # man (reference), woman, non_binary
    assert "Insufficient data" in text and "The largest shortfalls:" in text and "more people needed" in text
    assert "Opted out of personalisation" in text and f"{audit_run.counts.opted_out:,}" in text
    assert "No evidence of disparity" in text
    assert audit_run.manifest.input_content_hash in text


def test_report_bytes_are_deterministic(planted):
    inputs, audit_run = planted
    again = run(inputs, PipelineConfig(), code_version="test", generated_at=GENERATED)
    assert again.report_html == audit_run.report_html and again.results_json == audit_run.results_json


def test_small_groups_are_suppressed_in_json_and_html():
    # 400 people: categories of 2-10% of the population fall under the threshold of 10 in the intersection
    inputs = synthetic_inputs(400, seed=5)
    audit_run = run(inputs, None, code_version="t", generated_at=GENERATED)
    small = [(r, g) for r in audit_run.result.results for g in r.groups if g.n < 10]
    assert small, "the fixture needs some small groups"
    published = json.loads(audit_run.results_json)["result"]["results"]
    text = audit_run.report_html.decode()
    for res, g in small:
        pub = next(p for p in published if (p["outcome"], p["attribute"]) == (res.outcome, res.attribute))
        cell = next(x for x in pub["groups"] if x["label"] == g.label)
        assert cell["suppressed"] and cell["n"] is None and cell["rate"] is None and cell["ci_low"] is None
    assert "suppressed (too few people)" in text
    assert "suppressed: a small group, or hidden with one" in text
    # the table row of a suppressed group carries no numbers
    rows = re.findall(r"<tr><td>[^<]*</td><td class=\"suppressed\"[^>]*>([^<]*)</td></tr>", text)
    assert rows and all(not re.search(r"\d", cells) for cells in rows)
