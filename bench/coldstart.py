"""Cold starts: every function's handler imported and called in fresh interpreters, beside a bare baseline.

Two bytecode situations, both with the standard library's .pyc available (the Lambda runtime image ships it):

* as deployed: no .pyc for the layer or the function code. The layer is pip-installed with `--no-compile`
  (infrastructure/constructs/bundling.py) and /opt, /var/task are read-only, so every cold start compiles
  coachwire and its dependencies from source.
* with .pyc: everything precompiled, as if the layer shipped bytecode.

Each child gets its own `PYTHONPYCACHEPREFIX`: one filled by a warm-up run of every function (with .pyc),
and a copy of it with everything outside the standard library removed (as deployed). Every child runs under
`-X importtime`, whose output is attributed to package families.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

from coachwire_tools.local.lambdas import repo_root

from bench import coldstart_child
from bench.stats import median
from bench.workload import FunctionSpec

BASELINE = "baseline"
BASELINE_DIR = Path(__file__).parent / "baseline_function"


@dataclass(frozen=True)
class Mode:
    key: str
    title: str
    pycache: Path


@dataclass
class ColdRun:
    import_ms: float
    first_ms: float  # NaN: imported only (no event for this function in the workload)
    second_ms: float
    ok: bool
    imports: dict[str, Counter[str]]  # phase ("import", "first call") → package family → ms (-X importtime)
    chains: dict[str, str]  # package family → the import chain that first loaded it

    @property
    def first_call_overhead_ms(self) -> float:
        """What the first call costs beyond a warm call of the same event: clients, settings, lazy imports."""
        return self.first_ms - self.second_ms

    @property
    def cold_ms(self) -> float:
        return self.import_ms + self.first_call_overhead_ms


@dataclass
class ColdFunction:
    spec: FunctionSpec
    runs: dict[str, list[ColdRun]] = field(default_factory=dict)  # mode key → runs

    def _ok(self, mode: str) -> list[ColdRun]:
        return [r for r in self.runs.get(mode, []) if r.ok]

    def median(self, mode: str, metric: str) -> float:
        return median([getattr(r, metric) for r in self._ok(mode)])

    def failures(self, mode: str) -> int:
        return sum(1 for r in self.runs.get(mode, []) if not r.ok)

    def imports(self, mode: str, phase: str) -> Counter[str]:
        """Median ms per package family over the runs."""
        runs = self._ok(mode)
        families = {f for r in runs for f in r.imports.get(phase, {})}
        return Counter({f: median([r.imports.get(phase, Counter())[f] for r in runs]) for f in families})

    def chains(self, mode: str) -> dict[str, str]:
        runs = self._ok(mode)
        return runs[0].chains if runs else {}


EventFactory = Callable[[], dict[str, Any] | None]  # None: no realistic event, import only


class ColdStarts:
    def __init__(self, workdir: Path, functions: dict[str, tuple[FunctionSpec, EventFactory]]) -> None:
        self.workdir = workdir
        self.functions = functions
        self.results = {name: ColdFunction(spec) for name, (spec, _) in functions.items()}
        self.with_pyc = Mode("pyc", "with .pyc", workdir / "pycache-all")
        self.as_deployed = Mode("deployed", "as deployed (no .pyc)", workdir / "pycache-stdlib")

    @property
    def modes(self) -> tuple[Mode, Mode]:
        return self.as_deployed, self.with_pyc

    def prepare(self) -> None:
        """Fill the with-.pyc cache by running every function once (two at a time: nothing is measured), then
        derive the stdlib-only one."""
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda name: self._run(name, self.with_pyc, write_bytecode=True), self.functions))
        shutil.copytree(self.with_pyc.pycache, self.as_deployed.pycache)
        for path in {repo_root(), Path(sysconfig.get_paths()["purelib"]), Path(sysconfig.get_paths()["platlib"])}:
            for variant in {path, path.resolve()}:
                shutil.rmtree(self.as_deployed.pycache / str(variant).lstrip(os.sep), ignore_errors=True)

    def measure(self, repeats: int, progress: Callable[[str], None]) -> None:
        """Interleaved (function by function, mode by mode, round after round) so load drift hits all alike."""
        for round_ in range(repeats):
            for name in self.functions:
                for mode in self.modes:
                    self.results[name].runs.setdefault(mode.key, []).append(self._run(name, mode))
            progress(f"cold starts: round {round_ + 1}/{repeats}")

    def _run(self, name: str, mode: Mode, *, write_bytecode: bool = False) -> ColdRun:
        """One child under `-X importtime` (its overhead is within the run-to-run noise here)."""
        spec, event_for = self.functions[name]
        function_dir = BASELINE_DIR if name == BASELINE else repo_root() / "functions" / name
        env = {**os.environ, "PYTHONPYCACHEPREFIX": str(mode.pycache)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        if not write_bytecode:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        event = event_for()
        with tempfile.TemporaryDirectory(dir=self.workdir) as tmp:
            event_path, result_path = Path(tmp) / "event.json", Path(tmp) / "result.json"
            event_path.write_text(json.dumps(event))
            command = [sys.executable, "-X", "importtime", "-m", coldstart_child.__name__, str(function_dir),
                       str(event_path) if event is not None else "-", str(result_path), name,
                       str(spec.timeout_seconds), str(spec.memory_mb)]
            done = subprocess.run(command, cwd=repo_root(), env=env, stdout=subprocess.DEVNULL,  # noqa: S603
                                  stderr=subprocess.PIPE, text=True, timeout=300, check=False)
            if done.returncode != 0 or not result_path.exists():
                raise RuntimeError(f"cold start of {name} ({mode.title}) failed:\n{done.stderr[-3000:]}")
            result = json.loads(result_path.read_text())
        imports, chains = {}, {}
        for phase, lines in split_phases(done.stderr).items():
            imports[phase], phase_chains = attribute(lines)
            chains = {**phase_chains, **chains}
        first, second = (result["calls_ms"] + [math.nan, math.nan])[:2]
        return ColdRun(result["import_ms"], first, second, all(_succeeded(r) for r in result["results"]), imports,
                       chains)


def _succeeded(result: Any) -> bool:
    if not isinstance(result, dict):
        return False
    if "statusCode" in result:
        return int(result["statusCode"]) < 500
    return not result.get("batchItemFailures") and result.get("ok", True)


# -- -X importtime -----------------------------------------------------------------------------------------

# Import time is attributed to the layer's direct dependencies (layers/requirements.txt) and coachwire: any
# other module (standard library, or a dependency's own dependency such as botocore under boto3) counts towards
# the package whose import brought it in.
SHORT_NAMES = {"aws-lambda-powertools": "powertools"}


@functools.cache
def _direct_packages() -> dict[str, str]:
    """top-level module name → the direct requirement that provides it."""
    def canonical(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    lines = (repo_root() / "layers" / "requirements.txt").read_text().splitlines()
    wanted = {canonical(re.split(r"[=<>~!\[; ]", line, maxsplit=1)[0]) for line in lines
              if line.strip() and not line.startswith("#")}
    modules = {module: SHORT_NAMES.get(canonical(dist), canonical(dist))
               for module, dists in packages_distributions().items() for dist in dists if canonical(dist) in wanted}
    return {**modules, "coachwire": "coachwire", "handler": "coachwire"}


# marker → the phase whose lines it closes (None: lines before it are not measured)
PHASES = {coldstart_child.IMPORTING: None, coldstart_child.IMPORTED: "import", coldstart_child.FIRST_CALL: None,
          coldstart_child.SECOND_CALL: "first call", coldstart_child.DONE: None}


@dataclass
class _Node:
    name: str
    self_us: int
    depth: int
    children: list[_Node] = field(default_factory=list)


def split_phases(stderr: str) -> dict[str, list[str]]:
    """importtime lines of the measured import, and of the first call."""
    phases: dict[str, list[str]] = {"import": [], "first call": []}
    current: list[str] = []
    for line in stderr.splitlines():
        if line in PHASES:
            phase = PHASES[line]
            if phase is not None:
                phases[phase] = current
            current = []
        elif line.startswith("import time:") and "self [us]" not in line:
            current.append(line)
    return phases


def _tree(lines: list[str]) -> list[_Node]:
    """importtime prints a module after its own imports (post-order), indented by depth."""
    pending: dict[int, list[_Node]] = {}
    for line in lines:
        self_us, _cumulative, name = line[len("import time:"):].split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        node = _Node(name.strip(), int(self_us), depth, pending.pop(depth + 1, []))
        pending.setdefault(depth, []).append(node)
    return [node for depth in sorted(pending) for node in pending[depth]]


def family(module: str) -> str | None:
    """The direct requirement (or coachwire) a module belongs to; None: it counts for its importer."""
    return _direct_packages().get(module.split(".")[0])


def attribute(lines: list[str]) -> tuple[Counter[str], dict[str, str]]:
    """ms per package family, and the import chain that first brought each family in."""
    totals: Counter[str] = Counter()
    chains: dict[str, str] = {}

    def walk(node: _Node, inherited: str, path: tuple[str, ...]) -> None:
        own = family(node.name)
        here = own or inherited
        if own and own != inherited and path:
            chains.setdefault(own, " → ".join((*path, node.name)))
        totals[here] += node.self_us / 1000
        for child in node.children:
            walk(child, here, (*path, node.name))

    for root in _tree(lines):
        walk(root, "runtime", ())
    return totals, chains
