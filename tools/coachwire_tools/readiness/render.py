"""The audit report as a terminal table, Markdown, self-contained HTML or JSON. No dependencies beyond stdlib."""

from __future__ import annotations

import html
import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from coachwire_tools.readiness.checks import pct
from coachwire_tools.readiness.model import (
    DIMENSIONS,
    EXPORT_SOURCE,
    VERDICT_LABEL,
    VERDICT_TEXT,
    AuditReport,
    Finding,
    SourceSummary,
)
from coachwire_tools.readiness.sources import SPEC_BY_KIND

FORMATS: tuple[str, ...] = ("table", "markdown", "html", "json")
ACCESS_LABEL = {"api": "API", "webhook": "webhook", "manual_export": "manual export", "none": "no access"}


def source_title(source: str) -> str:
    spec = SPEC_BY_KIND.get(source)
    return spec.title if spec else ("Export folder" if source == EXPORT_SOURCE else source)


def render(report: AuditReport, fmt: str) -> str:
    if fmt == "table":
        return render_table(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return render_json(report)
    raise ValueError(f"unknown format '{fmt}' (one of {', '.join(FORMATS)})")


def render_json(report: AuditReport) -> str:
    return json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"


def _counts(report: AuditReport) -> str:
    b, w, i = len(report.blocking), len(report.warnings), len(report.infos)
    return f"{_n(b, 'blocking gap')}, {_n(w, 'warning')}, {_n(i, 'note')}"


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _access(s: SourceSummary) -> str:
    if not s.present:
        return "-"
    label = ACCESS_LABEL.get(s.access or "", "undeclared")
    return f"{label} ({s.system})" if s.system else label


def _coverage(s: SourceSummary) -> str:
    return f"{pct(s.coverage)} {s.coverage_label}" if s.coverage is not None else "-"


def _source_row(s: SourceSummary) -> list[str]:
    if not s.present:
        return [s.title, str(len(s.files)), "0", str(s.bad_rows), "-", "-", "-", "-", "missing", "-"]
    return [
        s.title,
        str(len(s.files)),
        str(s.records),
        str(s.bad_rows),
        pct(s.structured),
        pct(s.current),
        pct(s.undated / s.units) if s.units else "-",
        _access(s),
        f"{s.blocking}/{s.warnings}",
        _coverage(s),
    ]


SOURCE_HEADERS = [
    "Source",
    "Files",
    "Records",
    "Bad rows",
    "Structured",
    "Current",
    "Undated",
    "Access",
    "Blocking/warn",
    "Coverage",
]
SOURCE_WIDTHS = (20, 5, 7, 8, 10, 7, 7, 30, 13, 36)
GAP_WIDTHS = (3, 42, 20, 42, 28)
WRAP = 110

# -- scorecard: every source against every check -------------------------------------------------------------

CHECK_TITLES: dict[str, str] = {
    "structured": "Structured",
    "current": "Current",
    "accessible": "Accessible",
    "coverage": "Coverage",
    "integrity": "Integrity",
}
# Status of one scorecard cell, worst first. Severity words for findings; "ok" when measured and nothing found.
STATUS_LABEL: dict[str, str] = {
    "blocking": "Blocking",
    "warning": "Warning",
    "info": "Note",
    "ok": "OK",
    "missing": "No data",
    "not_measured": "Not measured",
    "not_applicable": "Not applicable",
}
STATUS_MARK: dict[str, str] = {
    "blocking": "✖",
    "warning": "▲",
    "info": "ℹ",
    "ok": "✓",
    "missing": "–",
    "not_measured": "–",
    "not_applicable": "·",
}


STATUS_HINT: dict[str, str] = {"missing": " (the source is missing)", "not_applicable": " (about the folder)"}


@dataclass(frozen=True)
class ScoreCell:
    source: str
    check: str
    status: str  # a key of STATUS_LABEL
    text: str  # the worst finding's title, else the source's measure for this check, or ""
    findings: tuple[int, ...]  # numbers (ranks) of the findings behind the status, worst first


def _measured(s: SourceSummary, check: str) -> str:
    if not s.present:
        return ""
    if check == "structured":
        return f"{pct(s.structured)} readable" if s.structured is not None else ""
    if check == "current":
        parts = [f"{pct(s.current)} current"] if s.current is not None else []
        if s.undated and s.units:
            parts.append(f"{pct(s.undated / s.units)} undated")
        return ", ".join(parts)
    if check == "accessible":
        return _access(s)
    if check == "coverage":
        return _coverage(s) if s.coverage is not None else ""
    return f"{s.records} records" + (f", {s.bad_rows} bad rows" if s.bad_rows else "")


def scorecard(report: AuditReport) -> list[tuple[str, list[ScoreCell]]]:
    """(source title, one cell per check) for every source, and for the export folder when something about the
    folder itself was found. A cell's status is its worst finding; a source with no rows has no data to check."""
    numbers = {id(f): i for i, f in enumerate(report.findings, start=1)}
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:  # ranked, so the first of a cell is its worst
        by_cell.setdefault((f.source, f.dimension), []).append(f)

    def cell(source: str, check: str, otherwise: str, measured: str) -> ScoreCell:
        found = by_cell.get((source, check), [])
        if found:
            return ScoreCell(source, check, found[0].severity, found[0].title, tuple(numbers[id(f)] for f in found))
        return ScoreCell(source, check, otherwise, measured, ())

    rows = []
    for s in report.sources:
        cells = []
        for check in DIMENSIONS:
            measured = _measured(s, check)
            otherwise = "missing" if not s.present else "ok" if measured else "not_measured"
            cells.append(cell(s.kind, check, otherwise, measured))
        rows.append((s.title, cells))
    if any(f.source == EXPORT_SOURCE for f in report.findings):
        rows.append((source_title(EXPORT_SOURCE),
                     [cell(EXPORT_SOURCE, check, "not_applicable", "") for check in DIMENSIONS]))
    return rows


# -- terminal --------------------------------------------------------------------------------------


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = (), max_widths: Sequence[int] = ()
) -> list[str]:
    limits = list(max_widths) + [48] * (len(headers) - len(max_widths))
    cells = [[_clip(c, limits[i]) for i, c in enumerate(row)] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(widths[i]) if i in right else v.ljust(widths[i]) for i, v in enumerate(values)]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]


