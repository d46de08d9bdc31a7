"""The chat channels' credentials: three Secrets Manager secrets, each readable only by the functions the spine says
use it (`reads_chat_send_secret`, `reads_chat_verify_secret`, `reads_teams_bot_secret`).

Created with placeholder JSON (no credential in the template); ops put the real values after the deploy
(infrastructure/README.md, "Slack and Teams"). Same encryption as the webhook secret (the account's
aws/secretsmanager key).
"""

from __future__ import annotations

import json

from aws_cdk import Acknowledgment, RemovalPolicy, SecretValue, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_secretsmanager as secretsmanager
from coachwire.settings import env_var
from constructs import Construct

from infrastructure.config import CoachwireConfig

# What each secret holds (adapters/secrets.py reads these keys); empty until ops put the real values. Never change
# these: CloudFormation puts a changed SecretString on the next deploy, over the values ops put.
SEND_PLACEHOLDER = {"slack_bot_token": "", "teams_webhooks": {}}
VERIFY_PLACEHOLDER = {"slack_signing_secret": ""}
TEAMS_BOT_PLACEHOLDER = {"client_secret": ""}


def grant_secret_value(role: iam.IRole, secret: secretsmanager.ISecret) -> None:
    """GetSecretValue on this one secret (grant_read would add DescribeSecret)."""
    role.add_to_principal_policy(
        iam.PolicyStatement(actions=["secretsmanager:GetSecretValue"], resources=[secret.secret_arn])
    )


class ChatSecrets(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: CoachwireConfig) -> None:
        super().__init__(scope, construct_id)
        self.config = config
        removal = RemovalPolicy.RETAIN if config.retain_data else RemovalPolicy.DESTROY
        self.send = secretsmanager.Secret(
            self,
            "Send",
            description=(
                f"Coachwire {config.stage}: what sending to Slack and Teams needs, JSON "
                '{"slack_bot_token": "xoxb-...", "teams_webhooks": {"<ref>": "https://..."}}. '
                "Set with `aws secretsmanager put-secret-value`."
            ),
            secret_string_value=SecretValue.unsafe_plain_text(json.dumps(SEND_PLACEHOLDER)),
            removal_policy=removal,
        )
        self.verify = secretsmanager.Secret(
            self,
            "Verify",
            description=(
                f"Coachwire {config.stage}: what verifying a press in Slack needs, JSON "
                '{"slack_signing_secret": "..."}. Set with `aws secretsmanager put-secret-value`.'
            ),
            secret_string_value=SecretValue.unsafe_plain_text(json.dumps(VERIFY_PLACEHOLDER)),
            removal_policy=removal,
        )
        self.teams_bot = secretsmanager.Secret(
            self,
            "TeamsBot",
            description=(
                f"Coachwire {config.stage}: the Teams bot's Entra client secret, JSON "
                '{"client_secret": "..."}. Set with `aws secretsmanager put-secret-value`.'
            ),
            secret_string_value=SecretValue.unsafe_plain_text(json.dumps(TEAMS_BOT_PLACEHOLDER)),
            removal_policy=removal,
        )
        for secret, what in ((self.send, "The Slack bot token and the Teams Workflows webhook URLs"),
                             (self.verify, "The Slack app's signing secret"),
                             (self.teams_bot, "The Teams bot's client secret")):
            Validations.of(secret).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-SMG4",
                    reason=(
                        f"{what} are issued by Slack or Microsoft, not by us: rotation means reissuing them there "
                        "and putting the new value here (docs/operations.md); no rotation Lambda can perform it."
                    ),
                )
            )

    def send_environment(self) -> dict[str, str]:
        """For a function with `reads_chat_send_secret`: the secret, and what sending to people reads."""
        return {env_var("chat_send_secret_arn"): self.send.secret_arn, **self.config.people_environment()}

    def teams_bot_environment(self) -> dict[str, str]:
        """For a function with `reads_teams_bot_secret`: the bot's secret, beside what reaching people reads."""
        return {env_var("teams_bot_secret_arn"): self.teams_bot.secret_arn, **self.config.people_environment()}

    def verify_environment(self) -> dict[str, str]:
        """For an HTTP function with `reads_chat_verify_secret`: the secret, beside what reaching people reads (the
        Teams bot's app id among it: the audience of the Bot Framework tokens it verifies)."""
        return {env_var("chat_verify_secret_arn"): self.verify.secret_arn, **self.config.people_environment()}
