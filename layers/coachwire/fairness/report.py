"""The audit as one self-contained HTML page an HR leader can read without help.

Inline CSS and SVG only (no script, no external fonts or CDNs), built from the published (suppressed) result, so
nothing under the suppression threshold can leak. Deterministic: same inputs, same bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from coachwire.fairness.audit import INTERSECTION_SEPARATOR, AttributeResult, AuditResult, GroupResult, Verdict
from coachwire.fairness.labels import attribute_name, group_label, outcome_titles
from coachwire.fairness.records import OUTCOME_ANY, review_id_for

if TYPE_CHECKING:
    from coachwire.fairness.records import AuditCounts, AuditManifest, Flag

COLOURS = {
    Verdict.FLAGGED: "#b42318",
    Verdict.INSUFFICIENT_DATA: "#8a8f98",
    Verdict.NO_EVIDENCE: "#1d6fb8",
    Verdict.REFERENCE: "#2b2b2b",
}

VERDICT_WORDS = {
    Verdict.FLAGGED: "Flagged: possible adverse impact",
    Verdict.INSUFFICIENT_DATA: "Insufficient data",
    Verdict.NO_EVIDENCE: "No evidence of disparity",
    Verdict.REFERENCE: "Reference group",
}

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1f2328;max-width:980px;
margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #d0d7de;padding-bottom:.2rem}
h3{margin:1.2rem 0 .4rem}.muted{color:#57606a}.box{border:1px solid #d0d7de;border-radius:6px;padding:.8rem 1rem;
margin:1rem 0}.alert{border-color:#b42318;background:#fff5f4}.ok{border-color:#1a7f37;background:#f3fbf5}
.warn{border-color:#9a6700;background:#fff8e5}table{border-collapse:collapse;width:100%;font-size:.9rem;
margin:.5rem 0}th,td{border-bottom:1px solid #eaeef2;padding:.25rem .4rem;text-align:right}
th:first-child,td:first-child{text-align:left;min-width:9rem}td.v-flagged{color:#b42318;font-weight:600}
td.v-insufficient_data{color:#6e7781}.suppressed{color:#6e7781;font-style:italic}
details{margin:.4rem 0 1rem}summary{cursor:pointer;font-weight:600}svg{max-width:100%;height:auto;display:block}
dt{font-weight:600}dd{margin:0 0 .5rem 1rem}code{font-size:.85em;word-break:break-all}
figure.chart{margin:.3rem 0 1rem}figcaption{color:#57606a;font-size:.85rem;margin-top:.2rem}
.legend{display:inline}.key{white-space:nowrap;margin-right:.3rem}.swatch{display:inline-block;width:.8em;
height:.8em;margin-right:.3em;vertical-align:-.05em;border-radius:2px}
table.cases td,table.cases th{text-align:left;vertical-align:top}table.cases code{white-space:nowrap;
word-break:normal}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _count(value: int | None) -> str:
    return "hidden" if value is None else f"{value:,}"


def _natural(label: str) -> tuple:
    """Sort "2-5y" before "10y+": numbers by value, the rest by text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label))


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def _num(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f}"


def _p(x: float | None) -> str:
    if x is None:
        return "—"
    return "&lt; 0.0001" if x < 0.0001 else f"{x:.4f}"  # HTML: every caller inserts it as markup


def _value(res: AttributeResult, g: GroupResult) -> str:
    return _pct(g.rate) if res.measure == "rate" else _num(g.mean)


def _ci(g: GroupResult) -> str:
    if g.ci_low is None:
        return "—"
    high = "no upper bound" if g.ci_high is None else f"{g.ci_high:.2f}"
    return f"{g.ci_low:.2f} – {high}"


def _outcome_titles(manifest: AuditManifest) -> dict[str, str]:
    return outcome_titles(manifest.config.high_value_classes)


