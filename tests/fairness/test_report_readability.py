"""The audit report reads without a code book: categories by name, charts whose text fits, every shortfall once
with its outcome, and each flag's review case, owner and next step on the page itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
from coachwire.fairness.audit import AttributeResult, CategoryDisclosure, GroupResult, Verdict
from coachwire.fairness.labels import category_label, group_label
from coachwire.fairness.pipeline import run
from coachwire.fairness.records import PipelineConfig
from coachwire.fairness.report import rate_chart, ratio_chart
from coachwire.services import bias_audits
from coachwire.settings import Settings
from coachwire_tools.fairness.synthetic import synthetic_inputs

GENERATED = datetime(2027, 1, 2, 7, 30, tzinfo=UTC)
AUDIT_ID = "aud-2026Q4-readable"


@pytest.fixture(scope="module")
def audit_run():
    return run(synthetic_inputs(2000, seed=7), PipelineConfig(), code_version="test", generated_at=GENERATED,
               audit_id=AUDIT_ID)


@pytest.fixture(scope="module")
def page(audit_run) -> str:
    return audit_run.report_html.decode()


class _Page(HTMLParser):
    """Group cells (first cell of every table row), chart <text> elements and figure captions."""

    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict] = []
        self.first_cells: list[str] = []
        self.captions: list[str] = []
        self._text: dict | None = None
        self._cell: list[str] | None = None
        self._cells_in_row = 0
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs.append({"width": float(a["viewbox"].split()[2]), "texts": []})
        elif tag == "text":
            self._text = {**a, "content": ""}
        elif tag == "tr":
            self._cells_in_row = 0
        elif tag in ("td", "th"):
            self._cells_in_row += 1
            self._cell = [] if tag == "td" and self._cells_in_row == 1 else None
        elif tag == "figcaption":
            self._caption = []

    def handle_endtag(self, tag):
        if tag == "text" and self._text is not None:
            self.svgs[-1]["texts"].append(self._text)
            self._text = None
        elif tag == "td" and self._cell is not None:
            self.first_cells.append("".join(self._cell))
            self._cell = None
        elif tag == "figcaption" and self._caption is not None:
            self.captions.append(" ".join("".join(self._caption).split()))
            self._caption = None

    def handle_data(self, data):
        if self._text is not None:
            self._text["content"] += data
        if self._cell is not None:
            self._cell.append(data)
        if self._caption is not None:
            self._caption.append(data)


def _parse(html: str) -> _Page:
    parser = _Page()
    parser.feed(html)
    return parser


def _section(page: str, outcome_title: str, attribute_title: str) -> str:
    part = page[page.index(f"<h2>{outcome_title}</h2>"):]
    part = part[part.index(f"<summary>{attribute_title}: "):]
    return part[:part.index("</details>")]


def _overflow(svg: dict) -> list[str]:
    """Chart texts that cannot fit the drawing, even at a narrow 0.5 em per character."""
    out = []
    for t in svg["texts"]:
        width = 0.5 * float(t["font-size"]) * len(t["content"])
        x, anchor = float(t["x"]), t.get("text-anchor", "start")
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        if left < 0 or left + width > svg["width"]:
            out.append(t["content"])
    return out


# -- categories by name ------------------------------------------------------------------------------------------


def test_groups_are_named_not_coded_in_tables_and_charts(page):
    gender = _section(page, "Stretch assignment", "Gender")
    assert {c for c in _parse(gender).first_cells} == {"Man", "Non-binary", "Woman"}
    race = _parse(_section(page, "Stretch assignment", "Race / ethnicity"))
    assert "Hispanic / Latino" in race.first_cells
    assert {t["content"] for svg in race.svgs for t in svg["texts"] if t.get("text-anchor") == "end"} >= {
        "Hispanic / Latino", "Unknown or declined"}
    geography = _parse(_section(page, "Any personalised recommendation", "Geography"))
    assert set(geography.first_cells) == {"Germany", "India", "United Kingdom", "United States"}
    intersection = _section(page, "Stretch assignment", "Gender × Race / ethnicity")
    assert "Woman × Hispanic / Latino" in _parse(intersection).first_cells
    assert "(reference: Man × Black)" in intersection
    # no HRIS code anywhere a group is named
    parsed = _parse(page)
    labels = parsed.first_cells + [t["content"] for svg in parsed.svgs for t in svg["texts"]]
    assert not [label for label in labels if "_" in label]
    summary = page[page.index("<h2>Summary</h2>"):page.index("<h2>Who and what was audited</h2>")]
    assert not re.findall(r"<b>[^<]*_[^<]*</b>", summary)
    assert "<b>Woman</b> (gender)" in summary and "<b>Man</b>" in summary


@pytest.mark.parametrize(("attribute", "code", "label"), [
    ("gender", "non_binary", "Non-binary"), ("race_ethnicity", "hispanic_latino", "Hispanic / Latino"),
    ("geography", "gb", "United Kingdom"), ("geography", "gb-sct", "Scotland"), ("geography", "uk", "United Kingdom"),
    ("tenure_band", "1-3y", "1–3 years"), ("tenure_band", "10y+", "10+ years"), ("age_band", "37-46", "37–46"),
    ("gender", "unknown", "Unknown or declined"),
    # codes nobody listed still read as words or as a country code
    ("race_ethnicity", "pacific_islander_other", "Pacific islander other"), ("geography", "zz", "ZZ"),
    ("geography", "fr-75", "FR-75"), ("department", "people-ops", "People ops"),
])
def test_every_category_has_a_display_label(attribute, code, label):
    assert category_label(attribute, code) == label


def test_the_email_and_review_cases_name_groups_as_the_report_does(audit_run):
    settings = Settings(hr_admins={"hr-1": "a@example.test"})
    reviews = [type("Case", (), {"review_id": bias_audits.review_id_for(audit_run.audit_id, f)})()
               for f in audit_run.flags]
    body = bias_audits.hr_notifications(settings, audit_run, "2026Q4", reviews, GENERATED)[0].body
    assert "Stretch assignment: gender 'Woman' vs 'Man'" in body
    assert "'Woman × Hispanic / Latino' vs 'Man × Black'" in body
    assert "hispanic_latino" not in body and "race_ethnicity" not in body
    assert bias_audits.flag_line(audit_run.flags[0]) in body
    intersection = next(f for f in audit_run.flags if "×" in f.attribute)
    assert group_label(intersection.attribute, intersection.group) in bias_audits.flag_line(intersection)


# -- charts whose text fits --------------------------------------------------------------------------------------


def test_chart_text_fits_the_drawing_and_captions_are_whole(page):
    parsed = _parse(page)
    assert parsed.svgs and [_overflow(svg) for svg in parsed.svgs if _overflow(svg)] == []
    # captions are page text (they wrap), one per chart, with every colour named in words
    assert len(parsed.captions) == len(parsed.svgs)
    ratio_captions = [c for c in parsed.captions if c.startswith("Impact ratio of each group")]
    assert len(ratio_captions) == len(parsed.svgs) // 2
    for caption in ratio_captions:
        assert "whisker" in caption and "four-fifths line (0.80)" in caption
        assert caption.endswith("Colours: flagged, no evidence of disparity, insufficient data, reference group.")


def _group(label: str, verdict: Verdict, ratio: float | None = 0.9) -> GroupResult:
    return GroupResult(label=label, n=120, recipients=50, rate=0.42, impact_ratio=ratio, ci_low=0.7, ci_high=1.1,
                       verdict=verdict, additional_people_needed=300)


def test_long_group_names_wrap_inside_the_chart_instead_of_being_cut():
    long_code = "woman × middle_eastern_north_african_and_south_west_asian_heritage_combined"
    res = AttributeResult(
        outcome="any_personalised", attribute="gender × race_ethnicity", n=500, reference_group="man × white",
        unknown=CategoryDisclosure(label="unknown", n=40, recipients=10, rate=0.25, share=0.08),
        groups=[_group("man × white", Verdict.REFERENCE, 1.0), _group(long_code, Verdict.INSUFFICIENT_DATA),
                _group("woman × asian", Verdict.FLAGGED, 0.5)],
        excluded_small_categories=[CategoryDisclosure(label="non_binary × native_hawaiian_pacific_islander",
                                                      n=12, recipients=3, rate=0.25, share=0.01)],
        omnibus=None)
    wanted = group_label(res.attribute, long_code)
    assert wanted == "Woman × Middle eastern north african and south west asian heritage combined"
    for chart in (ratio_chart(res, 0.8), rate_chart(res)):
        svg = _parse(chart).svgs[0]
        assert _overflow(svg) == []
        lines = [t["content"] for t in svg["texts"] if t.get("text-anchor") == "end"]
        assert " ".join(lines).count(wanted) == 1  # every word there, over several lines
        assert wanted not in lines
    rates = [t["content"] for t in _parse(rate_chart(res)).svgs[0]["texts"]]
    assert "Non-binary × Native Hawaiian or Pacific Islander" in " ".join(rates)
    assert "25.0% · small category, not compared" in rates


# -- the summary: each shortfall once, with its outcome ----------------------------------------------------------


def test_each_shortfall_is_listed_once_and_names_its_outcomes(audit_run, page):
    summary = page[page.index("The largest shortfalls:"):]
    items = re.findall(r"<li>(.*?)</li>", summary[:summary.index("</ul>")])
    assert len(items) == 5
    who = [item.split(":", 1)[0] for item in items]
    assert len(set(who)) == len(who), who
    titles = {"Any personalised recommendation", "Stretch assignment", "Leadership programme", "Mentoring",
              "Recommendations per employee"}
    for item in items:
        named = re.findall(r"<i>([^<]+)</i> \(against [^)]+\): (?:about [\d,]+ more people needed|more data)",
                           item)
        assert named and set(named) <= titles and len(named) == len(set(named)), item
    # the group the old summary listed twice, once per outcome, is one line naming both
    latino = [item for item in items if item.startswith("<b>Hispanic / Latino</b> (race / ethnicity)")]
    assert len(latino) == 1
    assert "<i>Stretch assignment</i> (against Black)" in latino[0]
    assert "<i>Recommendations per employee</i> (against Multiracial)" in latino[0]


def test_each_flag_in_the_summary_leads_with_its_outcome(audit_run, page):
    summary = page[page.index("<h2>Summary</h2>"):page.index("The largest shortfalls:")]
    flagged = re.findall(r"<li>(.*?)</li>", summary)
    assert len(flagged) == len(audit_run.flags) == len(set(flagged))
    assert all(item.startswith("<b>Stretch assignment</b>: <b>Woman") for item in flagged)


# -- review cases, owners and the next step on the page ----------------------------------------------------------


def test_the_page_names_each_review_case_its_owner_and_next_step(audit_run, page):
    section = page[page.index('<h2 id="review-cases">'):page.index("<h2>Who and what was audited</h2>")]
    rows = re.findall(r"<tr><td><code>(rev-[^<]+)</code></td>(.*?)</tr>", section)
    assert [case for case, _ in rows] == [bias_audits.review_id_for(audit_run.audit_id, f) for f in audit_run.flags]
    for (_, cells), flag in zip(rows, audit_run.flags, strict=True):
        assert f"<b>{group_label(flag.attribute, flag.group)}</b>" in cells
        assert "HR admins (hr_admin role)" in cells and "Investigate how these recommendations are made" in cells
    assert "PATCH /reviews/&lt;review case&gt;" in section and "GET /reviews" in section
    summary = page[page.index("<h2>Summary</h2>"):page.index('<h2 id="review-cases">')]
    assert all(f"Review case <code>{case}</code>" in summary for case, _ in rows)


def test_an_audit_without_flags_says_no_case_was_opened():
    clean = run(synthetic_inputs(400, seed=11, planted=None), None, code_version="t", generated_at=GENERATED)
    assert clean.flags == []
    text = clean.report_html.decode()
    assert "Nothing was flagged, so no review case was opened." in text and "rev-" not in text
