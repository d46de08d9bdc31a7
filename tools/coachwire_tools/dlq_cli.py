"""`coachwire dlq list|show|redrive`: the trigger firings that failed every retry, and their redrive once the cause
is fixed. The local stack when AWS_ENDPOINT_URL points at its moto server (`coachwire local serve` prints it),
else the deployed stack `coachwire-<stage>` with the caller's AWS credentials. Only argparse is imported at load."""

from __future__ import annotations

import argparse
import os
import sys
import time

OK, FAILED, USAGE = 0, 1, 2
WHERE = ("Local stack: AWS_ENDPOINT_URL=<the moto url `coachwire local serve` prints>. AWS: credentials for the "
         "account and --stage (or COACHWIRE_STAGE); the stack is coachwire-<stage>.")


def register(groups: argparse._SubParsersAction) -> None:
    dlq = groups.add_parser("dlq", help="dead-lettered trigger firings: list, show, redrive",
                            description="Trigger firings that failed every retry wait in their trigger's dead-letter "
                            "queue. " + WHERE)
    commands = dlq.add_subparsers(title="dlq commands", metavar="<dlq command>")
    dlq.set_defaults(run=lambda args, parser: dlq.print_help() or USAGE)

    listing = commands.add_parser("list", help="messages in each trigger's dead-letter queue",
                                  description="Depth of every trigger's dead-letter queue. " + WHERE)
    _common(listing)
    listing.set_defaults(run=_list)

    show = commands.add_parser("show", help="the dead-lettered firings of one trigger (ids and codes only)",
                               description="Peek at a trigger's dead-letter queue (messages stay there): firing id, "
                               "detail-type, error type (from the audit log) and receive count; never the payload. "
                               + WHERE)
    _common(show)
    show.add_argument("--trigger", required=True, metavar="NAME", help="the trigger, e.g. checkin_gap_nudge")
    show.add_argument("--limit", type=int, default=50, help="at most this many messages (default 50)")
    show.set_defaults(run=_show)

    redrive = commands.add_parser("redrive", help="move a trigger's dead-lettered firings back to its queue",
                                  description="After the cause is fixed: move every message of the trigger's "
                                  "dead-letter queue back to its queue, to be processed again (a firing that already "
                                  "took effect is not repeated). " + WHERE)
    _common(redrive)
    redrive.add_argument("--trigger", required=True, metavar="NAME", help="the trigger, e.g. checkin_gap_nudge")
    redrive.add_argument("--no-wait", action="store_true", help="AWS: start the move task and return")
    redrive.set_defaults(run=_redrive)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", help="AWS: the deployed stage (default COACHWIRE_STAGE); the stack is "
                        "coachwire-<stage>")


class _Unusable(Exception):
    pass


def _queues(args: argparse.Namespace):  # noqa: ANN202
    from coachwire_tools.cli_aws import local_endpoint

    # The audit log is read through the shared adapters: moto accepts any credentials.
    endpoint = local_endpoint()
    if endpoint:
        from coachwire.adapters.dynamo import DynamoAuditLog
        from coachwire.settings import Settings

        from coachwire_tools.local.dead_letters import LocalDeadLetterQueues

        settings = Settings()
        return LocalDeadLetterQueues(endpoint, settings), DynamoAuditLog(settings.audit_table)
    stage = args.stage or os.environ.get("COACHWIRE_STAGE")
    if not stage:
        raise _Unusable("which stack? pass --stage (or set COACHWIRE_STAGE); for the local stack set "
                        "AWS_ENDPOINT_URL to the moto url `coachwire local serve` prints")
    from coachwire.adapters.dynamo import DynamoAuditLog

    from coachwire_tools.dlq.stack import AUDIT_TABLE_OUTPUT, SqsDeadLetterQueues, stack_outputs

    name = f"coachwire-{stage}"
    outputs = stack_outputs(name)
    return SqsDeadLetterQueues(name, outputs), DynamoAuditLog(outputs.get(AUDIT_TABLE_OUTPUT, ""))


