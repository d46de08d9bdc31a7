"""The HTML readiness report opens with the verdict and a sources × checks scorecard (status in words as well as
colour, linked to the findings), and keeps the warnings and notes to a line each with their explanation folded."""

from __future__ import annotations

import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from coachwire_tools.readiness.audit import audit_directory
from coachwire_tools.readiness.model import DIMENSIONS, EXPORT_SOURCE, AuditReport
from coachwire_tools.readiness.render import render

from tests.readiness.builders import audit, export

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hris-export"
WORDS = {"blocking": "Blocking", "warning": "Warning", "info": "Note", "ok": "OK", "missing": "No data",
         "not_measured": "Not measured", "not_applicable": "Not applicable"}
WORST_FIRST = ("blocking", "warning", "info")


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_directory(EXAMPLE, date(2026, 11, 30))


class _Cells(HTMLParser):
    """Every scorecard cell: its data attributes, visible text and the findings it links to."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "td" and "data-check" in a:
            self._open = {**a, "text": "", "links": []}
        elif tag == "a" and self._open is not None:
            self._open["links"].append(a["href"])

    def handle_endtag(self, tag):
        if tag == "td" and self._open is not None:
            self._open["text"] = " ".join(self._open["text"].split())
            self.cells.append(self._open)
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data


def _cells(page: str) -> list[dict]:
    parser = _Cells()
    parser.feed(page)
    return parser.cells


def _expected(report: AuditReport) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(source, check) → (worst severity or None, the finding anchors), computed from the findings."""
    out = {}
    sources = [s.kind for s in report.sources]
    if any(f.source == EXPORT_SOURCE for f in report.findings):
        sources.append(EXPORT_SOURCE)
    for source in sources:
        for check in DIMENSIONS:
            numbered = [(i, f) for i, f in enumerate(report.findings, start=1)
                        if f.source == source and f.dimension == check]
            worst = min((f.severity for _, f in numbered), key=WORST_FIRST.index, default=None)
            out[(source, check)] = (worst, [f"#finding-{i}" for i, _ in numbered])
    return out


def test_the_page_opens_with_the_verdict_then_the_scorecard(report):
    page = render(report, "html")
    body = page[page.index("<body>"):]
    assert body.index('id="verdict"') < body.index('id="scorecard"') < body.index('id="finding-1"')
    between = body[body.index('id="verdict"'):body.index('<h2 id="scorecard"')]
    assert "<h2" not in between  # nothing else comes first
    assert body.index('id="scorecard"') < body.index("<h2>Sources</h2>")


def test_the_scorecard_covers_every_source_and_check_with_its_worst_finding(report):
    cells = _cells(render(report, "html"))
    expected = _expected(report)
    found = {(c["data-source"], c["data-check"]): c for c in cells}
    assert len(cells) == len(found) == len(expected) == 9 * len(DIMENSIONS)  # eight sources and the folder
    assert set(found) == set(expected)
    for key, (worst, anchors) in expected.items():
        cell = found[key]
        present = next((s.present for s in report.sources if s.kind == key[0]), True)
        assert cell["data-status"] == (worst or cell["data-status"]), key
        if worst is None:
            assert cell["data-status"] in (("ok", "not_measured", "not_applicable") if present else ("missing",))
        # the status in words, not only as a colour, and a link to each finding behind it
        assert cell["text"].split(" ", 1)[1].startswith(WORDS[cell["data-status"]]), (key, cell["text"])
        assert cell["links"] == anchors, key
    page = render(report, "html")
    every = {a for c in cells for a in c["links"]}
    assert every == {f"#finding-{i}" for i in range(1, len(report.findings) + 1)}
    assert all(f'id="{a[1:]}"' in page for a in every)
    # spot checks against the example export
    assert found[("job_architecture", "current")]["data-status"] == "blocking"
    assert "Records not updated recently" in found[("job_architecture", "current")]["text"]
    assert found[("skills_assessments", "accessible")]["text"] == "✓ OK API (SkillGraph)"
    assert found[(EXPORT_SOURCE, "structured")]["data-status"] == "not_applicable"


def test_a_missing_source_reads_as_no_data_across_its_row(tmp_path):
    report = audit(export(tmp_path, career_goals__csv=None))
    cells = {c["data-check"]: c for c in _cells(render(report, "html")) if c["data-source"] == "career_goals"}
    assert set(cells) == set(DIMENSIONS)
    assert cells["integrity"]["data-status"] == "warning" and "A source is missing" in cells["integrity"]["text"]
    assert {c["data-status"] for check, c in cells.items() if check != "integrity"} == {"missing"}
    assert all("No data" in c["text"] for check, c in cells.items() if check != "integrity")


def test_a_clean_export_scores_ok_everywhere(tmp_path):
    cells = _cells(render(audit(export(tmp_path)), "html"))
    assert len(cells) == 8 * len(DIMENSIONS)
    assert {c["data-status"] for c in cells} <= {"ok", "not_measured"}
    assert sum(c["data-status"] == "ok" for c in cells) > len(cells) / 2


def test_only_blocking_gaps_are_cards_and_every_other_finding_is_one_folded_line(report):
    page = render(report, "html")
    assert page.count('<div class="gap"') == len(report.blocking) == 5
    folded = re.findall(r'<details class="finding" id="finding-(\d+)"><summary>(.*?)</summary>(.*?)</details>',
                        page, re.S)
    assert [int(n) for n, _, _ in folded] == list(range(len(report.blocking) + 1, len(report.findings) + 1))
    for (_, summary, body), f in zip(folded, report.warnings + report.infos, strict=True):
        assert f.title in summary and f.measured.replace("&", "&amp;") in summary.replace("&#x27;", "'")
        assert "Why it matters for AI coaching" in body and "What to fix" in body


def test_markdown_and_the_terminal_open_with_the_same_scorecard(report):
    md = render(report, "markdown")
    assert md.index("**Verdict: Not ready**") < md.index("## Scorecard") < md.index("### 1. ")
    rows = [line for line in md[md.index("## Scorecard"):md.index("## Blocking")].splitlines()
            if line.startswith("| ") and not line.startswith("| Source")]
    assert [r.split(" | ")[0][2:] for r in rows] == [s.title for s in report.sources] + ["Export folder"]
    assert all(r.count(" | ") == len(DIMENSIONS) for r in rows)
    job = next(r.split(" | ") for r in rows if r.startswith("| Job architecture"))
    assert job[1 + DIMENSIONS.index("current")] == "✖ Blocking: Records not updated recently (#2)"
    text = render(report, "table")
    lines = text.splitlines()
    start = lines.index("Scorecard: the worst finding per source and check (#: the finding numbers below)")
    assert 3 < start < lines.index("Blocking gaps, most impact first")
    assert lines[start + 1].split() == ["Source", "Structured", "Current", "Accessible", "Coverage", "Integrity"]
    job_line = next(line for line in lines[start:] if line.startswith("Job architecture"))
    assert job_line.split()[2:] == ["OK", "Blocking", "#2", "Warning", "#9", "Blocking", "#4", "OK"]
    # every number the scorecard cites is listed below it, notes included
    assert " 36. Expected columns are missing" in text
