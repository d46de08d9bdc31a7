"""One cold start, in a fresh interpreter: import `handler` from a function directory as the Lambda runtime
does, then call `lambda_handler` twice with the same event.

    python -m bench.coldstart_child <function_dir> <event.json|-> <result.json> <name> <timeout_s> <memory_mb>

With "-" for the event the handler is only imported.

Nothing but the standard library and bench.timing is imported before the measured import. Markers on stderr
split `-X importtime` output into the import and the first call.
"""

from __future__ import annotations

import importlib
import json
import sys

from bench.timing import stopwatch

IMPORTING = "bench-coldstart: importing"
IMPORTED = "bench-coldstart: imported"
FIRST_CALL = "bench-coldstart: first call"
SECOND_CALL = "bench-coldstart: second call"
DONE = "bench-coldstart: done"


def _mark(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def main(function_dir: str, event_path: str, result_path: str, name: str, timeout: str, memory: str) -> None:
    sys.path.insert(0, function_dir)
    _mark(IMPORTING)
    with stopwatch() as imported:
        module = importlib.import_module("handler")
    _mark(IMPORTED)
    from coachwire_tools.local.lambdas import LambdaContext

    calls: list[tuple[float, object]] = []
    if event_path != "-":
        with open(event_path) as f:
            event = json.load(f)
        for marker in (FIRST_CALL, SECOND_CALL):
            _mark(marker)
            with stopwatch() as call:
                result = module.lambda_handler(event, LambdaContext(name, int(timeout), int(memory)))
            calls.append((call.ms, result))
        _mark(DONE)
    with open(result_path, "w") as f:
        json.dump({"import_ms": imported.ms, "calls_ms": [ms for ms, _ in calls],
                   "results": [result for _, result in calls], "modules": len(sys.modules)}, f, default=str)


if __name__ == "__main__":
    main(*sys.argv[1:])