def _what(outcome: str, titles: dict[str, str]) -> str:
    """The thing received, as a noun phrase: "stretch assignment", "personalised recommendation"."""

    return "personalised recommendation" if outcome == OUTCOME_ANY else titles.get(outcome, outcome).lower()


def _who(res: AttributeResult, label: str) -> str:
    return f"<b>{_e(group_label(res.attribute, label))}</b> ({_e(attribute_name(res.attribute).lower())})"


def _reference(res: AttributeResult) -> str:
    return "" if res.reference_group is None else group_label(res.attribute, res.reference_group)


def _sentence(res: AttributeResult, g: GroupResult, titles: dict[str, str], threshold: float) -> str:
    """A flagged comparison in one plain-language sentence."""
    who = _who(res, g.label)
    ref_label = f"<b>{_e(_reference(res))}</b>"
    what = _what(res.outcome, titles)
    if g.suppressed:
        return f"{who}: fewer people than the publication threshold; figures suppressed for privacy."
    if g.verdict is Verdict.FLAGGED:
        ref = _ref(res)
        if res.measure == "rate":
            gap = (f"{_pct(g.rate)} received at least one {_e(what)}, against {_pct(ref.rate)} of {ref_label}, "
                   f"the best-served group")
        else:
            gap = (f"received {_num(g.mean)} {_e(what)} on average, against {_num(ref.mean)} for {ref_label}, "
                   f"the best-served group")
        high = "an unknown upper bound" if g.ci_high is None else f"{g.ci_high:.2f}"
        return (
            f"{who}: {gap}. That is an impact ratio of {g.impact_ratio:.2f}, below the four-fifths line "
            f"({threshold:.2f}), and very unlikely to be chance (adjusted p {_p(g.p_adjusted)}; the true ratio is "
            f"probably between {g.ci_low:.2f} and {high}). Review how these recommendations are made."
        )
    raise ValueError(f"no sentence for a comparison with verdict {g.verdict}")


def _ref(res: AttributeResult) -> GroupResult:
    return next(g for g in res.groups if g.label == res.reference_group)


def _by_label(groups: Iterable[GroupResult], attribute: str) -> list[GroupResult]:
    return sorted(groups, key=lambda g: (_natural(group_label(attribute, g.label)), g.label))


# --------------------------------------------------------------------------------------------------------------------
# Charts
# --------------------------------------------------------------------------------------------------------------------

# Drawn at 1:1 in the page's text column; captions and legends are HTML beside the SVG, so they wrap instead of
# being cut off at the drawing's edge.
CHART_W, ROW_H, LINE_H, TOP, BOTTOM, FONT, SMALL = 900, 24, 14, 10, 34, 12, 11
MIN_LABEL_W, MAX_LABEL_W, GAP = 90, 300, 10
NARROW, WIDE = set("ijlftrI.,:;'!|()[] "), set("mwMWÆŒ—×%@")


