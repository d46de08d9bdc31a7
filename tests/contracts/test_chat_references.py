"""ProfileStore: whose work e-mail an address is (the sparse by_email index on profile items, any case), and the
Teams conversation reference kept in the person's own partition (CHATREF#teams): overwritten by the newest
installation, marked removed on an uninstall, exported and erased with the person."""

from __future__ import annotations

from coachwire.adapters.retention import DynamoRetentionStore
from coachwire.models.chat import ChatConversationRef
from coachwire.ports import ProfileChange
from coachwire.services import rights

from tests.contracts.records import AT, person
from tests.fakes import FakeProfileStore, retention_store


def reference(uid: str, **fields) -> ChatConversationRef:
    return ChatConversationRef(**{
        "employee_id": f"emp-{uid}", "service_url": "https://smba.trafficmanager.net/emea/",
        "conversation_id": f"a:conv-{uid}", "tenant_id": "tenant-1", "user_ref": f"aad-{uid}",
        "user_id": f"29:user-{uid}", "bot_id": "28:bot", "installed_at": AT, "changed_at": AT, **fields})


def test_an_employee_is_found_by_their_work_email_in_any_case(deps, uid):
    deps.profiles.commit(ProfileChange(profile=person(uid, email=f"Grace.{uid}@Example.com"), expected_version=None))
    assert deps.profiles.employee_for_email(f"grace.{uid}@example.com") == f"emp-{uid}"
    assert deps.profiles.employee_for_email(f"  GRACE.{uid}@EXAMPLE.COM ") == f"emp-{uid}"
    assert deps.profiles.employee_for_email(f"someone-{uid}@example.com") is None
    assert deps.profiles.employee_for_email("") is None


def test_a_changed_address_is_found_under_the_new_one_only(deps, uid):
    deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    moved = deps.profiles.get(f"emp-{uid}").model_copy(update={"email": f"new-{uid}@example.com"})
    deps.profiles.commit(ProfileChange(profile=moved, expected_version=1))
    assert deps.profiles.employee_for_email(f"new-{uid}@example.com") == f"emp-{uid}"
    assert deps.profiles.employee_for_email(f"{uid}@example.com") is None


def test_the_reference_round_trips_is_overwritten_and_marked_removed(deps, uid):
    assert deps.profiles.chat_reference(f"emp-{uid}", "teams") is None
    deps.profiles.put_chat_reference(reference(uid))
    assert deps.profiles.chat_reference(f"emp-{uid}", "teams") == reference(uid)
    deps.profiles.put_chat_reference(reference(uid, conversation_id=f"a:again-{uid}"))
    assert deps.profiles.chat_reference(f"emp-{uid}", "teams").conversation_id == f"a:again-{uid}"
    deps.profiles.put_chat_reference(reference(uid, removed=True))
    assert deps.profiles.chat_reference(f"emp-{uid}", "teams").removed is True
    assert deps.profiles.chat_reference(f"emp-{uid}", "slack") is None


def test_the_reference_is_exported_and_erased_with_the_person(deps, uid):
    deps.profiles.commit(ProfileChange(profile=person(uid), expected_version=None))
    deps.profiles.put_chat_reference(reference(uid))
    deps.profiles.link_chat_user(f"emp-{uid}", "teams", f"aad-{uid}")
    assert deps.profiles.held_about(f"emp-{uid}")["CHATREF"] == [reference(uid).model_dump(mode="json")]
    assert rights.held_about(deps, f"emp-{uid}").other["CHATREF"] == [reference(uid).model_dump(mode="json")]
    store = retention_store(deps) if isinstance(deps.profiles, FakeProfileStore) else DynamoRetentionStore(
        deps.settings)
    store.erase_person(f"emp-{uid}")
    assert deps.profiles.chat_reference(f"emp-{uid}", "teams") is None
    assert deps.profiles.employee_for_chat_user("teams", f"aad-{uid}") is None
    assert deps.profiles.employee_for_email(f"{uid}@example.com") is None
