"""The public reference data the tests read (Standard Webhooks vectors, CASE packages, O*NET, ESCO, progression
frameworks) is the small subset kept in `examples/reference/` (what each folder holds and where it comes from:
its PROVENANCE.md). COACHWIRE_SHARED_DATA points the tests at another copy laid out the same way; tests that
pin the subset's row counts then say so."""

from __future__ import annotations

import json
import os
from pathlib import Path

REFERENCE_DATA = Path(__file__).resolve().parents[1] / "examples" / "reference"
SHARED_DATA = Path(os.environ.get("COACHWIRE_SHARED_DATA") or REFERENCE_DATA)


def shared_path(relative: str) -> Path:
    """A reference file that must exist: missing data is a failure, never a skip."""
    path = SHARED_DATA / relative
    if not path.exists():
        raise FileNotFoundError(f"reference data missing: {path} (see examples/reference/README.md)")
    return path


def shared_json(relative: str):
    return json.loads(shared_path(relative).read_text(encoding="utf-8"))
