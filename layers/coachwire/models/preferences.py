"""What a person lets reach them: channel, quiet hours in their own time zone, daily and weekly caps, a weekly digest
instead of single stall alerts, and the kinds of message they switched off.

Every field left unset (None) means "the organisation's default" (Settings.delivery), so a default changed later
reaches everyone who never chose otherwise. `PreferencesUpdate` is the strict body of PUT /people/{id}/preferences:
an unknown field, an unknown time zone or a kind that cannot be switched off is a 400 naming the field."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time
from functools import cache
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from coachwire.models.base import Identifier, InboundModel, Record
from coachwire.models.coaching import NotificationKind
from coachwire.models.messages import Channel

Digest = Literal["off", "weekly"]

# Work items for HR (and messages to the HR mailbox): never muted, capped or digested. Each carries an obligation
# with a deadline (a correction request past its escalation period, a bias audit flag, the yearly model review);
# letting one person's setting hold or drop it would let that obligation lapse unseen.
HR_WORK_KINDS: frozenset[NotificationKind] = frozenset({"correction_escalated", "audit_flag", "model_review"})


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def checked_timezone(name: str) -> str:
    """An IANA time zone name the zone database knows ("Europe/Berlin"); anything else is a ValueError."""
    if name != "UTC" and name not in _known_zones():
        raise ValueError(f"unknown time zone {name!r}: use an IANA name such as 'Europe/Berlin'")
    zoneinfo.ZoneInfo(name)  # loads: a name listed but not loadable fails here, not at delivery
    return name


def _local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a local time of day without an offset ('22:00'): the time zone is its own field")
    return value


def _hh_mm(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


TimeZoneName = Annotated[str, AfterValidator(checked_timezone)]
# "HH:MM" both ways: JSON Schema's `time` format would demand an offset, which a local time of day has not.
LocalTime = Annotated[time, AfterValidator(_local_time), PlainSerializer(_hh_mm, return_type=str, when_used="json"),
                      WithJsonSchema({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
                                      "examples": ["20:00"]})]


class QuietHours(Record):
    """A daily window in the person's local time during which nothing reaches them. `end` before `start` crosses
    midnight (22:00-07:00). The window is [start, end): a message may go out at `end` exactly."""

    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours need a start and an end that differ")
        return self

    def contains(self, wall: time) -> bool:
        wall = wall.replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end


# "off": no quiet hours at all; None: the organisation's.
QuietSetting = QuietHours | Literal["off"] | None
Cap = Annotated[int, Field(ge=0, le=1000)]


class Preferences(Record):
    person_id: str
    channel: Channel | None = None
    timezone: str | None = None
    quiet_hours: QuietSetting = None
    # How many messages that count toward caps may reach the person per local day / ISO week; 0: none.
    daily_cap: int | None = None
    weekly_cap: int | None = None
    # weekly: a manager's stall alerts wait for one weekly team digest instead of arriving one by one.
    digest: Digest = "off"
    muted_kinds: list[NotificationKind] = Field(default_factory=list)
    # The name of a Teams Workflows webhook HR configured; the URL itself is a secret held elsewhere, never here.
    teams_webhook_ref: str | None = None
    version: int = 0
    updated_at: datetime | None = None
    updated_by: str | None = None


class QuietHoursBody(InboundModel):
    start: LocalTime = Field(description="Local time the quiet window starts, e.g. 20:00")
    end: LocalTime = Field(description="Local time it ends, e.g. 08:00 (before start: it crosses midnight)")

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHoursBody:
        if self.start == self.end:
            raise ValueError("quiet hours need a start and an end that differ")
        return self


class PreferencesUpdate(InboundModel):
    """The whole of a person's preferences (PUT replaces them). Leave a field out or null for the organisation's
    default. `version` is the version the caller read (0 when nothing was stored): a change made meanwhile is 409."""

    version: int = Field(ge=0, description="The version read by GET (0: none stored yet)")
    channel: Channel | None = None
    timezone: TimeZoneName | None = Field(None, description="IANA time zone, e.g. Europe/Berlin")
    quiet_hours: QuietHoursBody | Literal["off"] | None = Field(
        None, description='{"start": "20:00", "end": "08:00"}, "off" for none, or null for the organisation\'s')
    daily_cap: Cap | None = None
    weekly_cap: Cap | None = None
    digest: Digest = "off"
    muted_kinds: list[NotificationKind] = Field(default_factory=list, max_length=20)
    teams_webhook_ref: Identifier | None = Field(None, description="Name of a Teams webhook HR configured "
                                                                  "(set by hr_admin)")

    @field_validator("quiet_hours", mode="wrap")
    @classmethod
    def _window_or_off(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        """Validated here rather than as a union, so a 400 names `quiet_hours.start`, not a union member."""
        if value is None or value == "off":
            return value
        if not isinstance(value, dict | QuietHoursBody):
            raise ValueError('quiet hours are {"start": "HH:MM", "end": "HH:MM"}, "off" or null')
        return QuietHoursBody.model_validate(value)

    @field_validator("muted_kinds")
    @classmethod
    def _hr_work_is_never_muted(cls, kinds: list[NotificationKind]) -> list[NotificationKind]:
        kept = [k for k in kinds if k in HR_WORK_KINDS]
        if kept:
            raise ValueError(f"{kept[0]} is HR work and cannot be switched off")
        return sorted(set(kinds))

    def stored(self, person_id: str, version: int, at: datetime, by: str) -> Preferences:
        quiet: QuietSetting = self.quiet_hours if not isinstance(self.quiet_hours, QuietHoursBody) else QuietHours(
            start=self.quiet_hours.start, end=self.quiet_hours.end)
        return Preferences(person_id=person_id, channel=self.channel, timezone=self.timezone, quiet_hours=quiet,
                           daily_cap=self.daily_cap, weekly_cap=self.weekly_cap, digest=self.digest,
                           muted_kinds=list(self.muted_kinds), teams_webhook_ref=self.teams_webhook_ref,
                           version=version, updated_at=at, updated_by=by)
