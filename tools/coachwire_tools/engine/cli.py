"""`coachwire model evaluate|card`: offline evaluation of the recommendation engine on synthetic history, and its
model card. Only argparse is imported at load; the engine is imported when a command runs."""

from __future__ import annotations

import argparse
import sys

DEFAULT_EMPLOYEES = 3000
DEFAULT_SEED = 7


def register(groups: argparse._SubParsersAction) -> None:
    model = groups.add_parser("model", help="the recommendation engine: offline evaluation and model card")
    commands = model.add_subparsers(title="model commands", metavar="<model command>")
    model.set_defaults(run=lambda args, parser: model.print_help() or 2)

    evaluate = commands.add_parser(
        "evaluate",
        help="time-split replay of synthetic history: model, candidate and baselines",
        description="Generate a deterministic synthetic history, fit the model on the first 12 months and replay the "
        "rest: hit rate and precision at k, and level gain after recommended vs other completions, with 95% CIs.",
    )
    _common(evaluate, ("text", "json"), "text")
    evaluate.set_defaults(run=_evaluate)

    card = commands.add_parser("card", help="the model card of the default model fitted on synthetic history")
    _common(card, ("markdown", "json"), "markdown")
    card.set_defaults(run=_card)


def _common(parser: argparse.ArgumentParser, formats: tuple[str, ...], default: str) -> None:
    parser.add_argument("--format", choices=formats, default=default)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"history seed (default {DEFAULT_SEED})")
    parser.add_argument("--employees", type=_positive, default=DEFAULT_EMPLOYEES,
                        help=f"synthetic employees (default {DEFAULT_EMPLOYEES})")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")


def _positive(text: str) -> int:
    value = int(text)
    if value < 10:
        raise argparse.ArgumentTypeError("at least 10 employees")
    return value


def _emit(text: str, output: str | None) -> None:
    if output:
        from pathlib import Path

        Path(output).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")


def _evaluate(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    from coachwire_tools.engine.evaluation import render_text, run

    report, _ = run(args.employees, args.seed)
    _emit(report.model_dump_json(indent=2) if args.format == "json" else render_text(report), args.output)
    return 0


def _card(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import json

    from coachwire_tools.engine.card import card_data, render_markdown
    from coachwire_tools.engine.evaluation import run

    report, version = run(args.employees, args.seed)
    if args.format == "json":
        _emit(json.dumps(card_data(version, report), indent=2, default=str), args.output)
    else:
        _emit(render_markdown(version, report, command=f"coachwire model card --seed {args.seed} "
                              f"--employees {args.employees}"), args.output)
    return 0
