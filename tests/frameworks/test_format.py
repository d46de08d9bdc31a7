"""Framework files: YAML and JSON by extension, precise syntax errors, repeated keys, lines, stable dumps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from coachwire.frameworks import format as fmt

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tools/coachwire_tools/sample_org/frameworks/software_engineering.yaml"


def test_yaml_and_json_load_to_the_same_document(tmp_path: Path) -> None:
    doc = fmt.load(SAMPLE)
    assert doc.source == str(SAMPLE)
    assert doc.data["effective_date"] == "2026-01-01"  # a YAML date becomes its ISO string, as in JSON
    assert doc.data["version"] == "2026.1"
    as_json = tmp_path / "se.json"
    fmt.dump(doc.data, as_json)
    assert json.loads(as_json.read_text())["framework_id"] == "software_engineering"
    assert fmt.load(as_json).data == doc.data
    as_yml = tmp_path / "se.yml"
    fmt.dump(doc.data, as_yml)
    assert fmt.load(as_yml).data == doc.data


def test_dump_is_stable_and_in_the_model_order(tmp_path: Path) -> None:
    data = fmt.load(SAMPLE).data
    shuffled = dict(reversed(list(data.items())))
    shuffled["skills"] = [dict(reversed(list(s.items()))) for s in data["skills"]]
    text = fmt.dumps(shuffled)
    assert text == fmt.dumps(data) == fmt.dumps(fmt.loads(text).data)
    order = ["framework_id", "version", "name", "owner", "effective_date", "scale", "skills", "roles"]
    assert list(fmt.loads(text).data) == order
    assert "\neffective_date: 2026-01-01\n" in text  # a date, not the string '2026-01-01'
    assert "\nversion: '2026.1'\n" in text  # stays a string
    skill_keys = list(fmt.loads(text).data["skills"][0])
    assert skill_keys == ["skill_id", "name", "description", "category", "criticality", "levels"]
    extra = {**data, "x_extension": 1}  # unknown keys keep their place after the known ones
    assert list(fmt.ordered_document(extra))[-1] == "x_extension"
    assert fmt.dumps(data, as_json=True) == fmt.dumps(shuffled, as_json=True)


def test_lines_of_elements() -> None:
    doc = fmt.load(SAMPLE)
    lines = SAMPLE.read_text().splitlines()
    line = doc.line_of(("roles", 0, "stages", 2, "benchmarks", "eng.testing"))
    assert line is not None and lines[line - 1].strip() == "eng.testing: 3"
    assert lines[doc.line_of(("skills", 1)) - 1].strip().startswith("- skill_id: eng.system_design")
    # A missing element: the nearest one that exists.
    assert doc.line_of(("skills", 1, "nope")) == doc.line_of(("skills", 1))


def test_json_lines_are_known_too(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text('{\n  "framework_id": "x",\n  "scale": [\n    {"level": 1}\n  ]\n}\n')
    doc = fmt.load(path)
    assert doc.line_of(("scale", 0, "level")) == 4


@pytest.mark.parametrize(
    ("name", "text", "line", "column", "reason"),
    [
        ("f.yaml", "framework_id: x\nscale: [1, 2\nname: y\n", 3, 5, "expected ',' or ']'"),
        ("f.yaml", "a: 1\n  b: 2\n", 2, 4, "mapping values are not allowed"),
        ("f.json", '{"a": 1,\n "b": }', 2, 7, "Expecting value"),
    ],
)
def test_syntax_errors_give_file_line_and_column(
    tmp_path: Path, name: str, text: str, line: int, column: int, reason: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(fmt.FrameworkSyntaxError) as raised:
        fmt.load(path)
    error = raised.value
    assert (error.file, error.line, error.column) == (str(path), line, column)
    assert reason in error.reason
    assert str(error).startswith(f"{path}:{line}:{column}: ")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    with pytest.raises(fmt.FrameworkSyntaxError, match="not UTF-8"):
        fmt.load(path)


def test_repeated_keys_are_reported_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a: 1\nb:\n  c: 1\n  c: 2\na: 3\n")
    doc = fmt.load(path)
    assert doc.data == {"a": 3, "b": {"c": 2}}  # what every YAML parser does: the last wins
    assert doc.duplicate_keys == [(("b", "c"), 4), (("a",), 5)]
    path = tmp_path / "f.json"
    path.write_text('{"a": 1,\n "b": {"c": 1, "c": 2}}')
    assert fmt.load(path).duplicate_keys == [(("b", "c"), 2)]


def test_empty_and_unreadable(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing\n")
    assert fmt.load(empty).data is None
    with pytest.raises(FileNotFoundError):
        fmt.load(tmp_path / "missing.yaml")


def test_other_extensions_read_as_yaml(tmp_path: Path) -> None:
    path = tmp_path / "framework.txt"
    path.write_text("framework_id: x\n")
    assert fmt.load(path).data == {"framework_id": "x"}
