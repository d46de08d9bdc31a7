"""Deploy-time context validation: fails early with a message naming the key."""

from __future__ import annotations

import pytest

from infrastructure.config import (
    ALLOWED_RETENTION_DAYS,
    PLACEHOLDER_JWT_ISSUER,
    CoachwireConfig,
    ConfigError,
)

pytestmark = pytest.mark.infra

FULL = {
    "jwt_issuer": "https://login.example.test/",
    "jwt_audience": "a, b",
    "sender_email": "coach@example.test",
    "hr_admin_email": "people@example.test",
    "hr_admins": "hr-1=people.ops@example.test",
}


def test_dev_without_context_synthesises_with_loud_placeholders() -> None:
    config = CoachwireConfig.from_context({})
    assert config.stage == "dev"
    assert config.jwt_issuer == PLACEHOLDER_JWT_ISSUER
    assert config.uses_placeholders
    assert all(key in config.warnings[0] for key in ("jwt_issuer", "sender_email", "hr_admins"))
    assert not config.retain_data


@pytest.mark.parametrize("missing", sorted(FULL))
def test_non_dev_stage_requires_every_key(missing: str) -> None:
    context = {k: v for k, v in FULL.items() if k != missing} | {"stage": "prod"}
    with pytest.raises(ConfigError, match=missing):
        CoachwireConfig.from_context(context)


def test_full_context_is_parsed() -> None:
    config = CoachwireConfig.from_context(
        FULL | {"stage": "prod", "log_retention_days": "365", "alarm_email": "o@x.io"}
    )
    assert config.jwt_audience == ("a", "b")
    assert config.log_retention_days == 365
    assert config.is_prod and config.retain_data and not config.uses_placeholders


def test_hr_admins_accept_pairs_from_the_command_line_or_an_object_from_cdk_json() -> None:
    pairs = CoachwireConfig.from_context(FULL | {"hr_admins": "b-2=b@example.test, a-1=a@example.test"})
    mapping = CoachwireConfig.from_context(FULL | {"hr_admins": {"a-1": "a@example.test", "b-2": "b@example.test"}})
    assert pairs.hr_admins == mapping.hr_admins == (("a-1", "a@example.test"), ("b-2", "b@example.test"))
    assert pairs.hr_admins_json() == '{"a-1": "a@example.test", "b-2": "b@example.test"}'


def test_queue_age_alarm_defaults_and_may_be_set() -> None:
    assert CoachwireConfig.from_context(FULL).queue_age_alarm_minutes == 10
    assert CoachwireConfig.from_context(FULL | {"queue_age_alarm_minutes": "30"}).queue_age_alarm_minutes == 30


def test_audience_accepts_a_list_from_cdk_json() -> None:
    assert CoachwireConfig.from_context(FULL | {"jwt_audience": ["x", "y"]}).jwt_audience == ("x", "y")


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("stage", "Prod"),
        ("stage", "p"),
        ("jwt_issuer", "http://login.example.test/"),
        ("sender_email", "not-an-email"),
        ("alarm_email", "nope"),
        ("log_retention_days", "31"),
        ("log_retention_days", "a month"),
        ("hr_admin_email", "people"),
        ("policy_effective_date", "next month"),
        ("retention", '{"alerts_days": 0}'),
        ("retention", '{"alert_days": 90}'),
        ("retention", "90 days"),
        ("hr_admins", "hr-1"),
        ("hr_admins", "hr-1=not-an-email"),
        ("queue_age_alarm_minutes", "ten"),
        ("queue_age_alarm_minutes", "0"),
        ("group_roles", "coachwire-hr=superuser"),
        ("group_roles", "coachwire-hr"),
        ("group_roles", {"HR Admins": "hr_admin"}),
        ("employee_id_claim", "employee id"),
        ("role_claim", ["coachwire_role"]),
        ("groups_claim", "cognito groups"),
        ("acknowledge_placeholders", "yes"),
    ],
)
def test_bad_values_name_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        CoachwireConfig.from_context(FULL | {key: value})


def test_data_rights_settings_reach_every_function_as_settings_variables() -> None:
    config = CoachwireConfig.from_context(FULL | {"policy_effective_date": "2027-01-01",
                                                  "retention": {"alerts_days": 90, "leaver_grace_days": 14}})
    assert config.settings_environment() == {
        "COACHWIRE_HR_ADMIN_EMAIL": "people@example.test", "COACHWIRE_POLICY_EFFECTIVE_DATE": "2027-01-01",
        "COACHWIRE_RETENTION_ALERTS_DAYS": "90", "COACHWIRE_RETENTION_LEAVER_GRACE_DAYS": "14"}
    as_string = CoachwireConfig.from_context(FULL | {"retention": '{"alerts_days": 90}'})
    assert as_string.settings_environment()["COACHWIRE_RETENTION_ALERTS_DAYS"] == "90"


def test_every_allowed_retention_maps_to_a_cdk_value() -> None:
    from infrastructure.constructs.function import RETENTION

    assert set(RETENTION) == set(ALLOWED_RETENTION_DAYS)


