"""Running an audit: read readiness.yaml, the export and the frameworks, then apply the pure checks."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from coachwire_tools.readiness.checks import FrameworkFacts, run_checks
from coachwire_tools.readiness.config import ConfigError, Thresholds, load_config
from coachwire_tools.readiness.model import AuditReport
from coachwire_tools.readiness.sources import KINDS, load_export

FRAMEWORK_SUFFIXES = (".yaml", ".yml", ".json")


class AuditInputError(Exception):
    """The audit cannot run (missing folder, unusable frameworks or configuration): a usage error."""


def load_framework_files(path: Path) -> list:
    """Competency frameworks from a folder (or one file) of framework YAML/JSON documents."""
    import yaml
    from coachwire.models.framework import Framework
    from pydantic import ValidationError

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FRAMEWORK_SUFFIXES)
    elif path.is_file():
        files = [path]
    else:
        raise AuditInputError(f"--frameworks {path}: no such file or folder")
    if not files:
        raise AuditInputError(f"--frameworks {path}: no .yaml, .yml or .json framework files")
    frameworks = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8-sig")
            data = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
            frameworks.append(Framework.model_validate(data))
        except (OSError, ValueError, yaml.YAMLError) as err:  # ValidationError is a ValueError
            summary = _first_error(err) if isinstance(err, ValidationError) else str(err)
            raise AuditInputError(f"{file}: not a valid framework: {summary}") from err
    return frameworks


def _first_error(err) -> str:
    first = err.errors()[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    more = f" (and {err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{where}: {first.get('msg')}{more}"


def audit_directory(
    directory: Path,
    as_of: date,
    *,
    frameworks: list | None = None,
    thresholds: Thresholds | None = None,
) -> AuditReport:
    """Audit the export in ``directory`` as of ``as_of``. ``frameworks`` defaults to the sample organisation's."""
    if not directory.is_dir():
        raise AuditInputError(f"{directory}: no such folder")
    if frameworks is None:
        from coachwire_tools.sample_org import load_frameworks

        frameworks = load_frameworks()
    try:
        config = load_config(directory, KINDS, thresholds)
        facts = FrameworkFacts.from_frameworks(frameworks)
    except (ConfigError, ValueError) as err:
        raise AuditInputError(str(err)) from err
    export = load_export(directory, config)
    return run_checks(export, config, facts, as_of)
