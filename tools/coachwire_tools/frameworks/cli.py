"""`coachwire framework ...`: validate framework files, import them from standards, export them.

Registered by `coachwire_tools.cli` through `register(groups)`. Only argparse and sys are imported at load time;
pydantic, PyYAML and the importers load when a command runs, so `coachwire --help` stays fast.

Exit codes: 0 valid / done; 1 problems (a file that does not validate, an import whose result does not
validate, an importer or exporter that failed); 2 usage or I/O errors (missing file, unknown standard,
an importer that is not available yet).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from coachwire_tools.cli_api import add_token_option, add_url_option

OK, PROBLEMS, USAGE = 0, 1, 2
FRAMEWORK_SUFFIXES = (".yaml", ".yml", ".json")
REPORT_SUFFIX = ".report.md"


def register(groups: argparse._SubParsersAction) -> None:
    framework = groups.add_parser(
        "framework",
        help="competency frameworks: validate, import from a standard, export",
        description="Work with competency framework files (format: docs/frameworks.md).",
    )
    commands = framework.add_subparsers(title="framework commands", metavar="<framework command>")
    framework.set_defaults(run=lambda args, parser: framework.print_help() or USAGE)

    validate = commands.add_parser(
        "validate",
        help="check framework files; exit 0 only if all are valid",
        description="Check framework files (YAML or JSON) and report every problem as FILE:LINE: PATH: reason [code]. "
        "A directory stands for the .yaml/.yml/.json files directly in it. Exit 0 if all are valid, 1 if any "
        "has problems, 2 if a file cannot be read.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="framework file (.yaml, .yml, .json) or directory")
    validate.add_argument("--format", choices=["text", "json"], default="text", help="output format (default text)")
    validate.set_defaults(run=_validate)

    imp = commands.add_parser(
        "import",
        help="build a framework file from a standard (CASE, O*NET, ESCO, a progression matrix)",
        description="Import SRC with the importer for --from, write the framework to OUT (.yaml/.yml/.json) and "
        f"a report to OUT{REPORT_SUFFIX}, then validate OUT. Exit 0 only if OUT validates; otherwise the "
        "report says exactly why.",
    )
    imp.add_argument(
        "--from",
        dest="standard",
        required=True,
        metavar="STANDARD",
        help="the source standard: case, onet, esco or progression",
    )
    imp.add_argument("source", metavar="SRC", help="the file or directory to import")
    imp.add_argument("--occupation", help="O*NET-SOC code or ESCO occupation URI/code to import the role for")
    imp.add_argument("--framework-id", help="framework_id of the result (default: from the source)")
    imp.add_argument("--framework-version", help="version of the result (default: from the source)")
    imp.add_argument(
        "--scale-levels",
        type=int,
        choices=[3, 4, 5],
        default=None,
        help="levels of the scale to map onto (default: the source's natural size)",
    )
    imp.add_argument("-o", "--output", required=True, metavar="OUT", help="the framework file to write")
    imp.add_argument("--format", choices=["text", "json"], default="text", help="print the report as text or JSON")
    imp.set_defaults(run=_import)

    exp = commands.add_parser(
        "export",
        help="write a valid framework in a standard's format (CASE JSON)",
        description="Validate FILE and, if it is valid, write it to OUT in the format of --to.",
    )
    exp.add_argument("--to", dest="standard", required=True, metavar="STANDARD", help="the target standard: case")
    exp.add_argument("file", metavar="FILE", help="the framework file to export")
    exp.add_argument("-o", "--output", required=True, metavar="OUT", help="where to write (- for stdout)")
    exp.set_defaults(run=_export)

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of the file format",
        description="Print (or write with -o) the JSON Schema generated from the model. The committed copy is "
        "schemas/framework.schema.json; --check exits 1 if a file differs from the generated schema.",
    )
    schema.add_argument("-o", "--output", metavar="FILE", help="write the schema here instead of printing it")
    schema.add_argument("--check", metavar="FILE", help="compare FILE with the generated schema")
    schema.set_defaults(run=_schema)

    publish = commands.add_parser(
        "publish",
        help="validate a framework file and publish it as a new version (POST /frameworks, hr_admin)",
        description="Versions are immutable: publishing the same version again is a no-op, the same version with "
        "other content is refused (409). The token is an hr_admin bearer token (COACHWIRE_TOKEN or --token; "
        "locally: coachwire local token --role hr_admin --sub YOU).",
    )
    publish.add_argument("file", help="the framework file (YAML or JSON)")
    publish.add_argument("--catalog", metavar="FILE", help="the learning catalog to publish with it (YAML or JSON)")
    add_url_option(publish)
    add_token_option(publish)
    publish.set_defaults(run=_publish)


# -- validate --------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json

    from coachwire.frameworks.validate import validate_file

    files, io_errors = _expand(args.files)
    results: list[dict[str, Any]] = []
    for path in files:
        try:
            problems = validate_file(path)
        except OSError as e:
            io_errors.append((str(path), e.strerror or str(e)))
            continue
        results.append({"file": str(path), "valid": not problems, "problems": problems})
    for name, reason in io_errors:
        print(f"coachwire framework validate: {name}: {reason}", file=sys.stderr)
    valid = not io_errors and all(r["valid"] for r in results)
    if args.format == "json":
        files_out = [{**r, "problems": [p.to_dict() for p in r["problems"]]} for r in results]
        files_out += [{"file": name, "valid": False, "error": reason, "problems": []} for name, reason in io_errors]
        print(json.dumps({"valid": valid, "files": files_out}, indent=2, ensure_ascii=False))
    else:
        for r in results:
            if r["valid"]:
                print(f"{r['file']}: valid")
            for problem in r["problems"]:
                print(problem.text())
        invalid = [r for r in results if not r["valid"]]
        count = sum(len(r["problems"]) for r in invalid)
        summary = (
            f"{_plural(len(results), 'file')} checked: {len(results) - len(invalid)} valid, {len(invalid)} invalid"
        )
        if count:
            summary += f" ({_plural(count, 'problem')})"
        if io_errors:
            summary += f"; {_plural(len(io_errors), 'file')} could not be read"
        print(summary)
    if io_errors:
        return USAGE
    return OK if valid else PROBLEMS


def _expand(names: list[str]) -> tuple[list[Any], list[tuple[str, str]]]:
    from pathlib import Path

    files, errors = [], []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in FRAMEWORK_SUFFIXES)
            if not found:
                errors.append((name, "no .yaml, .yml or .json files in this directory"))
            files += found
        elif not path.exists():
            errors.append((name, "no such file"))
        else:
            files.append(path)
    return files, errors


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# -- import ----------------------------------------------------------------------------------------


class NotAvailable(Exception):
    """The importer/exporter for a standard is not registered, not built yet, or misses a dependency."""


def resolve(kind: str, name: str) -> Any:
    """The function registered for `name` in IMPORTERS (kind "importer") or EXPORTERS ("exporter")."""
    import importlib

    from coachwire_tools.frameworks import interchange

    registry = interchange.IMPORTERS if kind == "importer" else interchange.EXPORTERS
    if name not in registry:
        known = ", ".join(sorted(registry)) or "none"
        raise NotAvailable(f"no {kind} for '{name}' (available: {known})")
    module_name, _, attr = registry[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise NotAvailable(f"the '{name}' {kind} is not available yet ({module_name} does not exist)") from None
        raise NotAvailable(f"the '{name}' {kind} needs the module '{e.name}', which is not installed") from None
    function = getattr(module, attr, None)
    if not callable(function):
        raise NotAvailable(f"the '{name}' {kind} is not available yet ({module_name} has no function {attr})")
    return function


def _import(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    from pathlib import Path

    out = Path(args.output)
    if out.suffix.lower() not in FRAMEWORK_SUFFIXES:
        return _usage("import", f"{out}: the output must end in .yaml, .yml or .json")
    source = Path(args.source)
    if not source.exists():
        return _usage("import", f"{source}: no such file or directory")
    try:
        importer = resolve("importer", args.standard)
    except NotAvailable as e:
        return _usage("import", str(e))

    from coachwire.frameworks.format import dump
    from coachwire.frameworks.validate import validate_file

    from coachwire_tools.frameworks.interchange import ImportOptions

    options = ImportOptions(
        occupation=args.occupation,
        framework_id=args.framework_id,
        version=args.framework_version,
        scale_levels=args.scale_levels,
    )
    try:
        result = importer(source, options)
    except OSError as e:
        return _usage("import", f"{source}: {e.strerror or e}")
    except Exception as e:  # an importer bug or a source it cannot read: say which, without a traceback
        print(
            f"coachwire framework import: the '{args.standard}' importer failed: {type(e).__name__}: {e}",
            file=sys.stderr,
        )
        return PROBLEMS
    if not isinstance(result.data, dict):
        print(
            f"coachwire framework import: the '{args.standard}' importer returned no framework document",
            file=sys.stderr,
        )
        return PROBLEMS
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        dump(result.data, out)
        problems = validate_file(out)  # what was written, exactly as `validate` will read it
        report_path = Path(f"{out}{REPORT_SUFFIX}")
        report_path.write_text(render_report(result.report, out, problems), encoding="utf-8")
    except OSError as e:
        return _usage("import", f"{e.filename or out}: {e.strerror or e}")
    summary = report_dict(result.report, out, report_path, problems)
    if args.format == "json":
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        mapped = ", ".join(f"{v} {k}" for k, v in result.report.mapped.items()) or "nothing"
        counts = {s: sum(f.severity == s for f in result.report.findings) for s in ("error", "warning", "info")}
        print(f"Imported {source} ({args.standard}) into {out}: {mapped}")
        print(f"  findings: {counts['error']} errors, {counts['warning']} warnings, {counts['info']} info")
        for problem in problems:
            print(problem.text())
        verdict = "valid" if not problems else f"does NOT validate ({_plural(len(problems), 'problem')})"
        print(f"{out}: {verdict}; report: {report_path}")
    return OK if not problems else PROBLEMS


def report_dict(report: Any, out: Any, report_path: Any, problems: list) -> dict[str, Any]:
    return {
        "source": report.source,
        "standard": report.standard,
        "output": str(out),
        "report": str(report_path),
        "valid": not problems,
        "mapped": dict(report.mapped),
        "findings": [{"severity": f.severity, "where": f.where, "message": f.message} for f in report.findings],
        "problems": [p.to_dict() for p in problems],
    }


def render_report(report: Any, out: Any, problems: list) -> str:
    """The human-readable import report (Markdown)."""

    def cell(text: Any) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# Import report: {out}",
        "",
        f"- Source: `{report.source}`",
        f"- Standard: {report.standard}",
        f"- Framework file: `{out}`",
    ]
    if problems:
        lines.append(f"- Result: **does not validate** ({_plural(len(problems), 'problem')}, listed under Validation)")
    else:
        lines.append("- Result: **valid** (`coachwire framework validate` accepts it)")
    lines += ["", "## Mapped", ""]
    if report.mapped:
        lines += ["| What | Count |", "| --- | ---: |"]
        lines += [f"| {cell(k)} | {v} |" for k, v in report.mapped.items()]
    else:
        lines.append("Nothing was mapped.")
    lines += ["", "## Findings", ""]
    if report.findings:
        lines += ["| Severity | Where | Message |", "| --- | --- | --- |"]
        order = {"error": 0, "warning": 1, "info": 2}
        for f in sorted(report.findings, key=lambda f: order.get(f.severity, 3)):
            lines.append(f"| {f.severity} | {cell(f.where)} | {cell(f.message)} |")
    else:
        lines.append("None.")
    lines += ["", "## Validation", ""]
    if problems:
        lines.append(f"`coachwire framework validate {out}` reports:")
        lines.append("")
        lines += ["| Line | Path | Problem | Code |", "| ---: | --- | --- | --- |"]
        for p in problems:
            lines.append(f"| {p.line or ''} | `{cell(p.path)}` | {cell(p.message)} | `{p.code}` |")
        lines += ["", "Fix the source (or the framework file) and validate again; the codes are explained in "]
        lines[-1] += "docs/frameworks.md."
    else:
        lines.append("The framework validates.")
    return "\n".join(lines) + "\n"


# -- export ----------------------------------------------------------------------------------------


def _export(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    from pathlib import Path

    try:
        exporter = resolve("exporter", args.standard)
    except NotAvailable as e:
        return _usage("export", str(e))
    from coachwire.frameworks.format import load
    from coachwire.frameworks.validate import validate_file
    from coachwire.models.framework import Framework

    try:
        problems = validate_file(args.file)
    except OSError as e:
        return _usage("export", f"{args.file}: {e.strerror or e}")
    if problems:
        for problem in problems:
            print(problem.text(), file=sys.stderr)
        print(f"coachwire framework export: {args.file} does not validate; nothing exported", file=sys.stderr)
        return PROBLEMS
    framework = Framework.model_validate(load(args.file).data)
    try:
        document = exporter(framework)
    except Exception as e:  # an exporter bug: say which, without a traceback
        print(
            f"coachwire framework export: the '{args.standard}' exporter failed: {type(e).__name__}: {e}",
            file=sys.stderr,
        )
        return PROBLEMS
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
        return OK
    try:
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as e:
        return _usage("export", f"{args.output}: {e.strerror or e}")
    print(f"Exported {args.file} ({framework.framework_id} {framework.version}) as {args.standard} to {args.output}")
    return OK


# -- schema ----------------------------------------------------------------------------------------


def _schema(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from pathlib import Path

    from coachwire_tools.frameworks.schema import schema_text

    text = schema_text()
    if args.check:
        try:
            current = Path(args.check).read_text(encoding="utf-8")
        except OSError as e:
            return _usage("schema", f"{args.check}: {e.strerror or e}")
        if current != text:
            print(f"{args.check} differs from the schema generated from the model; regenerate it with", file=sys.stderr)
            print(f"  coachwire framework schema -o {args.check}", file=sys.stderr)
            return PROBLEMS
        print(f"{args.check}: up to date")
        return OK
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        sys.stdout.write(text)
    return OK


def _publish(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    from pathlib import Path

    import requests
    from coachwire.frameworks.format import load as load_document
    from coachwire.frameworks.validate import validate_file

    from coachwire_tools.cli_api import api_url, bearer_token, unreachable

    token = bearer_token(args)
    if not token:
        return _usage("publish", "no token: pass --token or set COACHWIRE_TOKEN (an hr_admin bearer token)")
    try:
        problems = validate_file(Path(args.file))
        if problems:
            for problem in problems:
                print(problem.text())
            print(f"not published: {_plural(len(problems), 'problem')} in {args.file}")
            return PROBLEMS
        body: dict[str, Any] = {"framework": load_document(Path(args.file)).data}
        if args.catalog:
            body["catalog"] = load_document(Path(args.catalog)).data
    except OSError as e:
        return _usage("publish", f"{e.filename}: {e.strerror}")
    try:
        response = requests.post(api_url(args) + "/frameworks", json=body, timeout=60,
                                 headers={"authorization": f"Bearer {token}"})
    except requests.ConnectionError:
        return _usage("publish", unreachable(api_url(args)))
    try:
        answer = response.json()
    except ValueError:
        answer = {"message": response.text}
    print(response.status_code, json.dumps(answer))
    return OK if response.status_code in (200, 201) else PROBLEMS


def _usage(command: str, message: str) -> int:
    print(f"coachwire framework {command}: {message}", file=sys.stderr)
    return USAGE
