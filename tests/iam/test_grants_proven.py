"""The IAM check itself, visibly: a small real workload on the local stack is recorded and every AWS call is
allowed by the synthesised roles; without the ConditionCheckItem grant the same recording is refused, and a
session that records a refused call fails."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap

import pytest
import requests
from coachwire.adapters.aws import reset_clients
from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire_tools.local.stack import LocalStack, new_webhook_secret
from coachwire_tools.webhook_client import WebhookClient

from tests.factories import catalog, framework
from tests.iam import synth
from tests.iam.policy import TemplatePolicies, construct_id
from tests.iam.recorder import SECRET_SETTINGS, Access, Recorder

pytestmark = pytest.mark.infra  # synthesises the CDK app (cached)
CONDITION_CHECK = "dynamodb:ConditionCheckItem"


@pytest.fixture(scope="module")
def template() -> dict:
    return synth.template()


def upsert(employee_id: str, manager_id: str | None, at: str) -> dict:
    return {"type": "employee.upserted", "timestamp": at, "data": {
        "employee_id": employee_id, "manager_id": manager_id, "role_id": "swe", "career_stage": "mid",
        "email": f"{employee_id}@example.com", "display_name": f"Test {employee_id}", "hire_date": "2024-02-01"}}


@pytest.fixture(scope="module")
def recorded() -> list[Access]:
    """A firing that decides but changes nothing (a stale upsert) and a correction request, through the real
    handlers, webhook and API."""
    recorder = Recorder().install()
    try:
        with LocalStack(webhook_secrets=[new_webhook_secret()]) as stack:
            reset_clients()
            DynamoCatalogStore(stack.settings.catalog_table).put_framework(framework(), catalog())
            hris = WebhookClient(stack.base_url, stack.webhook_secrets[0])
            assert hris.send(upsert("iam-mgr", None, "2026-09-01T08:00:00Z")).status == 202
            assert hris.send(upsert("iam-emp", "iam-mgr", "2026-09-02T08:00:00Z")).status == 202
            stack.wait_until_idle()
            assert hris.send(upsert("iam-emp", "iam-mgr", "2026-08-01T08:00:00Z")).status == 202  # stale
            stack.wait_until_idle()
            token = stack.mint_token("employee", "iam-emp")
            asked = requests.post(f"{stack.base_url}/employees/iam-emp/corrections", timeout=30,
                                  headers={"authorization": f"Bearer {token}"},
                                  json={"field": "skill_level", "skill_id": "design", "proposed": 3,
                                        "evidence": "Led the design review; doc linked in the HRIS"})
            assert asked.status_code == 201, asked.text
    finally:
        recorder.uninstall()
    assert not recorder.errors
    return list(recorder.seen)


def without_action(template: dict, function: str, action: str) -> dict:
    """A copy of the template whose `function` role no longer has `action`."""
    doctored = copy.deepcopy(template)
    policies = TemplatePolicies(doctored)
    role = policies.resources[policies.functions[function]]["Properties"]["Role"]["Fn::GetAtt"][0]
    removed = 0
    for res in policies.of_type("AWS::IAM::Policy").values():
        if any(r.get("Ref") == role for r in res["Properties"]["Roles"]):
            for statement in res["Properties"]["PolicyDocument"]["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                removed += action in actions
                statement["Action"] = [a for a in actions if a != action] or ["none:Nothing"]
    assert removed, f"{function} had no {action} to remove"
    return doctored


def test_the_workload_reaches_the_condition_check_path_of_a_trigger_and_the_api(recorded):
    profiles = ("table", "profiles")
    assert Access("profile_sync", CONDITION_CHECK, profiles) in recorded
    assert Access("api", CONDITION_CHECK, profiles) in recorded
    assert {a.function for a in recorded} >= {"ingest_webhook", "profile_sync", "api"}


def test_every_recorded_call_is_allowed_by_its_functions_synthesised_role(recorded, template):
    policies = TemplatePolicies(template)
    refused = {a.describe(): verdict for a in recorded if (verdict := policies.check(a)) != "allow"}
    assert refused == {}


def test_without_the_condition_check_grant_exactly_those_calls_are_refused(recorded, template):
    policies = TemplatePolicies(without_action(template, "profile_sync", CONDITION_CHECK))
    refused = [a for a in recorded if policies.check(a) != "allow"]
    assert refused == [Access("profile_sync", CONDITION_CHECK, ("table", "profiles"))]
    assert policies.check(refused[0]).startswith("implicit deny (resource <DataProfiles")


INNER_TEST = textwrap.dedent('''
    import boto3
    from botocore.stub import Stubber
    from coachwire_tools.local.lambdas import current_function

    def test_a_function_condition_checks_a_profile():
        client = boto3.session.Session().client("dynamodb", region_name="us-east-1")
        with Stubber(client) as stub:
            stub.add_response("transact_write_items", {})
            token = current_function.set("profile_sync")
            try:
                client.transact_write_items(TransactItems=[{"ConditionCheck": {
                    "TableName": "coachwire-local-profiles", "Key": {"pk": {"S": "EMP#1"}},
                    "ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": {"N": "1"}}}}])
            finally:
                current_function.reset(token)
''')


def run_inner_session(tmp_path, template: dict) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text("from tests.iam import plugin\n\n\ndef pytest_configure(config):\n"
                                          "    plugin.register(config)\n")
    (tmp_path / "test_inner.py").write_text(INNER_TEST)
    (tmp_path / "template.json").write_text(json.dumps(template))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COACHWIRE_", "PYTEST_"))}
    env["COACHWIRE_IAM_TEMPLATE"] = str(tmp_path / "template.json")
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # only what the inner session needs: it starts faster
    env["PYTHONPATH"] = os.pathsep.join([str(synth.REPO_ROOT), *sys.path])
    return subprocess.run(  # noqa: S603 (our interpreter, our files)
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_session_that_records_a_refused_call_fails_naming_function_action_and_resource(tmp_path, template):
    # (The passing direction is this very session: it ends with "IAM check: ... each allowed".)
    failing = run_inner_session(tmp_path, without_action(template, "profile_sync", CONDITION_CHECK))
    assert failing.returncode == 1, failing.stdout + failing.stderr
    assert "1 passed" in failing.stdout  # the test passed; the session failed on the IAM check
    assert (f"profile_sync: {CONDITION_CHECK} on table/profiles -> implicit deny (resource <DataProfiles"
            in failing.stdout), failing.stdout


def test_every_spine_function_is_found_in_the_template(template):
    from coachwire import spine

    names = {t.name for t in spine.TRIGGERS} | {f.name for f in spine.HTTP_FUNCTIONS}
    functions = TemplatePolicies(template).functions
    assert set(functions) == names
    assert all(functions[n].startswith(construct_id(n)) for n in names)


GET_SECRET = "secretsmanager:GetSecretValue"


def test_the_chat_secrets_are_read_by_the_functions_the_spine_flags_and_by_no_other(template, monkeypatch):
    """The local stack reads the chat credentials inline (no Secrets Manager), so the reads AWS would see are made
    here: the real adapters against moto's Secrets Manager, each as the function that makes it."""
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from coachwire import spine
    from coachwire.adapters.secrets import (
        slack_bot_token,
        slack_signing_secret,
        teams_bot_client_secret,
        teams_webhook_url,
    )
    from coachwire.settings import Settings, env_var
    from coachwire_tools.local.lambdas import current_function
    from moto import mock_aws

    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    recorder = Recorder()
    with mock_aws():
        manager = boto3.client("secretsmanager", region_name="us-east-1")
        send = manager.create_secret(Name="iam-chat-send", SecretString=json.dumps(
            {"slack_bot_token": "xoxb-iam", "teams_webhooks": {"people": "https://teams.example.test/hook"}}))["ARN"]
        verify = manager.create_secret(Name="iam-chat-verify",
                                       SecretString=json.dumps({"slack_signing_secret": "iam"}))["ARN"]
        bot = manager.create_secret(Name="iam-teams-bot", SecretString=json.dumps({"client_secret": "iam"}))["ARN"]
        monkeypatch.setenv(env_var("chat_send_secret_arn"), send)
        monkeypatch.setenv(env_var("chat_verify_secret_arn"), verify)
        monkeypatch.setenv(env_var("teams_bot_secret_arn"), bot)
        settings = Settings()
        reads = (("notification_delivery", lambda: slack_bot_token(settings)),
                 ("chat_action", lambda: teams_webhook_url(settings, "people")),
                 (spine.CHAT_FUNCTION, lambda: slack_signing_secret(settings)),
                 (spine.CHAT_FUNCTION, lambda: teams_bot_client_secret(settings)),
                 ("notification_delivery", lambda: teams_bot_client_secret(settings)))
        recorder.install()
        try:
            for function, read in reads:
                parameters.clear_caches()  # each function reads for itself (powertools caches per process)
                token = current_function.set(function)
                try:
                    assert read()
                finally:
                    current_function.reset(token)
        finally:
            recorder.uninstall()
            parameters.clear_caches()
    assert set(recorder.seen) == {Access("notification_delivery", GET_SECRET, ("secret", "chat_send")),
                                  Access("chat_action", GET_SECRET, ("secret", "chat_send")),
                                  Access(spine.CHAT_FUNCTION, GET_SECRET, ("secret", "chat_verify")),
                                  Access(spine.CHAT_FUNCTION, GET_SECRET, ("secret", "teams_bot")),
                                  Access("notification_delivery", GET_SECRET, ("secret", "teams_bot"))}
    policies = TemplatePolicies(template)
    assert {a.describe(): policies.check(a) for a in recorder.seen} == {a.describe(): "allow" for a in recorder.seen}
    # Every (function, secret) read the synthesised roles allow is one the spine declares; the API reads none.
    flags = {"webhook": "reads_webhook_secret", "chat_send": "reads_chat_send_secret",
             "chat_verify": "reads_chat_verify_secret", "teams_bot": "reads_teams_bot_secret"}
    declared = {**{t.name: t for t in spine.TRIGGERS}, **{f.name: f for f in spine.HTTP_FUNCTIONS}}
    allowed = {(f, s) for f in policies.functions for s in SECRET_SETTINGS
               if policies.check(Access(f, GET_SECRET, ("secret", s))) == "allow"}
    assert allowed == {(f, s) for f, d in declared.items() for s, flag in flags.items() if getattr(d, flag, False)}
    assert not {s for f, s in allowed if f == spine.API_FUNCTION}
    assert policies.check(Access(spine.CHAT_FUNCTION, GET_SECRET, ("secret", "chat_send"))).startswith("implicit deny")
