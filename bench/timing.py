"""The one timing helper. Standard library only: cold-start children use it before the measured import."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


class Elapsed:
    """Milliseconds measured by `stopwatch()`; set when the block exits (also when it raises)."""

    ms: float = 0.0


@contextmanager
def stopwatch() -> Iterator[Elapsed]:
    elapsed = Elapsed()
    started = time.perf_counter()
    try:
        yield elapsed
    finally:
        elapsed.ms = (time.perf_counter() - started) * 1000