def text_width(text: str, size: float) -> float:
    """A generous estimate of rendered width in px (sans-serif): errs wide so that nothing is cut."""
    units = 0.0
    for ch in text:
        if ch in NARROW:
            units += 0.45
        elif ch in WIDE:
            units += 0.98
        elif ch.isupper() or ch.isdigit():
            units += 0.74
        elif ch.isascii():
            units += 0.64
        else:
            units += 0.9
    return units * size


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of at most `width` px, broken between words (a single over-long word keeps its own line)."""
    lines: list[str] = []
    for word in text.split(" "):
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and text_width(candidate, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


class _Rows:
    """The label column of a chart: as wide as its longest label (within bounds), long labels wrapped."""

    def __init__(self, labels: list[str]) -> None:
        widest = max([text_width(label, FONT) for label in labels] or [0.0])
        self.label_w = min(MAX_LABEL_W, max(MIN_LABEL_W, widest + 2 * GAP))
        self.lines = [_wrap(label, self.label_w - 2 * GAP, FONT) for label in labels]
        self.heights = [max(ROW_H, LINE_H * len(lines) + 10) for lines in self.lines]
        self.tops = [TOP + sum(self.heights[:i]) for i in range(len(labels))]
        self.bottom = TOP + sum(self.heights)

    def centre(self, i: int) -> float:
        return self.tops[i] + self.heights[i] / 2

    def label(self, i: int) -> str:
        lines, cy = self.lines[i], self.centre(i)
        first = cy + 4 - LINE_H * (len(lines) - 1) / 2
        return "".join(f'<text x="{self.label_w - GAP:.1f}" y="{first + k * LINE_H:.1f}" font-size="{FONT}" '
                       f'text-anchor="end">{_e(line)}</text>' for k, line in enumerate(lines))


def _svg(width: float, height: float, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" width="{width:.0f}" '
            f'height="{height:.0f}" role="img" aria-label="{_e(label)}">')


def _legend(*keys: tuple[str, str]) -> str:
    """Colour keys in words (the charts never rely on colour alone: each row is also labelled in text)."""
    last = len(keys) - 1
    return '<span class="legend">Colours: ' + " ".join(
        f'<span class="key"><span class="swatch" style="background:{colour}"></span>{_e(text)}'
        f'{"." if i == last else ","}</span>' for i, (colour, text) in enumerate(keys)) + "</span>"


VERDICT_KEYS = ((COLOURS[Verdict.FLAGGED], "flagged"), (COLOURS[Verdict.NO_EVIDENCE], "no evidence of disparity"),
                (COLOURS[Verdict.INSUFFICIENT_DATA], "insufficient data"),
                (COLOURS[Verdict.REFERENCE], "reference group"))
TAGS = {Verdict.FLAGGED: " ⚑ flagged", Verdict.INSUFFICIENT_DATA: " (insufficient data)", Verdict.NO_EVIDENCE: ""}


def ratio_chart(res: AttributeResult, threshold: float) -> str:
    """Impact ratio per group with its 95% interval, the four-fifths line and parity (1.0), in a figure whose
    caption says how to read it."""
    groups = _by_label(res.groups, res.attribute)
    highs = [g.ci_high or g.impact_ratio or 0 for g in groups if not g.suppressed] + [1.2]
    x_max = min(2.0, max(highs) * 1.05)
    rows = _Rows([group_label(res.attribute, g.label) for g in groups])
    tags = ["reference" if g.verdict is Verdict.REFERENCE else f"{g.impact_ratio:.2f}{TAGS[g.verdict]}"
            for g in groups if not g.suppressed and g.impact_ratio is not None]
    tag_w = max([text_width(t, SMALL) for t in tags] or [0.0]) + 2 * GAP
    left, plot_w = rows.label_w, CHART_W - rows.label_w - tag_w
    height = rows.bottom + BOTTOM

    def x(v: float) -> float:
        return left + plot_w * min(v, x_max) / x_max

    parts = [_svg(CHART_W, height, f"Impact ratios for {attribute_name(res.attribute)}")]
    bottom = rows.bottom
    for tick in (0.0, 0.5, 1.0, 1.5, 2.0):
        if tick <= x_max:
            parts.append(f'<text x="{x(tick):.1f}" y="{bottom + 14}" font-size="{SMALL}" text-anchor="middle" '
                         f'fill="#57606a">{tick:.1f}</text>')
    parts.append(f'<line x1="{x(1.0):.1f}" y1="{TOP - 4}" x2="{x(1.0):.1f}" y2="{bottom}" stroke="#57606a"/>')
    parts.append(f'<line x1="{x(threshold):.1f}" y1="{TOP - 4}" x2="{x(threshold):.1f}" y2="{bottom}" '
                 f'stroke="#b42318" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{x(threshold) - 3:.1f}" y="{bottom + 28}" font-size="{SMALL}" text-anchor="end" '
                 f'fill="#b42318">{threshold:.1f} four-fifths line</text>')
    for i, g in enumerate(groups):
        cy = rows.centre(i)
        colour = COLOURS[g.verdict]
        parts.append(rows.label(i))
        if g.suppressed:
            parts.append(f'<text x="{left + 6}" y="{cy + 4:.1f}" font-size="{SMALL}" fill="#6e7781" '
                         f'font-style="italic">suppressed (too few people)</text>')
            continue
        if g.impact_ratio is None:
            parts.append(f'<text x="{left + 6}" y="{cy + 4:.1f}" font-size="{SMALL}" fill="#6e7781">no ratio</text>')
            continue
        if g.ci_low is not None:
            hi = x_max if g.ci_high is None else g.ci_high
            parts.append(f'<line x1="{x(g.ci_low):.1f}" y1="{cy:.1f}" x2="{x(hi):.1f}" y2="{cy:.1f}" '
                         f'stroke="{colour}" stroke-width="2"/>')
            for end in (g.ci_low, hi):
                parts.append(f'<line x1="{x(end):.1f}" y1="{cy - 5:.1f}" x2="{x(end):.1f}" y2="{cy + 5:.1f}" '
                             f'stroke="{colour}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(g.impact_ratio):.1f}" cy="{cy:.1f}" r="4.5" fill="{colour}"/>')
        tag = "reference" if g.verdict is Verdict.REFERENCE else f"{g.impact_ratio:.2f}{TAGS[g.verdict]}"
        parts.append(f'<text x="{left + plot_w + GAP:.1f}" y="{cy + 4:.1f}" font-size="{SMALL}" fill="{colour}">'
                     f"{_e(tag)}</text>")
    parts.append("</svg>")
    caption = ("Impact ratio of each group (its rate ÷ the reference group's), with its 95% interval as a "
               f"whisker. Dashed red line: the four-fifths line ({threshold:.2f}); grey line: parity (1.00).")
    return _figure("".join(parts), caption, _legend(*VERDICT_KEYS))


def rate_chart(res: AttributeResult) -> str:
    """Rate (or mean) per group as horizontal bars; unknown and excluded categories shown for disclosure."""
    rows: list[tuple[str, float | None, str, bool, str]] = [
        (group_label(res.attribute, g.label), g.rate if res.measure == "rate" else g.mean, COLOURS[g.verdict],
         g.suppressed, "")
        for g in _by_label(res.groups, res.attribute)
    ]
    for d in [*res.excluded_small_categories, res.unknown]:
        if d.n == 0:
            continue
        note = "not compared" if d is res.unknown else "small category, not compared"
        rows.append((group_label(res.attribute, d.label), d.rate if res.measure == "rate" else d.mean, DISCLOSED,
                     d.suppressed, note))
    values = [v for _, v, _, s, _ in rows if v is not None and not s]
    x_max = 1.0 if res.measure == "rate" else max([*values, 1e-9]) * 1.1

    def shown(value: float | None, note: str) -> str:
        number = "—" if value is None else _pct(value) if res.measure == "rate" else f"{value:.2f}"
        return f"{number} · {note}" if note else number

    layout = _Rows([label for label, *_ in rows])
    left = layout.label_w
    plot_w = CHART_W - left - max(text_width(shown(x_max, n), SMALL) for *_, n in rows) - 2 * GAP
    unit = "share of employees who received it" if res.measure == "rate" else "average per employee"
    parts = [_svg(CHART_W, layout.bottom + 10,
                  f"{'Rates' if res.measure == 'rate' else 'Means'} for {attribute_name(res.attribute)}")]
    for i, (_, value, colour, suppressed, note) in enumerate(rows):
        cy = layout.centre(i)
        parts.append(layout.label(i))
        if suppressed or value is None:
            text = "suppressed (too few people)" if suppressed else "—"
            parts.append(f'<text x="{left + 6}" y="{cy + 4:.1f}" font-size="{SMALL}" fill="#6e7781" '
                         f'font-style="italic">{_e(f"{text} · {note}" if note else text)}</text>')
            continue
        w = plot_w * value / x_max
        parts.append(f'<rect x="{left}" y="{cy - 7:.1f}" width="{w:.1f}" height="14" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 6:.1f}" y="{cy + 4:.1f}" font-size="{SMALL}">'
                     f"{_e(shown(value, note))}</text>")
    parts.append("</svg>")
    caption = (f"Bars: {unit}, per group. Unknown or declined answers and categories too small to compare are "
               "shown for disclosure, in light grey, and are not compared.")
    return _figure("".join(parts), caption, _legend(*VERDICT_KEYS, (DISCLOSED, "not compared")))


DISCLOSED = "#c4c9d0"


def _figure(svg: str, caption: str, legend: str) -> str:
    return f'<figure class="chart">{svg}<figcaption>{_e(caption)} {legend}</figcaption></figure>'


# --------------------------------------------------------------------------------------------------------------------
# Page
# --------------------------------------------------------------------------------------------------------------------


def _table(res: AttributeResult) -> str:
    rate = res.measure == "rate"
    head = ["Group", "People", "Received" if rate else "Recommendations", "Rate" if rate else "Per employee",
            "Impact ratio", "95% interval", "Adjusted p", "Verdict"]
    out = ["<table><thead><tr>", *(f"<th>{h}</th>" for h in head), "</tr></thead><tbody>"]
    for g in _by_label(res.groups, res.attribute):
        label = _e(group_label(res.attribute, g.label))
        if g.suppressed:
            out.append(f'<tr><td>{label}</td><td class="suppressed" colspan="7">suppressed: a small group, '
                       f"or hidden with one so that it cannot be worked out from the totals</td></tr>")
            continue
        verdict = VERDICT_WORDS[g.verdict]
        if g.verdict is Verdict.INSUFFICIENT_DATA and g.additional_people_needed:
            verdict += f" (about {g.additional_people_needed:,} more people needed)"
        got = g.recipients if rate else g.total
        out.append(
            f"<tr><td>{label}</td><td>{_count(g.n)}</td><td>{_count(got)}</td><td>{_value(res, g)}</td>"
            f"<td>{_num(g.impact_ratio)}</td><td>{_ci(g)}</td><td>{_p(g.p_adjusted)}</td>"
            f'<td class="v-{g.verdict.value}">{_e(verdict)}</td></tr>'
        )
    out.append("</tbody></table>")
    notes = []
    u = res.unknown
    if u.suppressed:
        notes.append("Unknown or declined: fewer than the publication threshold (suppressed); not compared.")
    elif u.n:
        shown = _pct(u.rate) if rate else _num(u.mean)
        notes.append(f"Unknown or declined: {u.n:,} people ({shown}); disclosed, not compared.")
    for d in res.excluded_small_categories:
        label = _e(group_label(res.attribute, d.label))
        if d.suppressed:
            notes.append(f"{label}: a small category (suppressed); not compared.")
        else:
            shown = _pct(d.rate) if rate else _num(d.mean)
            notes.append(f"{label}: {d.n:,} people, {_pct(d.share)} of those with a known category "
                         f"({shown}); under the small-category share, so disclosed but not compared.")
    if res.omnibus is not None:
        notes.append(f"Overall test across the groups: adjusted p {_p(res.omnibus.p_adjusted)}.")
    if res.note:
        notes.append(_e(res.note))
    if notes:
        out.append('<p class="muted">' + "<br>".join(notes) + "</p>")
    return "".join(out)


def _counts_block(counts: AuditCounts, manifest: AuditManifest) -> str:
    w = manifest.window
    rows = [
        ("Window", f"{w.label}: {w.start} to {w.last_day} (inclusive)"),
        ("Employees audited", f"{counts.audited:,} (personalisation on, employed in the window)"),
        ("Opted out of personalisation", f"{counts.opted_out:,}: counted here only, never in any group"),
        ("Not yet employed in the window", f"{counts.not_employed_in_window:,}"),
        ("Personalised recommendations audited", f"{counts.recommendations_audited:,}"),
        ("Other recommendations in the window",
         f"{counts.recommendations_core_programme:,} from the core programme, {counts.recommendations_opted_out:,} "
         f"to opted-out employees, {counts.recommendations_outside_population:,} to people outside the population"),
        ("Audited employees with no demographic record", f"{counts.demographics_missing:,}"),
        ("Recommendation model versions", ", ".join(manifest.model_versions) or "none"),
    ]
    return "<dl>" + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows) + "</dl>"


MAX_SHORTFALLS = 5


def _shortfalls(insufficient: list[tuple[AttributeResult, GroupResult]], titles: dict[str, str]) -> list[str]:
    """The largest shortfalls, one line per group, naming every outcome it falls short on (and the group it is
    compared with there): a group too small for one outcome is usually too small for several, and a line per
    outcome repeats the same people."""
    order = list(titles)
    merged: dict[tuple[str, str], list[tuple[AttributeResult, GroupResult]]] = {}
    for r, g in insufficient:
        merged.setdefault((r.attribute, g.label), []).append((r, g))

    def needed(rg: tuple[AttributeResult, GroupResult]) -> int:
        return rg[1].additional_people_needed or 0

    def outcome_order(rg: tuple[AttributeResult, GroupResult]) -> int:
        return order.index(rg[0].outcome) if rg[0].outcome in order else len(order)

    ranked = sorted(merged.items(), key=lambda kv: (-max(map(needed, kv[1])), kv[0]))
    lines = []
    for (_, label), items in ranked[:MAX_SHORTFALLS]:
        each = "; ".join(
            f"<i>{_e(titles.get(r.outcome, r.outcome))}</i> (against {_e(_reference(r))}): "
            + (f"about {g.additional_people_needed:,} more people needed" if g.additional_people_needed
               else "more data needed")
            for r, g in sorted(items, key=lambda rg: (-needed(rg), outcome_order(rg))))
        lines.append(f"{_who(items[0][0], label)}: too few people to tell whether this group received less than "
                     f"the best-served one. {each}. Not a pass.")
    return lines


def _summary(published: AuditResult, flags: list[Flag], titles: dict[str, str], threshold: float,
             audit_id: str) -> str:

    results = published.results
    comparisons = [(r, g) for r in results for g in r.groups if g.verdict is not Verdict.REFERENCE]
    insufficient = [(r, g) for r, g in comparisons if g.verdict is Verdict.INSUFFICIENT_DATA]
    no_evidence = [(r, g) for r, g in comparisons if g.verdict is Verdict.NO_EVIDENCE]
    cases = {(f.outcome, f.attribute, f.group): review_id_for(audit_id, f) for f in flags}
    out = []
    if flags:
        out.append(f'<div class="box alert"><b>{len(flags)} comparison{"s" if len(flags) != 1 else ""} flagged.</b> '
                   "A flag means a group received a recommendation class at less than four-fifths of the rate of "
                   "the best-served group, and the gap is very unlikely to be chance. It is evidence to review, "
                   "not a finding of discrimination. Each flag has a review case, with its owner and next step under "
                   "<i>Review cases and next steps</i> below.<ul>")
        for res in results:
            for g in res.groups:
                if g.verdict is Verdict.FLAGGED:
                    case = cases.get((res.outcome, res.attribute, g.label))
                    out.append(f"<li><b>{_e(titles.get(res.outcome, res.outcome))}</b>: "
                               f"{_sentence(res, g, titles, threshold)}"
                               + (f" Review case <code>{_e(case)}</code>." if case else "") + "</li>")
        out.append("</ul></div>")
    else:
        out.append('<div class="box ok"><b>No comparison was flagged.</b> That is not a clean bill of health where '
                   "the data was insufficient: see below.</div>")
    out.append(f'<div class="box"><b>{len(comparisons)} comparisons</b> in all: {len(flags)} flagged, '
               f"{len(no_evidence)} with no evidence of disparity, {len(insufficient)} with insufficient data.")
    if insufficient:
        out.append(" <b>Insufficient data</b> means the groups are too small for the test to reliably detect a "
                   "ratio of four-fifths: it is never a pass. Pooling several quarters or waiting for more people "
                   "closes the gap. The largest shortfalls:<ul>")
        out += [f"<li>{line}</li>" for line in _shortfalls(insufficient, titles)]
        out.append("</ul>")
    out.append("</div>")
    return "".join(out)


REVIEW_OWNER = "HR admins (hr_admin role)"


def _review_cases(published: AuditResult, flags: list[Flag], titles: dict[str, str], audit_id: str) -> str:
    """Who acts on each flag and how: the case the audit opens for it, its owner and the next step."""

    head = '<h2 id="review-cases">Review cases and next steps</h2>'
    if not flags:
        return head + "<p>Nothing was flagged, so no review case was opened.</p>"
    by_key = {(r.outcome, r.attribute): r for r in published.results}
    rows = []
    for f in flags:
        case = review_id_for(audit_id, f)
        res = by_key[(f.outcome, f.attribute)]
        ratio = "suppressed" if f.impact_ratio is None else f"{f.impact_ratio:.2f}"
        rows.append(
            f"<tr><td><code>{_e(case)}</code></td><td>{_e(titles.get(f.outcome, f.outcome))}</td>"
            f"<td>{_who(res, f.group)} vs <b>{_e(_reference(res))}</b>, impact ratio {ratio}</td>"
            f"<td>{_e(REVIEW_OWNER)}</td><td>Investigate how these recommendations are made for this group; "
            "record the finding and the decision on the case.</td></tr>")
    return (head + "<p>The audit opened one framework review case per flag and e-mailed the list to every HR "
            "admin. A case stays open until an HR admin records what they found and decides: "
            "<code>PATCH /reviews/&lt;review case&gt;</code> with a status (investigating, resolved or dismissed) "
            "and a note. Current status and history of every case: <code>GET /reviews</code>.</p>"
            '<table class="cases"><thead><tr><th>Review case</th><th>Outcome</th><th>Flag</th><th>Owner</th>'
            "<th>Next step</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _how_to_read(threshold: float, alpha: float, suppress: int) -> str:
    return f"""<h2>How to read this report</h2><dl>
