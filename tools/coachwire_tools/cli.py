"""`coachwire` command line. Each group registers its subcommands in `_add_<group>`; heavy imports stay lazy."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import timedelta

from coachwire_tools.cli_api import add_url_option


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    # Known-args parsing so `coachwire demo ...` can hand its own options to the demo untouched.
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passes_extra_args", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra_args = extra
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return args.run(args, parser) or 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coachwire", description="Coachwire: HR coaching backbone.")
    groups = parser.add_subparsers(title="commands", metavar="<command>")
    _add_local(groups)
    _add_webhook(groups)
    _add_demo(groups)
    _add_feature_groups(groups)
    return parser


# Feature packages register their own command groups; their `cli` modules import only argparse at load.
FEATURE_CLIS = ("coachwire_tools.frameworks.cli", "coachwire_tools.readiness.cli", "coachwire_tools.engine.cli",
                "coachwire_tools.policy.cli", "coachwire_tools.bias_audit_cli", "coachwire_tools.dlq_cli",
                "coachwire_tools.report_cli", "coachwire_tools.guides_cli")


def _add_feature_groups(groups: argparse._SubParsersAction) -> None:
    import importlib

    for name in FEATURE_CLIS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name and name.startswith(err.name):  # the feature (or its package) is not built yet
                continue
            raise
        module.register(groups)


# -- coachwire local ... ---------------------------------------------------------------------------


# Said at start, in --help, in the README and in docs/operations.md: nothing survives a restart of `local serve`.
IN_MEMORY_NOTICE = ("Its state is in memory only: profiles, notifications, the audit log, webhook dedupe records and "
                    "events accepted but not yet processed are lost when it stops (a webhook id sent before a restart "
                    "is then applied again).")


def _add_local(groups: argparse._SubParsersAction) -> None:
    local = groups.add_parser("local", help="run Coachwire on this machine (moto as the AWS account)")
    commands = local.add_subparsers(title="local commands", metavar="<local command>")
    local.set_defaults(run=lambda args, parser: local.print_help() or 2)

    serve = commands.add_parser("serve", help="start the local stack and block until Ctrl-C (state in memory only)",
                                description="Start the local stack and block until Ctrl-C. " + IN_MEMORY_NOTICE)
    serve.add_argument("--port", type=int, default=8787, help="HTTP port (default 8787; 0 picks a free one). Other "
                       "terminals reach a non-default port through COACHWIRE_API_URL, which it prints")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 "
                       "opens this development stack to your network)")
    serve.add_argument("--seed", choices=["sample"], help="load the sample organisation after start-up, with "
                       "SYNTHETIC demographics for its people")
    serve.add_argument("--population", type=int, default=0, metavar="N",
                       help="with --seed sample: also replay the demo's synthetic 60-day pilot of N employees "
                       "(demographics and a planted disparity included) so a bias audit has groups to compare; "
                       "about half a second per employee at start-up (make serve uses 100)")
    serve.set_defaults(run=_serve)

    token = commands.add_parser("token", help="print a JWT the local API accepts")
    token.add_argument("--role", required=True, choices=["hr_admin", "manager", "employee"])
    token.add_argument("--sub", required=True, help="the token's subject: the employee id, unless "
                       "COACHWIRE_EMPLOYEE_ID_CLAIM names another claim (docs/identity.md)")
    token.add_argument("--employee-id", help="the employee id, put in COACHWIRE_EMPLOYEE_ID_CLAIM when that is "
                       "not sub (default: the --sub value)")
    token.add_argument("--ttl-hours", type=float, default=12.0)
    token.set_defaults(run=_token)


def _serve(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from coachwire_tools.cli_api import ProgressLine
    from coachwire_tools.local.stack import LocalStack, SeedError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)  # one "found credentials" line per client
    stopping = threading.Event()
    # SIGTERM ends the process like Ctrl-C does, through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    seeding = ProgressLine("coachwire local serve")
    try:
        stack = LocalStack(port=args.port, seed=args.seed, host=args.host, population=args.population,
                           progress=seeding.show).start()
    except SeedError as e:
        parser.error(str(e))
    except OSError as e:
        print(f"coachwire: cannot start the local stack: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # start() has already cleaned up
        return 130
    seeding.done()
    try:
        if stack.seed_summary is not None:
            print("\n".join(stack.seed_summary.lines()))
        for line in serve_hints(stack.base_url, stack.moto_url, stack.webhook_secrets[0], seeded=args.seed):
            print(line)
        print(f"State: {IN_MEMORY_NOTICE}")
        print("Ctrl-C to stop.", flush=True)
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        print("stopping…", file=sys.stderr)
        stack.stop()
    return 0


def own_command() -> str:
    """This `coachwire`, as a command that works where it is printed (no active venv needed): the script next to
    the running interpreter, relative when it is under the current directory (`.venv/bin/coachwire` from the repo
    root), else absolute; `python -m coachwire_tools.cli` when there is no script."""
    import os
    import shlex
    from pathlib import Path

    script = Path(sys.executable).parent / "coachwire"
    if not script.is_file():
        return f"{shlex.quote(sys.executable)} -m coachwire_tools.cli"
    relative = os.path.relpath(script)
    return shlex.quote(relative if not relative.startswith("..") else str(script.absolute()))


def serve_hints(base_url: str, moto_url: str, secret: str, seeded: str | None) -> list[str]:
    """What `local serve` prints: every command copy-pastes into another terminal at the repo root as it is."""
    from coachwire.clock import SystemClock

    from coachwire_tools.client_settings import ClientSettings

    cli = own_command()
    admin = "emp-0012" if seeded == "sample" else "hr-admin-1"  # the sample organisation's HR admin
    today = SystemClock().now().date()
    lines = [f"Coachwire local stack at {base_url}",
             f"  moto (AWS emulation): {moto_url}",
             f"  webhook secret (a development secret, not for production): {secret}"]
    if base_url != ClientSettings().api_url.rstrip("/"):
        lines.append(f"  the CLI's API address (COACHWIRE_API_URL) is another: export COACHWIRE_API_URL={base_url}")
    lines += [
        f"  get a token:  TOKEN=$({cli} local token --role hr_admin --sub {admin})",
        f'  then:         curl -H "Authorization: Bearer $TOKEN" {base_url}/triggers/stats',
        f"  bias audit:   COACHWIRE_TOKEN=$TOKEN {cli} audit run --window {today.year}Q{(today.month - 1) // 3 + 1}",
        f"  API document: {base_url}/openapi.json",
        f"  dead letters: AWS_ENDPOINT_URL={moto_url} {cli} dlq list",
    ]
    return lines


def _token(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from coachwire_tools.local import tokens

    try:
        print(tokens.mint(args.role, args.sub, timedelta(hours=args.ttl_hours), employee_id=args.employee_id))
    except ValueError as e:
        parser.error(str(e))
    return 0


# -- coachwire webhook send ------------------------------------------------------------------------


def _add_webhook(groups: argparse._SubParsersAction) -> None:
    webhook = groups.add_parser("webhook", help="act as an HRIS: sign and send webhooks")
    commands = webhook.add_subparsers(title="webhook commands", metavar="<webhook command>")
    webhook.set_defaults(run=lambda args, parser: webhook.print_help() or 2)
    send = commands.add_parser("send", help="sign a JSON payload file (Standard Webhooks) and POST it")
    send.add_argument("file", help="a payload file such as examples/webhooks/employee.upserted.json")
    add_url_option(send)
    send.add_argument("--secret", help="whsec_ secret (default: first of COACHWIRE_WEBHOOK_SECRETS)")
    send.add_argument("--id", dest="webhook_id", help="webhook-id to use (default: a new one); repeat to test dedupe")
    send.set_defaults(run=_send_webhook)


def _send_webhook(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json
    from pathlib import Path

    import requests
    from coachwire.settings import Settings

    from coachwire_tools.cli_api import api_url, unreachable
    from coachwire_tools.webhook_client import WebhookClient

    secret = args.secret or next(iter(Settings().webhook_secret_list()), None)
    if not secret:
        parser.error("no secret: pass --secret or set COACHWIRE_WEBHOOK_SECRETS (local serve prints it)")
    body = Path(args.file).read_bytes()  # sent as-is: the signature covers these exact bytes
    base = api_url(args)
    try:
        delivery = WebhookClient(base, secret).send({}, webhook_id=args.webhook_id, body=body)
    except requests.ConnectionError:
        print(f"coachwire webhook send: {unreachable(base)}", file=sys.stderr)
        return 2
    print(delivery.status, json.dumps(delivery.body))
    return 0 if delivery.status < 300 else 1


# -- coachwire demo --------------------------------------------------------------------------------


def _add_demo(groups: argparse._SubParsersAction) -> None:
    demo = groups.add_parser(
        "demo", help="run the end-to-end demo on the local stack (options go to the demo)", add_help=False
    )
    demo.set_defaults(run=_demo, passes_extra_args=True)


def _demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import coachwire_tools.demo

    return coachwire_tools.demo.main(args.extra_args) or 0


if __name__ == "__main__":
    sys.exit(main())
