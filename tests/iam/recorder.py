"""Record every AWS call a Coachwire function makes while the local runtime runs its real handler.

Every botocore client gets a `before-parameter-build` hook (all clients: ours, powertools', the local runtime's);
a call counts only inside a handler invocation (`coachwire_tools.local.lambdas.current_function`), so what tests and the
emulator's provisioning call is not attributed to any function. Each call becomes the IAM requests AWS would
authorise: one per table, index or object it touches, one per operation inside a transaction, plus the KMS use a
customer-managed key implies.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import Counter
from dataclasses import dataclass

import botocore.session
from coachwire import spine
from coachwire_tools.local.lambdas import current_function

# Inside TransactWriteItems/TransactGetItems, each item is authorised as its own action.
TRANSACT_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                    "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
# Single-item writes whose ReturnValues IAM can condition on (dynamodb:ReturnValues).
_RETURN_VALUES = {"PutItem", "UpdateItem", "DeleteItem"}
_SPECS = {spec.key: spec for spec in spine.TABLES}
# The stack's secrets by name, and the Settings field each is read through (its ARN, in AWS).
SECRET_SETTINGS = {"webhook": "webhook_secrets_arn", "chat_send": "chat_send_secret_arn",
                   "chat_verify": "chat_verify_secret_arn", "teams_bot": "teams_bot_secret_arn"}


@dataclass(frozen=True)
class Access:
    """One IAM request of one function: resource as a spine-level tuple, e.g. ("table", "profiles")."""

    function: str
    action: str
    resource: tuple[str, ...]
    context: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> list:
        return [self.function, self.action, list(self.resource), [list(c) for c in self.context]]

    @classmethod
    def from_json(cls, row: list) -> Access:
        return cls(row[0], row[1], tuple(row[2]), tuple(tuple(c) for c in row[3]))

    def describe(self) -> str:
        where = "/".join(self.resource)
        context = "".join(f" [{k}={v}]" for k, v in self.context)
        return f"{self.function}: {self.action} on {where}{context}"


class LocalNames:
    """Local resource names (from the environment the local runtime set) → spine-level resources."""

    def __init__(self, environ: dict[str, str]) -> None:
        from coachwire.settings import Settings

        settings = Settings()
        self.tables = {getattr(settings, f"{spec.key}_table"): spec.key for spec in spine.TABLES}
        self.bus = settings.event_bus_name
        self.bucket = settings.audit_bucket
        self.demographics_key = environ.get("COACHWIRE_DEMOGRAPHICS_KEY_ARN", "")
        self.queues = {f"coachwire-{settings.stage}-{t.name.replace('_', '-')}": t.name for t in spine.TRIGGERS}
        # Secrets Manager ids the local runtime set (the *_ARN settings) → the stack's secret of that name.
        self.secrets = {arn: name for name, setting in SECRET_SETTINGS.items() if (arn := getattr(settings, setting))}

    def table(self, name: str) -> tuple[str, ...]:
        return ("table", self.tables[name]) if name in self.tables else ("unknown-table", name)

    def secret(self, secret_id: str) -> tuple[str, ...]:
        return ("secret", self.secrets[secret_id]) if secret_id in self.secrets else ("unknown-secret", secret_id)

    def queue(self, url: str) -> tuple[str, ...]:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        dead_letter = name.endswith("-dlq")
        trigger = self.queues.get(name.removesuffix("-dlq"))
        if trigger is None:
            return ("unknown-queue", name)
        return ("dead-letter-queue" if dead_letter else "queue", trigger)


@functools.lru_cache(maxsize=8)
def _names(key: tuple[tuple[str, str], ...]) -> LocalNames:
    return LocalNames(dict(key))


def local_names() -> LocalNames:
    return _names(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("COACHWIRE_"))))


def _dynamodb(function: str, operation: str, params: dict, names: LocalNames) -> list[Access]:
    out: list[Access] = []

    def add(action: str, table: str, index: str | None = None, context: tuple = ()) -> None:
        resource = names.table(table)
        if index:
            resource = (*resource, "index", index)
        out.append(Access(function, f"dynamodb:{action}", resource, context))
        spec = _SPECS.get(resource[1]) if resource[0] == "table" else None
        if spec is not None and spec.customer_managed_key:
            # DynamoDB decrypts the table key with the caller's permissions.
            out.append(Access(function, "kms:Decrypt", ("table-key", spec.key),
                              (("kms:ViaService", "dynamodb.<AWS::Region>.amazonaws.com"),)))

    if operation in ("TransactWriteItems", "TransactGetItems"):
        for item in params.get("TransactItems", []):
            ((kind, body),) = item.items()
            add(TRANSACT_ACTIONS[kind], body["TableName"])
    elif operation in ("BatchWriteItem", "BatchGetItem"):
        for table in params.get("RequestItems", {}):
            add(operation, table)
    elif "TableName" in params:
        context = (("dynamodb:ReturnValues", params["ReturnValues"]),) \
            if operation in _RETURN_VALUES and "ReturnValues" in params else ()
        add(operation, params["TableName"], params.get("IndexName"), context)
    else:
        out.append(Access(function, f"dynamodb:{operation}", ("unmapped", "dynamodb", operation)))
    return out


def _s3(function: str, operation: str, params: dict, names: LocalNames) -> list[Access]:
    bucket = params.get("Bucket", "")
    if bucket != names.bucket:
        return [Access(function, f"s3:{operation}", ("unknown-bucket", bucket))]
    out = [Access(function, f"s3:{operation}", ("audit-object", params.get("Key", "")))]
    via_s3 = (("kms:ViaService", "s3.<AWS::Region>.amazonaws.com"),)
    if operation == "PutObject":
        key_id = params.get("SSEKMSKeyId")
        key = ("bucket-key",) if not key_id else ("table-key", "demographics") \
            if key_id == names.demographics_key else ("unknown-key", key_id)
        out.append(Access(function, "kms:GenerateDataKey", key, via_s3))
    elif operation == "GetObject":
        # Approximation: reads are checked against the bucket's own key (reports are stored under it).
        out.append(Access(function, "kms:Decrypt", ("bucket-key",), via_s3))
    return out


def accesses(function: str, service: str, operation: str, params: dict) -> list[Access]:
    """The IAM requests AWS would authorise for one API call."""
    names = local_names()
    if service == "dynamodb":
        return _dynamodb(function, operation, params, names)
    if service == "s3":
        return _s3(function, operation, params, names)
    if service == "events" and operation == "PutEvents":
        buses = {e.get("EventBusName", "default") for e in params.get("Entries", [])}
        return [Access(function, "events:PutEvents",
                       ("event-bus",) if bus == names.bus else ("unknown-bus", bus)) for bus in sorted(buses)]
    if service == "sqs" and "QueueUrl" in params:
        return [Access(function, f"sqs:{operation}", names.queue(params["QueueUrl"]))]
    if service == "ses" and operation in ("SendEmail", "SendRawEmail"):
        return [Access(function, f"ses:{operation}", ("email-identity", params.get("Source", "")))]
    if service == "secretsmanager" and "SecretId" in params:
        return [Access(function, f"secretsmanager:{operation}", names.secret(params["SecretId"]))]
    return [Access(function, f"{service}:{operation}", ("unmapped", service, operation))]


class Recorder:
    """Collects Access records (with the first test that made each) while installed."""

    def __init__(self) -> None:
        self.seen: Counter[Access] = Counter()
        self.first_test: dict[Access, str] = {}
        self.current_test = ""
        self.errors: list[str] = []
        self._lock = threading.Lock()
        self._originals: tuple | None = None

    def _on_call(self, params: dict, model, **_: object) -> None:
        function = current_function.get()
        if function is None:
            return
        try:
            found = accesses(function, model.service_model.service_name, model.name, params)
        except Exception as exc:  # a recorder bug must fail the check, not the call
            with self._lock:
                self.errors.append(f"{function}: cannot map {model.name}: {type(exc).__name__}: {exc}")
            return
        with self._lock:
            for access in found:
                self.seen[access] += 1
                self.first_test.setdefault(access, self.current_test)

    def install(self) -> Recorder:
        create_client = botocore.session.Session.create_client
        thread_start = threading.Thread.start
        recorder = self

        def recording_create_client(session, *args, **kwargs):
            client = create_client(session, *args, **kwargs)
            client.meta.events.register("before-parameter-build.*.*", recorder._on_call)
            return client

        def attributed_start(thread: threading.Thread) -> None:
            # Threads a handler starts (the audit's parallel scan) still act as that function.
            function = current_function.get()
            if function is not None:
                run = thread.run

                def run_as_function() -> None:
                    current_function.set(function)
                    run()

                thread.run = run_as_function  # type: ignore[method-assign]
            thread_start(thread)

        self._originals = (create_client, thread_start)
        botocore.session.Session.create_client = recording_create_client  # type: ignore[method-assign]
        threading.Thread.start = attributed_start  # type: ignore[method-assign]
        return self

    def uninstall(self) -> None:
        if self._originals is not None:
            botocore.session.Session.create_client, threading.Thread.start = self._originals  # type: ignore
            self._originals = None

    def rows(self) -> list:
        with self._lock:
            return [[*a.to_json(), self.first_test.get(a, ""), n] for a, n in self.seen.items()]
