"""Framework validation that reports every problem, each with its file, path, code and reason.

Two layers, both run on every document:

* **schema**: the shape, from the pydantic model (`coachwire.models.framework.Framework`): required and
  unknown fields, types, id syntax, the 3-5 level scale, value ranges. Code ``schema``.
* **consistency**: the cross-references the model's own validator enforces, implemented once in
  `coachwire.models.framework_rules` and called by the model, so the two can never disagree on validity. They
  run on the validated model when the shape is right and, as far as they can, on the raw document when it is not.

Problems name their place by path (see `coachwire.models.framework_rules`), JSON Pointer and, for files, line.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from coachwire.models.framework_rules import (
    CODES,
    ROOT_PATH,
    Issue,
    Problem,
    consistency_issues,
    consistency_problems,
    render_path,
    to_problem,
)

__all__ = ["CODES", "Problem", "consistency_problems", "is_valid", "render_path", "validate_document",
           "validate_file"]


def validate_file(path: Path | str) -> list[Problem]:
    """Every problem in a framework file, ordered by line. Raises OSError when the file cannot be read."""
    from coachwire.frameworks.format import FrameworkSyntaxError, load

    source = str(path)
    try:
        doc = load(path)
    except FrameworkSyntaxError as e:
        return [Problem(source, ROOT_PATH, "syntax", e.reason, "", e.line, e.column)]
    problems = []
    for loc, line in doc.duplicate_keys:
        message = f"key '{loc[-1]}' appears twice in this mapping: keep one (the last wins)"
        problem = to_problem(doc.data, source, Issue(loc, "duplicate_key", message))
        problems.append(replace(problem, line=line or doc.line_of(loc)))
    problems += [replace(p, line=doc.line_of(p.loc)) for p in validate_document(doc.data, source)]
    return sorted(problems, key=lambda p: p.line if p.line is not None else 1 << 30)


def validate_document(data: Any, source: str) -> list[Problem]:
    """Every problem in a framework document (the dict a YAML/JSON file holds); empty means valid."""
    framework, schema = _schema_issues(data)
    if framework is not None:  # the shape is right: check the model's own (normalised) values
        return consistency_problems(framework.model_dump(), source)
    consistency = consistency_issues(data)
    claimed = {issue.loc for issue in consistency}
    issues = [i for i in schema if i.loc not in claimed] + consistency
    return [to_problem(data, source, issue) for issue in issues]


def is_valid(data: Any) -> bool:
    return not validate_document(data, "")


def _schema_issues(data: Any) -> tuple[Any, list[Issue]]:
    from pydantic import ValidationError

    from coachwire.models.framework import SKIP_CONSISTENCY, Framework

    if data is None:
        return None, [Issue((), "schema", "the document is empty: expected a framework (framework_id, version, ...)")]
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        return None, [Issue((), "schema", f"expected a mapping (framework_id, version, ...) at the top, found {kind}")]
    try:
        return Framework.model_validate(data, context={SKIP_CONSISTENCY: True}), []
    except ValidationError as e:
        issues = []
        for err in e.errors(include_url=False):
            loc = tuple(err["loc"])
            is_key = bool(loc) and loc[-1] == "[key]"
            issues.append(Issue(loc[:-1] if is_key else loc, "schema", _schema_message(err, is_key)))
        return None, issues


def _field_names() -> set[str]:
    from coachwire.models import framework as m

    models = (m.Framework, m.ScaleLevel, m.Skill, m.SkillLevelAnchors, m.Prerequisite, m.Role, m.CareerStage)
    return {name for model in models for name in model.model_fields}


def _schema_message(err: Mapping[str, Any], is_key: bool) -> str:
    kind, value, ctx = err["type"], err.get("input"), err.get("ctx") or {}
    if is_key:
        return f"invalid key {value!r}: {err['msg']}"
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(err["loc"][-1])
        close = difflib.get_close_matches(name, sorted(_field_names()), n=1)
        return "unknown field" + (f" (did you mean '{close[0]}'?)" if close else " (not part of the format)")
    if kind == "string_pattern_mismatch":
        return f"{value!r} is not a valid id: use letters, digits and _ . : - and start with a letter or digit"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return f'expected text, found the number {value!r} (in YAML, quote it: "{value}")'
    if kind in ("too_short", "too_long") and err["loc"] == ("scale",):
        return f"the scale needs 3 to 5 levels, found {ctx.get('actual_length')}"
    if kind in ("date_from_datetime_parsing", "date_parsing", "date_type", "date_from_datetime_inexact"):
        return f"expected a date YYYY-MM-DD, found {value!r}"
    shown = f" (found {value!r})" if isinstance(value, str | int | float | bool) and len(repr(value)) <= 60 else ""
    return f"{err['msg']}{shown}"


# -- consistency -----------------------------------------------------------------------------------