<dt>Rate</dt><dd>The share of a group's employees who received the recommendation class at least once in the
quarter. For "recommendations per employee" it is the average number each employee received.</dd>
<dt>Impact ratio</dt><dd>A group's rate divided by the rate of the group that received it most (the reference
group). 1.00 means the same; {threshold:.2f} (the "four-fifths" line used by the EEOC guidelines and NYC Local Law
144) is the threshold below which a gap is taken as possible adverse impact.</dd>
<dt>95% interval</dt><dd>The range the true ratio most probably lies in, given how many people there are. In the
charts it is the whisker around each dot.</dd>
<dt>Adjusted p</dt><dd>How likely a gap at least this large would be by chance alone, corrected (Holm) for the
number of comparisons in the whole audit. Below {alpha:g} counts as unlikely to be chance.</dd>
<dt>Verdicts</dt><dd><b>Flagged</b>: ratio under {threshold:.2f} and adjusted p under {alpha:g}.
<b>Insufficient data</b>: too few people for the test to reliably detect a ratio of {threshold:.2f}; the table says
how many more people would be needed. <b>No evidence of disparity</b>: enough people, no flag. There is no
"pass".</dd>
<dt>Suppressed</dt><dd>Any group of fewer than {suppress} people is shown as suppressed, to protect the people in
it. Unknown or declined answers, and categories too small to compare, are disclosed but not compared.</dd></dl>"""


def _manifest_block(manifest: AuditManifest) -> str:
    cfg = manifest.config.stats
    rows = [
        ("Audit id", manifest.audit_id),
        ("Generated at", manifest.generated_at.isoformat()),
        ("Code version", manifest.code_version),
        ("Input content hash", manifest.input_content_hash),
        ("Results hash", manifest.results_sha256),
        ("Configuration", f"alpha {cfg.alpha:g}; four-fifths threshold {cfg.detect_ratio:g}; minimum group "
                          f"{cfg.min_n}; small-category share {cfg.small_category_share:g}; suppression under "
                          f"{cfg.suppress_below}; power target {cfg.power:g}; Holm correction across the audit"),
        *((f"Rule: {k}", v) for k, v in sorted(manifest.population_rules.items())),
    ]
    return ("<h2>Reproducibility</h2><p class='muted'>Re-running the audit from its manifest reproduces these "
            "numbers byte for byte.</p><dl>"
            + "".join(f"<dt>{_e(k)}</dt><dd><code>{_e(v)}</code></dd>" for k, v in rows) + "</dl>")


def _sections(published: AuditResult, titles: dict[str, str], threshold: float) -> Iterable[str]:
    order = list(titles)
    for outcome in sorted(published.outcomes, key=lambda o: (order.index(o) if o in order else len(order), o)):
        yield f"<h2>{_e(titles.get(outcome, outcome))}</h2>"
        for res in (r for r in published.results if r.outcome == outcome):
            verdicts = [g.verdict for g in res.groups if g.verdict is not Verdict.REFERENCE]
            flagged = verdicts.count(Verdict.FLAGGED)
            thin = verdicts.count(Verdict.INSUFFICIENT_DATA)
            status = (f"{flagged} flagged" if flagged else "no flag") + (f", {thin} insufficient data" if thin else "")
            ref = f"reference: {_reference(res)}" if res.reference_group else "no reference group"
            yield (f"<details{' open' if flagged else ''}><summary>{_e(attribute_name(res.attribute))}: "
                   f"{_e(status)} <span class='muted'>({_e(ref)})</span></summary>")
            if res.groups:
                yield "<h3>Impact ratios</h3>" + ratio_chart(res, threshold)
                yield f"<h3>{'Rates' if res.measure == 'rate' else 'Averages'} by group</h3>" + rate_chart(res)
            yield _table(res)
            yield "</details>"


def render(*, manifest: AuditManifest, published: AuditResult, counts: AuditCounts, flags: list[Flag]) -> bytes:
    """The report as UTF-8 bytes."""
    if not published.published_view:
        raise ValueError("the report is built from the published (suppressed) result only")
    cfg = published.config
    threshold = cfg.detect_ratio
    titles = _outcome_titles(manifest)
    w = manifest.window
    page = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Bias audit {_e(w.label)}: development recommendations</title>",
        f"<style>{CSS}</style></head><body>",
        f"<h1>Bias audit of development recommendations, {_e(w.label)}</h1>",
        f'<p class="muted">Audit {_e(manifest.audit_id)}, generated {_e(manifest.generated_at.isoformat())}.</p>',
        "<p>This audit checks whether the coaching system's personalised recommendations reached every group of "
        f"employees fairly between {w.start:%d %B %Y} and {w.last_day:%d %B %Y}: any personalised recommendation, "
        "each high-value class ("
        + ", ".join(_e(c.title) for c in manifest.config.high_value_classes)
        + "), and the number of recommendations per employee, by "
        + ", ".join(_e(attribute_name(a).lower()) for a in sorted(manifest.config.attributes))
        + " and "
        + ", ".join(_e(attribute_name(INTERSECTION_SEPARATOR.join(p)).lower()) for p in cfg.intersections)
        + ".</p>",
        "<h2>Summary</h2>",
        _summary(published, flags, titles, threshold, manifest.audit_id),
        _review_cases(published, flags, titles, manifest.audit_id),
        "<h2>Who and what was audited</h2>",
        _counts_block(counts, manifest),
        _how_to_read(threshold, cfg.alpha, cfg.suppress_below),
        *_sections(published, titles, threshold),
        _manifest_block(manifest),
        "</body></html>",
    ]
    return "\n".join(page).encode("utf-8")
