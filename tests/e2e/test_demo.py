"""`coachwire demo`: every count it prints is explained by the pilot it replays, and `--serve` leaves a stack up on
which the commands it prints work as printed. (The files a run saves are checked on the README's own demo
command: tests/e2e/test_readme_commands.py.)"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from coachwire import spine
from coachwire_tools import demo
from coachwire_tools.sample_org.pilot import build_pilot, default_start

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]


def test_the_default_pilot_explains_why_it_upserts_more_employees_than_it_has():
    pilot = build_pilot(default_start(date(2026, 12, 7)), n=200, seed=7, audit_scenario=demo.SCENARIO)
    upserts = Counter(s.payload["data"]["employee_id"] for s in pilot.steps if s.type == spine.EMPLOYEE_UPSERTED)
    resent = sorted(e for e, n in upserts.items() if n > 1)
    # The two extra upserts are the two moves into another job family: the HRIS re-sends the record (new manager).
    assert len(upserts) == 200 and sum(upserts.values()) == 202
    assert resent == sorted(pilot.cross_family_employee_ids) and len(resent) == 2
    events = demo.pilot_events(pilot)
    assert events[spine.EMPLOYEE_UPSERTED] == {"count": 202, "why": (
        "200 in the day-1 sync + 2 re-sent with a new manager after a move into another job family")}
    changes = [s for s in pilot.steps if s.type == spine.ROLE_CHANGED]
    assert events[spine.ROLE_CHANGED]["count"] == len(changes) == 19
    assert events[spine.ROLE_CHANGED]["why"].startswith(
        f"{len(pilot.role_changed_employee_ids)} promotions and moves + {len(pilot.out_of_order_employee_ids)} stale")
    assert sum(e["count"] for e in events.values()) == len(pilot.steps)
    header = demo.pilot_lines(pilot)[0]
    assert "200 synthetic employees (emp-1001…emp-1200)" in header and f"{len(pilot.steps)} HRIS events" in header


def test_the_audited_number_is_the_pilot_plus_the_sample_team():
    assert demo.audited_breakdown(212, 200, 12) == (
        "the 200 synthetic employees + the 12-person sample team; 12 without a demographics record count as unknown")
    assert demo.audited_breakdown(212, 200, 0) == "the 200 synthetic employees + the 12-person sample team"
    assert demo.audited_breakdown(205, 200, 0).startswith("of the 200 synthetic employees and the 12-person sample")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_keeps_the_stack_up_and_its_printed_commands_open_the_report(tmp_path):
    port = _free_port()
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
    env.pop("COACHWIRE_HOME", None)
    env.pop("COACHWIRE_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "coachwire_tools.cli", "demo", "--employees", "3", "--serve", "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        printed: list[str] = []
        deadline = time.monotonic() + 240
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            printed.append(line.rstrip("\n"))
            if line.startswith("State: "):
                break
        text = "\n".join(printed)
        assert f"stays up at http://127.0.0.1:{port} (--serve). Ctrl-C to stop." in text, text[-3000:]
        assert re.search(r"export COACHWIRE_WEBHOOK_SECRETS=whsec_\S+", text)
        # The hints, run as printed in a shell of their own (the port is not 8787, so the URL is exported too).
        start = next(i for i, line in enumerate(printed) if line.startswith("In another terminal"))
        block = [line.strip() for line in printed[start + 1:] if line.startswith("  ")]
        hints = [h for h in block if not h.startswith("curl ")]
        assert [h.split("=")[0] for h in hints[:2]] == ["export COACHWIRE_API_URL", "export COACHWIRE_TOKEN"], hints
        script = "set -e\n" + "\n".join(hints) + " --no-open --out report.html\n"
        opened = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                                timeout=60)
        assert opened.returncode == 0, opened.stderr
        audit_id = re.search(r"/audits/(aud-[\w-]+)\?format=html", hints[-1]).group(1)
        report = (tmp_path / "report.html").read_text(encoding="utf-8")
        assert audit_id in report and "Bias audit" in report
        saved = (tmp_path / demo.DEFAULT_OUT / "audit-report.html").read_text(encoding="utf-8")
        assert saved == report  # what the demo saved is what HR gets from the API
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            rest, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert "stopping" in rest
    assert proc.returncode in (0, 1)  # 1: three people are too few for the audit to find the planted disparity


def test_a_port_already_taken_is_one_sentence_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-m", "coachwire_tools.cli", "demo", "--employees", "2", "--serve",
                               "--port", str(port)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert f"coachwire demo: cannot start the local stack on port {port}: " in done.stderr
    assert "(another port: --port)" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / demo.DEFAULT_OUT).exists()
