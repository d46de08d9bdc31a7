"""Figures → Markdown: the tables printed by `make bench` and docs/performance.md around them."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import fmean

from coachwire import spine

from bench.calls import Capacity
from bench.coldstart import BASELINE, ColdStarts
from bench.costs import Cost
from bench.stats import Summary
from bench.workload import INGEST, STALL, Measured, Sample

COMMAND = "make bench"
MODULE_COMMAND = ".venv/bin/python -m bench"


@dataclass
class Run:
    """Everything one bench run measured, plus where and how."""

    machine: dict[str, str]
    workload: str
    measured: dict[str, Measured]
    outcomes: dict[str, dict[str, int]]
    round_trip: Summary
    scan_items: int
    scan_profiles: int
    profile_bytes: float
    cold: ColdStarts | None
    cold_repeats: int
    seconds: float


@dataclass
class Row:
    """One line of the per-event tables: a function, or stall detection per employee scanned."""

    label: str
    name: str
    spec_memory: int
    samples: list[Sample]
    per_profile: bool = False  # each sample divided by the profiles it examined

    def _per(self, sample: Sample) -> int:
        return sample.profiles_scanned if self.per_profile else 1

    @property
    def units(self) -> int:
        return sum(self._per(s) for s in self.samples)

    @property
    def times(self) -> Summary:
        return Summary.of([s.ms / self._per(s) for s in self.samples])

    @property
    def own_code(self) -> Summary:
        return Summary.of([(s.ms - s.aws_ms) / self._per(s) for s in self.samples])

    @property
    def aws_share(self) -> float:
        return sum(s.aws_ms for s in self.samples) / sum(s.ms for s in self.samples)

    @property
    def calls(self) -> float:
        return sum(sum(s.calls.values()) for s in self.samples) / self.units

    @property
    def breakdown(self) -> list[tuple[str, float]]:
        total: Counter[str] = Counter()
        for s in self.samples:
            total.update(s.calls)
        return sorted(((label, n / self.units) for label, n in total.items()), key=lambda x: (-x[1], x[0]))

    @property
    def capacity(self) -> dict[str, Capacity]:
        by_label: defaultdict[str, Capacity] = defaultdict(Capacity)
        for s in self.samples:
            for label, capacity in s.capacity.items():
                by_label[label] += capacity
        return {label: Capacity(c.rru / self.units, c.wru / self.units) for label, c in by_label.items()}

    @property
    def cost(self) -> Cost:
        total = Cost()
        for s in self.samples:
            total += s.cost
        return total.scaled(1 / self.units)


def rows(run: Run) -> list[Row]:
    """Ingest, the event triggers in spine order, then stall detection per run and per employee scanned."""
    order = [INGEST, *(t.name for t in spine.TRIGGERS if t.name != STALL)]
    result = [Row(name, name, run.measured[name].spec.memory_mb, run.measured[name].samples)
              for name in order if name in run.measured and run.measured[name].samples]
    if STALL in run.measured and run.measured[STALL].samples:
        stall = run.measured[STALL]
        result.append(Row(f"{STALL} (per run)", STALL, stall.spec.memory_mb, stall.samples))
        result.append(Row(f"{STALL} (per employee scanned)", STALL, stall.spec.memory_mb, stall.samples,
                          per_profile=True))
    return result


# -- formatting ---------------------------------------------------------------------------------------------

def ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def usd(value: float) -> str:
    """Two significant digits, at least three decimals."""
    if value <= 0:
        return "–"
    return f"${value:.{max(3, 1 - math.floor(math.log10(value)))}f}"


def pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def table(header: list[str], body: list[list[str]], align: str = "") -> str:
    align = align or "l" + "r" * (len(header) - 1)
    rule = ["---:" if a == "r" else "---" for a in align]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in [header, rule, *body])


def outcome_mix(outcomes: dict[str, int]) -> str:
    skip = {"received", "attempts", "failed_attempts"}
    parts = [f"{k} {v}" for k, v in sorted(outcomes.items(), key=lambda kv: -kv[1]) if k not in skip and v]
    return ", ".join(parts) or "–"


# -- tables -------------------------------------------------------------------------------------------------

def warm_table(run: Run) -> str:
    body = []
    for row in rows(run):
        t, own = row.times, row.own_code
        failed = run.measured[row.name].failed
        body.append([f"`{row.label}`", str(row.spec_memory), str(t.n), ms(t.p50), ms(t.p95), ms(t.p99), ms(own.p50),
                     pct(row.aws_share), f"{row.calls:.2f}", str(failed)])
    return table(["Function", "MB", "n", "p50 ms", "p95 ms", "p99 ms", "own code p50 ms", "in AWS calls",
                  "AWS calls", "failed"], body)


def _units_note(capacity: Capacity | None) -> str:
    if capacity is None or not (capacity.rru or capacity.wru):
        return ""
    parts = [f"{capacity.rru:.1f} RRU" if capacity.rru else "", f"{capacity.wru:.1f} WRU" if capacity.wru else ""]
    return " (" + ", ".join(p for p in parts if p) + ")"


def calls_table(run: Run) -> str:
    body = []
    for row in rows(run):
        capacity = row.capacity
        rru = sum(c.rru for c in capacity.values())
        wru = sum(c.wru for c in capacity.values())
        breakdown = "the run's calls and units divided by the profiles it scanned" if row.per_profile else \
            "<br>".join(f"{n:.2f} × {label}{_units_note(capacity.get(label))}" for label, n in row.breakdown)
        if row.name == INGEST:
            outcomes = ", ".join(f"HTTP {status} × {n}" for status, n in run.measured[INGEST].statuses.most_common())
        else:
            outcomes = "" if row.per_profile else outcome_mix(run.outcomes.get(row.name, {}))
        body.append([f"`{row.label}`", f"{row.calls:.2f}", breakdown, f"{rru:.2f}", f"{wru:.2f}", outcomes])
    return table(["Function", "calls / event", "mean per event (request units per event)", "RRU", "WRU",
                  "outcomes (all invocations)"], body, "lrlrrl")


def cost_table(run: Run) -> str:
    body = []
    for row in rows(run):
        c = row.cost.scaled(1000)
        body.append([f"`{row.label}`", usd(c.lambda_), usd(c.dynamodb), usd(c.eventbridge), usd(c.sqs), usd(c.ses),
                     usd(c.other), f"**{usd(c.total)}**"])
    return table(["Per 1,000 of", "Lambda", "DynamoDB", "EventBridge", "SQS", "SES", "API GW / Scheduler", "Total"],
                 body)


def cold_table(cold: ColdStarts) -> str:
    baseline = cold.results.get(BASELINE)
    header = ["Function", "MB"]
    for mode in cold.modes:
        header += [f"{mode.title}: import", "+ 1st call", "= cold"]
    body = []
    for name, result in cold.results.items():
        label = f"`{name}`" if name != BASELINE else "**baseline** (powertools Logger + boto3)"
        if math.isnan(result.median(cold.as_deployed.key, "first_ms")):
            label += " (imported only: the workload never fires it)"
        cells = [label, str(result.spec.memory_mb)]
        for mode in cold.modes:
            cells += [ms(result.median(mode.key, "import_ms")), ms(result.median(mode.key, "first_call_overhead_ms")),
                      f"**{ms(result.median(mode.key, 'cold_ms'))}**"]
        deployed = cold.as_deployed.key
        ratio = result.median(deployed, "cold_ms") / baseline.median(deployed, "cold_ms") if baseline else math.nan
        cells += ["–" if math.isnan(ratio) else f"{ratio:.1f}×", str(sum(result.failures(m.key) for m in cold.modes))]
        body.append(cells)
    return table([*header, "cold vs baseline (as deployed)", "failed runs"], body)


def families_line(families: Counter[str]) -> str:
    total = sum(families.values())
    if not total:
        return "–"
    return f"**{total:.0f}**: " + " · ".join(f"{name} {v:.0f}" for name, v in families.most_common() if v >= 1)


def imports_table(cold: ColdStarts) -> str:
    mode = cold.as_deployed.key
    body = [[f"`{name}`" if name != BASELINE else "**baseline**", families_line(r.imports(mode, "import")),
             families_line(r.imports(mode, "first call"))] for name, r in cold.results.items()]
    return table(["Function", "import, ms by package", "first call, ms by package"], body, "lll")


# -- the document -------------------------------------------------------------------------------------------

def render(run: Run) -> str:
    m = run.machine
    parts = [
        "# Performance",
        f"> Generated by `{COMMAND}` (`{MODULE_COMMAND}`) on {m['date']}. Do not edit by hand: rerun the command "
        "to regenerate it from fresh measurements.",
        "## The run",
        "\n".join([
            f"- Machine: {m['cores']} cores ({m['cpu']}), load average {m['load_start']} at the start and "
            f"{m['load_end']} at the end (other work on the machine shows up in every figure).",
            f"- Software: Python {m['python']}, moto {m['moto']}, boto3 {m['boto3']}, aws-lambda-powertools "
            f"{m['powertools']}, pydantic {m['pydantic']}, numpy {m['numpy']}. The deployed functions run Python "
            "3.12 on arm64 (`infrastructure/constructs/layer.py`).",
            f"- Workload: {run.workload}",
            f"- Emulator: moto server in a subprocess (`coachwire_tools.local`); a minimal DynamoDB GetItem round trip "
            f"takes {ms(run.round_trip.p50)} ms at p50 ({ms(run.round_trip.p95)} ms p95) here.",
            f"- Bench runtime: {run.seconds:.0f} s.",
        ]),
        "## Warm processing time per event",
        "Each event is one SQS record (or one webhook) handed to the real handler, loaded with "
        "`coachwire_tools.local.lambdas.HandlerLoader` and already warm. **Every figure includes the handler's "
        "round trips to moto over local HTTP, so it is an upper bound on compute in AWS and mostly measures the "
        "emulator**: *in AWS calls* is the share of the time spent inside botocore calls (moto, plus botocore's "
        "own signing and parsing, which Lambda pays too), *own code p50* what is left (validation, domain logic, "
        "serialisation, logging)." + _not_exercised(run),
        warm_table(run),
        "## AWS calls per event",
        "Every botocore call made inside the handler, by operation and table (the bench's own queue reads are "
        "not counted). RRU/WRU: estimated DynamoDB request units per event (see *How to read this*).",
        calls_table(run),
        "## Rough cost per 1,000 events",
        "us-east-1 prices from the project's reference sheet, arm64 Lambda at the configured memory, billed for "
        "the measured warm duration (an over-estimate, see above), one invocation per event; SQS-fed events add "
        "three SQS requests (EventBridge's send, the event source's receive and delete); ingest adds an HTTP API "
        "request; stall detection adds a Scheduler invocation and its bus event. Not included: CloudWatch Logs, "
        "X-Ray, Secrets Manager (the webhook secret is cached for 5 minutes), free tiers, cold starts' INIT time.",
        cost_table(run),
    ]
    if run.cold is not None:
        cold = run.cold
        parts += [
            "## Cold start",
            f"Median of {run.cold_repeats} fresh interpreters per function and mode (interleaved). *import*: "
            "`import handler` from the function's directory, as the Lambda runtime does; *+ 1st call*: the first "
            "invocation minus a second invocation of the same event (settings, boto3 clients, lazily imported "
            "modules, the catalog cache), the event being the last one the function got in the warm phase, so "
            "both calls take the same (duplicate) path; *= cold*: their sum, what a cold start adds to the warm "
            "figures above. "
            f"**{cold.as_deployed.title}**: the layer is pip-installed with `--no-compile` and Lambda's file system "
            "is read-only, so everything outside the standard library is compiled from source at every cold "
            f"start. **{cold.with_pyc.title}**: the same with bytecode available. The baseline is a bare handler "
            "that imports powertools' Logger and boto3 and makes one DynamoDB GetItem "
            "(`bench/baseline_function/handler.py`).",
            cold_table(cold),
            "### Where the import time goes",
            "As deployed, from `python -X importtime` (every cold-start child runs under it; its overhead is "
            "within the run-to-run noise here): self time per direct dependency of the layer "
            "(`layers/requirements.txt`) and coachwire, each including what it imports in turn (botocore counts "
            "for boto3, the standard library for whoever imported it first); *runtime* is standard library the "
            "handler's code imported directly at call time. Medians per package over the runs, so totals need not "
            "add up to the table above.",
            imports_table(cold),
        ]
    parts += ["## How to read this", how_to_read(run), "## What would move these numbers",
              "\n".join(f"- {line}" for line in observations(run))]
    return "\n\n".join(parts) + "\n"


def _not_exercised(run: Run) -> str:
    idle = [t.name for t in spine.TRIGGERS if not (t.name in run.measured and run.measured[t.name].samples)]
    if not idle:
        return ""
    return " Not exercised by this workload, so not measured warm: " + ", ".join(f"`{n}`" for n in idle) + "."


def how_to_read(run: Run) -> str:
    return "\n".join(f"- {line}" for line in [
        "Percentiles are nearest-rank over the measured invocations (the first invocations of each function are "
        "discarded as warm-up). With n below a few hundred, p99 is close to the maximum: read it as a tail "
        "indication, not a stable figure.",
        f"Time is wall-clock on a shared {run.machine['cores']}-core machine with moto in a second process: a "
        "handler and the emulator compete for the same cores. Compare functions within one run, not across runs "
        "or machines.",
        "AWS calls are exact for this workload (they depend on the data, not the machine). Request units are "
        "estimates: item sizes follow DynamoDB's rules approximately, a transaction bills 2 WRU per KB per item, "
        "an update the size of the whole item, a strongly consistent read 1 RRU per 4 KB, a Scan every item it "
        "reads (at the table's mean item size), and an update of an item the bench never saw counts as 1 KB.",
        "Costs are orders of magnitude for comparing functions and spotting what dominates; the warm duration "
        "billed here is moto-bound, and real DynamoDB/EventBridge latencies (a few ms per call) would replace it.",
        f"Cold-start figures come from this machine ({run.machine['arch']}, Python {run.machine['python']}, warm OS "
        "file cache); a 512 MB Lambda function gets a fraction of a vCPU, so expect them to be higher there, in "
        "proportion.",
    ])


def observations(run: Run) -> list[str]:
    """Data-driven notes: each line is built from this run's figures."""
    notes: list[str] = []
    by_name = {row.label: row for row in rows(run)}
    ingest = by_name.get(INGEST)
    if ingest:
        notes.append(
            f"**The emulator dominates warm time.** {pct(ingest.aws_share)} of ingest's time is spent inside AWS "
            f"calls (each ~{ms(run.round_trip.p50)} ms to moto here); own code is {ms(ingest.own_code.p50)} ms "
            "at p50. Fewer calls per event move these figures (and the bill) more than faster Python would.")
    events = [r for r in rows(run) if r.name != STALL]
    if events:
        dynamodb = sum(r.cost.dynamodb for r in events)
        without_email = sum(r.cost.total - r.cost.ses for r in events)
        row, label, units = max(((r, label, c) for r in events for label, c in r.capacity.items()),
                                key=lambda x: x[2].wru)
        whole_profile = "TransactWriteItems" in label and "profiles" in label.split(" ", 1)[-1].split("+")
        notes.append(
            f"**DynamoDB writes are most of the bill, email aside.** Leaving SES's $0.10 per 1,000 emails out, "
            f"DynamoDB is {pct(dynamodb / without_email)} of the estimated cost of the event-driven functions. "
            f"The largest single writer is `{label}` in `{row.name}`, {units.wru:.1f} WRU per event"
            + (f": the profile document ({run.profile_bytes / 1024:.1f} KB on average at the end of this run) is "
               "written whole in each firing's transaction, at 2 WRU per KB, so its size sets the price of "
               "every firing." if whole_profile else "."))
    common = _common_calls(run)
    if common:
        described = []
        for label in common:
            wru = fmean(r.capacity.get(label, Capacity()).wru for r in events if r.name not in (INGEST,)
                        and label in r.capacity)
            text = f"`{label}` ({wru:.1f} WRU)"
            if "TransactWriteItems" in label:
                text += f", billed double as a transaction: as plain writes the same items would cost {wru / 2:.1f} " \
                        "WRU in one more call"
            described.append(text)
        notes.append("**Every trigger firing pays the same bookkeeping:** " + "; ".join(described) + ".")
    stall = by_name.get(f"{STALL} (per run)")
    scans = stall is not None and any("Scan" in label for label, _ in stall.breakdown)
    if stall and run.scan_profiles and scans:
        notes.append(
            f"**Stall detection scans the whole profiles table.** At the end of this run it holds "
            f"{run.scan_items} items of which {run.scan_profiles} are profiles (receipts, recommendations, plans "
            "and alerts share the table), and a Scan reads and bills them all before the filter. Its cost grows "
            "with history, not with headcount; a sparse index or a key prefix query over profiles would not.")
    if run.cold is not None:
        notes += _cold_observations(run.cold)
    return notes