def _finding_rows(findings: list[Finding], start: int) -> list[list[str]]:
    return [[str(start + i), f.title, source_title(f.source), f.measured, f.threshold] for i, f in enumerate(findings)]


def render_table(report: AuditReport) -> str:
    out = [
        f"Coachwire data readiness audit: {report.directory} (as of {report.as_of.isoformat()})",
        f"Frameworks: {', '.join(report.frameworks)} (scale {report.framework_scale})"
        + (f"; access from {report.config}" if report.config else "; no readiness.yaml"),
        "",
        f"Verdict: {VERDICT_LABEL[report.verdict].upper()} ({report.verdict}). {VERDICT_TEXT[report.verdict]}",
        f"         {_counts(report)}",
        "",
        "Scorecard: the worst finding per source and check (#: the finding numbers below)",
        *text_table(["Source", *(CHECK_TITLES[c] for c in DIMENSIONS)], _plain_scorecard(report)),
    ]
    headers = ["#", "Gap", "Source", "Measured", "Threshold"]
    if report.blocking:
        out += [
            "",
            "Blocking gaps, most impact first",
            *text_table(headers, _finding_rows(report.blocking, 1), [0], GAP_WIDTHS),
        ]
        out += ["", "What to fix first"]
        for i, f in enumerate(report.blocking, start=1):
            text = f"{i:>3}. {f.title} ({source_title(f.source)}; {f.id}): {f.info.fix}"
            out += textwrap.wrap(text, width=WRAP, subsequent_indent="     ")
    if report.warnings:
        start = len(report.blocking) + 1
        out += ["", "Warnings", *text_table(headers, _finding_rows(report.warnings, start), [0], GAP_WIDTHS)]
    if report.infos:
        out += ["", "Notes"]
        for i, f in enumerate(report.infos, start=len(report.blocking) + len(report.warnings) + 1):
            out.append(f"{i:>3}. {f.title} ({source_title(f.source)}): {f.measured}")
            out += [_clip(f"      {d}", WRAP) for d in f.details[:3]]
    out += [
        "",
        "Sources",
        *text_table(SOURCE_HEADERS, [_source_row(s) for s in report.sources], [1, 2, 3, 4, 5, 6], SOURCE_WIDTHS),
    ]
    out += ["", "Explanations and file:line details: --format markdown, html or json (-o FILE to save)."]
    return "\n".join(out) + "\n"


def _plain_cell(cell: ScoreCell) -> str:
    refs = ",".join(f"#{n}" for n in cell.findings)
    return f"{STATUS_LABEL[cell.status]} {refs}" if cell.findings else STATUS_LABEL[cell.status]


