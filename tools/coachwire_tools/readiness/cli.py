"""`coachwire data audit DIR`: the data readiness audit of an HRIS export. Only argparse is imported at load;
the audit itself is imported when the command runs."""

from __future__ import annotations

import argparse
import sys
from datetime import date

FORMATS = ("table", "markdown", "html", "json")
SUFFIX_FORMATS = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".txt": "table",
}


def register(groups: argparse._SubParsersAction) -> None:
    data = groups.add_parser("data", help="check HR data before relying on it (data readiness audit)")
    commands = data.add_subparsers(title="data commands", metavar="<data command>")
    data.set_defaults(run=lambda args, parser: data.print_help() or 2)
    audit = commands.add_parser(
        "audit",
        help="audit an HRIS export folder: structured, current, accessible, coverage",
        description="Audit an HRIS export folder (CSV/JSON) for AI-coaching readiness. Exit 0 when ready or ready "
        "with warnings, 1 when blocking gaps exist, 2 on a usage or input error.",
    )
    audit.add_argument("directory", metavar="DIR", help="the export folder, e.g. examples/hris-export")
    audit.add_argument("--format", choices=FORMATS, help="report format (default: from -o's suffix, else table)")
    audit.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    audit.add_argument("--as-of", type=_date, metavar="YYYY-MM-DD", help="the audit date (default: today, UTC)")
    audit.add_argument(
        "--frameworks",
        metavar="DIR",
        help="competency framework YAML/JSON files (default: the sample organisation's frameworks)",
    )
    audit.set_defaults(run=_audit)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date in YYYY-MM-DD form") from err


def _audit(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from pathlib import Path

    from coachwire.clock import SystemClock

    from coachwire_tools.readiness.audit import AuditInputError, audit_directory, load_framework_files
    from coachwire_tools.readiness.render import render

    fmt = args.format
    if fmt is None and args.output:
        fmt = SUFFIX_FORMATS.get(Path(args.output).suffix.lower())
    fmt = fmt or "table"
    as_of = args.as_of or SystemClock().now().date()
    try:
        frameworks = load_framework_files(Path(args.frameworks)) if args.frameworks else None
        report = audit_directory(Path(args.directory), as_of, frameworks=frameworks)
    except AuditInputError as err:
        print(f"coachwire data audit: error: {err}", file=sys.stderr)
        return 2
    text = render(report, fmt)
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as err:
            print(f"coachwire data audit: error: cannot write {args.output}: {err}", file=sys.stderr)
            return 2
        print(
            f"{report.verdict}: {len(report.blocking)} blocking, {len(report.warnings)} warnings; "
            f"{fmt} report written to {args.output}",
            file=sys.stderr,
        )
    else:
        sys.stdout.write(text)
    return report.exit_code
