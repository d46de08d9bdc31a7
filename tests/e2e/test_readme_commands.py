"""The README's framework and data-readiness commands, run as written on a fresh copy of the repository.

The copy holds the repository's files as `git ls-files` lists them (uncommitted edits included) and has no
`../shared` beside it, as for someone who has just cloned. Each command is taken from the README's bash blocks,
with `.venv/bin/` read as this interpreter's bin folder, and must exit as its trailing `# exit N` says (0 when
it says nothing) and write the files it names with `-o`. `framework publish` needs a running server and is
covered by test_readme_flow.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
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


def test_the_readme_documents_every_importer_and_the_readiness_audit() -> None:
    """The selection below cannot quietly shrink to nothing, and no command reaches outside the repository."""
    texts = [c.text for c in RUN]
    for needle in ("framework validate", "framework export --to case", "data audit"):
        assert any(needle in t for t in texts), needle
    for standard in ("case", "onet", "esco", "progression"):
        assert any(f"framework import --from {standard} " in t for t in texts), standard
    leaving = [c.text for c in README_COMMANDS if "../" in c.text]
    assert not leaving, f"README commands that need files outside the repository: {leaving}"


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


@pytest.mark.parametrize("command", RUN, ids=[f"README.md:{c.line}" for c in RUN])
def test_readme_command_runs_as_documented(command: Command, fresh_copy: Path) -> None:
    bin_dir = f"{Path(sys.executable).parent}/"
    env = {k: v for k, v in os.environ.items() if k != "COACHWIRE_SHARED_DATA"}
    done = subprocess.run(
        ["bash", "-c", command.text.replace(VENV_BIN, bin_dir)],
        cwd=fresh_copy, env=env, capture_output=True, text=True, timeout=120,
    )
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