def _plain_scorecard(report: AuditReport) -> list[list[str]]:
    return [[title, *(_plain_cell(c) for c in cells)] for title, cells in scorecard(report)]


# -- Markdown --------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _md_finding(f: Finding, number: int) -> list[str]:
    out = [
        f"### {number}. {f.title} ({source_title(f.source)})",
        "",
        f"- **Finding:** `{f.id}` ({f.dimension}, {f.severity}, impact {f.impact:.2f})",
        f"- **Measured:** {f.measured}; **threshold:** {f.threshold}",
    ]
    if f.note:
        out.append(f"- **Note:** {f.note}")
    out += [f"- **Why it matters for AI coaching:** {f.info.why}", f"- **What to fix:** {f.info.fix}"]
    if f.details:
        out.append("- **Details:**")
        out += [f"  - {_md(d)}" for d in f.details]
    return [*out, ""]


def _md_cell(cell: ScoreCell) -> str:
    word = f"{STATUS_MARK[cell.status]} {STATUS_LABEL[cell.status]}"
    if cell.findings:
        return f"{word}: {cell.text} ({', '.join(f'#{n}' for n in cell.findings)})"
    return f"{word}: {cell.text}" if cell.text else word


def render_markdown(report: AuditReport) -> str:
    out = [
        "# Data readiness audit",
        "",
        f"**Verdict: {VERDICT_LABEL[report.verdict]}** (`{report.verdict}`). {VERDICT_TEXT[report.verdict]}",
        "",
        f"{_counts(report)}. Export `{report.directory}`, as of {report.as_of.isoformat()}; frameworks "
        f"{', '.join(report.frameworks)} (scale {report.framework_scale}); "
        + (f"access declared in `{report.config}`." if report.config else "no readiness.yaml."),
        "",
        "## Scorecard",
        "",
        "The worst finding for each source and check, with the numbers of the findings below.",
        "",
        "| Source | " + " | ".join(CHECK_TITLES[c] for c in DIMENSIONS) + " |",
        "|---|" + "---|" * len(DIMENSIONS),
        *("| " + " | ".join([_md(title), *(_md(_md_cell(c)) for c in cells)]) + " |"
          for title, cells in scorecard(report)),
        "",
    ]
    number = 1
    for title, findings in (
        ("Blocking gaps, ranked by impact", report.blocking),
        ("Warnings", report.warnings),
        ("Notes", report.infos),
    ):
        if not findings:
            continue
        out += [f"## {title}", ""]
        for f in findings:
            out += _md_finding(f, number)
            number += 1
    out += ["## Sources", "", "| " + " | ".join(SOURCE_HEADERS) + " |", "|" + "---|" * len(SOURCE_HEADERS)]
    out += ["| " + " | ".join(_md(c) for c in _source_row(s)) + " |" for s in report.sources]
    out += ["", "## Files", "", "| File | Recognised as | By | Rows | Bad rows | Notes |", "|---|---|---|---|---|---|"]
    for f in report.files:
        notes = f.error or (f"unmapped columns: {', '.join(f.unmapped_columns)}" if f.unmapped_columns else "")
        out.append(
            f"| `{_md(f.path)}` | {f.kind or 'unknown'} | {f.recognised_by or '-'} | {f.rows} | {f.bad_rows} "
            f"| {_md(notes)} |"
        )
    out += [
        "",
        "Ranking: blocking gaps first, then warnings; within each, by impact = source weight × shortfall "
        "(see docs/data-readiness.md).",
        "",
    ]
    return "\n".join(out)