def _common_calls(run: Run) -> list[str]:
    triggers = [r for r in rows(run) if r.name not in (INGEST, STALL)]
    if not triggers:
        return []
    shared = set.intersection(*({label for label, n in r.breakdown if n >= 0.95} for r in triggers))
    return sorted(shared)


def _cold_observations(cold: ColdStarts) -> list[str]:
    notes = []
    deployed, pyc = cold.as_deployed.key, cold.with_pyc.key
    functions = [r for name, r in cold.results.items() if name != BASELINE]
    called = [r for r in functions if not math.isnan(r.median(deployed, "cold_ms"))]
    if not called:
        return notes
    cold_deployed = fmean(r.median(deployed, "cold_ms") for r in called)
    cold_pyc = fmean(r.median(pyc, "cold_ms") for r in called)
    notes.append(
        f"**Ship bytecode.** Across the functions a cold start averages {ms(cold_deployed)} ms as deployed and "
        f"{ms(cold_pyc)} ms with .pyc ({pct(1 - cold_pyc / cold_deployed)} less). The .pyc must come from the "
        "Lambda interpreter's version (3.12), e.g. `python3.12 -m compileall` in the layer bundling, or the "
        "bundling image.")
    families: Counter[str] = Counter()
    for r in called:
        for phase in ("import", "first call"):
            families.update(r.imports(deployed, phase))
    if families:
        top = [(name, total / len(called)) for name, total in families.most_common(5)]
        notes.append("**What a cold start imports (as deployed, import + first call, mean over functions):** "
                     + ", ".join(f"{name} {v:.0f} ms" for name, v in top) + ".")
    chains = {name: r.chains(deployed)["numpy"] for name, r in cold.results.items()
              if name != BASELINE and "numpy" in r.chains(deployed)}
    if chains:
        example_name, example = next(iter(chains.items()))
        notes.append(
            f"**numpy is loaded by {len(chains)} of {len(functions)} functions** "
            f"({', '.join(f'`{n}`' for n in chains)}); in `{example_name}` through `{example}`. A function that "
            "never runs gap analysis still pays for it when it imports a module that does.")
    boto = [r.imports(deployed, "first call").get("boto3", 0) for r in called]
    if any(boto):
        notes.append(
            f"**boto3 loads on the first call, not at import** ({fmean(boto):.0f} ms as deployed on average): "
            "the handlers build their AWS dependencies lazily. It still counts: Lambda bills INIT and the first "
            "invocation alike, and the baseline pays it at import.")
    return notes
