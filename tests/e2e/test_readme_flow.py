"""The README's "Try it by hand" flow, as a new user runs it: `coachwire local serve --seed sample` in one
process, the CLI to sign example webhooks and mint tokens, plain HTTP to read the results."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import requests
from coachwire_tools.local.stack import new_webhook_secret
from coachwire_tools.sample_org.people import SAMPLE_DEMOGRAPHICS

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "webhooks"
CLI = [sys.executable, "-m", "coachwire_tools.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = _free_port()
    env = {**os.environ, "COACHWIRE_WEBHOOK_SECRETS": new_webhook_secret(),
           "COACHWIRE_HOME": str(tmp_path_factory.mktemp("home")), "POWERTOOLS_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([*CLI, "local", "serve", "--port", str(port), "--seed", "sample"], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/openapi.json", timeout=2).status_code == 200:
                break
        except (requests.ConnectionError, requests.Timeout):  # a busy start-up (the seed's webhooks) is slow
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("local serve did not come up")
    yield base, env
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)


def cli(env, *args: str) -> str:
    return subprocess.run([*CLI, *args], cwd=REPO, env=env, check=True, capture_output=True, text=True,
                          timeout=60).stdout.strip()


def get(base, env, path, role, sub, **params):
    token = cli(env, "local", "token", "--role", role, "--sub", sub)
    response = requests.get(base + path, params=params, timeout=30, headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200, (path, response.text)
    return response.json()


def send(base, env, name: str) -> dict:
    out = cli(env, "webhook", "send", str(EXAMPLES / f"{name}.json"), "--url", base)
    status, body = out.split(" ", 1)
    assert status == "202", out
    return json.loads(body)


def eventually(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def test_every_example_payload_is_accepted_and_acted_on(server):
    base, env = server
    checkin = json.loads((EXAMPLES / "performance.checkin.submitted.json").read_text())["data"]
    promoted = json.loads((EXAMPLES / "employee.role.changed.json").read_text())["data"]
    employee, manager = checkin["employee_id"], checkin["manager_id"]

    assert send(base, env, "employee.upserted")["status"] == "accepted"
    send(base, env, "performance.checkin.submitted")

    def nudged():
        recs = get(base, env, f"/employees/{employee}/recommendations", "employee", employee)["recommendations"]
        assert recs and all(r["explanation"] and r["factors"] for r in recs)
        flagged = {r["skill_id"] for r in checkin["skill_ratings"] if r["gap_flagged"]}
        assert {r["skill_id"] for r in recs} <= flagged
        notes = get(base, env, "/notifications", "employee", employee, recipient_id=employee)["notifications"]
        assert [n["status"] for n in notes if n["kind"] == "nudge"] == ["sent"]
        return recs

    recs = eventually(nudged)
    send(base, env, "learning.activity.completed")

    def next_step():
        now = get(base, env, f"/employees/{employee}/recommendations", "manager", manager)["recommendations"]
        assert any(r["trigger"] == "learning_next_step" for r in now)
        assert {r["item_id"] for r in now if r["status"] == "done"}
        return now

    assert len(eventually(next_step)) > len(recs)
    send(base, env, "employee.role.changed")

    def planned():
        plan = get(base, env, f"/employees/{promoted['employee_id']}/plan", "hr_admin", "hr-1")["plan"]
        assert plan and plan["to_stage"] == promoted["career_stage"] and plan["milestones"]
        return plan

    eventually(planned)
    send(base, env, "employee.demographics.upserted")

    seeded = len(SAMPLE_DEMOGRAPHICS)  # the seed's synthetic demographics took the same path

    def stored_apart():
        rows = {row["trigger"]: row for row in get(base, env, "/triggers/stats", "hr_admin", "hr-1")["triggers"]}
        assert rows["demographics_sync"]["succeeded"] == seeded + 1
        return rows

    stats = eventually(stored_apart)
    assert all(row["failed_attempts"] == 0 and row["dead_lettered"] == 0 for row in stats.values())
    assert stats["ingest_webhook"]["succeeded"] == seeded + 5
    # employee.left is replayed by test_the_policy_is_public_and_a_leaver_sees_their_erasure_date_in_their_export.
    assert sorted(p.stem for p in EXAMPLES.glob("*.json")) == sorted(
        ["employee.upserted", "performance.checkin.submitted", "learning.activity.completed", "employee.role.changed",
         "employee.demographics.upserted", "employee.left"]), "a new example needs a step here"


def test_a_bias_audit_runs_from_the_command_line(server):
    base, env = server
    today = date.today()
    window = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    env = {**env, "COACHWIRE_TOKEN": cli(env, "local", "token", "--role", "hr_admin", "--sub", "hr-1")}
    out = cli(env, "audit", "run", "--window", window, "--url", base)
    assert f"of {window}: completed" in out and "report: GET" in out
    assert "open it: coachwire report open '/audits/" in out
    listed = get(base, env, "/audits", "hr_admin", "hr-1")["audits"]
    assert [a["window"] for a in listed] == [window]


def test_a_new_framework_version_is_published_from_the_command_line(server, tmp_path):
    import yaml

    base, env = server
    source = yaml.safe_load((REPO / "examples" / "frameworks" / "product_management.yaml").read_text())
    source["version"] = "2026.2"
    new_version = tmp_path / "product_management.yaml"
    new_version.write_text(yaml.safe_dump(source))
    env = {**env, "COACHWIRE_TOKEN": cli(env, "local", "token", "--role", "hr_admin", "--sub", "hr-1")}
    status, body = cli(env, "framework", "publish", str(new_version), "--url", base).split(" ", 1)
    assert status == "201" and json.loads(body)["version"] == "2026.2"
    again = subprocess.run([*CLI, "framework", "publish", str(new_version), "--url", base], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and again.stdout.startswith("200 ")
    listed = {f["framework_id"]: f for f in get(base, env, "/frameworks", "employee", "emp-0003")["frameworks"]}
    product = listed[source["framework_id"]]
    assert product["current_version"] == "2026.2" and set(product["versions"]) == {"2026.1", "2026.2"}
    source["name"] = "Edited after publishing"
    new_version.write_text(yaml.safe_dump(source))
    refused = subprocess.run([*CLI, "framework", "publish", str(new_version), "--url", base], cwd=REPO, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and refused.stdout.startswith("409 ")


def test_the_policy_is_public_and_a_leaver_sees_their_erasure_date_in_their_export(server):
    base, env = server
    policy = requests.get(base + "/policy", params={"format": "markdown"}, timeout=30)
    assert policy.status_code == 200 and "## How long data is kept" in policy.text
    left = json.loads((EXAMPLES / "employee.left.json").read_text())["data"]
    employee = left["employee_id"]
    send(base, env, "employee.left")

    def marked():
        export = get(base, env, f"/employees/{employee}/export", "employee", employee)
        assert export["profile"]["leaving_date"] == left["leaving_date"]
        return export

    export = eventually(marked)
    assert export["profile"]["erase_after"] > left["leaving_date"]
    assert export["policy_version"] == requests.get(base + "/policy", timeout=30).json()["version"]