def _guarded(command):  # noqa: ANN001, ANN202
    """Missing settings, credentials or an unreachable stack become one sentence, not a traceback."""

    def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
        from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError, NoCredentialsError

        from coachwire_tools.dlq.stack import StackNotFound

        try:
            return command(args, *_queues(args))
        except _Unusable as err:
            return _say(args, str(err), USAGE)
        except (StackNotFound, LookupError) as err:
            return _say(args, str(err).strip("'\""), USAGE)
        except NoCredentialsError:
            return _say(args, "no AWS credentials (set AWS_PROFILE or the AWS_* variables); for the local stack set "
                        "AWS_ENDPOINT_URL to the moto url `coachwire local serve` prints", USAGE)
        except EndpointConnectionError as err:
            return _say(args, f"cannot reach {err.kwargs.get('endpoint_url', 'the endpoint')}: is `coachwire local "
                        "serve` running, and is AWS_ENDPOINT_URL the moto url it printed?", USAGE)
        except ClientError as err:
            code = err.response["Error"]["Code"]
            if "NonExistentQueue" in code:
                return _say(args, "the trigger queues do not exist there: is AWS_ENDPOINT_URL the moto url of a "
                            "running `coachwire local serve` (and COACHWIRE_STAGE its stage)?", USAGE)
            return _say(args, f"AWS refused: {code} ({err.operation_name})", FAILED)
        except BotoCoreError as err:
            from coachwire_tools.cli_aws import explain

            sentence = explain(err)
            return _say(args, sentence, USAGE) if sentence else _say(args, f"AWS call failed: {type(err).__name__}",
                                                                      FAILED)

    return run


def _say(args: argparse.Namespace, message: str, code: int) -> int:
    command = getattr(args, "dlq_command", "")
    print(f"coachwire dlq{command}: {message}", file=sys.stderr)
    return code


@_guarded
def _list_impl(args: argparse.Namespace, queues, audit) -> int:  # noqa: ANN001
    from coachwire import spine

    print(f"Dead-letter queues of {queues.where}:")
    total = 0
    for trigger in spine.TRIGGERS:
        depth = queues.depth(trigger.name)
        total += depth
        print(f"  {trigger.name:24s} {depth:6d}")
    print(f"{total} dead-lettered firing{'s' if total != 1 else ''}"
          + (": `coachwire dlq show --trigger NAME`, then fix the cause and redrive" if total else "."))
    return OK


@_guarded
def _show_impl(args: argparse.Namespace, queues, audit) -> int:  # noqa: ANN001
    from coachwire_tools.dlq.queues import audit_error_type, describe, trigger_named

    trigger = trigger_named(args.trigger).name
    letters = queues.peek(trigger, max(1, args.limit))
    error_type = audit_error_type(audit)
    print(f"{len(letters)} dead-lettered firing{'s' if len(letters) != 1 else ''} of {trigger} ({queues.where}):")
    if letters:
        print(f"  {'firing id':40s} {'detail-type':32s} {'error type':24s} receives")
    for letter in letters:
        view = describe(letter, trigger, error_type)
        print(f"  {view.firing_id:40s} {view.detail_type:32s} {view.error_type:24s} {view.receive_count:8d}")
    return OK


@_guarded
def _redrive_impl(args: argparse.Namespace, queues, audit) -> int:  # noqa: ANN001
    from coachwire_tools.dlq.queues import trigger_named

    trigger = trigger_named(args.trigger).name
    before = queues.depth(trigger)
    result = queues.redrive(trigger)
    if result.moved is not None:
        print(f"Redrove {result.moved} of {before} dead-lettered firings of {trigger} to its queue ({queues.where}).")
        return OK
    print(f"Started moving {before} dead-lettered firings of {trigger} back to its queue (task {result.handle}).")
    if args.no_wait:
        return OK
    while True:
        status = queues.move_status(trigger)
        state = status.get("Status", "UNKNOWN")
        print(f"  {state}: {status.get('ApproximateNumberOfMessagesMoved', 0)} of "
              f"{status.get('ApproximateNumberOfMessagesToMove', before)} moved", flush=True)
        if state in ("COMPLETED", "CANCELLED", "FAILED"):
            if status.get("FailureReason"):
                print(f"  failure reason: {status['FailureReason']}")
            return OK if state == "COMPLETED" else FAILED
        time.sleep(5)


def _list(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    args.dlq_command = " list"
    return _list_impl(args, parser)


def _show(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    args.dlq_command = " show"
    return _show_impl(args, parser)


def _redrive(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    args.dlq_command = " redrive"
    return _redrive_impl(args, parser)
