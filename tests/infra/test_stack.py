"""Synthesises the whole app once (bundling skipped, cdk-nag on) and checks the wiring that matters.

Every expectation is derived from `coachwire.spine` / `coachwire.settings`, never from a copy, so a
spine change the infrastructure does not follow makes these tests fail.
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from coachwire import spine
from coachwire.domain import data_classes
from coachwire.settings import DeliveryRules, RetentionRules, Settings, env_var

from infrastructure.constructs.triggers import construct_id

pytestmark = pytest.mark.infra

STAGE = "prod"  # exercises the strictest settings: deletion protection, RETAIN, all context required
JWT_ISSUER = "https://login.example.test/coachwire/"
JWT_AUDIENCE = ["coachwire-api", "coachwire-admin"]
ALARM_EMAIL = "oncall@example.test"
LOG_RETENTION_DAYS = 90
CONTEXT = {
    "aws:cdk:bundling-stacks": [],  # skip the ~100 MB pip layer build
    "aws:cdk:disable-stack-trace": True,  # as the CLI does without --debug; creation traces are slow
    "stage": STAGE,
    "jwt_issuer": JWT_ISSUER,
    "jwt_audience": ",".join(JWT_AUDIENCE),
    "sender_email": "coach@example.test",
    "alarm_email": ALARM_EMAIL,
    "log_retention_days": LOG_RETENTION_DAYS,
    "hr_admin_email": "people@example.test",
    "policy_effective_date": "2027-01-04",
    "retention": {"alerts_days": 90},
    "hr_admins": "hr-1=people.ops@example.test",
    "queue_age_alarm_minutes": 12,
    "employee_id_claim": "custom:employee_id",
    "groups_claim": "cognito:groups",
    "group_roles": "coachwire-hr=hr_admin,coachwire-managers=manager,coachwire-staff=employee",
    "chat_channels": "slack,teams",
    "teams_app_id": "3f2b7c1e-8a4d-4e5f-9b6a-0c1d2e3f4a5b",
    "app_base_url": "https://coach.example.test",
    "delivery_timezone": "Europe/Berlin",
    "delivery_quiet_hours": "20:00-08:00",
    "delivery_daily_cap": "2",
    "delivery_weekly_cap": "8",
}
XRAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


@dataclass
class Synth:
    outdir: Path
    error: str | None
    report: dict
    metadata: dict
    template: dict
    acknowledgements: list[tuple[str, str, str]]  # (construct path, rule id, reason)

    @property
    def resources(self) -> dict[str, dict]:
        return self.template["Resources"]

    def of_type(self, type_: str) -> dict[str, dict]:
        return {k: v for k, v in self.resources.items() if v["Type"] == type_}

    def props(self, logical_id: str) -> dict:
        return self.resources[logical_id].get("Properties", {})


@pytest.fixture(scope="module")
def synth(cdk_json_context: dict, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from aws_cdk import Validations

    from infrastructure.app_factory import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app({**cdk_json_context, **CONTEXT}, outdir=str(outdir))
    error = None
    try:
        app.synth()
    except Exception as exc:  # nag failures raise here; templates are already written
        error = str(exc)

    def load(name: str) -> dict:
        path = outdir / name
        return json.loads(path.read_text()) if path.exists() else {}

    metadata = load(f"{stack.artifact_id}.metadata.json")
    # Validations.acknowledge() records to construct metadata, which lands in the assembly.
    acks = [
        (path, rule.removeprefix("Annotation::"), reason)
        for path, entries in metadata.items()
        for entry in entries
        if entry["type"] == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for rule, reason in entry["data"].items()
    ]
    return Synth(
        outdir=outdir,
        error=error,
        report=load("validation-report.json"),
        metadata=metadata,
        template=load(f"{stack.artifact_id}.template.json"),
        acknowledgements=acks,
    )


# ---------------------------------------------------------------- template helpers


def ref_id(value: Any) -> str | None:
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            return value["Fn::GetAtt"][0]
    return None


def refs(value: Any) -> set[str]:
    """Every logical id referenced anywhere inside value."""
    found: set[str] = set()
    if isinstance(value, dict):
        if (own := ref_id(value)) is not None:
            found.add(own)
        for v in value.values():
            found |= refs(v)
    elif isinstance(value, list):
        for v in value:
            found |= refs(v)
    return found


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def render(value: Any) -> str:
    """Fn::Join / Ref to a string with `<LogicalId>` placeholders."""
    if isinstance(value, str):
        return value
    if (own := ref_id(value)) is not None:
        return f"<{own}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        sep, parts = value["Fn::Join"]
        return sep.join(render(p) for p in parts)
    raise AssertionError(f"cannot render {value!r}")


def iam_statements(s: Synth) -> list[tuple[set[str], dict]]:
    """(roles the statement applies to, statement) for every identity policy in the template."""
    out = []
    for res in [*s.of_type("AWS::IAM::Policy").values(), *s.of_type("AWS::IAM::ManagedPolicy").values()]:
        roles = {ref_id(r) for r in res["Properties"].get("Roles", [])}
        out += [(roles, st) for st in res["Properties"]["PolicyDocument"]["Statement"]]
    for role_id, role in s.of_type("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            out += [({role_id}, st) for st in policy["PolicyDocument"]["Statement"]]
        assert not role["Properties"].get("ManagedPolicyArns"), f"{role_id} uses AWS managed policies"
    return out


def role_statements(s: Synth, role_id: str) -> list[dict]:
    return [st for roles, st in iam_statements(s) if role_id in roles and st["Effect"] == "Allow"]


def actions_on(statements: list[dict], logical_id: str) -> set[str]:
    return {a for st in statements if logical_id in refs(st["Resource"]) for a in as_list(st["Action"])}


def env_of(s: Synth, function_id: str) -> dict[str, Any]:
    return s.props(function_id).get("Environment", {}).get("Variables", {})


def table_ids(s: Synth) -> dict[str, str]:
    """spine table key → logical id, via the Settings env var every function receives."""
    fn_id = next(iter(s.of_type("AWS::Lambda::Function")))
    env = env_of(s, fn_id)
    out = {}
    for spec in spine.TABLES:
        field = f"{spec.key}_table"
        assert field in Settings.model_fields, f"Settings has no {field} for spine table {spec.key}"
        out[spec.key] = ref_id(env[f"COACHWIRE_{field.upper()}"])
    return out


def bus_id(s: Synth) -> str:
    (bus,) = s.of_type("AWS::Events::EventBus")
    return bus


def expected_table_actions(grants: tuple[spine.TableGrant, ...]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for grant in grants:
        out[grant.table] |= set(grant.actions)
    return dict(out)


def dynamodb_actions_by_table(s: Synth, role_id: str) -> dict[str, set[str]]:
    by_id = {v: k for k, v in table_ids(s).items()}
    out: dict[str, set[str]] = defaultdict(set)
    for st in role_statements(s, role_id):
        dynamo = {a for a in as_list(st["Action"]) if a.startswith("dynamodb:")}
        for rid in refs(st["Resource"]):
            if dynamo and rid in by_id:
                out[by_id[rid]] |= dynamo
    return dict(out)


@dataclass
class TriggerWiring:
    rule: dict
    queue_id: str
    dead_letter_id: str
    delivery_dead_letter_id: str
    mapping: dict
    function_id: str
    role_id: str


def trigger_wiring(s: Synth, trigger: spine.Trigger) -> TriggerWiring:
    """Follow rule → queue → event source mapping → function, starting from the spine pattern."""
    rules = [
        r for r in s.of_type("AWS::Events::Rule").values() if r["Properties"]["EventPattern"] == trigger.event_pattern()
    ]
    assert len(rules) == 1, f"{trigger.name}: expected one rule with pattern {trigger.event_pattern()}"
    rule = rules[0]["Properties"]
    (target,) = rule["Targets"]
    queue_id = ref_id(target["Arn"])
    assert s.resources[queue_id]["Type"] == "AWS::SQS::Queue"
    mappings = [
        m
        for m in s.of_type("AWS::Lambda::EventSourceMapping").values()
        if ref_id(m["Properties"]["EventSourceArn"]) == queue_id
    ]
    assert len(mappings) == 1, f"{trigger.name}: queue must feed exactly one function"
    mapping = mappings[0]["Properties"]
    function_id = ref_id(mapping["FunctionName"])
    return TriggerWiring(
        rule=rule,
        queue_id=queue_id,
        dead_letter_id=ref_id(s.props(queue_id)["RedrivePolicy"]["deadLetterTargetArn"]),
        delivery_dead_letter_id=ref_id(target["DeadLetterConfig"]["Arn"]),
        mapping=mapping,
        function_id=function_id,
        role_id=ref_id(s.props(function_id)["Role"]),
    )


def http_function_id(s: Synth, method: str, path: str) -> tuple[dict, str]:
    routes = [
        r["Properties"]
        for r in s.of_type("AWS::ApiGatewayV2::Route").values()
        if r["Properties"]["RouteKey"] == f"{method} {path}"
    ]
    assert len(routes) == 1, f"route {method} {path} missing"
    integration_id = render(routes[0]["Target"]).removeprefix("integrations/").strip("<>")
    return routes[0], ref_id(s.props(integration_id)["IntegrationUri"])


TRIGGER_IDS = [t.name for t in spine.TRIGGERS]
# The stack's secrets, by the outputs that tell ops where to put each value.
SECRET_OUTPUTS = {"webhook": "WebhookSecretsArn", "chat_send": "ChatSendSecretArn",
                  "chat_verify": "ChatVerifySecretArn", "teams_bot": "TeamsBotSecretArn"}
# Which spine flag lets a function read each secret.
SECRET_FLAGS = {"webhook": "reads_webhook_secret", "chat_send": "reads_chat_send_secret",
                "teams_bot": "reads_teams_bot_secret",
                "chat_verify": "reads_chat_verify_secret"}


def secret_ids(s: Synth) -> dict[str, str]:
    ids = {name: ref_id(s.template["Outputs"][output]["Value"]) for name, output in SECRET_OUTPUTS.items()}
    assert set(ids.values()) == set(s.of_type("AWS::SecretsManager::Secret")), "a secret without its output"
    return ids


# ---------------------------------------------------------------- cdk-nag and synthesis health


def test_synth_passes_cdk_nag_with_nothing_unacknowledged(synth: Synth) -> None:
    findings = [
        f"{v['ruleName']} ({v['severity']}) at {c['constructPath']}"
        for report in synth.report.get("pluginReports", [])
        for v in report.get("violations", [])
        for c in v.get("violatingConstructs", [])
    ]
    assert synth.template, "no template was written"
    assert not findings, "unacknowledged findings:\n" + "\n".join(findings)
    assert synth.error is None, synth.error


def test_no_error_or_warning_annotations(synth: Synth) -> None:
    messages = [
        f"{entry['type']} at {path}: {entry['data']}"
        for path, entries in synth.metadata.items()
        for entry in entries
        if entry["type"] in ("aws:cdk:error", "aws:cdk:warning")
    ]
    assert not messages, "\n".join(messages)


def test_acknowledgements_are_individual_and_reasoned(synth: Synth) -> None:
    assert synth.acknowledgements, "expected the documented acknowledgements (X-Ray, GSIs, ...)"
    for path, rule, reason in synth.acknowledgements:
        assert path.count("/") >= 2, f"{rule} acknowledged on the whole stack ({path!r}); acknowledge per construct"
        assert rule.startswith("AwsSolutions-"), rule
        assert len(reason) >= 40, f"{rule} at {path}: reason too thin: {reason!r}"


# ---------------------------------------------------------------- triggers: rule → queue → function


@pytest.mark.parametrize("trigger", spine.TRIGGERS, ids=TRIGGER_IDS)
def test_rule_on_custom_bus_routes_pattern_to_queue_with_retry_and_dlq(synth: Synth, trigger: spine.Trigger) -> None:
    w = trigger_wiring(synth, trigger)
    assert ref_id(w.rule["EventBusName"]) == bus_id(synth)
    (target,) = w.rule["Targets"]
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0
    assert synth.resources[w.delivery_dead_letter_id]["Type"] == "AWS::SQS::Queue"
    assert w.delivery_dead_letter_id not in (w.queue_id, w.dead_letter_id)


@pytest.mark.parametrize("trigger", spine.TRIGGERS, ids=TRIGGER_IDS)
def test_queue_redrive_and_visibility_follow_spine(synth: Synth, trigger: spine.Trigger) -> None:
    w = trigger_wiring(synth, trigger)
    queue = synth.props(w.queue_id)
    fn = synth.props(w.function_id)
    assert queue["RedrivePolicy"]["maxReceiveCount"] == trigger.max_receive_count
    assert synth.resources[w.dead_letter_id]["Type"] == "AWS::SQS::Queue"
    assert synth.props(w.dead_letter_id)["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert fn["Timeout"] == trigger.timeout_seconds
    assert fn["MemorySize"] == trigger.memory_mb
    assert queue["VisibilityTimeout"] >= 6 * fn["Timeout"]


@pytest.mark.parametrize("trigger", spine.TRIGGERS, ids=TRIGGER_IDS)
def test_event_source_reports_batch_item_failures(synth: Synth, trigger: spine.Trigger) -> None:
    mapping = trigger_wiring(synth, trigger).mapping
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BatchSize"] == trigger.batch_size


@pytest.mark.parametrize("trigger", spine.TRIGGERS, ids=TRIGGER_IDS)
def test_trigger_role_has_exactly_the_declared_grants(synth: Synth, trigger: spine.Trigger) -> None:
    w = trigger_wiring(synth, trigger)
    assert dynamodb_actions_by_table(synth, w.role_id) == expected_table_actions(trigger.all_grants)
    statements = role_statements(synth, w.role_id)
    put_events = [st for st in statements if "events:PutEvents" in as_list(st["Action"])]
    assert bool(put_events) == trigger.publishes_events
    assert all(refs(st["Resource"]) == {bus_id(synth)} for st in put_events)
    ses = {a for st in statements for a in as_list(st["Action"]) if a.startswith("ses:")}
    assert ses == ({"ses:SendEmail", "ses:SendRawEmail"} if trigger.sends_email else set())
    consume = actions_on(statements, w.queue_id)
    assert {"sqs:ReceiveMessage", "sqs:DeleteMessage"} <= consume


# ---------------------------------------------------------------- IAM least privilege


def test_no_dynamodb_wildcards_anywhere(synth: Synth) -> None:
    assert '"dynamodb:*"' not in json.dumps(synth.template)
    for roles, st in iam_statements(synth):
        acts = as_list(st["Action"])
        assert "*" not in acts, f"{roles}: Action * in {st}"
        assert not [a for a in acts if a.startswith("dynamodb:") and "*" in a], f"{roles}: {st}"
        if "*" in as_list(st.get("Resource")):
            assert set(acts) <= XRAY_ACTIONS, f"{roles}: only X-Ray may use Resource *, got {st}"


def test_append_only_tables_are_only_ever_put_to(synth: Synth) -> None:
    ids = table_ids(synth)
    append_only = [spec.key for spec in spine.TABLES if spec.append_only]
    assert append_only, "spine declares an append-only audit table"
    for key in append_only:
        touching = [(roles, st) for roles, st in iam_statements(synth) if ids[key] in refs(st["Resource"])]
        assert touching, f"nobody writes the {key} table"
        for roles, st in touching:
            # Put, and read back (a person's entries for their export); never update or delete.
            assert set(as_list(st["Action"])) <= {"dynamodb:PutItem", "dynamodb:Query"}, (
                f"{roles} may do more than PutItem and Query on {key}: {st}"
            )
        assert any("dynamodb:PutItem" in as_list(st["Action"]) for _, st in touching)
        writers = {role for roles, _ in touching for role in roles}
        declared = sum(
            1
            for g in [*spine.TRIGGERS, *spine.HTTP_FUNCTIONS]
            if any(x.table == key for x in getattr(g, "all_grants", g.grants))
        )
        assert len(writers) == declared


# ---------------------------------------------------------------- queues


def test_every_queue_is_encrypted_and_ssl_only(synth: Synth) -> None:
    policies = synth.of_type("AWS::SQS::QueuePolicy").values()
    for queue_id, queue in synth.of_type("AWS::SQS::Queue").items():
        props = queue.get("Properties", {})
        assert props.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in props, queue_id
        denies = [
            st
            for p in policies
            if queue_id in refs(p["Properties"]["Queues"])
            for st in p["Properties"]["PolicyDocument"]["Statement"]
            if st["Effect"] == "Deny" and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        ]
        assert denies, f"{queue_id} accepts non-TLS requests"


# ---------------------------------------------------------------- schedules


def test_schedules_put_job_events_on_the_bus(synth: Synth) -> None:
    scheduled = [t for t in spine.TRIGGERS if t.schedule]
    schedules = [r["Properties"] for r in synth.of_type("AWS::Scheduler::Schedule").values()]
    assert len(schedules) == len(scheduled)
    for trigger in scheduled:
        (sched,) = [s for s in schedules if json.loads(s["Target"]["Input"]).get("job") == trigger.name]
        target = sched["Target"]
        assert sched["ScheduleExpression"] == trigger.schedule
        assert ref_id(target["Arn"]) == bus_id(synth)
        assert target["EventBridgeParameters"] == {
            "DetailType": trigger.schedule_detail_type,
            "Source": spine.EVENT_SOURCE_SCHEDULER,
        }
        # The emitted event must match the trigger's own rule.
        assert trigger.schedule_detail_type in trigger.detail_types
        assert spine.EVENT_SOURCE_SCHEDULER in trigger.sources
        assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
        dlq_id = ref_id(target["DeadLetterConfig"]["Arn"])
        assert synth.resources[dlq_id]["Type"] == "AWS::SQS::Queue"
        role_id = ref_id(target["RoleArn"])
        trust = synth.props(role_id)["AssumeRolePolicyDocument"]["Statement"]
        assert {st["Principal"]["Service"] for st in trust} == {"scheduler.amazonaws.com"}
        statements = role_statements(synth, role_id)
        assert {a for st in statements for a in as_list(st["Action"])} == {"events:PutEvents", "sqs:SendMessage"}
        assert actions_on(statements, bus_id(synth)) == {"events:PutEvents"}
        assert actions_on(statements, dlq_id) == {"sqs:SendMessage"}


# ---------------------------------------------------------------- the employee's data rights (retention)


def test_the_retention_sweep_is_scheduled_daily_in_utc(synth: Synth) -> None:
    sweep = spine.TRIGGERS_BY_NAME["retention_sweep"]
    (schedule,) = [r["Properties"] for r in synth.of_type("AWS::Scheduler::Schedule").values()
                   if json.loads(r["Properties"]["Target"]["Input"]).get("job") == "retention_sweep"]
    assert schedule["ScheduleExpression"] == sweep.schedule
    assert re.fullmatch(r"cron\(\d{1,2} \d{1,2} \* \* \? \*\)", schedule["ScheduleExpression"])  # every day
    assert schedule["ScheduleExpressionTimezone"] == "UTC" and schedule["State"] == "ENABLED"
    w = trigger_wiring(synth, sweep)
    assert synth.props(w.function_id)["Timeout"] == 900  # Lambda's maximum: room for a full table scan
    assert w.mapping["BatchSize"] == 1


def test_only_the_retention_sweep_may_delete_personal_data(synth: Synth) -> None:
    ids = table_ids(synth)
    sweep_role = trigger_wiring(synth, spine.TRIGGERS_BY_NAME["retention_sweep"]).role_id
    personal = {c.table for c in data_classes.DATA_CLASSES if c.enforcement != "kept" and c.table in ids}
    personal.discard("idempotency")  # powertools' own records (ids and hashes): every trigger's base grant
    for key in personal:
        deleters = {role for roles, st in iam_statements(synth) if ids[key] in refs(st["Resource"])
                    and "dynamodb:DeleteItem" in as_list(st["Action"]) for role in roles}
        expected = set() if key == "audit" else {sweep_role}
        if key == "parked":  # a parked event is handed on, not erased: its replayer removes the copy it republished
            expected.add(trigger_wiring(synth, spine.TRIGGERS_BY_NAME["profile_sync"]).role_id)
        assert deleters == expected, f"{key}: DeleteItem held by {deleters}"


def test_erasure_can_reach_every_table_holding_a_leavers_data(synth: Synth) -> None:
    sweep_role = trigger_wiring(synth, spine.TRIGGERS_BY_NAME["retention_sweep"]).role_id
    actions = dynamodb_actions_by_table(synth, sweep_role)
    for c in data_classes.DATA_CLASSES:
        if c.erased_on_leaving and c.table in table_ids(synth):
            assert "dynamodb:DeleteItem" in actions.get(c.table, set()), f"the sweep cannot erase {c.key}"


def test_every_function_reads_the_same_data_rights_configuration(synth: Synth) -> None:
    expected = {"COACHWIRE_HR_ADMIN_EMAIL": CONTEXT["hr_admin_email"],
                "COACHWIRE_POLICY_EFFECTIVE_DATE": CONTEXT["policy_effective_date"],
                "COACHWIRE_RETENTION_ALERTS_DAYS": "90"}
    for fn_id in synth.of_type("AWS::Lambda::Function"):
        env = env_of(synth, fn_id)
        assert {k: env.get(k) for k in expected} == expected, fn_id


# ---------------------------------------------------------------- data


def test_removing_a_non_dev_stack_keeps_exactly_what_the_readme_says(synth: Synth) -> None:
    # infrastructure/README.md, "Remove a stack": tables, KMS keys, log groups, the webhook and chat secrets and the
    # audit buckets are kept; nothing else is.
    kept_types = {"AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret",
                  "AWS::S3::Bucket"}
    for logical_id, resource in synth.resources.items():
        kept = resource.get("DeletionPolicy") == "Retain"
        assert kept == (resource["Type"] in kept_types), f"{logical_id} ({resource['Type']}): kept={kept}"
    assert {synth.props(t)["DeletionProtectionEnabled"] for t in synth.of_type("AWS::DynamoDB::Table")} == {True}


def test_tables_match_spine(synth: Synth) -> None:
    ids = table_ids(synth)
    assert len(synth.of_type("AWS::DynamoDB::Table")) == len(spine.TABLES)
    for spec in spine.TABLES:
        table = synth.resources[ids[spec.key]]
        props = table["Properties"]
        keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        assert keys == {"HASH": spec.partition_key, **({"RANGE": spec.sort_key} if spec.sort_key else {})}
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEEnabled"] is True
        assert props.get("TimeToLiveSpecification") == (
            {"AttributeName": spec.ttl_attribute, "Enabled": True} if spec.ttl_attribute else None
        )
        indexes = {i["IndexName"]: i for i in props.get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {i.name for i in spec.indexes}
        for index in spec.indexes:
            schema = {k["KeyType"]: k["AttributeName"] for k in indexes[index.name]["KeySchema"]}
            assert schema == {"HASH": index.partition_key, **({"RANGE": index.sort_key} if index.sort_key else {})}
            assert indexes[index.name]["Projection"] == {"ProjectionType": index.projection}
        # prod: never lose data by accident
        assert props["DeletionProtectionEnabled"] is True
        assert table["DeletionPolicy"] == "Retain"


def test_event_bus_is_named_per_stage(synth: Synth) -> None:
    assert synth.props(bus_id(synth))["Name"] == f"coachwire-{STAGE}-bus"


# ---------------------------------------------------------------- functions


def test_functions_are_arm64_traced_json_logged_with_retention(synth: Synth) -> None:
    functions = synth.of_type("AWS::Lambda::Function")
    assert len(functions) == len(spine.TRIGGERS) + len(spine.HTTP_FUNCTIONS)
    (layer_id,) = synth.of_type("AWS::Lambda::LayerVersion")
    layer = synth.props(layer_id)
    assert layer["CompatibleArchitectures"] == ["arm64"]
    assert layer["CompatibleRuntimes"] == ["python3.12"]
    for fn_id, fn in functions.items():
        props = fn["Properties"]
        assert props["Architectures"] == ["arm64"], fn_id
        assert props["Runtime"] == "python3.12", fn_id
        assert props["Handler"] == "handler.lambda_handler", fn_id
        assert props["TracingConfig"] == {"Mode": "Active"}, fn_id
        assert [ref_id(x) for x in props["Layers"]] == [layer_id], fn_id
        logging = props["LoggingConfig"]
        assert logging["LogFormat"] == "JSON", fn_id
        assert synth.props(ref_id(logging["LogGroup"]))["RetentionInDays"] == LOG_RETENTION_DAYS, fn_id
        env = env_of(synth, fn_id)
        assert env["POWERTOOLS_SERVICE_NAME"] == "coachwire"
        assert env["POWERTOOLS_METRICS_NAMESPACE"]
        assert env["COACHWIRE_STAGE"] == STAGE
        assert ref_id(env["COACHWIRE_EVENT_BUS_NAME"]) == bus_id(synth)
        for name in env:
            if name.startswith("COACHWIRE_RETENTION_"):
                assert name.removeprefix("COACHWIRE_RETENTION_").lower() in RetentionRules.model_fields, name
            elif name.startswith("COACHWIRE_DELIVERY_"):
                assert name.removeprefix("COACHWIRE_DELIVERY_").lower() in DeliveryRules.model_fields, name
            elif name.startswith("COACHWIRE_"):
                assert name.removeprefix("COACHWIRE_").lower() in Settings.model_fields, (
                    f"{fn_id}: {name} is not a Settings field"
                )


# ---------------------------------------------------------------- HTTP API


def test_jwt_authorizer_uses_configured_issuer_and_audience(synth: Synth) -> None:
    (authorizer,) = synth.of_type("AWS::ApiGatewayV2::Authorizer").values()
    props = authorizer["Properties"]
    assert props["AuthorizerType"] == "JWT"
    assert props["JwtConfiguration"] == {"Issuer": JWT_ISSUER, "Audience": JWT_AUDIENCE}


@pytest.mark.parametrize("spec", spine.HTTP_FUNCTIONS, ids=[f.name for f in spine.HTTP_FUNCTIONS])
def test_http_routes_auth_and_function_wiring(synth: Synth, spec: spine.HttpFunction) -> None:
    (authorizer_id,) = synth.of_type("AWS::ApiGatewayV2::Authorizer")
    function_ids = set()
    for method, path, needs_jwt in spec.routes:
        route, function_id = http_function_id(synth, method, path)
        function_ids.add(function_id)
        if needs_jwt:
            assert route["AuthorizationType"] == "JWT"
            assert ref_id(route["AuthorizerId"]) == authorizer_id
        else:
            assert route["AuthorizationType"] == "NONE"
            assert "AuthorizerId" not in route
    (function_id,) = function_ids
    props = synth.props(function_id)
    assert props["Timeout"] == spec.timeout_seconds
    role_id = ref_id(props["Role"])
    assert dynamodb_actions_by_table(synth, role_id) == expected_table_actions(spec.grants)

    statements = role_statements(synth, role_id)
    env = env_of(synth, function_id)
    secret_id = secret_ids(synth)["webhook"]
    secret_actions = {a for st in statements for a in as_list(st["Action"]) if a.startswith("secretsmanager:")}
    if spec.reads_webhook_secret:
        assert ref_id(env["COACHWIRE_WEBHOOK_SECRETS_ARN"]) == secret_id
        assert secret_actions == {"secretsmanager:GetSecretValue"}
        assert actions_on(statements, secret_id) == {"secretsmanager:GetSecretValue"}
    else:
        assert "COACHWIRE_WEBHOOK_SECRETS_ARN" not in env
        assert not actions_on(statements, secret_id)
        assert secret_actions <= ({"secretsmanager:GetSecretValue"} if spec.reads_chat_verify_secret else set())

    if spec.reads_dead_letter_depth:
        rendered = render(env["COACHWIRE_DEAD_LETTER_QUEUES"])
        parsed = Settings(dead_letter_queues=rendered).dead_letter_queue_urls()
        expected = {t.name: f"<{trigger_wiring(synth, t).dead_letter_id}>" for t in spine.TRIGGERS}
        assert parsed == expected
        queues = Settings(trigger_queues=render(env["COACHWIRE_TRIGGER_QUEUES"])).trigger_queue_urls()
        assert queues == {t.name: f"<{trigger_wiring(synth, t).queue_id}>" for t in spine.TRIGGERS}
        depth = [st for st in statements if "sqs:GetQueueAttributes" in as_list(st["Action"])]
        assert {rid for st in depth for rid in refs(st["Resource"])} == \
            {v.strip("<>") for v in (*expected.values(), *queues.values())}
        assert all(as_list(st["Action"]) == ["sqs:GetQueueAttributes"] for st in depth)
    else:
        assert "COACHWIRE_DEAD_LETTER_QUEUES" not in env and "COACHWIRE_TRIGGER_QUEUES" not in env


def test_api_stage_has_access_logs_and_throttling(synth: Synth) -> None:
    (stage,) = synth.of_type("AWS::ApiGatewayV2::Stage").values()
    props = stage["Properties"]
    assert props["StageName"] == "$default"
    log_group = ref_id(props["AccessLogSettings"]["DestinationArn"])
    assert synth.resources[log_group]["Type"] == "AWS::Logs::LogGroup"
    assert "$context.requestId" in props["AccessLogSettings"]["Format"]
    assert props["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert props["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0


# ---------------------------------------------------------------- monitoring


def test_alarm_on_every_dead_letter_queue_and_function(synth: Synth) -> None:
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()]
    for alarm in alarms:
        assert [ref_id(x) for x in alarm["AlarmActions"]] == [topic_id]
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
        assert alarm["Threshold"] == 0 or alarm["MetricName"] == "ApproximateAgeOfOldestMessage"

    def watched(metric: str) -> set[str]:
        return {ref_id(d["Value"]) for a in alarms if a["MetricName"] == metric for d in a["Dimensions"]}

    main_queues = {q for q, r in synth.of_type("AWS::SQS::Queue").items() if "RedrivePolicy" in r.get("Properties", {})}
    dead_letter_queues = set(synth.of_type("AWS::SQS::Queue")) - main_queues
    assert len(dead_letter_queues) == 2 * len(spine.TRIGGERS) + (1 if any(t.schedule for t in spine.TRIGGERS) else 0)
    assert watched("ApproximateNumberOfMessagesVisible") == dead_letter_queues
    assert watched("Errors") == set(synth.of_type("AWS::Lambda::Function"))
    # Failed firings are reported to SQS, not raised: each trigger's "trigger failed" log lines are counted too.
    filters = [f["Properties"] for f in synth.of_type("AWS::Logs::MetricFilter").values()]
    counted = {f["MetricTransformations"][0]["MetricName"] for f in filters
               if f["FilterPattern"] == '{ $.message = "trigger failed" }'}
    assert counted == {f"{construct_id(t.name)}FailedFirings" for t in spine.TRIGGERS}
    assert counted <= {a["MetricName"] for a in alarms}


def test_a_trigger_queue_whose_oldest_message_waits_too_long_pages(synth: Synth) -> None:
    queues = synth.of_type("AWS::SQS::Queue")
    age_alarms = {ref_id(a["Properties"]["Dimensions"][0]["Value"]): a["Properties"]
                  for a in synth.of_type("AWS::CloudWatch::Alarm").values()
                  if a["Properties"]["MetricName"] == "ApproximateAgeOfOldestMessage"}
    for trigger in spine.TRIGGERS:
        (queue_id,) = [q for q in queues if q.startswith(f"{construct_id(trigger.name)}TriggerQueue")]
        alarm = age_alarms.pop(queue_id)
        assert alarm["Statistic"] == "Maximum"
        # The configured 12 minutes, or twice the trigger's timeout where one run may take longer.
        assert alarm["Threshold"] == max(12 * 60, 2 * trigger.timeout_seconds)
    assert not age_alarms, "only trigger queues carry an age alarm"


def test_alarm_topic_is_encrypted_ssl_only_and_mails_on_call(synth: Synth) -> None:
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    assert "KmsMasterKeyId" in synth.props(topic_id)
    (policy,) = synth.of_type("AWS::SNS::TopicPolicy").values()
    assert any(
        st["Effect"] == "Deny" and st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
        for st in policy["Properties"]["PolicyDocument"]["Statement"]
    )
    subs = [s["Properties"] for s in synth.of_type("AWS::SNS::Subscription").values()]
    assert [(s["Protocol"], s["Endpoint"], ref_id(s["TopicArn"])) for s in subs] == [("email", ALARM_EMAIL, topic_id)]


# ---------------------------------------------------------------- demographics isolation and the bias audit

DYNAMODB_READS = {"dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan",
                  "dynamodb:PartiQLSelect", "dynamodb:GetRecords", "dynamodb:GetShardIterator"}


def trigger_role(s: Synth, name: str) -> str:
    return trigger_wiring(s, spine.TRIGGERS_BY_NAME[name]).role_id


def demographics_key(s: Synth) -> str:
    key_id = ref_id(synth_table(s, "demographics")["Properties"]["SSESpecification"]["KMSMasterKeyId"])
    assert s.resources[key_id]["Type"] == "AWS::KMS::Key"
    return key_id


def synth_table(s: Synth, key: str) -> dict:
    return s.resources[table_ids(s)[key]]


def audit_bucket(s: Synth) -> str:
    (bucket,) = [k for k, v in s.of_type("AWS::S3::Bucket").items() if "VersioningConfiguration" in v["Properties"]]
    return bucket


def test_only_the_audit_function_may_read_demographics_and_only_its_writer_may_put(synth: Synth) -> None:
    table = table_ids(synth)["demographics"]
    audit_role, writer_role = trigger_role(synth, "bias_audit"), trigger_role(synth, "demographics_sync")
    sweep_role = trigger_role(synth, "retention_sweep")
    touching: dict[str, set[str]] = defaultdict(set)
    for roles, st in iam_statements(synth):
        if st["Effect"] == "Allow" and table in refs(st["Resource"]):
            for role in roles:
                touching[role] |= set(as_list(st["Action"]))
    # The sweep erases a leaver's record by key: delete only, it can never read one.
    assert touching == {audit_role: {"dynamodb:Scan"}, writer_role: {"dynamodb:PutItem"},
                        sweep_role: {"dynamodb:DeleteItem"}}
    # A put or delete may not hand the old item back (ReturnValues=ALL_OLD would be a read by another name).
    for roles, st in iam_statements(synth):
        if st["Effect"] == "Allow" and table in refs(st["Resource"]) and set(roles) & {writer_role, sweep_role}:
            assert st["Condition"] == {"StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"}}, st
    readers = {role for role, actions in touching.items() if actions & DYNAMODB_READS}
    assert readers == {audit_role}
    # The spine agrees: one reader, one writer, one eraser, and nobody else is granted the table at all.
    granted = {t.name for t in spine.TRIGGERS for g in t.grants if g.table == "demographics"}
    granted |= {f.name for f in spine.HTTP_FUNCTIONS for g in f.grants if g.table == "demographics"}
    assert granted == {"bias_audit", "demographics_sync", "retention_sweep"}


def test_the_demographics_key_is_its_own_rotated_and_used_only_through_dynamodb_or_the_audit(synth: Synth) -> None:
    key = demographics_key(synth)
    props = synth.props(key)
    assert props["EnableKeyRotation"] is True
    assert synth.resources[key]["DeletionPolicy"] == "Retain"
    # No other table and no queue or topic shares it.
    users = [rid for rid, res in synth.resources.items() if key in refs(res.get("Properties", {}))
             and res["Type"] not in ("AWS::IAM::Policy", "AWS::Lambda::Function")]
    assert users == [table_ids(synth)["demographics"]]
    # The key policy delegates to IAM (account root) and names no other principal.
    principals = [st["Principal"] for st in props["KeyPolicy"]["Statement"]]
    assert len(principals) == 1 and render(principals[0]["AWS"]).endswith(":root")

    audit_role, writer_role = trigger_role(synth, "bias_audit"), trigger_role(synth, "demographics_sync")
    sweep_role = trigger_role(synth, "retention_sweep")
    via: dict[str, set[str]] = defaultdict(set)
    for roles, st in iam_statements(synth):
        if st["Effect"] != "Allow" or key not in refs(st["Resource"]):
            continue
        service = render(st["Condition"]["StringEquals"]["kms:ViaService"])  # never usable as a direct KMS call
        for role in roles:
            via[role].add(service.split(".")[0])
            if role in (writer_role, sweep_role):
                # DynamoDB decrypts the table key with the caller's rights even for PutItem or DeleteItem
                # (aws-cdk#10010); their DynamoDB grants (put only, delete only) are what keep them from reading.
                assert service.startswith("dynamodb."), st
    assert via == {audit_role: {"dynamodb", "s3"}, writer_role: {"dynamodb"}, sweep_role: {"dynamodb"}}
    decrypters = {role for roles, st in iam_statements(synth) if key in refs(st.get("Resource"))
                  and "kms:Decrypt" in as_list(st["Action"]) for role in roles}
    assert decrypters == {audit_role, writer_role, sweep_role}
    # Only the audit function is told the key's ARN (it encrypts input snapshots with it).
    functions = synth.of_type("AWS::Lambda::Function")
    told = [fn for fn in functions if "COACHWIRE_DEMOGRAPHICS_KEY_ARN" in env_of(synth, fn)]
    assert told == [trigger_wiring(synth, spine.TRIGGERS_BY_NAME["bias_audit"]).function_id]


def test_the_demographics_queues_are_encrypted_and_tls_only(synth: Synth) -> None:
    wiring = trigger_wiring(synth, spine.TRIGGERS_BY_NAME["demographics_sync"])
    for queue in (wiring.queue_id, wiring.dead_letter_id, wiring.delivery_dead_letter_id):
        assert synth.props(queue).get("SqsManagedSseEnabled") is True, queue


def test_the_audit_bucket_is_kms_encrypted_versioned_private_logged_and_tls_only(synth: Synth) -> None:
    bucket = audit_bucket(synth)
    props = synth.props(bucket)
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key = ref_id(rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"])
    assert synth.props(key)["EnableKeyRotation"] is True and key != demographics_key(synth)
    assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    assert props["PublicAccessBlockConfiguration"] == {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                       "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    assert ref_id(props["LoggingConfiguration"]["DestinationBucketName"]) in synth.of_type("AWS::S3::Bucket")
    assert synth.resources[bucket]["DeletionPolicy"] == "Retain"
    rules = props["LifecycleConfiguration"]["Rules"]
    (snapshots,) = [r for r in rules if r.get("Prefix") == spine.AUDIT_SNAPSHOTS_PREFIX]
    assert snapshots["ExpirationInDays"] == spine.AUDIT_SNAPSHOT_RETENTION_DAYS
    for policy in synth.of_type("AWS::S3::BucketPolicy").values():
        assert any(st["Effect"] == "Deny" and st["Condition"]["Bool"]["aws:SecureTransport"] == "false"
                   for st in policy["Properties"]["PolicyDocument"]["Statement"])
    policed = {ref_id(p["Properties"]["Bucket"]) for p in synth.of_type("AWS::S3::BucketPolicy").values()}
    assert policed == set(synth.of_type("AWS::S3::Bucket"))


def test_only_the_audit_writes_reports_and_only_the_api_reads_them_and_nobody_reads_snapshots(synth: Synth) -> None:
    bucket = audit_bucket(synth)
    audit_role = trigger_role(synth, "bias_audit")
    _, api_fn = http_function_id(synth, "ANY", "/{proxy+}")
    api_role = ref_id(synth.props(api_fn)["Role"])
    grants: dict[tuple[str, str], set[str]] = defaultdict(set)
    for roles, st in iam_statements(synth):
        for resource in as_list(st["Resource"]):
            if bucket in refs(resource):
                path = render(resource).removeprefix(f"<{bucket}>").lstrip("/") or "(bucket)"
                for role in roles:
                    grants[(role, path)] |= set(as_list(st["Action"]))
    assert grants == {
        (audit_role, f"{spine.AUDIT_REPORTS_PREFIX}*"): {"s3:PutObject"},
        (audit_role, f"{spine.AUDIT_SNAPSHOTS_PREFIX}*"): {"s3:PutObject"},
        (api_role, f"{spine.AUDIT_REPORTS_PREFIX}*"): {"s3:GetObject"},
    }
    functions = synth.of_type("AWS::Lambda::Function")
    with_bucket = sorted(fn for fn in functions if "COACHWIRE_AUDIT_BUCKET" in env_of(synth, fn))
    assert with_bucket == sorted([trigger_wiring(synth, spine.TRIGGERS_BY_NAME["bias_audit"]).function_id, api_fn])


def test_audit_and_model_review_schedules(synth: Synth) -> None:
    by_job = {json.loads(s["Properties"]["Target"]["Input"])["job"]: s["Properties"]
              for s in synth.of_type("AWS::Scheduler::Schedule").values()}
    minute, hour, day, months, *_ = by_job["bias_audit"]["ScheduleExpression"].removeprefix("cron(").split()
    assert (day, months) == ("1", "1,4,7,10"), "the first day of each quarter"
    minute, hour, day, months, *_ = by_job["model_review_reminder"]["ScheduleExpression"].removeprefix("cron(").split()
    assert day != "*" and months.isdigit(), "once a year"
    assert all(s["ScheduleExpressionTimezone"] == "UTC" for s in by_job.values())


def test_hr_admins_reach_exactly_the_functions_that_notify_them(synth: Synth) -> None:
    expected = {trigger_wiring(synth, t).function_id for t in spine.TRIGGERS if t.notifies_hr_admins}
    told = {fn for fn in synth.of_type("AWS::Lambda::Function") if "COACHWIRE_HR_ADMINS" in env_of(synth, fn)}
    assert told == expected and len(expected) == 2
    for fn in told:
        assert Settings(hr_admins=json.loads(env_of(synth, fn)["COACHWIRE_HR_ADMINS"])).hr_admins == {
            "hr-1": "people.ops@example.test"}


def test_the_functions_behind_jwt_routes_read_the_configured_claims_and_no_other_does(synth: Synth) -> None:
    expected = {http_function_id(synth, method, path)[1]
                for spec in spine.HTTP_FUNCTIONS for method, path, needs_jwt in spec.routes if needs_jwt}
    told = {fn for fn in synth.of_type("AWS::Lambda::Function") if "COACHWIRE_EMPLOYEE_ID_CLAIM" in env_of(synth, fn)}
    assert told == expected and len(expected) == 1
    env = env_of(synth, next(iter(told)))
    mapping = Settings(employee_id_claim=env["COACHWIRE_EMPLOYEE_ID_CLAIM"], role_claim=env["COACHWIRE_ROLE_CLAIM"],
                       groups_claim=env["COACHWIRE_GROUPS_CLAIM"],
                       group_roles=json.loads(env["COACHWIRE_GROUP_ROLES"])).claim_mapping()
    assert (mapping.employee_id_claim, mapping.groups_claim) == ("custom:employee_id", "cognito:groups")
    assert mapping.group_roles == {"coachwire-hr": "hr_admin", "coachwire-managers": "manager",
                                   "coachwire-staff": "employee"}


# ---------------------------------------------------------------- events parked until their employee arrives


def test_parked_events_are_put_by_ingest_alone_and_read_only_by_their_replayer_and_the_sweep(synth: Synth) -> None:
    table = table_ids(synth)["parked"]
    props = synth.props(table)
    assert props["TimeToLiveSpecification"] == {"AttributeName": "ttl_backstop", "Enabled": True}
    _, ingest_fn = http_function_id(synth, "POST", "/webhooks/hris")
    ingest_role = ref_id(synth.props(ingest_fn)["Role"])
    sync_role, sweep_role = trigger_role(synth, "profile_sync"), trigger_role(synth, "retention_sweep")
    touching: dict[str, set[str]] = defaultdict(set)
    for roles, st in iam_statements(synth):
        if st["Effect"] == "Allow" and table in refs(st["Resource"]):
            for role in roles:
                touching[role] |= set(as_list(st["Action"]))
    replay = {"dynamodb:Query", "dynamodb:DeleteItem"}
    assert touching == {ingest_role: {"dynamodb:PutItem"}, sync_role: replay, sweep_role: replay}
    # Ingest never reads a parked event back, not even through ReturnValues.
    for roles, st in iam_statements(synth):
        if st["Effect"] == "Allow" and table in refs(st["Resource"]) and ingest_role in roles:
            assert st["Condition"] == {"StringEqualsIfExists": {"dynamodb:ReturnValues": "NONE"}}, st


@pytest.mark.parametrize(("log_line", "logged_by"), [(spine.PARKED_EVENT_EXPIRED_LOG, "retention_sweep"),
                                                   (spine.PARKED_EVENT_REJECTED_LOG, "profile_sync")])
def test_a_parked_event_that_expires_or_is_rejected_on_replay_raises_an_alarm(synth: Synth, log_line: str,
                                                                              logged_by: str) -> None:
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    sweep_fn = trigger_wiring(synth, spine.TRIGGERS_BY_NAME[logged_by]).function_id
    filters = [f["Properties"] for f in synth.of_type("AWS::Logs::MetricFilter").values()
               if f["Properties"]["FilterPattern"] == f'{{ $.message = "{log_line}" }}']
    assert len(filters) == 1
    (metric_filter,) = filters
    log_group = ref_id(metric_filter["LogGroupName"])
    assert ref_id(synth.props(sweep_fn)["LoggingConfig"]["LogGroup"]) == log_group
    metric = metric_filter["MetricTransformations"][0]
    alarms = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
              if a["Properties"].get("MetricName") == metric["MetricName"]
              and a["Properties"].get("Namespace") == metric["MetricNamespace"]]
    assert len(alarms) == 1 and [ref_id(x) for x in alarms[0]["AlarmActions"]] == [topic_id]


def test_every_trigger_alarms_on_an_event_it_rejected(synth: Synth) -> None:
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    filters = {ref_id(f["Properties"]["LogGroupName"]): f["Properties"]
               for f in synth.of_type("AWS::Logs::MetricFilter").values()
               if f["Properties"]["FilterPattern"] == f'{{ $.message = "{spine.TRIGGER_REJECTED_LOG}" }}'}
    for trigger in spine.TRIGGERS:
        log_group = ref_id(synth.props(trigger_wiring(synth, trigger).function_id)["LoggingConfig"]["LogGroup"])
        metric = filters[log_group]["MetricTransformations"][0]
        (alarm,) = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
                    if a["Properties"].get("MetricName") == metric["MetricName"]]
        assert [ref_id(x) for x in alarm["AlarmActions"]] == [topic_id], trigger.name
    assert len(filters) == len(spine.TRIGGERS)


def test_every_alarm_is_in_the_operations_runbook(synth: Synth) -> None:
    runbook = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    alarms = synth.of_type("AWS::CloudWatch::Alarm")
    assert alarms
    for logical_id in alarms:
        # Monitoring<AlarmName><8 hex of CDK's hash>
        name = re.fullmatch(r"Monitoring([A-Za-z0-9]+)[0-9A-F]{8}", logical_id).group(1)
        assert f"`{name}`" in runbook, f"docs/operations.md does not say what alarm {name} means"


def test_outputs_name_every_trigger_dead_letter_queue_and_the_audit_table(synth: Synth) -> None:
    from coachwire_tools.dlq.stack import AUDIT_TABLE_OUTPUT, dead_letter_output_key

    outputs = synth.template["Outputs"]
    for trigger in spine.TRIGGERS:
        queue = ref_id(outputs[dead_letter_output_key(trigger.name)]["Value"])
        assert queue in synth.of_type("AWS::SQS::Queue")
        redriving = [q for q, r in synth.of_type("AWS::SQS::Queue").items()
                     if ref_id(r.get("Properties", {}).get("RedrivePolicy", {}).get("deadLetterTargetArn")) == queue]
        assert len(redriving) == 1, f"{trigger.name}: the output is not a trigger queue's DLQ"
    assert ref_id(outputs[AUDIT_TABLE_OUTPUT]["Value"]) == table_ids(synth)["audit"]


# ---------------------------------------------------------------- Slack, Teams and the organisation's delivery rules


def all_functions(s: Synth) -> dict[str, tuple[str, str, Any]]:
    """spine name -> (function id, role id, its spine declaration), for every function."""
    out: dict[str, tuple[str, str, Any]] = {}
    for trigger in spine.TRIGGERS:
        w = trigger_wiring(s, trigger)
        out[trigger.name] = (w.function_id, w.role_id, trigger)
    for spec in spine.HTTP_FUNCTIONS:
        _, fn = http_function_id(s, *spec.routes[0][:2])
        out[spec.name] = (fn, ref_id(s.props(fn)["Role"]), spec)
    return out


def secrets_readable_by(s: Synth, role_id: str) -> set[str]:
    statements = role_statements(s, role_id)
    return {name for name, secret in secret_ids(s).items() if actions_on(statements, secret)}


def test_the_chat_secrets_hold_placeholder_json_ops_replace_and_are_kept_like_the_webhook_secret(synth: Synth) -> None:
    from infrastructure.constructs.chat import SEND_PLACEHOLDER, TEAMS_BOT_PLACEHOLDER, VERIFY_PLACEHOLDER

    ids = secret_ids(synth)
    webhook = synth.props(ids["webhook"])
    for name, placeholder in (("chat_send", SEND_PLACEHOLDER), ("chat_verify", VERIFY_PLACEHOLDER),
                              ("teams_bot", TEAMS_BOT_PLACEHOLDER)):
        props = synth.props(ids[name])
        assert json.loads(props["SecretString"]) == placeholder  # keys the adapters read, no value in the template
        assert not any(placeholder.values()), "a placeholder carries no credential"
        assert props.get("KmsKeyId") == webhook.get("KmsKeyId")  # same encryption (the aws/secretsmanager key)
        assert synth.resources[ids[name]]["DeletionPolicy"] == "Retain"
        assert "put-secret-value" in props["Description"]
    assert set(SEND_PLACEHOLDER) == {"slack_bot_token", "teams_webhooks"}
    assert set(VERIFY_PLACEHOLDER) == {"slack_signing_secret"} and set(TEAMS_BOT_PLACEHOLDER) == {"client_secret"}
    rotation = [(path, reason) for path, rule, reason in synth.acknowledgements if rule == "AwsSolutions-SMG4"]
    assert sorted(path.rsplit("/", 1)[-1] for path, _ in rotation) == ["Send", "TeamsBot", "Verify", "WebhookSecrets"]


def test_each_secret_is_read_only_by_the_functions_the_spine_flags(synth: Synth) -> None:
    functions = all_functions(synth)
    for name, (fn, role, declared) in functions.items():
        expected = {key for key, flag in SECRET_FLAGS.items() if getattr(declared, flag, False)}
        assert secrets_readable_by(synth, role) == expected, name
        actions = {a for st in role_statements(synth, role) for a in as_list(st["Action"])
                   if a.startswith("secretsmanager:")}
        assert actions == ({"secretsmanager:GetSecretValue"} if expected else set()), name
        env = env_of(synth, fn)
        for key, setting in (("chat_send", "chat_send_secret_arn"), ("chat_verify", "chat_verify_secret_arn"),
                             ("teams_bot", "teams_bot_secret_arn")):
            if key in expected:
                assert ref_id(env[env_var(setting)]) == secret_ids(synth)[key], name
            else:
                assert env_var(setting) not in env, name
    # Least privilege, spelled out: the API reads no chat secret; the interactions verify and act as the Teams bot,
    # they never read the Slack token or the webhook URLs.
    assert secrets_readable_by(synth, functions[spine.API_FUNCTION][1]) == set()
    assert secrets_readable_by(synth, functions[spine.CHAT_FUNCTION][1]) == {"chat_verify", "teams_bot"}
    assert {n for n, (_, role, _) in functions.items() if "chat_send" in secrets_readable_by(synth, role)} == \
        {"notification_delivery", "chat_action"}


def test_the_chat_routes_are_public_by_design_with_their_reason(synth: Synth) -> None:
    routes = [(m, p) for f in spine.HTTP_FUNCTIONS if f.reads_chat_verify_secret for m, p, needs_jwt in f.routes
              if not needs_jwt]
    assert set(routes) == {("POST", "/slack/interactions"), ("POST", "/teams/messages")}
    reasons = {path: reason for path, rule, reason in synth.acknowledgements if rule == "AwsSolutions-APIG4"}
    for method, path in routes:
        route, _ = http_function_id(synth, method, path)
        assert route["AuthorizationType"] == "NONE" and "AuthorizerId" not in route
        (reason,) = [r for p, r in reasons.items() if p.endswith(f"/{method}{path.replace('/', '--')}")]
        assert "public by design" in reason and "signing-secret signature" in reason and "Bot Framework" in reason
    # Every public route has its own acknowledgement, and nothing else is public.
    public = {(m, p) for f in spine.HTTP_FUNCTIONS for m, p, needs_jwt in f.routes if not needs_jwt}
    assert len(reasons) == len(public)


def settings_from(env: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The Settings a function builds from its environment (the literal COACHWIRE_* values)."""
    for name in [n for n in os.environ if n.startswith("COACHWIRE_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("COACHWIRE_") and isinstance(value, str):
            monkeypatch.setenv(name, value)
    return Settings()


def test_the_people_facing_functions_read_the_configured_channels_links_and_delivery_rules(
    synth: Synth, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import time

    people = {name for name, (_, _, d) in all_functions(synth).items()
              if getattr(d, "reads_chat_send_secret", False) or getattr(d, "reads_chat_verify_secret", False)
              or any(needs_jwt for *_, needs_jwt in getattr(d, "routes", ()))}
    assert people == {"notification_delivery", "chat_action", spine.CHAT_FUNCTION, spine.API_FUNCTION}
    for name, (fn, _, _declared) in all_functions(synth).items():
        env = env_of(synth, fn)
        if name not in people:
            assert not {n for n in env if n.startswith("COACHWIRE_DELIVERY_")}, name
            assert env_var("chat_channels") not in env and env_var("app_base_url") not in env, name
            continue
        with monkeypatch.context() as m:
            settings = settings_from(env, m)
        assert settings.chat_channels == ["slack", "teams"], name
        assert settings.app_base_url == CONTEXT["app_base_url"], name
        rules = settings.delivery
        assert (rules.timezone, rules.quiet_start, rules.quiet_end, rules.daily_cap, rules.weekly_cap) == \
            ("Europe/Berlin", time(20, 0), time(8, 0), 2, 8), name
        # The Teams bot's app id: the audience of the tokens /teams/messages verifies, and who the bot is when it
        # sends and updates cards; every function that reaches people reads it.
        assert settings.teams_app_id == CONTEXT["teams_app_id"], name


def test_the_outbox_has_the_sparse_by_hold_index(synth: Synth) -> None:
    props = synth.props(table_ids(synth)["outbox"])
    (index,) = [i for i in props["GlobalSecondaryIndexes"] if i["IndexName"] == "by_hold"]
    assert {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]} == {"HASH": "held_bucket",
                                                                              "RANGE": "not_before"}
    assert {"AttributeName": "held_bucket", "AttributeType": "S"} in props["AttributeDefinitions"]
    # Roles granted the outbox reach its indexes (Table.grant adds <arn>/index/*): none needs a new grant for it.
    delivery_role = trigger_role(synth, "notification_delivery")
    resources = {render(r) for st in role_statements(synth, delivery_role) for r in as_list(st["Resource"])}
    assert f"<{table_ids(synth)['outbox']}>/index/*" in resources


def test_delivery_caps_are_counted_with_the_update_grant_transact_write_items_is_authorised_by(synth: Synth) -> None:
    # IAM authorises each item of a TransactWriteItems as its own action (Update -> dynamodb:UpdateItem on that
    # table); there is no separate TransactWriteItems action to grant.
    actions = dynamodb_actions_by_table(synth, trigger_role(synth, "notification_delivery"))
    assert "dynamodb:UpdateItem" in actions["idempotency"]
    assert all("dynamodb:TransactWriteItems" not in a for a in actions.values())


def test_a_chat_channel_that_refuses_coachwire_pages(synth: Synth) -> None:
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    filters = {ref_id(f["Properties"]["LogGroupName"]): f["Properties"]
               for f in synth.of_type("AWS::Logs::MetricFilter").values()
               if f["Properties"]["FilterPattern"] == f'{{ $.message = "{spine.CHANNEL_BROKEN_LOG}" }}'}
    senders = [t for t in spine.TRIGGERS if t.reads_chat_send_secret]
    assert {t.name for t in senders} >= {"notification_delivery"}
    for trigger in senders:
        log_group = ref_id(synth.props(trigger_wiring(synth, trigger).function_id)["LoggingConfig"]["LogGroup"])
        metric = filters.pop(log_group)["MetricTransformations"][0]
        assert metric["MetricName"] == f"{construct_id(trigger.name)}ChannelBroken"
        (alarm,) = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
                    if a["Properties"].get("MetricName") == metric["MetricName"]]
        assert [ref_id(x) for x in alarm["AlarmActions"]] == [topic_id], trigger.name
    assert not filters, "only the functions using the chat credentials watch for a broken channel"


def test_the_audit_table_has_the_sparse_by_acceptance_index_reached_by_query_alone(synth: Synth) -> None:
    props = synth.props(table_ids(synth)["audit"])
    (index,) = [i for i in props["GlobalSecondaryIndexes"] if i["IndexName"] == "by_acceptance"]
    assert {k["KeyType"]: k["AttributeName"] for k in index["KeySchema"]} == {"HASH": "accepted_day",
                                                                              "RANGE": "recorded_key"}
    assert {"AttributeName": "accepted_day", "AttributeType": "S"} in props["AttributeDefinitions"]
    audit = f"<{table_ids(synth)['audit']}>/index/*"
    check_role = trigger_role(synth, "reliability_check")
    granted = dynamodb_actions_by_table(synth, check_role)
    # Its own record (PutItem: every trigger's base grants) and Query: nothing else on the audit log, no other table.
    assert granted["audit"] == {"dynamodb:PutItem", "dynamodb:Query"}
    assert set(granted) == {g.table for g in spine.TRIGGER_BASE_GRANTS}
    assert audit in {render(r) for st in role_statements(synth, check_role) for r in as_list(st["Resource"])}
    _, api_fn = http_function_id(synth, "ANY", "/{proxy+}")
    api_role = ref_id(synth.props(api_fn)["Role"])
    assert "dynamodb:Query" in dynamodb_actions_by_table(synth, api_role)["audit"]
    assert audit in {render(r) for st in role_statements(synth, api_role) for r in as_list(st["Resource"])}


def test_a_silent_event_raises_an_alarm(synth: Synth) -> None:
    (topic_id,) = synth.of_type("AWS::SNS::Topic")
    check_fn = trigger_wiring(synth, spine.TRIGGERS_BY_NAME["reliability_check"]).function_id
    (metric_filter,) = [f["Properties"] for f in synth.of_type("AWS::Logs::MetricFilter").values()
                        if f["Properties"]["FilterPattern"] == f'{{ $.message = "{spine.SILENT_EVENT_LOG}" }}']
    assert ref_id(synth.props(check_fn)["LoggingConfig"]["LogGroup"]) == ref_id(metric_filter["LogGroupName"])
    metric = metric_filter["MetricTransformations"][0]
    (alarm,) = [a["Properties"] for a in synth.of_type("AWS::CloudWatch::Alarm").values()
                if a["Properties"].get("MetricName") == metric["MetricName"]
                and a["Properties"].get("Namespace") == metric["MetricNamespace"]]
    assert [ref_id(x) for x in alarm["AlarmActions"]] == [topic_id]
    assert alarm["Threshold"] == 0 and alarm["ComparisonOperator"] == "GreaterThanThreshold"
    # Hourly.
    (schedule,) = [s["Properties"] for s in synth.of_type("AWS::Scheduler::Schedule").values()
                   if spine.RELIABILITY_CHECK_DUE in json.dumps(s["Properties"])]
    assert schedule["ScheduleExpression"] == "rate(1 hour)"
