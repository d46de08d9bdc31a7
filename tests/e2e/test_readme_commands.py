"""The README's framework and data-readiness commands, run as written on a fresh copy of the repository.

The copy holds the repository's files as `git ls-files` lists them (uncommitted edits included) and has no
`../shared` beside it, as for someone who has just cloned. Each command is taken from the README's bash blocks,
with `.venv/bin/` read as this interpreter's bin folder, and must exit as its trailing `# exit N` says (0 when
it says nothing) and write the files it names with `-o`. `framework publish` needs a running server and is
covered by test_readme_flow.py. The README's short-pilot demo runs once, and what it saved in its `--out` folder is
read back: the audit's HTML report, the sample e-mails and the summary must hold what the run printed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = ".venv/bin/"
RUN_HERE = re.compile(r"^\.venv/bin/coachwire (framework (validate|import|export)|data audit) ")


@dataclass(frozen=True)
class Command:
    line: int  # in README.md
    text: str
    exit_code: int

    @property
    def outputs(self) -> list[str]:
        words = self.text.split()
        return [words[i + 1] for i, word in enumerate(words[:-1]) if word in ("-o", "--output")]


def readme_commands(readme: str) -> list[Command]:
    """Every command of every ```bash block (continuation lines joined), with the exit code its comment states."""
    commands: list[Command] = []
    in_block, pending, start = False, "", 0
    for number, line in enumerate(readme.splitlines(), start=1):
        if line.startswith("```"):
            in_block = line.strip() == "```bash"
            continue
        if not in_block or not line.strip():
            continue
        start = start or number
        pending += line.removesuffix("\\").strip() + " "
        if line.endswith("\\"):
            continue
        text, _, comment = pending.partition(" # ")
        stated = re.search(r"\bexit (\d+)\b", comment)
        commands.append(Command(start, text.strip(), int(stated.group(1)) if stated else 0))
        pending, start = "", 0
    return commands


README_COMMANDS = readme_commands((REPO / "README.md").read_text(encoding="utf-8"))
RUN = [c for c in README_COMMANDS if RUN_HERE.match(c.text)]
# The demo with a short pilot (`--serve` would never return: tests/e2e/test_demo.py covers it).
DEMO = [c for c in README_COMMANDS if re.match(r"^\.venv/bin/coachwire demo --employees \d+ ", c.text)
        and "--serve" not in c.text]


def test_the_readme_documents_every_importer_and_the_readiness_audit() -> None:
    """The selection below cannot quietly shrink to nothing, and no command reaches outside the repository."""
    texts = [c.text for c in RUN]
    for needle in ("framework validate", "framework export --to case", "data audit"):
        assert any(needle in t for t in texts), needle
    for standard in ("case", "onet", "esco", "progression"):
        assert any(f"framework import --from {standard} " in t for t in texts), standard
    leaving = [c.text for c in README_COMMANDS if "../" in c.text]
    assert not leaving, f"README commands that need files outside the repository: {leaving}"
    assert len(DEMO) == 1 and "--out " in DEMO[0].text, "the README shows one short-pilot demo with its --out folder"


@pytest.fixture(scope="module")
def fresh_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, check=True, capture_output=True, text=True,
    ).stdout
    root = tmp_path_factory.mktemp("clone") / "coachwire"
    for name in filter(None, set(listed.split("\0"))):
        source, target = REPO / name, root / name
        if not (source.exists() or source.is_symlink()):
            continue  # deleted in the work tree
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
        else:
            shutil.copy2(source, target)
    assert not (root.parent / "shared").exists()
    return root


