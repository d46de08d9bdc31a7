"""`coachwire audit run|rerun`: a bias audit on demand (through the API, as hr_admin) and the byte-for-byte
reproduction of a stored one (straight from the audit bucket, with credentials that may read its snapshots).
Only argparse is imported at load."""

from __future__ import annotations

import argparse
import sys

from coachwire_tools.cli_api import add_token_option, add_url_option

OK, MISMATCH, USAGE = 0, 1, 2
POLL_SECONDS = 1.0


def register(groups: argparse._SubParsersAction) -> None:
    audit = groups.add_parser("audit", help="bias audits of recommendations: run one now, reproduce a stored one")
    commands = audit.add_subparsers(title="audit commands", metavar="<audit command>")
    audit.set_defaults(run=lambda args, parser: audit.print_help() or USAGE)

    run = commands.add_parser(
        "run", help="audit a quarter now (POST /audits) and wait for the result",
        description="Ask the API for a bias audit of one quarter and wait for it. The token is an hr_admin bearer "
        "token (COACHWIRE_TOKEN or --token; locally: coachwire local token --role hr_admin --sub YOU).")
    run.add_argument("--window", required=True, help="the quarter, e.g. 2026Q4")
    run.add_argument("--format", choices=("text", "json"), default="text")
    add_url_option(run)
    add_token_option(run)
    run.add_argument("--request-id", help="idempotency key: the same one again returns the same audit")
    run.add_argument("--timeout", type=float, default=900.0, help="seconds to wait for the audit (default 900)")
    run.set_defaults(run=_run)

    rerun = commands.add_parser(
        "rerun", help="reproduce a stored audit from its manifest and check it byte for byte",
        description="Fetch the audit's input snapshot from the audit bucket, verify its hash against the manifest, "
        "run the audit again and compare results, report and manifest with the stored ones. Exit 1 on any "
        "difference. Needs AWS credentials that may read the bucket's snapshots (locally: AWS_ENDPOINT_URL "
        "pointing at the moto server `coachwire local serve` prints).")
    rerun.add_argument("manifest", help="a manifest.json file, or an audit id")
    rerun.add_argument("--bucket", help="the audit bucket (default: COACHWIRE_AUDIT_BUCKET)")
    rerun.add_argument("--format", choices=("text", "json"), default="text")
    rerun.set_defaults(run=_rerun)


def _run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    import time

    import requests

    from coachwire_tools.cli_api import ProgressLine, api_url, bearer_token, unreachable

    token = bearer_token(args)
    if not token:
        return _usage("run", "no token: pass --token or set COACHWIRE_TOKEN (an hr_admin bearer token)")
    base, headers = api_url(args), {"authorization": f"Bearer {token}"}
    body = {"window": args.window} | ({"request_id": args.request_id} if args.request_id else {})
    try:
        response = requests.post(f"{base}/audits", json=body, headers=headers, timeout=60)
        if response.status_code != 202:
            print(response.status_code, response.text)
            return MISMATCH
        audit_id = response.json()["audit_id"]
        progress = ProgressLine(f"waiting for audit {audit_id}")
        while True:
            detail = requests.get(f"{base}/audits/{audit_id}", headers=headers, timeout=60)
            detail.raise_for_status()
            answer = detail.json()
            status = answer["summary"]["status"]
            progress.show(status)
            if status in ("completed", "failed"):
                break
            if progress.elapsed() > args.timeout:
                progress.done()
                return _usage("run", f"audit {audit_id} is still {status} after {args.timeout:g} s; ask again "
                              f"later: GET {base}/audits/{audit_id} (the same --request-id returns the same audit)")
            time.sleep(POLL_SECONDS)
    except requests.ConnectionError:
        return _usage("run", unreachable(base))
    progress.done()
    if args.format == "json":
        print(json.dumps(answer, indent=2))
    else:
        print(_describe(answer, base))
    return OK if status == "completed" else MISMATCH


def _describe(answer: dict, base: str) -> str:
    from coachwire.fairness.records import Flag
    from coachwire.services.bias_audits import flag_line

    summary = answer["summary"]
    lines = [f"Audit {summary['audit_id']} of {summary['window']}: {summary['status']}"]
    if summary["status"] != "completed":
        if summary.get("error_type"):
            lines.append(f"  failed with {summary['error_type']} (see the bias_audit function's logs)")
        return "\n".join(lines)
    counts = summary["counts"]
    lines.append(f"  audited {counts.get('audited', 0)} employees ({counts.get('opted_out', 0)} opted out, reported "
                 f"apart), {counts.get('recommendations_audited', 0)} recommendations")
    flags = summary["flags"]
    lines.append(f"  {len(flags)} disparit{'y' if len(flags) == 1 else 'ies'} flagged"
                 + (":" if flags else " (comparisons with too little data say so in the report)"))
    lines += [f"  - {flag_line(Flag.model_validate(f))}" for f in flags]
    if summary["review_ids"]:
        lines.append(f"  review cases: {', '.join(summary['review_ids'])} (GET {base}/reviews)")
    lines.append(f"  report: GET {base}{answer['report_url']}")
    lines.append(f"  open it: coachwire report open '{answer['report_url']}'")
    return "\n".join(lines)


def _rerun(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from coachwire_tools.cli_aws import WHERE_TO_POINT, explain, local_endpoint

    local_endpoint()
    try:
        return _rerun_from_bucket(args)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        if code in ("NoSuchBucket", "404"):
            return _usage("rerun", "no such audit bucket there: pass --bucket or set COACHWIRE_AUDIT_BUCKET (the "
                          f"stack's AuditBucketName output); {WHERE_TO_POINT}")
        return _usage("rerun", f"AWS refused {err.operation_name} ({code}): the credentials must be allowed to read "
                      f"the audit bucket's reports and snapshots; {WHERE_TO_POINT}")
    except BotoCoreError as err:
        sentence = explain(err)
        if sentence is None:
            return _usage("rerun", f"AWS call failed: {type(err).__name__}; {WHERE_TO_POINT}")
        return _usage("rerun", sentence)


def _rerun_from_bucket(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from coachwire.adapters.bias_audits import S3AuditArchive
    from coachwire.fairness.records import InputMismatchError, ReproducibilityError
    from coachwire.ports import NotFound
    from coachwire.services.bias_audits import rerun_stored
    from coachwire.settings import Settings

    path = Path(args.manifest)
    archive = S3AuditArchive(args.bucket or Settings().audit_bucket)
    try:
        if path.is_file():
            report = rerun_stored(archive, manifest_json=path.read_bytes())
        else:
            report = rerun_stored(archive, audit_id=args.manifest)
    except (InputMismatchError, ReproducibilityError) as err:
        print(f"NOT reproduced: {err}")
        return MISMATCH
    except NotFound as err:
        return _usage("rerun", f"{err} (is {args.manifest!r} an audit id or a manifest file?)")
    if args.format == "json":
        print(json.dumps({"audit_id": report.audit_id, "input_content_hash": report.input_content_hash,
                          "byte_identical": report.byte_identical, "identical": report.identical}, indent=2))
    else:
        print(f"Audit {report.audit_id}: inputs match the manifest ({report.input_content_hash})")
        for name, same in report.identical.items():
            print(f"  {name:14s} {'byte-identical' if same else 'DIFFERS'}")
        print("Reproduced byte for byte." if report.byte_identical else "NOT reproduced byte for byte.")
    return OK if report.byte_identical else MISMATCH


def _usage(command: str, message: str) -> int:
    print(f"coachwire audit {command}: {message}", file=sys.stderr)
    return USAGE
