"""The composition root: every port bound to its AWS adapter, as each Lambda function runs. The adapters are
imported inside the function so that importing the runtime (or a service) never loads boto3."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coachwire.clock import Clock, SystemClock
from coachwire.models.chat import ChatConversationRef
from coachwire.ports import ChannelSender, ProfileStore
from coachwire.services.deps import Dependencies
from coachwire.settings import Settings

if TYPE_CHECKING:
    from coachwire.adapters.teams_bot import BotConnector


def aws_dependencies(settings: Settings, clock: Clock | None = None) -> Dependencies:
    from coachwire.adapters.bias_audits import DynamoAuditSource, DynamoGovernanceStore, S3AuditArchive
    from coachwire.adapters.demographics import DynamoDemographicsStore
    from coachwire.adapters.dynamo import (
        DynamoAuditLog,
        DynamoCatalogStore,
        DynamoDeliveryCounters,
        DynamoOutboxStore,
        DynamoProfileStore,
        DynamoTriggerStats,
    )
    from coachwire.adapters.messaging import EventBridgePublisher, SesEmailSender, SqsDeadLetterDepth, SqsQueueDepths
    from coachwire.adapters.model_registry import DynamoModelRegistry
    from coachwire.adapters.parking import DynamoParkedEvents
    from coachwire.adapters.pilots import DynamoPilotStore
    from coachwire.adapters.retention import DynamoRetentionStore

    profiles = DynamoProfileStore(settings.profiles_table, settings.outbox_table, settings.retention)
    return Dependencies(
        settings=settings,
        clock=clock or SystemClock(),
        profiles=profiles,
        catalog=DynamoCatalogStore(settings.catalog_table),
        outbox=DynamoOutboxStore(settings.outbox_table, settings.retention.notifications_days),
        audit=DynamoAuditLog(settings.audit_table, settings.stats_table, settings.retention.audit_days),
        stats=DynamoTriggerStats(settings.stats_table),
        events=EventBridgePublisher(settings.event_bus_name),
        email=SesEmailSender(settings.sender_email),
        dead_letters=SqsDeadLetterDepth(settings.dead_letter_queue_urls()),
        models=DynamoModelRegistry(settings.catalog_table),
        demographics=DynamoDemographicsStore(settings.demographics_table, settings.retention.demographics_days),
        governance=DynamoGovernanceStore(settings.governance_table, settings.outbox_table,
                                         settings.retention.notifications_days),
        audit_archive=S3AuditArchive(settings.audit_bucket),
        audit_source=DynamoAuditSource(settings.profiles_table),
        parked=DynamoParkedEvents(settings.parked_table, settings.profiles_table),
        pilots=DynamoPilotStore(settings.governance_table),
        queues=SqsQueueDepths(settings.trigger_queue_urls()),
        retention=DynamoRetentionStore(settings),
        counters=DynamoDeliveryCounters(settings.idempotency_table),
        channels=chat_channels(settings, profiles),
    )


def chat_channels(settings: Settings, profiles: ProfileStore | None = None) -> dict[str, ChannelSender]:
    """The chat senders this deployment offers. Imported only when offered (slack_sdk, urllib3 stay unloaded
    otherwise); their credentials are read on first send, from the secret only the sending functions may read.
    Teams is the bot for people who installed the Coachwire app (their conversation reference, read from
    `profiles`), a Workflows webhook otherwise."""
    channels: dict[str, ChannelSender] = {}
    if "slack" in settings.chat_channels:
        from coachwire.adapters.secrets import slack_bot_token
        from coachwire.adapters.slack import SlackSender

        channels["slack"] = SlackSender(lambda: slack_bot_token(settings), base_url=settings.slack_api_url,
                                        link_base_url=settings.app_base_url)
    if "teams" in settings.chat_channels:
        from coachwire.adapters.secrets import teams_webhook_url
        from coachwire.adapters.teams import TeamsWorkflowSender
        from coachwire.adapters.teams_bot import TeamsBotSender, TeamsSender

        webhook = TeamsWorkflowSender(lambda ref: teams_webhook_url(settings, ref), settings.app_base_url)
        store = profiles if profiles is not None else _profiles(settings)

        def reference_for(employee_id: str) -> ChatConversationRef | None:
            return store.chat_reference(employee_id, "teams")

        bot = TeamsBotSender(teams_bot_connector(settings), reference_for, settings.app_base_url) \
            if settings.teams_app_id else None
        channels["teams"] = TeamsSender(bot, webhook, reference_for)
    return channels


def teams_bot_connector(settings: Settings) -> BotConnector:
    """The Bot Connector client as Coachwire's bot: its app id, its client secret (the chat send secret), the token
    endpoint for its tenant. Build one per container: it caches the token."""
    from coachwire.adapters.secrets import teams_bot_client_secret
    from coachwire.adapters.teams_bot import BotConnector, BotTokens, token_url

    tokens = BotTokens(settings.teams_app_id, lambda: teams_bot_client_secret(settings),
                       token_url(settings.teams_tenant_id, settings.teams_token_url))
    return BotConnector(tokens)


def _profiles(settings: Settings) -> ProfileStore:
    from coachwire.adapters.dynamo import DynamoProfileStore

    return DynamoProfileStore(settings.profiles_table, settings.outbox_table, settings.retention)
