"""The published metric definitions: complete, versioned, and docs/metrics.md generated from them (no drift)."""

from pathlib import Path

import pytest
from coachwire.metrics.definitions import DEFINITIONS, Iso30414, definition, render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
REGENERATE = ("PYTHONPATH=layers python -c 'from coachwire.metrics.definitions import render_markdown; "
              "print(render_markdown(), end=\"\")' > docs/metrics.md")


def test_docs_metrics_md_is_the_generated_text():
    assert DOC.read_text(encoding="utf-8") == render_markdown(), f"docs/metrics.md is stale: {REGENERATE}"


def test_every_metric_of_the_issue_is_defined_once_per_version():
    keys = {item.key for item in DEFINITIONS}
    assert keys == {"adoption", "manager_utilisation", "skill_progression", "trigger_reliability",
                    "employee_sentiment", "time_to_competency", "internal_mobility", "high_performer_retention",
                    "skill_gap_closure", "manager_coaching_confidence"}
    refs = [item.ref for item in DEFINITIONS]
    assert len(refs) == len(set(refs))


def test_each_definition_is_complete_and_names_its_iso_area_or_why_not():
    for item in DEFINITIONS:
        assert item.numerator and item.denominator and item.window and item.population and item.minimum_n >= 1
        assert item.iso_30414_note.strip()
        assert f"`{item.ref}`" in render_markdown()
    assert definition("internal_mobility").iso_30414 is Iso30414.RECRUITMENT_MOBILITY_TURNOVER
    assert definition("adoption").iso_30414 is None
    assert {definition(key).minimum_n for key in ("employee_sentiment", "manager_coaching_confidence")} == {5}


def test_a_definition_is_looked_up_by_key_and_version():
    assert definition("adoption", 1).ref == "adoption@1"
    with pytest.raises(KeyError):
        definition("adoption", 99)
    with pytest.raises(KeyError):
        definition("nope")


def test_a_definition_without_an_iso_note_is_refused():
    with pytest.raises(ValueError):
        DEFINITIONS[0].model_validate({**DEFINITIONS[0].model_dump(), "iso_30414_note": " "})
