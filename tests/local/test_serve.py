"""`coachwire local serve` as a real process: starts, shares the token key, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pytest
import requests
from coachwire_tools.local.stack import LocalStack, SeedError

pytestmark = pytest.mark.e2e


def test_serve_starts_and_stops_cleanly_on_sigterm(tmp_path):
    env = {**os.environ, "COACHWIRE_HOME": str(tmp_path)}
    env.pop("COACHWIRE_WEBHOOK_SECRETS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "coachwire_tools.cli", "local", "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        lines = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (lines and lines[-1].startswith("Ctrl-C")):
            lines.append(proc.stdout.readline().strip())
        output = "\n".join(lines)
        base_url = re.search(r"stack at (http://127\.0\.0\.1:\d+)", output).group(1)
        moto_url = re.search(r"moto \(AWS emulation\): (\S+)", output).group(1)
        assert re.search(r"webhook secret \(a development secret.*\): whsec_\S+", output)
        # Said plainly at start: nothing survives a restart.
        assert re.search(r"State: .*in memory only.*webhook dedupe records.*not yet processed are lost when it stops",
                         output)

        assert requests.get(f"{base_url}/employees/e-1", timeout=5).status_code == 401
        token = subprocess.run(
            [sys.executable, "-m", "coachwire_tools.cli", "local", "token", "--role", "hr_admin", "--sub", "hr-1"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        authorised = requests.get(f"{base_url}/employees/e-1", headers={"Authorization": f"Bearer {token}"}, timeout=60)
        assert authorised.status_code != 401  # same key file as the server

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{moto_url}/moto-api/data.json", timeout=2)  # moto went with it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_unknown_seed_is_a_clear_error():
    with pytest.raises(SeedError, match="unknown seed 'acme'"):
        LocalStack(seed="acme")


def test_stop_restores_the_environment_and_ends_moto(tmp_path, monkeypatch):
    monkeypatch.setenv("COACHWIRE_HOME", str(tmp_path))
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    before = dict(os.environ)
    stack = LocalStack().start()
    try:
        assert "AWS_PROFILE" not in os.environ and os.environ["AWS_ENDPOINT_URL"] == stack.moto_url
        moto_url = stack.moto_url
    finally:
        stack.stop()
    assert dict(os.environ) == before
    assert not stack.moto.running
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{moto_url}/moto-api/data.json", timeout=2)


def test_serve_help_says_its_state_is_lost_when_it_stops(capsys):
    from coachwire_tools.cli import main

    with pytest.raises(SystemExit):
        main(["local", "serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "state is in memory only" in text and "lost when it stops" in text
