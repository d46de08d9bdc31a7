"""The command as a new user runs it: `coachwire data audit DIR`, in a subprocess, with its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.factories import framework
from tests.readiness.builders import export

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "coachwire_tools.cli"]


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_json_report_of_the_sample_export_exits_1() -> None:
    result = run("data", "audit", "examples/hris-export", "--format", "json", "--as-of", "2026-11-30")
    assert result.returncode == 1, result.stderr
    data = json.loads(result.stdout)
    assert data["verdict"] == "not_ready" and data["as_of"] == "2026-11-30"
    assert [g["id"] for g in data["blocking_gaps"]] == [
        "structured.scale_mismatch", "current.stale", "coverage.performance_cycles", "coverage.unmapped_roles",
        "integrity.duplicate_ids",
    ]


def test_default_table_and_date_from_the_system_clock() -> None:
    result = run("data", "audit", "examples/hris-export")
    assert result.returncode == 1
    assert "Verdict: NOT READY (not_ready)." in result.stdout and "Blocking gaps, most impact first" in result.stdout
    assert "Proficiency on a different scale" in result.stdout


def test_a_ready_export_exits_0_and_the_report_goes_to_a_file(tmp_path: Path) -> None:
    root = export(tmp_path / "export")
    out = tmp_path / "report.html"
    result = run("data", "audit", str(root), "-o", str(out), "--as-of", "2026-06-30")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and f"html report written to {out}" in result.stderr
    assert 'data-verdict="ready"' in out.read_text()


def test_warnings_only_still_exit_0(tmp_path: Path) -> None:
    root = export(tmp_path / "export", readiness__yaml=None)
    result = run("data", "audit", str(root), "--format", "markdown", "--as-of", "2026-06-30")
    assert result.returncode == 0 and "**Verdict: Ready with warnings**" in result.stdout


def test_frameworks_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "fw").mkdir()
    (tmp_path / "fw" / "eng.yaml").write_text(yaml.safe_dump(framework().model_dump(mode="json")))
    root = export(tmp_path / "export")
    result = run("data", "audit", str(root), "--frameworks", str(tmp_path / "fw"), "--format", "json",
                 "--as-of", "2026-06-30")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["frameworks"] == ["eng"]
    assert [g["id"] for g in data["blocking_gaps"]] == ["coverage.unmapped_roles"]


def test_usage_and_input_errors_exit_2(tmp_path: Path) -> None:
    missing = run("data", "audit", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such folder" in missing.stderr
    bad_date = run("data", "audit", "examples/hris-export", "--as-of", "30/11/2026")
    assert bad_date.returncode == 2 and "is not a date in YYYY-MM-DD form" in bad_date.stderr
    bad_format = run("data", "audit", "examples/hris-export", "--format", "pdf")
    assert bad_format.returncode == 2
    root = export(tmp_path / "export", readiness__yaml="sources:\n  employees: {access: carrier-pigeon}\n")
    bad_config = run("data", "audit", str(root))
    assert bad_config.returncode == 2 and "'carrier-pigeon' is not one of" in bad_config.stderr
    bad_frameworks = run("data", "audit", str(root), "--frameworks", str(tmp_path / "nope"))
    assert bad_frameworks.returncode == 2 and "no such file or folder" in bad_frameworks.stderr
    assert run("data").returncode == 2


def test_help_lists_the_data_group() -> None:
    top = run("--help")
    assert top.returncode == 0 and "data" in top.stdout
    audit = run("data", "audit", "--help")
    assert audit.returncode == 0
    for option in ("--format", "--as-of", "--frameworks", "-o FILE"):
        assert option in audit.stdout
