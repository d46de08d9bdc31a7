"""The session-wide IAM check: every AWS call a function made anywhere in the suite must be allowed by that
function's synthesised role, or the run fails naming function, action and resource.

Each process running tests (each xdist worker, or the single process) records while it runs and writes its
records to a directory shared with the controller; the controller (or the single process) checks them all at
the end against the template `tests.iam.synth` produces in the background meanwhile.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.iam import synth
from tests.iam.recorder import Access, Recorder

DIR_KEY = "coachwire_iam_records"
# A template to check against instead of the synthesised one (the check's own tests use a doctored copy).
TEMPLATE_ENV = "COACHWIRE_IAM_TEMPLATE"


class XdistHooks:
    def __init__(self, directory: str) -> None:
        self.directory = directory

    def pytest_configure_node(self, node) -> None:  # noqa: ANN001 (xdist's WorkerController)
        node.workerinput[DIR_KEY] = self.directory


class IamCheck:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        worker_input = getattr(config, "workerinput", None)
        self.is_worker = worker_input is not None
        # An xdist controller only distributes: its workers run the tests and record.
        self.runs_tests = self.is_worker or not getattr(config.option, "numprocesses", None)
        self.checks = not self.is_worker
        self.directory = Path(worker_input[DIR_KEY] if self.is_worker else tempfile.mkdtemp(prefix="coachwire-iam-"))
        self.name = worker_input.get("workerid", "worker") if self.is_worker else "main"
        self.recorder = Recorder().install() if self.runs_tests else None
        self._synth: subprocess.Popen | None = None
        self._synth_log = self.directory / "synth.log"
        if self.checks:
            if config.pluginmanager.hasplugin("xdist"):
                config.pluginmanager.register(XdistHooks(str(self.directory)), "coachwire-iam-xdist")
            idle = config.option.help or config.option.collectonly
            if not idle and not os.environ.get(TEMPLATE_ENV) and not synth.cached_template_path().exists():
                with self._synth_log.open("wb") as log:
                    self._synth = subprocess.Popen(  # noqa: S603 (our own module, our interpreter)
                        [sys.executable, "-m", "tests.iam.synth"], cwd=synth.REPO_ROOT,
                        stdout=subprocess.DEVNULL, stderr=log)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item):
        if self.recorder is not None:
            self.recorder.current_test = item.nodeid
        yield

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.recorder is not None:
            self.recorder.uninstall()
            rows = self.recorder.rows()
            (self.directory / f"{self.name}.json").write_text(json.dumps(
                {"rows": rows, "errors": self.recorder.errors}))
        if self.checks:
            try:
                self._check(session)
            finally:
                shutil.rmtree(self.directory, ignore_errors=True)

    def _records(self) -> tuple[dict[Access, tuple[str, int]], list[str]]:
        found: dict[Access, tuple[str, int]] = {}
        errors: list[str] = []
        for path in sorted(self.directory.glob("*.json")):
            data = json.loads(path.read_text())
            errors += data["errors"]
            for *access, test, count in data["rows"]:
                key = Access.from_json(access)
                previous = found.get(key, (test, 0))
                found[key] = (previous[0], previous[1] + count)
        return found, errors

    def _template(self) -> dict:
        if os.environ.get(TEMPLATE_ENV):
            return json.loads(Path(os.environ[TEMPLATE_ENV]).read_text())
        if self._synth is not None and self._synth.wait():
            log = self._synth_log.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"synthesising the CDK app for the IAM check failed:\n{log}")
        return synth.template()

    def _check(self, session: pytest.Session) -> None:
        from tests.iam.policy import TemplatePolicies

        records, errors = self._records()
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if not records and not errors:
            if self._synth is not None:
                self._synth.terminate()
                self._synth.wait()
            return
        policies = TemplatePolicies(self._template())
        denied = [(access, verdict, test, count) for access, (test, count) in records.items()
                  if (verdict := policies.check(access)) != "allow"]
        functions = {a.function for a in records}
        if not denied and not errors:
            if reporter is not None:
                reporter.write("\n")
                reporter.write_line(f"IAM check: {len(records)} distinct AWS accesses by {len(functions)} functions, "
                                    "each allowed by its function's synthesised role")
            return
        lines = [f"IAM check FAILED: {len(denied)} AWS access(es) a deployed function would be refused "
                 "(add the grant in layers/coachwire/spine.py or infrastructure/):"]
        for access, verdict, test, count in sorted(denied, key=lambda d: d[0].describe()):
            lines.append(f"  {access.describe()} -> {verdict}; {count} call(s), first in {test or '?'}")
        lines += [f"  recorder error: {e}" for e in errors]
        if reporter is not None:
            reporter.write("\n")
            reporter.section("IAM check", sep="=", red=True, bold=True)
            for line in lines:
                reporter.write_line(line)
        else:
            print("\n".join(lines), file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def register(config: pytest.Config) -> None:
    config.pluginmanager.register(IamCheck(config), "coachwire-iam-check")
