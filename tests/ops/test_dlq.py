"""`coachwire dlq list|show|redrive` on the local stack: a trigger fails until its cause is fixed, its firings are
dead-lettered, shown by ids and codes only, redriven, and then each takes effect exactly once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import requests
from coachwire.adapters.aws import reset_clients
from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire.runtime.wiring import aws_dependencies
from coachwire_tools.cli import main
from coachwire_tools.local.lambdas import repo_root
from coachwire_tools.local.stack import LocalStack, new_webhook_secret
from coachwire_tools.webhook_client import WebhookClient

from tests.factories import catalog, framework
from tests.integration.conftest import checkin, upsert

pytestmark = pytest.mark.e2e  # a local stack over real HTTP

# The real checkin_gap_nudge, except that its service raises while the fault file exists.
FAULTY_HANDLER = """
import os
from coachwire.runtime.trigger import TriggerHandler
from coachwire.services.checkin_gap_nudge import checkin_gap_nudge


class InjectedFault(RuntimeError):
    pass


def faulty(detail, deps):
    if os.path.exists(os.environ["COACHWIRE_TEST_FAULT_FILE"]):
        raise InjectedFault("the catalog service is down")
    return checkin_gap_nudge(detail, deps)


handler = TriggerHandler("checkin_gap_nudge", faulty)


def lambda_handler(event, context):
    return handler(event, context)
"""


@pytest.fixture()
def fault(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "handlers"
    shutil.copytree(repo_root() / "functions", root / "functions")
    (root / "functions" / "checkin_gap_nudge" / "handler.py").write_text(FAULTY_HANDLER)
    flag = tmp_path / "fault"
    flag.touch()
    monkeypatch.setenv("COACHWIRE_TEST_FAULT_FILE", str(flag))
    return root


def dlq(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["dlq", *args])
    out = capsys.readouterr()
    # The handlers running in this process log JSON lines to stdout meanwhile: keep the command's own lines.
    lines = [line for line in (out.out + out.err).splitlines() if not line.startswith('{"level"')]
    return code, "\n".join(lines)


def test_dead_lettered_firings_are_shown_without_personal_data_and_redriven_to_one_effect_each(fault, capsys):
    with LocalStack(webhook_secrets=[new_webhook_secret()], handler_root=fault) as stack:
        reset_clients()
        DynamoCatalogStore(stack.settings.catalog_table).put_framework(framework(), catalog())
        hris = WebhookClient(stack.base_url, stack.webhook_secrets[0])
        people = [("dlq-emp-1", "dlq-mgr-1"), ("dlq-emp-2", "dlq-mgr-1"), ("dlq-emp-3", "dlq-mgr-1")]
        assert hris.send(upsert("dlq-mgr-1", None, "senior")).status == 202
        for employee, manager in people:
            assert hris.send(upsert(employee, manager)).status == 202
        stack.wait_until_idle()
        firings = []
        for employee, manager in people:
            sent = hris.send(checkin(employee, manager, [{"skill_id": "design", "level": 1, "gap_flagged": True}]))
            assert sent.status == 202
            firings.append(sent.webhook_id)
        stack.wait_until_idle(timeout=60)  # three receives each, then the DLQ

        code, listing = dlq(capsys, "list")
        assert code == 0
        assert any(line.split() == ["checkin_gap_nudge", "3"] for line in listing.splitlines()), listing
        assert any(line.split() == ["profile_sync", "0"] for line in listing.splitlines()), listing

        code, shown = dlq(capsys, "show", "--trigger", "checkin_gap_nudge")
        assert code == 0
        rows = {line.split()[0]: line.split() for line in shown.splitlines() if line.strip().startswith("msg_")}
        assert set(rows) == set(firings), shown
        for row in rows.values():
            assert row[1:3] == ["performance.checkin.submitted", "InjectedFault"]
            assert int(row[3]) >= 1
        for employee, _ in people:  # ids of the firing only, never the payload's people
            assert employee not in shown and f"{employee}@example.com" not in shown
        assert "@" not in shown and "Test Dlq" not in shown and "design" not in shown
        assert dlq(capsys, "list")[1] == listing  # peeking left every message where it was

        Path(__import__("os").environ["COACHWIRE_TEST_FAULT_FILE"]).unlink()  # the cause is fixed
        code, redriven = dlq(capsys, "redrive", "--trigger", "checkin_gap_nudge")
        assert code == 0 and "Redrove 3 of 3" in redriven, redriven
        stack.wait_until_idle(timeout=60)

        assert any(line.split() == ["checkin_gap_nudge", "0"] for line in dlq(capsys, "list")[1].splitlines())
        deps = aws_dependencies(stack.settings)
        for firing in firings:
            outcomes = [r.outcome for r in deps.audit.for_event(firing) if r.trigger == "checkin_gap_nudge"]
            assert outcomes.count("succeeded") == 1 and set(outcomes) == {"failed", "succeeded"}, outcomes
        token = stack.mint_token("hr_admin", "hr-1")
        for employee, _ in people:
            notes = requests.get(f"{stack.base_url}/notifications", params={"recipient_id": employee}, timeout=30,
                                 headers={"authorization": f"Bearer {token}"}).json()["notifications"]
            assert len([n for n in notes if n["kind"] == "nudge"]) == 1, json.dumps(notes)

        # Redriving again finds nothing and repeats nothing.
        assert "Redrove 0 of 0" in dlq(capsys, "redrive", "--trigger", "checkin_gap_nudge")[1]


def test_without_a_stack_to_talk_to_the_cli_says_what_to_set(capsys, monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("COACHWIRE_STAGE", raising=False)
    code, said = dlq(capsys, "list")
    assert code == 2 and "pass --stage" in said and "AWS_ENDPOINT_URL" in said and "Traceback" not in said

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    code, said = dlq(capsys, "show", "--trigger", "checkin_gap_nudge")
    assert code == 2 and "cannot reach" in said and "coachwire local serve" in said

    code, said = dlq(capsys, "show", "--trigger", "no_such_trigger")
    assert code == 2 and "no trigger 'no_such_trigger'" in said
