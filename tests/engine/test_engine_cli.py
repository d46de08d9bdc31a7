from __future__ import annotations

import json

from coachwire_tools.cli import main


def test_model_evaluate_json_and_card(capsys):
    assert main(["model", "evaluate", "--format", "json", "--employees", "150", "--seed", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["seed"] == 3 and report["employees"] == 150
    assert {r["scorer"] for r in report["rows"]} == {"model", "candidate", "popular_in_role", "random"}
    assert main(["model", "card", "--employees", "150"]) == 0
    assert "## Model" in capsys.readouterr().out
