"""`coachwire policy show`: the data-use policy a configuration publishes, printed before it is deployed (the same
document `GET /policy` serves, from the COACHWIRE_* settings in this environment). Only argparse at load."""

from __future__ import annotations

import argparse
import sys


def register(groups: argparse._SubParsersAction) -> None:
    policy = groups.add_parser("policy", help="the data-use policy generated from the configuration")
    commands = policy.add_subparsers(title="policy commands", metavar="<policy command>")
    policy.set_defaults(run=lambda args, parser: policy.print_help() or 2)
    show = commands.add_parser("show", help="print the policy for the COACHWIRE_* settings of this environment")
    show.add_argument("--format", choices=("markdown", "html", "json"), default="markdown")
    show.set_defaults(run=_show)


def _show(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from coachwire.policy import render
    from coachwire.policy.document import build
    from coachwire.settings import Settings

    doc = build(Settings())
    text = {"markdown": render.markdown, "html": render.html}.get(args.format, lambda d: d.model_dump_json(indent=2))
    sys.stdout.write(text(doc) + "\n")
    return 0