# -- HTML ------------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;
color:#1f2933;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.3rem} h2{margin-top:2rem;border-bottom:1px solid #d9e2ec;padding-bottom:.2rem}
.meta{color:#52606d;font-size:.9rem}
.verdict{padding:1rem 1.25rem;border-radius:8px;margin:1rem 0;font-size:1.15rem}
.verdict strong{font-size:1.4rem;display:block}
.not_ready{background:#fde8e8;border-left:6px solid #c81e1e}
.ready_with_warnings{background:#fdf6b2;border-left:6px solid #c27803}
.ready{background:#def7ec;border-left:6px solid #057a55}
.gap{border:1px solid #d9e2ec;border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}
.gap h3{margin:.1rem 0 .4rem;font-size:1.05rem}
.sev{display:inline-block;font-size:.75rem;font-weight:600;padding:.1rem .45rem;border-radius:4px;margin-right:.4rem;
text-transform:uppercase}
.sev.blocking{background:#c81e1e;color:#fff} .sev.warning{background:#a05a00;color:#fff}
.sev.info{background:#52606d;color:#fff}
.gap p{margin:.3rem 0} .label{font-weight:600}
code{background:#f0f4f8;padding:0 .25rem;border-radius:3px}
details{margin-top:.3rem} summary{cursor:pointer;color:#334e68}
table{border-collapse:collapse;width:100%;font-size:.9rem} th,td{border:1px solid #d9e2ec;padding:.35rem .5rem;
text-align:left;vertical-align:top} th{background:#f0f4f8} td.num{text-align:right}
table.scorecard{table-layout:fixed} table.scorecard th:first-child{width:15%}
table.scorecard td{padding:.4rem .5rem;line-height:1.25}
.cell .status{display:block;font-weight:700} .cell .measured{display:block;font-size:.82rem}
.cell .refs{display:block;font-size:.8rem;margin-top:.15rem} .cell .refs a{color:inherit}
.s-blocking{background:#fde8e8;color:#9b1c1c} .s-warning{background:#fdf6b2;color:#723b13}
.s-info{background:#e1effe;color:#1e429f} .s-ok{background:#def7ec;color:#03543f}
.s-missing,.s-not_measured,.s-not_applicable{background:#f5f7fa;color:#52606d}
.keys{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0;padding:0;list-style:none;font-size:.85rem}
.keys li{padding:.15rem .5rem;border-radius:4px}
.finding{border-top:1px solid #d9e2ec;margin:0;padding:.35rem 0}
.finding>summary{color:#1f2933} .finding .body{padding:.2rem 0 .4rem 1.6rem} .finding p{margin:.25rem 0}
.finding .what{color:#52606d}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _code(escaped: str) -> str:
    """`name` in already-escaped text becomes <code>name</code>."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", escaped)


def _finding_body(f: Finding) -> list[str]:
    parts = []
    if f.note:
        parts.append(f"<p>{_e(f.note)}</p>")
    parts += [
        f'<p><span class="label">Why it matters for AI coaching:</span> {_e(f.info.why)}</p>',
        f'<p><span class="label">What to fix:</span> {_code(_e(f.info.fix))}</p>',
        f'<p class="meta">Finding <code>{_e(f.id)}</code> · {_e(f.dimension)} · impact {f.impact:.2f}</p>',
    ]
    if f.details:
        items = "".join(f"<li>{_e(d)}</li>" for d in f.details)
        parts.append(f"<details><summary>Details ({len(f.details)})</summary><ul>{items}</ul></details>")
    return parts


def _html_finding(f: Finding, number: int) -> str:
    """A blocking gap: in full, as a card."""
    return "\n".join([
        f'<div class="gap" id="finding-{number}">',
        f'<h3>{number}. <span class="sev {f.severity}">{_e(f.severity)}</span>{_e(f.title)} '
        f"<small>({_e(source_title(f.source))})</small></h3>",
        f'<p><span class="label">Measured:</span> {_e(f.measured)} &nbsp; '
        f'<span class="label">Threshold:</span> {_e(f.threshold)}</p>',
        *_finding_body(f),
        "</div>",
    ])


def _html_folded(f: Finding, number: int) -> str:
    """A warning or a note: one line, the explanation folded under it."""
    return "\n".join([
        f'<details class="finding" id="finding-{number}"><summary>{number}. '
        f'<span class="sev {f.severity}">{_e(f.severity)}</span><strong>{_e(f.title)}</strong> '
        f"({_e(source_title(f.source))}) <span class=\"what\">· {_e(f.measured)}; threshold {_e(f.threshold)}"
        "</span></summary>",
        '<div class="body">',
        *_finding_body(f),
        "</div></details>",
    ])


def _html_cell(cell: ScoreCell) -> str:
    refs = ""
    if cell.findings:
        links = ", ".join(f'<a href="#finding-{n}">#{n}</a>' for n in cell.findings)
        refs = f' <span class="refs">finding{"s" if len(cell.findings) > 1 else ""} {links}</span>'
    text = f' <span class="measured">{_e(cell.text)}</span>' if cell.text else ""
    return (f'<td class="cell s-{cell.status}" data-source="{_e(cell.source)}" data-check="{_e(cell.check)}" '
            f'data-status="{cell.status}"><span class="status">{STATUS_MARK[cell.status]} '
            f"{_e(STATUS_LABEL[cell.status])}</span>{text}{refs}</td>")


def _html_scorecard(report: AuditReport) -> str:
    head = "".join(f'<th scope="col">{_e(CHECK_TITLES[c])}</th>' for c in DIMENSIONS)
    rows = "\n".join(
        f'<tr><th scope="row">{_e(title)}</th>{"".join(_html_cell(c) for c in cells)}</tr>'
        for title, cells in scorecard(report)
    )
    keys = "".join(f'<li class="s-{k}">{STATUS_MARK[k]} {_e(v)}{STATUS_HINT.get(k, "")}</li>'
                   for k, v in STATUS_LABEL.items())
    return f"""<h2 id="scorecard">Scorecard: every source against every check</h2>
<p class="meta">Each cell is the worst finding for that source and check (or the source's measure when there is
none), with the numbers of the findings below. Structured: values a program can read; current: updated in the last
{_e(report.thresholds.get("fresh_months", 12))} months; accessible: how the data keeps arriving; coverage: how much
of the population the source covers; integrity: files read, ids unique and linked.</p>
<ul class="keys" aria-label="Statuses">{keys}</ul>
<table class="scorecard"><thead><tr><th scope="col">Source</th>{head}</tr></thead><tbody>
{rows}
</tbody></table>"""


def render_html(report: AuditReport) -> str:
    numeric = {1, 2, 3, 4, 5, 6}
    source_rows = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="num">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(_source_row(s))
        )
        + "</tr>"
        for s in report.sources
    )
    file_rows = "\n".join(
        f"<tr><td><code>{_e(f.path)}</code></td><td>{_e(f.kind or 'unknown')}</td><td>{_e(f.recognised_by or '-')}"
        f'</td><td class="num">{f.rows}</td><td class="num">{f.bad_rows}</td><td>'
        f"{_e(f.error or (', '.join(f.unmapped_columns) and 'unmapped columns: ' + ', '.join(f.unmapped_columns)))}"
        "</td></tr>"
        for f in report.files
    )
    sections = []
    number = 1
    for title, findings, card in (
        ("Blocking gaps, ranked by impact", report.blocking, True),
        ("Warnings", report.warnings, False),
        ("Notes", report.infos, False),
    ):
        if not findings:
            continue
        sections.append(f"<h2>{_e(title)} ({len(findings)})</h2>")
        if not card:
            sections.append('<p class="meta">Ranked by impact; open a line for why it matters, what to fix and the '
                            "file:line details.</p>")
        for f in findings:
            sections.append(_html_finding(f, number) if card else _html_folded(f, number))
            number += 1
    if not report.findings:
        sections.append("<p>No findings: every source meets every threshold.</p>")
    headers = "".join(f"<th>{_e(h)}</th>" for h in SOURCE_HEADERS)
    config = f"access declared in {report.config}" if report.config else "no readiness.yaml"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Data readiness audit: {_e(VERDICT_LABEL[report.verdict])}</title>
<style>{CSS}</style>
</head>
<body>
<h1>Data readiness audit</h1>
<p class="meta">Export <code>{_e(report.directory)}</code> · as of {_e(report.as_of.isoformat())} · frameworks
{_e(", ".join(report.frameworks))} (scale {_e(report.framework_scale)}) · {_e(config)}</p>
<div class="verdict {_e(report.verdict)}" id="verdict" data-verdict="{_e(report.verdict)}">
<strong>{_e(VERDICT_LABEL[report.verdict])}</strong>
{_e(VERDICT_TEXT[report.verdict])}<br>{_e(_counts(report))}.
</div>
{_html_scorecard(report)}
{chr(10).join(sections)}
<h2>Sources</h2>
<table><thead><tr>{headers}</tr></thead><tbody>
{source_rows}
</tbody></table>
<h2>Files</h2>
<table><thead><tr><th>File</th><th>Recognised as</th><th>By</th><th>Rows</th><th>Bad rows</th><th>Notes</th></tr>
</thead><tbody>
{file_rows}
</tbody></table>
<p class="meta">Ranking: blocking gaps first, then warnings; within each, by impact = source weight × shortfall.
Structured = share of typed values that a program can read; current = share of dated records updated in the last
{_e(report.thresholds.get("fresh_months", 12))} months; see docs/data-readiness.md for every formula and threshold.</p>
</body>
</html>
"""
