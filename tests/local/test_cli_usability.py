"""The command line for someone who has not configured anything yet: one shared API address (--url, else
COACHWIRE_API_URL, else the local stack), progress while waiting, and a sentence saying what to set instead of a
botocore traceback."""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from coachwire_tools.cli import own_command
from coachwire_tools.cli_api import ProgressLine, add_url_option, api_url

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "coachwire_tools.cli"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """No AWS settings at all (nor a ~/.aws to fall back on), no Coachwire API settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "COACHWIRE_"))}
    return {**env, "HOME": str(tmp_path), "COACHWIRE_HOME": str(tmp_path), **extra}


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_the_api_address_is_the_flag_then_the_environment_then_the_local_stack(monkeypatch):
    parser = argparse.ArgumentParser()
    add_url_option(parser)
    monkeypatch.delenv("COACHWIRE_API_URL", raising=False)
    assert api_url(parser.parse_args([])) == "http://127.0.0.1:8787"
    monkeypatch.setenv("COACHWIRE_API_URL", "http://127.0.0.1:9000/")
    assert api_url(parser.parse_args([])) == "http://127.0.0.1:9000"
    assert api_url(parser.parse_args(["--url", "https://coachwire.example.com"])) == "https://coachwire.example.com"


def test_every_command_that_calls_the_api_reads_coachwire_api_url(tmp_path):
    """webhook send, audit run and framework publish all go where COACHWIRE_API_URL says (here: nowhere)."""
    port = _closed_port()
    env = _bare_env(tmp_path, COACHWIRE_API_URL=f"http://127.0.0.1:{port}", COACHWIRE_TOKEN="t",
                    COACHWIRE_WEBHOOK_SECRETS="whsec_" + "A" * 43 + "=")
    for args in (("audit", "run", "--window", "2026Q4"),
                 ("webhook", "send", "examples/webhooks/employee.upserted.json"),
                 ("framework", "publish", "examples/frameworks/software_engineering.yaml")):
        refused = _run(env, *args)
        assert refused.returncode == 2 and "Traceback" not in refused.stderr, (args, refused.stderr)
        assert f"cannot reach http://127.0.0.1:{port}: is `coachwire local serve` running" in refused.stderr, args


def test_audit_rerun_without_aws_settings_says_what_to_set(tmp_path):
    bare = _run(_bare_env(tmp_path), "audit", "rerun", "aud-2026Q4-quarterly")
    assert bare.returncode == 2 and "Traceback" not in bare.stderr
    assert bare.stderr.count("\n") == 1 and "AWS_ENDPOINT_URL" in bare.stderr and "credentials" in bare.stderr
    nobody = _run(_bare_env(tmp_path, AWS_ENDPOINT_URL=f"http://127.0.0.1:{_closed_port()}"),
                  "audit", "rerun", "aud-2026Q4-quarterly")
    assert nobody.returncode == 2 and "Traceback" not in nobody.stderr
    assert "cannot reach" in nobody.stderr and "coachwire local serve" in nobody.stderr


@pytest.mark.parametrize("settings", [{}, {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}])
def test_dlq_without_aws_settings_says_what_to_set(tmp_path, settings):
    answer = _run(_bare_env(tmp_path, **settings), "dlq", "list", "--stage", "dev")
    assert answer.returncode == 2 and "Traceback" not in answer.stderr and answer.stderr.count("\n") == 1
    assert "AWS_REGION" in answer.stderr or "credentials" in answer.stderr


def test_waiting_shows_status_and_elapsed_time_once_per_change_into_a_file():
    out = io.StringIO()
    progress = ProgressLine("waiting for audit aud-1", stream=out, every=10)
    now = [100.0]
    progress._clock = lambda: now[0]
    progress._started = 100.0
    for at, status in ((100, "requested"), (101, "running"), (102, "running"), (115, "running"), (116, "completed")):
        now[0] = at
        progress.show(status)
    progress.done()
    assert out.getvalue().splitlines() == [
        "waiting for audit aud-1: requested (0 s)", "waiting for audit aud-1: running (1 s)",
        "waiting for audit aud-1: running (15 s)", "waiting for audit aud-1: completed (16 s)"]


def test_printed_commands_name_the_venv_script_relative_to_the_repo_root(tmp_path, monkeypatch):
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "coachwire").write_text("#!/bin/sh\n")
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))
    monkeypatch.chdir(tmp_path)
    assert own_command() == ".venv/bin/coachwire"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert own_command() == str(bin_dir / "coachwire")
    (bin_dir / "coachwire").unlink()
    assert own_command() == f"{bin_dir / 'python'} -m coachwire_tools.cli"


def test_make_serve_takes_the_port_and_population_from_the_command_line():
    dry = subprocess.run(["make", "-n", "serve", "port=9000", "population=0"], cwd=REPO, capture_output=True,
                         text=True, timeout=60)
    assert "coachwire local serve --seed sample --population 0 --port 9000" in dry.stdout
