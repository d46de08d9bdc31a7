"""POST /teams/messages parsing: a Bot Framework token minted with a local key, its JWKS served over local HTTP and
fetched by PyJWKClient for real; the invoke activity is the one Microsoft's Teams SDK tests use (vendored), given a
verb and Coachwire's data, or as it is (no verb: the unknown-action case)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest
from coachwire.adapters.botframework_auth import BotFrameworkVerifier, KeysUnavailable
from coachwire.clock import FixedClock
from coachwire.models.chat import ChatAction
from coachwire.runtime.chat_requests import ChatRequestRejected
from coachwire.runtime.teams_invoke import parse_teams_invoke
from coachwire_tools.local.botframework_keys import LocalBotFramework, unsigned_token
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.shared_data import shared_json

APP_ID = "6f1c2e4a-0000-4000-8000-00000000b07"
FIXTURE = shared_json("teams/teams_net_invoke_adaptiveCard_action_Action.Execute.json")
SERVICE_URL = FIXTURE["serviceUrl"]
AAD_ID = FIXTURE["from"]["aadObjectId"]
NOW = datetime(2026, 10, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def bf():
    with LocalBotFramework() as issuer:
        yield issuer


@pytest.fixture
def verifier(bf: LocalBotFramework) -> BotFrameworkVerifier:
    return BotFrameworkVerifier(APP_ID, bf.jwks_url)


def press(verb: str | None = "accept", **data: object) -> dict:
    """The vendored invoke with Coachwire's verb and data (the card's inputs merged in, as Teams does)."""
    activity = copy.deepcopy(FIXTURE)
    action = activity["value"]["action"]
    if verb is not None:
        action["verb"] = verb
    action["data"] = {"notification_id": "ntf_1", **data}
    return activity


def body(activity: dict) -> bytes:
    return json.dumps(activity).encode()


def bearer(bf: LocalBotFramework, **kw: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {bf.token(kw.pop('aud', APP_ID), kw.pop('service_url', SERVICE_URL), **kw)}"}


def parse(raw: bytes, headers: dict[str, str], verifier) -> ChatAction:
    return parse_teams_invoke(raw, headers, verifier, FixedClock(NOW))


def rejected(raw: bytes, headers: dict[str, str], verifier) -> ChatRequestRejected:
    with pytest.raises(ChatRequestRejected) as caught:
        parse(raw, headers, verifier)
    return caught.value


def test_a_valid_press_is_a_chat_action(bf: LocalBotFramework, verifier: BotFrameworkVerifier) -> None:
    action = parse(body(press("accept", item_id="design-l2")), bearer(bf), verifier)
    assert action == ChatAction(chat="teams", interaction_id=FIXTURE["id"], notification_id="ntf_1", verb="accept",
                                item_id="design-l2", actor_ref=AAD_ID, received_at=NOW)
    assert action.reply == {}


def test_header_names_are_case_insensitive(bf: LocalBotFramework, verifier: BotFrameworkVerifier) -> None:
    headers = {"authorization": bearer(bf)["Authorization"]}  # API Gateway lower-cases them
    assert parse(body(press()), headers, verifier).verb == "accept"


def test_inputs_travel_with_the_verb_that_asks_for_them(bf: LocalBotFramework, verifier) -> None:
    inputs = {"note": "  Talked it through  ", "reason": "Too long", "reason_code": "on_leave"}
    discussed = parse(body(press("discussed", **inputs)), bearer(bf), verifier)
    assert (discussed.reason, discussed.reason_code) == ("Talked it through", None)
    declined = parse(body(press("decline", item_id="x", **inputs)), bearer(bf), verifier)
    assert (declined.reason, declined.reason_code) == ("Too long", None)
    not_relevant = parse(body(press("not_relevant", **inputs)), bearer(bf), verifier)
    assert (not_relevant.reason, not_relevant.reason_code) == (None, "on_leave")
    unset = parse(body(press("not_relevant", note="", reason_code="")), bearer(bf), verifier)
    assert (unset.reason, unset.reason_code) == (None, None)
    snooze = parse(body(press("snooze", **inputs)), bearer(bf), verifier)
    assert (snooze.reason, snooze.reason_code) == (None, None)


def test_the_same_activity_twice_is_the_same_interaction(bf: LocalBotFramework, verifier) -> None:
    raw = body(press("discussed"))
    first = parse(raw, bearer(bf), verifier)
    again = parse_teams_invoke(raw, bearer(bf), verifier, FixedClock(datetime(2026, 10, 1, 9, 31, tzinfo=UTC)))
    assert first.interaction_id == again.interaction_id == FIXTURE["id"]


def test_the_keys_are_fetched_once_and_cached(bf: LocalBotFramework) -> None:
    verifier = BotFrameworkVerifier(APP_ID, bf.jwks_url)
    before = bf.fetches
    for _ in range(3):
        parse(body(press()), bearer(bf), verifier)
    assert bf.fetches == before + 1


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Basic dXNlcjpwdw=="},
                                     {"Authorization": "Bearer"}, {"Authorization": "Bearer not.a.jwt"}],
                         ids=["absent", "empty", "basic", "bearer-alone", "garbage"])
def test_no_usable_token_is_401(headers: dict[str, str], verifier) -> None:
    error = rejected(body(press()), headers, verifier)
    assert (error.status, error.field) == (401, "authorization")


@pytest.mark.parametrize("case", ["wrong_audience", "wrong_issuer", "expired", "service_url_mismatch",
                                  "no_service_url_claim", "other_key_same_kid", "unknown_kid", "unsigned"])
def test_a_token_that_does_not_verify_is_401(case: str, bf: LocalBotFramework, verifier) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "wrong_audience": lambda: bf.token("another-bot", SERVICE_URL),
        "wrong_issuer": lambda: bf.token(APP_ID, SERVICE_URL, issuer="https://sts.windows.net/x/"),
        "expired": lambda: bf.token(APP_ID, SERVICE_URL, expires_in=-301 - 5),
        "service_url_mismatch": lambda: bf.token(APP_ID, "https://smba.trafficmanager.net/emea/other/"),
        "no_service_url_claim": lambda: bf.token(APP_ID, None),
        "other_key_same_kid": lambda: bf.token(APP_ID, SERVICE_URL, key=other),
        "unknown_kid": lambda: bf.token(APP_ID, SERVICE_URL, key=other, kid="not-published"),
        "unsigned": lambda: unsigned_token(APP_ID, SERVICE_URL),
    }
    error = rejected(body(press()), {"Authorization": f"Bearer {tokens[case]()}"}, verifier)
    assert (error.status, error.field) == (401, "authorization")
    assert error.message.endswith({"other_key_same_kid": "invalid_token", "unknown_kid": "unknown_signing_key",
                                   "unsigned": "wrong_algorithm",
                                   "no_service_url_claim": "service_url_mismatch"}.get(case, case))


def test_clock_skew_within_five_minutes_is_accepted(bf: LocalBotFramework, verifier) -> None:
    headers = {"Authorization": f"Bearer {bf.token(APP_ID, SERVICE_URL, expires_in=-240)}"}
    assert parse(body(press()), headers, verifier).verb == "accept"


def test_a_token_for_another_activitys_service_cannot_be_replayed(bf: LocalBotFramework, verifier) -> None:
    activity = press()
    activity["serviceUrl"] = "https://smba.trafficmanager.net/emea/attacker/"
    assert rejected(body(activity), bearer(bf), verifier).status == 401


def test_the_token_is_checked_before_the_activity_is_read(verifier) -> None:
    """An unauthenticated caller learns nothing about which actions exist."""
    assert rejected(body(FIXTURE), {"Authorization": "Bearer x.y.z"}, verifier).status == 401


def test_the_vendored_invoke_as_it_is_has_no_verb_400(bf: LocalBotFramework, verifier) -> None:
    error = rejected(body(FIXTURE), bearer(bf), verifier)
    assert (error.status, error.field) == (400, "value.action.verb")


@pytest.mark.parametrize(("change", "field"), [
    (lambda a: a.update(type="message"), "type"),
    (lambda a: a.update(name="composeExtension/query"), "name"),
    (lambda a: a["value"].pop("action"), "value.action"),
    (lambda a: a["value"]["action"].update(type="Action.Submit"), "value.action.type"),
    (lambda a: a["value"]["action"].update(verb="approve"), "value.action.verb"),
    (lambda a: a["value"]["action"]["data"].pop("notification_id"), "value.action.data.notification_id"),
    (lambda a: a["value"]["action"]["data"].update(notification_id=7), "value.action.data.notification_id"),
    (lambda a: a["value"]["action"].update(verb="not_relevant", data={"notification_id": "n", "reason_code": "x"}),
     "value.action.data.reason_code"),
    (lambda a: a["value"]["action"].update(verb="decline", data={"notification_id": "n", "reason": "x" * 501}),
     "value.action.data.reason"),
    (lambda a: a["from"].pop("aadObjectId"), "from.aadObjectId"),
    (lambda a: a.pop("id"), "id"),
], ids=["not-invoke", "other-invoke", "no-action", "submit", "unknown-verb", "no-notification", "notification-not-text",
        "unknown-reason-code", "reason-too-long", "no-aad-user", "no-id"])
def test_an_activity_that_is_not_a_coachwire_press_is_400_naming_the_field(change, field, bf, verifier) -> None:
    activity = press()
    change(activity)
    error = rejected(body(activity), bearer(bf), verifier)
    assert (error.status, error.field) == (400, field)


@pytest.mark.parametrize("raw", [b"payload=x", b"[]", b"\xff"], ids=["form", "array", "not-utf8"])
def test_a_body_that_is_not_an_activity_cannot_be_bound_to_a_token_401(raw: bytes, bf, verifier) -> None:
    error = rejected(raw, bearer(bf), verifier)
    assert (error.status, error.message) == (401, "Bot Framework token refused: service_url_mismatch")


def test_an_activity_of_the_wrong_shape_is_400(bf: LocalBotFramework, verifier) -> None:
    activity = press()
    activity["from"] = "someone"
    assert (rejected(body(activity), bearer(bf), verifier).status, rejected(body(activity), bearer(bf), verifier)
            .field) == (400, "from")


def test_unreachable_keys_are_not_the_callers_fault(bf: LocalBotFramework) -> None:
    verifier = BotFrameworkVerifier(APP_ID, "http://127.0.0.1:9/v1/.well-known/keys")
    with pytest.raises(KeysUnavailable):
        parse(body(press()), bearer(bf), verifier)