def test_claim_settings_reach_the_api_as_settings_variables(monkeypatch) -> None:
    from coachwire.settings import Settings

    pairs = CoachwireConfig.from_context(FULL | {"employee_id_claim": "custom:employee_id",
                                                 "groups_claim": "cognito:groups",
                                                 "group_roles": "coachwire-hr=hr_admin, coachwire-leads=manager"})
    mapping = CoachwireConfig.from_context(FULL | {"employee_id_claim": "custom:employee_id",
                                                   "groups_claim": "cognito:groups",
                                                   "group_roles": {"coachwire-leads": "manager",
                                                                   "coachwire-hr": "hr_admin"}})
    assert pairs.claims == mapping.claims
    for name, value in pairs.claims_environment().items():
        monkeypatch.setenv(name, value)
    assert Settings().claim_mapping() == pairs.claims
    assert CoachwireConfig.from_context(FULL).claims_environment() == {
        "COACHWIRE_EMPLOYEE_ID_CLAIM": "sub", "COACHWIRE_ROLE_CLAIM": "coachwire_role",
        "COACHWIRE_GROUPS_CLAIM": "groups", "COACHWIRE_GROUP_ROLES": "{}"}


def test_the_placeholder_warning_says_how_to_set_the_values_or_acknowledge_them() -> None:
    (warning,) = CoachwireConfig.from_context({"jwt_issuer": "https://login.example.test/"}).warnings
    assert "jwt_issuer" not in warning.split(":")[0]
    assert "make synth jwt_audience=" in warning and "-c hr_admins=" in warning
    assert "acknowledge_placeholders=true" in warning
    acknowledged = CoachwireConfig.from_context({"acknowledge_placeholders": "true"})
    assert acknowledged.uses_placeholders and not acknowledged.warnings


def test_the_app_prints_the_placeholder_warning_once_and_adds_no_annotation(cdk_json_context, capsys) -> None:
    from infrastructure.app_factory import build_app

    _, stack = build_app({**cdk_json_context, "aws:cdk:bundling-stacks": []}, nag=False)
    assert capsys.readouterr().err.count("WARNING") == 1
    # An annotation would be printed a second time by the CLI, with an acknowledgement hint no context can act on.
    assert not [m for m in stack.node.metadata if m.type == "aws:cdk:warning"]


def test_chat_channels_accept_a_comma_list_or_a_list_and_nothing_but_slack_and_teams() -> None:
    assert CoachwireConfig.from_context(FULL).chat_channels == ()
    assert CoachwireConfig.from_context(FULL | {"chat_channels": "Slack, teams,slack"}).chat_channels == (
        "slack", "teams")
    assert CoachwireConfig.from_context(FULL | {"chat_channels": ["teams"]}).chat_channels == ("teams",)
    for bad, says in (("sms", "'sms' is not a chat channel"), ("email", "e-mail is always offered"),
                      (3, "comma-separated")):
        with pytest.raises(ConfigError, match=says) as err:
            CoachwireConfig.from_context(FULL | {"chat_channels": bad})
        assert "chat_channels" in str(err.value)


def test_teams_app_id_and_app_base_url_are_checked() -> None:
    config = CoachwireConfig.from_context(FULL | {"chat_channels": "teams", "app_base_url": "https://coach.example.test",
                                                  "teams_app_id": "3f2b7c1e-8a4d-4e5f-9b6a-0c1d2e3f4a5b"})
    assert not config.warnings
    assert config.people_environment()["COACHWIRE_APP_BASE_URL"] == "https://coach.example.test"
    with pytest.raises(ConfigError, match="teams_app_id.*GUID"):
        CoachwireConfig.from_context(FULL | {"teams_app_id": "coachwire-bot"})
    with pytest.raises(ConfigError, match="app_base_url.*https://"):
        CoachwireConfig.from_context(FULL | {"app_base_url": "http://coach.example.test"})
    # Teams without the bot's id still sends (links only); the synth says what does not work.
    (warning,) = CoachwireConfig.from_context(FULL | {"chat_channels": "teams"}).warnings
    assert "teams_app_id" in warning and "/teams/messages" in warning


def test_the_organisations_delivery_rules_become_the_delivery_environment() -> None:
    config = CoachwireConfig.from_context(FULL | {"delivery_timezone": "Europe/Berlin",
                                                  "delivery_quiet_hours": "20:00-08:00",
                                                  "delivery_daily_cap": "2", "delivery_weekly_cap": 8})
    env = config.people_environment()
    assert {k: v for k, v in env.items() if k.startswith("COACHWIRE_DELIVERY_")} == {
        "COACHWIRE_DELIVERY_TIMEZONE": "Europe/Berlin", "COACHWIRE_DELIVERY_QUIET_START": "20:00",
        "COACHWIRE_DELIVERY_QUIET_END": "08:00", "COACHWIRE_DELIVERY_DAILY_CAP": "2",
        "COACHWIRE_DELIVERY_WEEKLY_CAP": "8"}
    assert env["COACHWIRE_CHAT_CHANNELS"] == "[]"
    # Not given: DeliveryRules' own defaults apply (no variable set).
    assert not [k for k in CoachwireConfig.from_context(FULL).people_environment() if "DELIVERY" in k]
    assert not CoachwireConfig.from_context(FULL | {"delivery_quiet_hours": "none"}).delivery
    (warning,) = CoachwireConfig.from_context(FULL | {"delivery_quiet_hours": "22:00-07:00"}).warnings
    assert "UTC" in warning


@pytest.mark.parametrize(("key", "value", "says"), [
    ("delivery_timezone", "Mars/Olympus", "unknown time zone"),
    ("delivery_quiet_hours", "8-20", "must look like 20:00-08:00"),
    ("delivery_quiet_hours", "25:00-08:00", "time"),
    ("delivery_quiet_hours", "08:00-08:00", "must differ"),
    ("delivery_daily_cap", "-1", "greater than or equal to 0"),
    ("delivery_weekly_cap", "lots", "integer"),
])
def test_bad_delivery_rules_fail_the_synth_naming_the_key(key: str, value: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as err:
        CoachwireConfig.from_context(FULL | {key: value})
    assert f"'{key}'" in str(err.value)
