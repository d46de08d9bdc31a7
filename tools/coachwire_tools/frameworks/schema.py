"""The published JSON Schema of the framework file format, generated from the pydantic model.

The committed copy is ``schemas/framework.schema.json`` (a test fails when it drifts). Regenerate it with::

    .venv/bin/coachwire framework schema -o schemas/framework.schema.json

The schema checks the shape (fields, types, id syntax, value ranges). The cross-references it cannot express
(benchmarks naming defined skills, anchors for every level, no dropping benchmarks, no prerequisite cycles)
are checked by ``coachwire framework validate``.
"""

from __future__ import annotations

import json
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
COMMITTED_PATH = "schemas/framework.schema.json"  # relative to the repository root

_DESCRIPTION = (
    "A Coachwire competency framework: metadata, a 3-5 level proficiency scale, skills with behavioural "
    "anchors for every level, optional prerequisites, and roles whose career stages set a minimum level per "
    "skill. This schema checks the shape only; `coachwire framework validate` also checks the cross-references "
    "(see docs/frameworks.md)."
)


def framework_schema() -> dict[str, Any]:
    from coachwire.models.framework import Framework

    schema: dict[str, Any] = {
        "$schema": DIALECT,
        "title": "Coachwire competency framework",
        "description": _DESCRIPTION,
    }
    generated = Framework.model_json_schema(mode="validation")
    schema.update((key, value) for key, value in generated.items() if key not in schema)
    return schema


def schema_text() -> str:
    """The schema exactly as committed: 2-space indent, UTF-8, trailing newline."""
    return json.dumps(framework_schema(), indent=2, ensure_ascii=False) + "\n"
