"""What reaches a person: their delivery preferences (the person themself, or hr_admin; not their manager).

GET answers what the person chose (every field null when nothing is stored, `stored: false`) and, under
`effective`, what applies to them now with the organisation's defaults filled in. PUT replaces the choice whole,
on the `version` the caller read."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel

from coachwire.api.bodies import json_response
from coachwire.api.contract import error, ok
from coachwire.api.request import ApiContext
from coachwire.domain import access, delivery_policy
from coachwire.errors import NotAllowed
from coachwire.models.coaching import NotificationKind
from coachwire.models.messages import Channel
from coachwire.models.preferences import Digest, Preferences, PreferencesUpdate, QuietHours, QuietSetting
from coachwire.ports import ConcurrentUpdate
from coachwire.services import preferences as service
from coachwire.settings import DeliveryRules

PATH = "/people/{person_id}/preferences"
REQUEST_BODIES: dict[tuple[str, str], type[BaseModel]] = {(PATH, "put"): PreferencesUpdate}

router = APIGatewayHttpRouter()


class EffectiveDelivery(BaseModel):
    """What applies to the person now: their choice where they made one, the organisation's default otherwise."""

    channel: Channel
    timezone: str
    quiet_hours: QuietHours | None
    daily_cap: int
    weekly_cap: int
    digest: Digest
    muted_kinds: list[NotificationKind]
    next_digest_at: datetime | None


class PreferencesView(BaseModel):
    person_id: str
    stored: bool
    version: int
    channel: Channel | None
    timezone: str | None
    quiet_hours: QuietSetting
    daily_cap: int | None
    weekly_cap: int | None
    digest: Digest
    muted_kinds: list[NotificationKind]
    teams_webhook_ref: str | None
    updated_at: datetime | None
    updated_by: str | None
    effective: EffectiveDelivery
    request_id: str | None = None
    changed_fields: list[str] | None = None

    @classmethod
    def of(cls, person_id: str, stored: Preferences | None, rules: DeliveryRules, now: datetime,
           **extra: object) -> PreferencesView:
        prefs = stored or Preferences(person_id=person_id)
        mine = delivery_policy.effective(stored, rules)
        return cls.model_validate({
            **prefs.model_dump(exclude={"person_id"}), "person_id": person_id, "stored": stored is not None,
            "effective": EffectiveDelivery(
                channel=mine.channel, timezone=mine.zone.key, quiet_hours=mine.quiet_hours,
                daily_cap=mine.daily_cap, weekly_cap=mine.weekly_cap, digest=mine.digest,
                muted_kinds=sorted(mine.muted_kinds),
                next_digest_at=delivery_policy.next_digest_time(stored, rules, now) if mine.digest == "weekly"
                else None),
            **extra})


def _allowed(request: ApiContext, person_id: str) -> access.Caller:
    """The person themself, or hr_admin on someone with an employee record: an absent record and someone else's
    get the same 403, so ids cannot be probed."""
    who = request.caller()
    if not access.may_manage_preferences(who, person_id):
        raise NotAllowed(f"no readable employee '{person_id}'")
    if who.subject != person_id and request.deps.profiles.get(person_id) is None:
        raise NotAllowed(f"no readable employee '{person_id}'")
    return who


@router.get("/people/<person_id>/preferences",
            summary="What reaches the person: channel, quiet hours, caps, digest, kinds switched off, and what "
                    "applies with the organisation's defaults (the person or hr_admin)",
            responses={200: ok("The preferences", PreferencesView),
                       403: error("Neither the person nor hr_admin (managers included), or no such employee")})
def get_preferences(person_id: str, request: ApiContext):
    _allowed(request, person_id)
    deps = request.deps
    view = PreferencesView.of(person_id, deps.profiles.preferences(person_id), deps.settings.delivery,
                              deps.clock.now())
    return json_response(200, view.model_dump(mode="json"))


@router.put("/people/<person_id>/preferences",
            summary="Replace the person's preferences, on the version read (the person or hr_admin; the Teams "
                    "webhook by hr_admin only)",
            responses={200: ok("Stored (or unchanged); audit-logged with the changed fields' names", PreferencesView),
                       400: error("Invalid body; `field` names the culprit"),
                       403: error("Neither the person nor hr_admin, no employee record, or a Teams webhook "
                                  "change by someone other than hr_admin"),
                       409: error("The preferences changed since the version read; read them again")})
def put_preferences(person_id: str, request: ApiContext):
    who = _allowed(request, person_id)
    update = request.body(PreferencesUpdate)
    deps = request.deps
    # Kept with the employee record, so erased and exported with it; without one, the sweep would erase them.
    if deps.profiles.get(person_id) is None:
        raise NotAllowed(f"no employee record for '{person_id}': preferences are kept with it")
    stored = deps.profiles.preferences(person_id)
    if update.teams_webhook_ref != (stored.teams_webhook_ref if stored else None) \
            and not access.may_set_teams_webhook(who):
        raise NotAllowed("the Teams webhook a person's messages go to is set by hr_admin")
    try:
        saved = service.save_preferences(deps, person_id, update, who.subject)
    except ConcurrentUpdate:
        return json_response(409, {"message": "the preferences changed since you read them; read them again",
                                   "field": "version"})
    view = PreferencesView.of(person_id, saved.preferences, deps.settings.delivery, deps.clock.now(),
                              request_id=saved.request_id, changed_fields=list(saved.changed))
    return json_response(200, view.model_dump(mode="json"))
