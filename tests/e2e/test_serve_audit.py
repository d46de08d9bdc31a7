"""`coachwire local serve --seed sample --population N` as a newcomer runs it (`make serve`): the hints it prints
work as printed without an active venv, the seed is said in words and labelled synthetic, and a bias audit run by
hand from another terminal (reaching the API through COACHWIRE_API_URL) compares groups instead of finding
"insufficient data" everywhere, and is reproduced byte for byte from the bucket."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "coachwire_tools.cli"]
POPULATION = 60  # make serve uses 100: more margin, slower to start


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    env = {**os.environ, "COACHWIRE_HOME": str(home), "POWERTOOLS_LOG_LEVEL": "WARNING"}
    for name in ("COACHWIRE_WEBHOOK_SECRETS", "COACHWIRE_API_URL", "COACHWIRE_TOKEN", "AWS_ENDPOINT_URL"):
        env.pop(name, None)
    errors = (home / "serve.err").open("w")
    proc = subprocess.Popen([*CLI, "local", "serve", "--seed", "sample", "--population", str(POPULATION),
                             "--port", str(_free_port())], cwd=REPO, env=env, stdout=subprocess.PIPE,
                            stderr=errors, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (lines and lines[-1].startswith("Ctrl-C")):
        line = proc.stdout.readline()
        if not line and proc.poll() is not None:
            break
        lines.append(line.rstrip("\n"))
    if not (lines and lines[-1].startswith("Ctrl-C")):
        proc.kill()
        pytest.fail("local serve did not come up:\n" + "\n".join(lines))
    yield "\n".join(lines), env, home / "serve.err"
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=30)
    errors.close()


def _printed(output: str, label: str) -> str:
    return re.search(rf"^  {label}:\s+(.+)$", output, re.MULTILINE).group(1)


def _without_venv(env: dict) -> dict:
    """A second terminal with no venv activated: the interpreter's bin folder is not on PATH."""
    bin_dir = str(Path(sys.executable).parent)
    return {**env, "PATH": os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != bin_dir)}


def test_the_seed_is_said_in_words_and_labelled_synthetic(served):
    output, _, progress = served
    assert "SeedSummary(" not in output
    assert re.search(r"Seeded the sample organisation: 3 frameworks with \d+ catalog items, 12 employee profiles, "
                     r"and SYNTHETIC demographics for 12 of them", output)
    assert f"Seeded a SYNTHETIC population of {POPULATION} employees" in output
    assert "Planted for the bias audit to find" in output
    # Start-up took a while: it said how far it was.
    assert re.search(rf"seeding a synthetic population of {POPULATION}: day 60/60, \d+/\d+ webhooks \(\d+ s\)",
                     progress.read_text())


def test_the_printed_hints_work_as_printed_from_the_repo_root(served):
    output, env, _ = served
    base = re.search(r"stack at (http://127\.0\.0\.1:\d+)", output).group(1)
    # Not the default port: it says how other terminals reach it.
    assert f"export COACHWIRE_API_URL={base}" in output
    token_hint = _printed(output, "get a token")
    assert token_hint.startswith("TOKEN=$(") and "local token" in token_hint
    shell = subprocess.run(["bash", "-c", f'{token_hint} && curl -sf -H "Authorization: Bearer $TOKEN" '
                                          f'{base}/triggers/stats'],
                           cwd=REPO, env=_without_venv(env), capture_output=True, text=True, timeout=60)
    assert shell.returncode == 0, shell.stderr
    assert {row["trigger"] for row in json.loads(shell.stdout)["triggers"]} >= {"ingest_webhook", "demographics_sync"}


def test_a_hand_run_audit_compares_groups_and_reproduces(served):
    output, env, _ = served
    base = re.search(r"stack at (http://127\.0\.0\.1:\d+)", output).group(1)
    moto = re.search(r"moto \(AWS emulation\): (\S+)", output).group(1)
    token = subprocess.run([*CLI, "local", "token", "--role", "hr_admin", "--sub", "emp-0012"], cwd=REPO, env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    today = date.today()
    window = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    # No --url: COACHWIRE_API_URL, as the serve output said.
    run_env = {**env, "COACHWIRE_API_URL": base, "COACHWIRE_TOKEN": token}
    run = subprocess.run([*CLI, "audit", "run", "--window", window, "--format", "json"], cwd=REPO, env=run_env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    audit_id = answer["summary"]["audit_id"]
    assert re.search(rf"waiting for audit {audit_id}: (requested|running|completed) \(\d+ s\)", run.stderr)
    verdicts = answer["summary"]["verdicts"]
    assert set(verdicts) - {"insufficient_data"}, verdicts  # something is compared, not everything too small
    assert answer["summary"]["counts"]["audited"] == 12 + POPULATION
    assert answer["summary"]["counts"]["demographics_missing"] == 0
    # The planted disparity is found; the fair control is not flagged.
    flagged = {(f["attribute"], f["group"]) for f in answer["summary"]["flags"]}
    assert ("gender", "woman") in flagged and not {a for a, _ in flagged} & {"geography"}

    rerun = subprocess.run([*CLI, "audit", "rerun", audit_id], cwd=REPO, env={**env, "AWS_ENDPOINT_URL": moto},
                           capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0 and "Reproduced byte for byte." in rerun.stdout, rerun.stdout + rerun.stderr
