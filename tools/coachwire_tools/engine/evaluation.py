"""The time-split replay on synthetic history, as `coachwire engine evaluate` runs and prints it."""

from __future__ import annotations

from coachwire.engine.evaluate import EvaluationReport, evaluate
from coachwire.engine.model import ModelVersion

from coachwire_tools.engine.synthetic_history import generate_history


def run(employees: int = 1500, seed: int = 7) -> tuple[EvaluationReport, ModelVersion]:
    return evaluate(generate_history(employees, seed), seed=seed)


def render_text(report: EvaluationReport) -> str:
    lines = [
        f"Time-split replay: seed {report.seed}, {report.employees} employees, history {report.history_start} to "
        f"{report.history_end}, split {report.split}, k={report.k}, window {report.window_days} days",
        f"train completions {report.train_completions}; test completions {report.test_completions} "
        f"({report.test_completions_full_window} with the window fully observed)",
        f"model {report.model_version}; candidate {report.candidate_version}",
        "",
        f"{'scorer':<16} {'metric':<24} {'value':>7}  {'95% CI':<18} {'n':>7}",
    ]
    for r in report.rows:
        lines.append(f"{r.scorer:<16} {r.metric:<24} {r.value:>7.4f}  [{r.low:.4f}, {r.high:.4f}]{'':<2} {r.n:>7}")
    return "\n".join(lines)