def run_as_documented(command: Command, fresh_copy: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    bin_dir = f"{Path(sys.executable).parent}/"
    env = {k: v for k, v in os.environ.items() if k not in ("COACHWIRE_SHARED_DATA", "COACHWIRE_HOME")}
    return subprocess.run(
        ["bash", "-c", command.text.replace(VENV_BIN, bin_dir)],
        cwd=fresh_copy, env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.mark.parametrize("command", RUN, ids=[f"README.md:{c.line}" for c in RUN])
def test_readme_command_runs_as_documented(command: Command, fresh_copy: Path) -> None:
    done = run_as_documented(command, fresh_copy)
    assert done.returncode == command.exit_code, (
        f"README.md:{command.line}: {command.text}\nexit {done.returncode}, the README says {command.exit_code}\n"
        f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    )
    for output in command.outputs:
        written = [fresh_copy / output]
        if " framework import " in f" {command.text} ":
            written.append(fresh_copy / f"{output}.report.md")
        for path in written:
            assert path.is_file() and path.stat().st_size > 0, f"README.md:{command.line}: {path.name} not written"


@pytest.fixture(scope="module")
def demo_run(fresh_copy: Path) -> tuple[subprocess.CompletedProcess, Path]:
    command = DEMO[0]
    words = command.text.split()
    # A loaded machine runs the short pilot in one to two minutes.
    return run_as_documented(command, fresh_copy, timeout=420), fresh_copy / words[words.index("--out") + 1]


def test_the_readme_demo_saves_its_report_messages_and_summary(demo_run) -> None:
    done, out = demo_run
    command = DEMO[0]
    assert done.returncode == command.exit_code, (
        f"README.md:{command.line}: {command.text}\nexit {done.returncode}\n"
        f"{done.stdout[-4000:]}\n{done.stderr[-2000:]}")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    audit = summary["audit"]
    assert summary["healthy"] and audit["status"] == "completed" and audit["planted_found"]
    assert audit["flags"], "a short pilot that flags nothing proves nothing about the report"
    # Every path it printed exists, and holds what it should.
    files = {label: Path(path) for label, path in summary["files"].items()}
    for label, path in files.items():
        resolved = path if path.is_absolute() else out.parent / path
        assert resolved.is_file() and resolved.stat().st_size > 0, label
        assert str(path) in done.stdout, f"{label}: {path} not printed"
    html = (out / "audit-report.html").read_text(encoding="utf-8")
    assert audit["audit_id"] in html
    from coachwire.fairness.labels import attribute_name, group_label

    for flag in audit["flags"]:  # each flagged comparison is on the page, with its review case
        assert escape(group_label(flag["attribute"], flag["group"])) in html, flag
        assert escape(attribute_name(flag["attribute"]).lower()) in html.lower(), flag
    reviews = json.loads((out / "audit.json").read_text(encoding="utf-8"))["summary"]["review_ids"]
    assert len(reviews) == len(audit["flags"]) and all(r in html for r in reviews)
    # One e-mail of each kind the run sent, with its real subject and recipient.
    assert {p.stem for p in (out / "messages").glob("*.txt")} == {
        "nudge", "transition_plan", "next_step", "manager_alert", "audit_flag", "slack-alert"}
    # The chat scene: the alert as it arrived in Slack, the press, and the decision recorded on the alert.
    slack = (out / "messages" / "slack-alert.txt").read_text(encoding="utf-8")
    assert "[Discussed in our 1:1]" in slack and "alert decision: discussed by emp-" in slack
    assert summary["slack"]["alert_decision"] == "discussed" and summary["slack"]["engagement"]["succeeded"] >= 1
    flag_mail = (out / "messages" / "audit_flag.txt").read_text(encoding="utf-8")
    assert f"Subject: Bias audit {audit['window']}: {len(audit['flags'])} disparit" in flag_mail
    assert "To: " in flag_mail and "@example.com>" in flag_mail and audit["audit_id"] in flag_mail
    for kind in ("nudge", "transition_plan", "next_step", "manager_alert"):
        text = (out / "messages" / f"{kind}.txt").read_text(encoding="utf-8")
        subject = re.search(r"^Subject: (.+)$", text, re.M)
        assert subject and f"X-Coachwire-Kind: {kind}" in text, kind
        if kind in ("nudge", "manager_alert"):  # the two the run also prints
            assert f"Subject: {subject.group(1)}" in done.stdout, kind
    assert summary["emails"]["audit_flag"] == 1 and sum(summary["emails"].values()) == \
        summary["triggers"]["notification_delivery"]["succeeded"]
    # The counts the run printed add up, and say what they are made of.
    employees = int(re.search(r"--employees (\d+)", command.text).group(1))
    assert f"{employees} synthetic employees + the 12-person sample team" in done.stdout
    assert audit["counts"]["audited"] == employees + 12
