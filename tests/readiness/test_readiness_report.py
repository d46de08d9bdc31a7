"""The report formats: a stable JSON schema, Markdown and HTML that lead with the verdict and the ranked gaps,
and an aligned plain-text table."""

from __future__ import annotations

import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from coachwire_tools.readiness.audit import audit_directory
from coachwire_tools.readiness.model import SCHEMA, AuditReport
from coachwire_tools.readiness.render import render, source_title

from tests.readiness.builders import audit, export

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hris-export"

FINDING_KEYS = {"rank", "id", "source", "dimension", "severity", "title", "measured", "threshold", "impact", "note",
                "why", "fix", "details"}
SOURCE_KEYS = {"kind", "title", "core", "files", "records", "bad_rows", "structured", "structured_checked", "current",
               "units", "dated", "undated", "access", "system", "coverage", "coverage_label", "blocking", "warnings",
               "present"}
FILE_KEYS = {"path", "kind", "recognised_by", "format", "rows", "bad_rows", "encoding", "bom", "delimiter",
             "unmapped_columns", "error"}


@pytest.fixture(scope="module")
def report() -> AuditReport:
    return audit_directory(EXAMPLE, date(2026, 11, 30))


def test_json_schema_shape(report: AuditReport) -> None:
    data = json.loads(render(report, "json"))
    assert set(data) == {"schema", "directory", "as_of", "organisation", "config", "frameworks", "framework_scale",
                         "verdict", "summary", "blocking_gaps", "findings", "sources", "files", "thresholds"}
    assert data["schema"] == SCHEMA and data["verdict"] == "not_ready" and data["as_of"] == "2026-11-30"
    assert data["summary"] == {"blocking": 5, "warnings": 28, "info": 3, "files": 11,
                               "sources_present": ["employees", "job_architecture", "performance_reviews",
                                                   "skills_assessments", "learning_records", "feedback_360",
                                                   "career_goals", "requisitions"]}
    for finding in data["findings"]:
        assert set(finding) == FINDING_KEYS
        assert set(finding["measured"]) == {"value", "display"}
        assert finding["severity"] in ("blocking", "warning", "info")
        assert finding["dimension"] in ("structured", "current", "accessible", "coverage", "integrity")
    assert [f["rank"] for f in data["findings"]] == list(range(1, len(data["findings"]) + 1))
    assert data["blocking_gaps"] == data["findings"][:5]
    assert all(set(s) == SOURCE_KEYS for s in data["sources"])
    assert all(set(f) == FILE_KEYS for f in data["files"])
    assert data["thresholds"]["current"] == {"warn": 0.8, "block": 0.5, "higher_is_better": True}


def test_markdown_leads_with_the_verdict_then_the_ranked_gaps(report: AuditReport) -> None:
    md = render(report, "markdown")
    assert md.startswith("# Data readiness audit\n\n**Verdict: Not ready** (`not_ready`).")
    positions = [md.index(f"### {i}. {f.title} ({source_title(f.source)})") for i, f in enumerate(report.blocking, 1)]
    assert positions == sorted(positions) and positions[0] < md.index("## Warnings") < md.index("## Sources")
    assert "`structured.scale_mismatch`" in md and "**Why it matters for AI coaching:**" in md
    assert "Employees_Export_2026-11-15.csv:21: no employee_id" in md
    assert "| `payroll_cost_centres_FINAL(2).csv` | unknown |" in md


def test_html_is_self_contained_and_puts_the_verdict_first(report: AuditReport) -> None:
    page = render(report, "html")
    assert page.startswith("<!DOCTYPE html>")
    assert 'data-verdict="not_ready"' in page and "<strong>Not ready</strong>" in page
    assert page.index('id="verdict"') < page.index("Blocking gaps, ranked by impact") < page.index("<h2>Sources</h2>")
    for i, f in enumerate(report.blocking, start=1):
        assert f'id="finding-{i}"' in page and f.title in page
    assert "<script" not in page and "http://" not in page and "https://" not in page and "<link" not in page

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag not in ("meta", "br"):
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack and self.stack.pop() == tag, tag

    checker = Checker()
    checker.feed(page)
    assert checker.stack == []


def test_html_escapes_what_comes_from_the_export(tmp_path: Path) -> None:
    (tmp_path / "e").mkdir()
    root = export(tmp_path / "e", **{"<img onerror=alert(1)>.csv": "a,b\n1,2\n"})
    page = render(audit(root), "html")
    assert "<img" not in page and "&lt;img onerror=alert(1)&gt;.csv" in page


def test_the_terminal_table_is_aligned_plain_text(report: AuditReport) -> None:
    text = render(report, "table")
    lines = text.splitlines()
    assert lines[3] == ("Verdict: NOT READY (not_ready). Fix the blocking gaps before relying on AI coaching.")
    start = lines.index("Blocking gaps, most impact first")
    header, rule = lines[start + 1], lines[start + 2]
    assert header.startswith("#  Gap") and set(rule.replace(" ", "")) == {"-"}
    rows = lines[start + 3 : start + 3 + len(report.blocking)]
    source_column = header.index("Source")
    assert all(row[source_column - 2 : source_column] == "  " for row in rows)
    assert [row.split()[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert "What to fix first" in text and text.isascii() is False  # ≥ and – are kept as is
    assert "\x1b[" not in text  # no terminal escape codes


def test_a_ready_export_reads_as_ready_everywhere(tmp_path: Path) -> None:
    report = audit(export(tmp_path))
    assert "Verdict: READY (ready)." in render(report, "table")
    assert "**Verdict: Ready** (`ready`)" in render(report, "markdown")
    assert "No findings" in render(report, "html")
    assert json.loads(render(report, "json"))["blocking_gaps"] == []


def test_the_documented_example_matches_the_real_output(report: AuditReport) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "data-readiness.md").read_text()
    block = doc[doc.index("Blocking gaps, most impact first") : doc.index("What to fix first")].strip().splitlines()
    sources = doc[doc.index("Source               Files") : doc.index("```\n\nIn Markdown")].strip().splitlines()
    table = render(report, "table").splitlines()
    assert all(line in table for line in block + sources)
