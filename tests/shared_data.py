"""The public reference data (Standard Webhooks vectors, CASE, O*NET, ESCO) lives in `shared/data` beside
the repository, as it does in CI. COACHWIRE_SHARED_DATA points elsewhere."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SHARED_DATA = Path(os.environ.get("COACHWIRE_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")


def shared_json(relative: str):
    path = SHARED_DATA / relative
    if not path.is_file():
        pytest.skip(f"public reference data not found at {path} (set COACHWIRE_SHARED_DATA)")
    return json.loads(path.read_text())
