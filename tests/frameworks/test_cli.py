"""`coachwire framework validate|import|export|schema`, as a new user runs them: real files, real exit codes.

The import/export dispatch is tested with a tiny fake importer and exporter registered here (the real
ones have their own tests)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from coachwire.frameworks import format as fmt
from coachwire_tools.cli import main
from coachwire_tools.frameworks import interchange
from coachwire_tools.frameworks.interchange import ImportOptions, ImportReport, ImportResult
from coachwire_tools.frameworks.schema import COMMITTED_PATH

REPO = Path(__file__).resolve().parents[2]
BROKEN = "examples/frameworks/broken/support_engineering.yaml"
SAMPLE = REPO / "examples/frameworks/product_management.yaml"


def coachwire(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coachwire_tools.cli", *args], cwd=REPO, capture_output=True, text=True, timeout=60
    )


# -- validate, in a real process ------------------------------------------------------------------------


def test_validate_the_examples() -> None:
    run = coachwire("framework", "validate", "examples/frameworks/")
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.splitlines() == [
        "examples/frameworks/people_partnering.yaml: valid",
        "examples/frameworks/product_management.yaml: valid",
        "examples/frameworks/software_engineering.yaml: valid",
        "3 files checked: 3 valid, 0 invalid",
    ]


def test_validate_the_broken_example_prints_what_the_docs_show() -> None:
    run = coachwire("framework", "validate", BROKEN)
    assert run.returncode == 1
    docs = (REPO / "docs/frameworks.md").read_text(encoding="utf-8")
    shown = docs.split("<!-- broken-example-output", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert run.stdout == shown
    codes = {line.rsplit("[", 1)[1].rstrip("]") for line in run.stdout.splitlines()[:-1]}
    assert codes >= {"unknown_skill", "level_outside_scale", "missing_anchors", "duplicate_id", "benchmark_drops"}
    assert "prerequisite_cycle" in codes


def test_validate_json_output() -> None:
    run = coachwire(
        "framework", "validate", "--format", "json", BROKEN, "examples/frameworks/software_engineering.yaml"
    )
    assert run.returncode == 1
    out = json.loads(run.stdout)
    assert out["valid"] is False
    broken, valid = out["files"]
    assert (broken["file"], broken["valid"], len(broken["problems"])) == (BROKEN, False, 9)
    assert (valid["valid"], valid["problems"]) == (True, [])
    first = broken["problems"][0]
    assert set(first) == {"file", "line", "column", "path", "pointer", "code", "message"}
    assert (first["line"], first["code"], first["path"]) == (
        25,
        "label_anchor",
        "skills[sup.troubleshooting].levels[2].anchors[#0]",
    )


def test_validate_a_missing_file_is_exit_2() -> None:
    run = coachwire("framework", "validate", "examples/frameworks/nope.yaml", "examples/frameworks/")
    assert run.returncode == 2
    assert "examples/frameworks/nope.yaml: no such file" in run.stderr
    assert "3 files checked: 3 valid, 0 invalid; 1 file could not be read" in run.stdout


def test_usage_errors_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["framework", "validate"])
    assert raised.value.code == 2
    assert main(["framework"]) == 2


def test_in_process_validate_with_a_syntax_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("framework_id: x\nscale: [1, 2\nname: y\n")
    assert main(["framework", "validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(f"{path}:3:5: (document): while parsing a flow sequence")
    assert out.splitlines()[0].endswith("[syntax]")


# -- import: dispatch through the registry, with a fake importer ----------------------------------------


def fake_import(source: Path, options: ImportOptions) -> ImportResult:
    """Returns the framework stored in `source` (JSON), with the id from the options if given."""
    spec = json.loads(Path(source).read_text())
    if spec.get("crash"):
        raise ValueError("the source is from the future")
    data = spec["framework"]
    if options.framework_id:
        data["framework_id"] = options.framework_id
    report = ImportReport(source=str(source), standard="fake", mapped={"skills": len(data["skills"])})
    for severity, where, message in spec.get("findings", []):
        report.add(severity, where, message)
    return ImportResult(data=data, report=report)


def fake_export(framework: object) -> dict:
    return {"exported": framework.framework_id, "skills": [s.skill_id for s in framework.skills]}


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(interchange.IMPORTERS, "fake", f"{__name__}:fake_import")
    monkeypatch.setitem(interchange.EXPORTERS, "fake", f"{__name__}:fake_export")


def source(tmp_path: Path, **spec: object) -> Path:
    path = tmp_path / "source.json"
    path.write_text(json.dumps({"framework": fmt.load(SAMPLE).data, **spec}))
    return path


def test_import_writes_a_valid_framework_and_a_report(
    registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = source(tmp_path, findings=[["warning", "row 7", "no description"], ["info", "doc", "title mapped"]])
    out = tmp_path / "out" / "pm.yaml"
    assert main(["framework", "import", "--from", "fake", str(src), "-o", str(out), "--framework-id", "pm2"]) == 0
    assert fmt.load(out).data["framework_id"] == "pm2"
    assert main(["framework", "validate", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"{out}: valid; report: {out}.report.md" in printed
    report = Path(f"{out}.report.md").read_text()
    assert "- Result: **valid**" in report
    assert "| warning | row 7 | no description |" in report
    assert "| skills | 8 |" in report
    assert "The framework validates." in report


def test_import_json_output_and_json_file(registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pm.json"
    assert (
        main(["framework", "import", "--from", "fake", str(source(tmp_path)), "-o", str(out), "--format", "json"]) == 0
    )
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is True and printed["problems"] == []
    assert (printed["standard"], printed["output"], printed["report"]) == ("fake", str(out), f"{out}.report.md")
    assert json.loads(out.read_text())["framework_id"] == "product_management"


def test_import_that_does_not_validate_says_exactly_why(
    registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = fmt.load(SAMPLE).data
    skill = spec["skills"][0]
    skill["levels"] = skill["levels"][:2]  # the source had no anchors for levels 3 and 4
    src = tmp_path / "src.json"
    src.write_text(json.dumps({"framework": spec, "findings": [["error", "pm.discovery", "no anchors above 2"]]}))
    out = tmp_path / "pm.yaml"
    assert main(["framework", "import", "--from", "fake", str(src), "-o", str(out), "--format", "json"]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert printed["valid"] is False
    assert [(p["code"], p["path"]) for p in printed["problems"]] == [
        ("missing_anchors", f"skills[{skill['skill_id']}].levels[3]"),
        ("missing_anchors", f"skills[{skill['skill_id']}].levels[4]"),
    ]
    assert all(p["line"] for p in printed["problems"])
    assert out.exists()  # written anyway, to be finished by hand
    report = Path(f"{out}.report.md").read_text()
    assert "**does not validate** (2 problems" in report
    assert f"`skills[{skill['skill_id']}].levels[3]`" in report and "`missing_anchors`" in report
    assert "| error | pm.discovery | no anchors above 2 |" in report
    assert main(["framework", "validate", str(out)]) == 1  # the same verdict from validate


def test_import_errors(registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    src = source(tmp_path)
    out = str(tmp_path / "o.yaml")
    monkeypatch.setitem(interchange.IMPORTERS, "later",
                        "coachwire_tools.frameworks.importers.not_written_yet:import_it")
    assert main(["framework", "import", "--from", "later", str(src), "-o", out]) == 2
    assert "the 'later' importer is not available yet" in capsys.readouterr().err
    monkeypatch.setitem(interchange.IMPORTERS, "nofunc", f"{__name__}:no_such_function")
    assert main(["framework", "import", "--from", "nofunc", str(src), "-o", out]) == 2
    assert "not available yet" in capsys.readouterr().err
    (tmp_path / "needs_dep.py").write_text("import not_a_real_dependency_xyz\n\ndef imp(s, o): ...\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(interchange.IMPORTERS, "dep", "needs_dep:imp")
    assert main(["framework", "import", "--from", "dep", str(src), "-o", out]) == 2
    assert "needs the module 'not_a_real_dependency_xyz', which is not installed" in capsys.readouterr().err
    assert main(["framework", "import", "--from", "nope", str(src), "-o", out]) == 2
    assert "no importer for 'nope' (available: case, " in capsys.readouterr().err
    assert main(["framework", "import", "--from", "fake", str(src), "-o", str(tmp_path / "o.txt")]) == 2
    assert "must end in .yaml, .yml or .json" in capsys.readouterr().err
    assert main(["framework", "import", "--from", "fake", str(tmp_path / "missing"), "-o", out]) == 2
    assert "no such file or directory" in capsys.readouterr().err
    assert main(["framework", "import", "--from", "fake", str(source(tmp_path, crash=True)), "-o", out]) == 1
    assert "the 'fake' importer failed: ValueError: the source is from the future" in capsys.readouterr().err
    assert not Path(out).exists()


def test_import_help_names_every_registered_standard(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["framework", "import", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    for name in interchange.IMPORTERS:
        assert name in help_text


# -- export -------------------------------------------------------------------------------------------


def test_export(registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pm.fake.json"
    assert main(["framework", "export", "--to", "fake", str(SAMPLE), "-o", str(out)]) == 0
    assert json.loads(out.read_text())["exported"] == "product_management"
    capsys.readouterr()
    assert main(["framework", "export", "--to", "fake", str(SAMPLE), "-o", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["skills"][0] == "pm.discovery"


def test_export_refuses_an_invalid_framework(
    registry: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.json"
    assert main(["framework", "export", "--to", "fake", str(REPO / BROKEN), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "[benchmark_drops]" in err and "does not validate; nothing exported" in err
    assert not out.exists()
    assert main(["framework", "export", "--to", "fake", str(tmp_path / "missing.yaml"), "-o", str(out)]) == 2


def test_export_not_available(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setitem(interchange.EXPORTERS, "case", "coachwire_tools.frameworks.exporters.not_written_yet:export_it")
    assert main(["framework", "export", "--to", "case", str(SAMPLE), "-o", str(tmp_path / "x.json")]) == 2
    assert "the 'case' exporter is not available yet" in capsys.readouterr().err


# -- schema -------------------------------------------------------------------------------------------


def test_schema_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["framework", "schema", "--check", str(REPO / COMMITTED_PATH)]) == 0
    stale = tmp_path / "stale.json"
    stale.write_text("{}\n")
    assert main(["framework", "schema", "--check", str(stale)]) == 1
    assert "coachwire framework schema -o" in capsys.readouterr().err
    fresh = tmp_path / "fresh.json"
    assert main(["framework", "schema", "-o", str(fresh)]) == 0
    assert fresh.read_text() == (REPO / COMMITTED_PATH).read_text()
