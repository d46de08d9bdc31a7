"""`coachwire guides ...`: check the conversation guide files HR edits, and show the guide for an alert reason.

Registered by `coachwire_tools.cli` through `register(groups)`; only argparse is imported at load. The checks are
the deployed loader's own (coachwire.domain.guides), so a folder that validates here loads in Lambda.

Exit codes: 0 valid / shown; 1 problems (every one listed); 2 usage (no such folder, unknown reason code)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

OK, PROBLEMS, USAGE = 0, 1, 2


def register(groups: argparse._SubParsersAction) -> None:
    guides = groups.add_parser("guides", help="conversation guides for stall alerts: validate, show",
                               description="Conversation guides, one YAML file per stall-alert reason "
                               "(layers/coachwire/content/guides/; docs/guides.md).")
    commands = guides.add_subparsers(title="guides commands", metavar="<guides command>")
    guides.set_defaults(run=lambda args, parser: guides.print_help() or USAGE)

    validate = commands.add_parser(
        "validate", help="check guide files; exit 0 only if all are valid",
        description="Check every guide file (*.yaml, *.yml) in DIR, the shipped guides by default, and list every "
        "problem as FILE: FIELD: reason. Exit 0 if all are valid, 1 if any has problems, 2 if DIR is not a folder.")
    validate.add_argument("directory", nargs="?", type=Path, metavar="DIR",
                          help="folder of guide files (default: the guides that ship with coachwire)")
    validate.set_defaults(run=_validate)

    show = commands.add_parser("show", help="print the guide in use today for an alert reason",
                               description="Print the guide in use today for REASON (low_activity, rating_dropped, "
                               "benchmark_raised), from DIR or the shipped guides.")
    show.add_argument("reason", metavar="REASON", help="the alert reason code")
    show.add_argument("--dir", dest="directory", type=Path, metavar="DIR", help="folder of guide files")
    show.add_argument("--format", choices=["text", "json", "html"], default="text", help="output (default text)")
    show.set_defaults(run=_show)


def _folder(directory: Path | None) -> Path | None:
    if directory is not None and not directory.is_dir():
        print(f"coachwire guides: {directory} is not a folder", file=sys.stderr)
        raise SystemExit(USAGE)
    return directory


def _validate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from coachwire.domain.guides import check_guides, shipped_directory

    folder = _folder(args.directory)
    guides, problems = check_guides(folder)
    where = folder if folder is not None else shipped_directory()
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return PROBLEMS
    versions = ", ".join(f"{g.reason_code} {g.version}" for g in sorted(guides, key=lambda g: g.reason_code))
    print(f"ok: {len(guides)} guide(s) in {where} ({versions})")
    return OK


def _show(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from datetime import UTC, datetime

    from coachwire.domain.guides import GuideFilesInvalid, guide_html, guide_text, load_guides
    from coachwire.errors import UnknownReference

    try:
        library = load_guides(_folder(args.directory))
        guide = library.current(args.reason, datetime.now(UTC).date())
    except GuideFilesInvalid as err:
        print(err, file=sys.stderr)
        return PROBLEMS
    except UnknownReference as err:
        print(f"coachwire guides: {err.message}", file=sys.stderr)
        return USAGE
    out = {"text": guide_text, "html": guide_html}.get(args.format)
    print(out(guide) if out else guide.model_dump_json(indent=2))
    return OK
