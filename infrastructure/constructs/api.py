"""HTTP API: one `HttpFunction` per `spine.HTTP_FUNCTIONS` entry, routes and JWT auth from the spine."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

import jsii
from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_apigateway as apigw_v1
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from coachwire import spine
from coachwire.settings import env_var
from constructs import Construct

from infrastructure.config import CoachwireConfig
from infrastructure.constructs.chat import ChatSecrets, grant_secret_value
from infrastructure.constructs.function import CoachwireFunction, FunctionDeps, log_group
from infrastructure.constructs.triggers import TriggerFunction, construct_id

THROTTLE_RATE_LIMIT = 50  # requests/s across the stage; HRIS bursts are small, abuse is not
THROTTLE_BURST_LIMIT = 100

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "protocol": "$context.protocol",
        "responseLength": "$context.responseLength",
        "latencyMs": "$context.responseLatency",
        "integrationError": "$context.integrationErrorMessage",
        "authorizerError": "$context.authorizer.error",
    }
)


def dead_letter_queue_setting(triggers: Iterable[TriggerFunction]) -> str:
    """COACHWIRE_DEAD_LETTER_QUEUES: "trigger=url,trigger=url" (Settings.dead_letter_queue_urls)."""
    return ",".join(f"{t.trigger.name}={t.dead_letter_queue.queue_url}" for t in triggers)


def trigger_queue_setting(triggers: Iterable[TriggerFunction]) -> str:
    """COACHWIRE_TRIGGER_QUEUES: the triggers' own queues, for what is in flight (Settings.trigger_queue_urls)."""
    return ",".join(f"{t.trigger.name}={t.queue.queue_url}" for t in triggers)


def public_route_reason(spec: spine.HttpFunction, method: str, path: str) -> str:
    """Why a route the spine declares without JWT may be public: what authenticates its caller instead."""
    if spec.reads_webhook_secret:
        why = ("HRIS webhooks are authenticated in the handler by Standard Webhooks signatures (secret in Secrets "
               "Manager).")
    elif spec.reads_chat_verify_secret:
        why = ("Slack and Microsoft Teams call it, so it cannot carry our JWT: the handler verifies every request on "
               "its raw body before acting (Slack's signing-secret signature, secret in Secrets Manager; a Bot "
               "Framework token for the bot's app id) and refuses anything else.")
    else:
        why = ("the handler serves only public, data-free content there (the OpenAPI document, the data-use "
               "policy); everything else sits behind the JWT authorizer.")
    return f"{method} {path} is public by design (spine.HTTP_FUNCTIONS): {why}"


class HttpFunction(Construct):
    """A function behind the API; extra wiring comes from the spine flags, not from its name."""

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        spec: spine.HttpFunction,
        deps: FunctionDeps,
        webhook_secrets: secretsmanager.ISecret,
        chat: ChatSecrets,
        triggers: Sequence[TriggerFunction],
    ) -> None:
        super().__init__(scope, construct_id_)
        self.spec = spec
        environment: dict[str, str] = {}
        if any(needs_jwt for _, _, needs_jwt in spec.routes):
            environment.update(deps.config.claims_environment())
            # Preferences as they apply (the organisation's rules beneath) and the links the API hands out.
            environment.update(deps.config.people_environment())
        if spec.reads_chat_verify_secret:
            environment.update(chat.verify_environment())
        if spec.reads_teams_bot_secret:
            environment.update(chat.teams_bot_environment())
        if spec.reads_webhook_secret:
            environment[env_var("webhook_secrets_arn")] = webhook_secrets.secret_arn
        if spec.reads_dead_letter_depth:
            environment[env_var("dead_letter_queues")] = dead_letter_queue_setting(triggers)
            environment[env_var("trigger_queues")] = trigger_queue_setting(triggers)
        if spec.reads_audit_reports:
            if deps.audit_reports is None:
                raise ValueError(f"{spec.name} reads audit reports: the stack needs the audit bucket")
            environment[env_var("audit_bucket")] = deps.audit_reports.bucket.bucket_name

        self.handler = CoachwireFunction(
            self,
            "Handler",
            deps=deps,
            name=spec.name,
            description=spec.summary,
            timeout_seconds=spec.timeout_seconds,
            memory_mb=spec.memory_mb,
            grants=spec.grants,
            publishes_events=spec.publishes_events,
            environment=environment,
        )
        self.function = self.handler.function

        if spec.reads_webhook_secret:
            grant_secret_value(self.handler.role, webhook_secrets)
        if spec.reads_chat_verify_secret:
            grant_secret_value(self.handler.role, chat.verify)
        if spec.reads_teams_bot_secret:
            grant_secret_value(self.handler.role, chat.teams_bot)
        if spec.reads_audit_reports and deps.audit_reports is not None:
            deps.audit_reports.grant_read_reports(self.handler.role)
        if spec.reads_dead_letter_depth and triggers:
            self.handler.role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["sqs:GetQueueAttributes"],
                    resources=[q.queue_arn for t in triggers for q in (t.dead_letter_queue, t.queue)],
                )
            )


@jsii.implements(apigw.IAccessLogSettings)
class _AccessLogSettings:
    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigw.LogGroupLogDestination(log_group)
        self._format = apigw_v1.AccessLogFormat.custom(ACCESS_LOG_FORMAT)

    @property
    def destination(self) -> apigw.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw_v1.AccessLogFormat:
        return self._format


class Api(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        config: CoachwireConfig,
        functions: Sequence[HttpFunction],
    ) -> None:
        super().__init__(scope, construct_id_)
        self.http_api = apigw.HttpApi(
            self,
            "HttpApi",
            api_name=f"coachwire-{config.stage}",
            description="Coachwire: HRIS webhooks and the coaching read/admin API",
            create_default_stage=False,  # the default stage has no access-log/throttle options
        )
        self.access_logs = log_group(self, "AccessLogs", config)
        self.stage = apigw.HttpStage(
            self,
            "DefaultStage",
            http_api=self.http_api,
            stage_name="$default",
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_logs),
            throttle=apigw.ThrottleSettings(rate_limit=THROTTLE_RATE_LIMIT, burst_limit=THROTTLE_BURST_LIMIT),
        )
        self.authorizer = authorizers.HttpJwtAuthorizer(
            "Jwt", jwt_issuer=config.jwt_issuer, jwt_audience=list(config.jwt_audience)
        )

        self.routes: dict[tuple[str, str], apigw.HttpRoute] = {}
        for fn in functions:
            integration = integrations.HttpLambdaIntegration(f"{construct_id(fn.spec.name)}Integration", fn.function)
            for method, path, needs_jwt in fn.spec.routes:
                (route,) = self.http_api.add_routes(
                    path=path,
                    methods=[apigw.HttpMethod[method]],
                    integration=integration,
                    authorizer=self.authorizer if needs_jwt else apigw.HttpNoneAuthorizer(),
                )
                self.routes[(method, path)] = route
                if not needs_jwt:
                    Validations.of(route).acknowledge(
                        Acknowledgment(id="AwsSolutions-APIG4", reason=public_route_reason(fn.spec, method, path))
                    )

    @property
    def url(self) -> str:
        return self.stage.url
