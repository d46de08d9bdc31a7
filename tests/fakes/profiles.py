"""The profiles table in memory: one dict keyed (pk, sk) in the adapter's single-table layout, so the retention
sweep, the export and erasure see the same items (kinds, partitions, TTLs) they see in DynamoDB. Records are kept
as JSON, as the table keeps them: what a test reads back went through the same serialisation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from coachwire.domain.retention import epoch, expires_at
from coachwire.models.chat import ChatConversationRef
from coachwire.models.coaching import DevelopmentPlan, EmployeeProfile, ManagerAlert, Recommendation
from coachwire.models.history import HistoryEntry
from coachwire.models.preferences import Preferences
from coachwire.models.rights import Correction
from coachwire.ports import AlreadyProcessed, ConcurrentUpdate, ProfileChange
from coachwire.settings import RetentionRules

from tests.fakes.outbox import FakeOutboxStore

PROFILE = "PROFILE"
PREFERENCES = "PREFS"
Key = tuple[str, str]


def emp_pk(employee_id: str) -> str:
    return f"EMP#{employee_id}"


class FakeProfileStore:
    def __init__(self, outbox: FakeOutboxStore | None = None, retention: RetentionRules | None = None) -> None:
        self.outbox = outbox
        self.retention = retention or RetentionRules()
        # (pk, sk) → {"doc": JSON, and the attributes the adapter keeps beside it: version, status, expires_at,
        # manager_pk, framework_pk, collection_pk, revision, open_correction, opened_at}
        self.items: dict[Key, dict] = {}

    # -- reads ------------------------------------------------------------------------------------

    def get(self, employee_id: str) -> EmployeeProfile | None:
        item = self.items.get((emp_pk(employee_id), PROFILE))
        return EmployeeProfile.model_validate_json(item["doc"]) if item else None

    def receipt(self, employee_id: str, trigger: str, event_id: str) -> dict | None:
        item = self.items.get((emp_pk(employee_id), f"RECEIPT#{trigger}#{event_id}"))
        return json.loads(item["doc"]) if item else None

    def _partition(self, pk: str, prefix: str = "") -> list[tuple[str, dict]]:
        """(sk, item) in sort-key order, as a query returns them."""
        return sorted((sk, item) for (p, sk), item in self.items.items() if p == pk and sk.startswith(prefix))

    def _where(self, attribute: str, value: str) -> list[dict]:
        """An index query: items carrying `attribute` = `value`, by sort key then partition (deterministic)."""
        return [item for (pk, sk), item in sorted(self.items.items(), key=lambda kv: (kv[0][1], kv[0][0]))
                if item.get(attribute) == value]

    @staticmethod
    def _recommendation(item: dict) -> Recommendation:
        rec = Recommendation.model_validate_json(item["doc"])
        return rec.model_copy(update={"status": item["status"]}) if "status" in item else rec

    def recommendations(self, employee_id: str) -> list[Recommendation]:
        recs = [self._recommendation(item) for _, item in self._partition(emp_pk(employee_id), "REC#")]
        return sorted(recs, key=lambda r: (r.created_at, r.score), reverse=True)

    def recommendation(self, employee_id: str, recommendation_id: str) -> Recommendation | None:
        item = self.items.get((emp_pk(employee_id), f"REC#{recommendation_id}"))
        return self._recommendation(item) if item else None

    def plan(self, employee_id: str) -> DevelopmentPlan | None:
        item = self.items.get((emp_pk(employee_id), "PLAN"))
        return DevelopmentPlan.model_validate_json(item["doc"]) if item else None

    def alerts_for_manager(self, manager_id: str) -> list[ManagerAlert]:
        found = self._partition(f"MGR#{manager_id}", "ALERT#")
        return [ManagerAlert.model_validate_json(item["doc"]) for _, item in reversed(found)]

    def direct_reports(self, manager_id: str) -> list[str]:
        return [self._employee(item) for item in self._where("manager_pk", f"MGR#{manager_id}")]

    def employees_in_framework(self, framework_id: str) -> Iterator[str]:
        for item in self._where("framework_pk", f"FW#{framework_id}"):
            yield self._employee(item)

    def profiles_in_framework(self, framework_id: str) -> Iterator[EmployeeProfile]:
        for item in self._where("framework_pk", f"FW#{framework_id}"):
            yield EmployeeProfile.model_validate_json(item["doc"])

    @staticmethod
    def _employee(profile_item: dict) -> str:
        return json.loads(profile_item["doc"])["employee_id"]

    def history(self, months: list[str]) -> Iterator[HistoryEntry]:
        for month in months:
            for item in self._where("collection_pk", f"HIST#{month}"):
                yield HistoryEntry.model_validate_json(item["doc"])

    def shadow_recommendations(self, model_version: str) -> Iterator[Recommendation]:
        for item in self._where("collection_pk", f"SHADOW#{model_version}"):
            yield Recommendation.model_validate_json(item["doc"])

    def correction(self, employee_id: str, correction_id: str) -> Correction | None:
        item = self.items.get((emp_pk(employee_id), f"CORR#{correction_id}"))
        return Correction.model_validate_json(item["doc"]) if item else None

    def corrections(self, employee_id: str) -> list[Correction]:
        found = [Correction.model_validate_json(i["doc"]) for _, i in self._partition(emp_pk(employee_id), "CORR#")]
        return sorted(found, key=lambda c: c.requested_at)

    def open_corrections(self, opened_before: datetime | None = None) -> Iterator[Correction]:
        waiting = [i for i in self.items.values() if i.get("open_correction") == "OPEN"
                   and (opened_before is None or i["opened_at"] < opened_before.isoformat())]
        for item in sorted(waiting, key=lambda i: i["opened_at"]):
            yield Correction.model_validate_json(item["doc"])

    def held_about(self, employee_id: str) -> dict[str, list[dict]]:
        held: dict[str, list[dict]] = {}
        for sk, item in self._partition(emp_pk(employee_id)):
            kind = sk.split("#", 1)[0]
            doc = json.loads(item["doc"])
            if kind == "REC" and "status" in item:
                doc["status"] = item["status"]
            if kind == "RECEIPT":
                doc = {"receipt": sk.removeprefix("RECEIPT#"), "result": doc}
            held.setdefault(kind, []).append(doc)
        for pointer in held.get("ALERTREF", []):
            alert = self.items.get((pointer["pk"], pointer["sk"]))
            if alert:
                held.setdefault("ALERT", []).append(json.loads(alert["doc"]))
        return held

    def note_message_about(self, employee_id: str, notification_id: str, expires_at: int) -> None:
        self.items[(emp_pk(employee_id), f"MSGREF#{notification_id}")] = {
            "doc": json.dumps({"notification_ids": [notification_id]}), "expires_at": expires_at}

    def link_chat_user(self, employee_id: str, chat: str, user_ref: str) -> None:
        self.items[(emp_pk(employee_id), f"CHATUSER#{chat}")] = {
            "doc": json.dumps({"employee_id": employee_id, "chat": chat, "user_ref": user_ref}),
            "chat_user": f"{chat}#{user_ref}"}

    def employee_for_chat_user(self, chat: str, user_ref: str) -> str | None:
        found = self._where("chat_user", f"{chat}#{user_ref}")
        return self._employee(found[0]) if found else None

    def employee_for_email(self, email: str) -> str | None:
        wanted = email.strip().lower()
        found = sorted(pk for (pk, sk), item in self.items.items()
                       if sk == PROFILE and wanted and item.get("email_key") == wanted)
        return found[0].removeprefix("EMP#") if found else None

    def put_chat_reference(self, ref: ChatConversationRef) -> None:
        self.items[(emp_pk(ref.employee_id), f"CHATREF#{ref.chat}")] = {"doc": ref.model_dump_json()}

    def chat_reference(self, employee_id: str, chat: str) -> ChatConversationRef | None:
        item = self.items.get((emp_pk(employee_id), f"CHATREF#{chat}"))
        return ChatConversationRef.model_validate_json(item["doc"]) if item else None

    def preferences(self, person_id: str) -> Preferences | None:
        item = self.items.get((emp_pk(person_id), PREFERENCES))
        return Preferences.model_validate_json(item["doc"]) if item else None

    def put_preferences(self, prefs: Preferences, expected_version: int | None) -> None:
        key = (emp_pk(prefs.person_id), PREFERENCES)
        stored = self.items.get(key)
        if (stored is not None) if expected_version is None else (stored is None
                                                                   or stored["version"] != expected_version):
            raise ConcurrentUpdate(f"the preferences of {prefs.person_id!r} changed meanwhile")
        version = (expected_version or 0) + 1
        self.items[key] = {"doc": prefs.model_copy(update={"version": version}).model_dump_json(), "version": version}

    # -- the one write: a transaction ----------------------------------------------------------------

    def commit(self, change: ProfileChange) -> None:
        """Every condition is checked before anything is written, so a refused change leaves no trace. A taken
        receipt wins over any other refusal (AlreadyProcessed); any other failed condition is ConcurrentUpdate."""
        pk = emp_pk(change.profile.employee_id)
        days = self.retention
        puts: dict[Key, dict] = {}
        marks: list[Key] = []
        notes = []
        receipt_taken = conflict = False

        if change.receipt is not None:
            key = (pk, f"RECEIPT#{change.receipt.trigger}#{change.receipt.event_id}")
            receipt_taken = key in self.items
            puts[key] = {"doc": json.dumps(change.receipt.result),
                         "expires_at": expires_at(change.receipt.recorded_at, days.receipts_days)}
        if change.write_profile:
            conflict |= not self._version_is(pk, change.expected_version)
            puts[(pk, PROFILE)] = self._profile_item(change)
        elif change.expected_version is not None:
            conflict |= not self._version_is(pk, change.expected_version)
        for rec in change.recommendations:
            puts[(pk, f"REC#{rec.recommendation_id}")] = {
                "doc": rec.model_dump_json(), "expires_at": expires_at(rec.created_at, days.recommendations_days)}
        # Closing a recommendation retention already deleted is a no-op, not a refused transaction.
        marks = [(pk, f"REC#{r}") for r in change.completed_recommendation_ids if (pk, f"REC#{r}") in self.items]
        for rec in change.shadow_recommendations:
            puts[(pk, f"SHADOW#{rec.recommender_version}#{rec.recommendation_id}")] = {
                "doc": rec.model_dump_json(), "collection_pk": f"SHADOW#{rec.recommender_version}",
                "expires_at": expires_at(rec.created_at, days.shadow_recommendations_days)}
        for entry in change.history:
            puts[(pk, f"HIST#{entry.at.isoformat()}#{entry.entry_id}")] = {
                "doc": entry.model_dump_json(), "collection_pk": f"HIST#{entry.at.strftime('%Y-%m')}",
                "expires_at": expires_at(entry.at, days.training_history_days)}
        if change.plan is not None:
            last_change = max([change.plan.created_at, *(c.by.at for c in change.plan.changes)])
            puts[(pk, "PLAN")] = {"doc": change.plan.model_dump_json(),
                                  "expires_at": expires_at(last_change, days.plans_days)}
        if change.alert is not None:
            puts.update(self._alert_items(change))
        if change.alert_update is not None:
            alert = change.alert_update
            key = (f"MGR#{alert.manager_id}", f"ALERT#{alert.as_of}#{alert.employee_id}")
            conflict |= key not in self.items
            if key in self.items:
                puts[key] = {**self.items[key], "doc": alert.model_dump_json()}
        for correction in change.corrections:
            key = (pk, f"CORR#{correction.correction_id}")
            stored = self.items.get(key)
            if correction.revision == 0:
                conflict |= stored is not None
            else:
                conflict |= stored is None or stored["revision"] != correction.revision - 1
            puts[key] = self._correction_item(correction)
        for note in change.notifications:
            if self.outbox is None:
                raise ValueError("this store was built without an outbox table")
            conflict |= self.outbox.get(note.notification_id) is not None
            notes.append((note, expires_at(note.created_at, days.notifications_days)))

        if not (puts or marks or notes or change.expected_version is not None):
            return
        if receipt_taken:
            raise AlreadyProcessed()
        if conflict:
            raise ConcurrentUpdate("a condition of the change failed")
        self.items.update(puts)
        for key in marks:
            self.items[key]["status"] = "done"
        for note, expires in notes:
            assert self.outbox is not None
            self.outbox.add(note, expires)

    def _version_is(self, pk: str, expected: int | None) -> bool:
        stored = self.items.get((pk, PROFILE))
        return stored is None if expected is None else stored is not None and stored["version"] == expected

    def _profile_item(self, change: ProfileChange) -> dict:
        profile = change.profile.model_copy(update={"version": (change.expected_version or 0) + 1})
        item: dict = {"doc": profile.model_dump_json(), "version": profile.version}
        if profile.manager_id:
            item["manager_pk"] = f"MGR#{profile.manager_id}"
        if profile.email.strip():
            item["email_key"] = profile.email.strip().lower()
        if profile.erase_after is not None:  # a leaver: TTL at the erasure date, out of the framework index
            item["expires_at"] = epoch(profile.erase_after)
        else:
            item["framework_pk"] = f"FW#{profile.framework_id}"
        return item

    def _alert_items(self, change: ProfileChange) -> dict[Key, dict]:
        alert = change.alert
        assert alert is not None
        expires = expires_at(alert.created_at, self.retention.alerts_days)
        key = (f"MGR#{alert.manager_id}", f"ALERT#{alert.as_of}#{alert.employee_id}")
        pointer = {"pk": key[0], "sk": key[1], "notification_ids": [
            n.notification_id for n in change.notifications if n.recipient_id != alert.employee_id]}
        return {key: {"doc": alert.model_dump_json(), "expires_at": expires},
                (emp_pk(alert.employee_id), f"ALERTREF#{alert.as_of}#{alert.manager_id}"): {
                    "doc": json.dumps(pointer), "expires_at": expires}}

    def _correction_item(self, correction: Correction) -> dict:
        item: dict = {"doc": correction.model_dump_json(), "revision": correction.revision}
        if correction.status == "open":
            item["open_correction"] = "OPEN"
            item["opened_at"] = correction.requested_at.isoformat()
        elif correction.decided_at is not None:
            item["expires_at"] = expires_at(correction.decided_at, self.retention.corrections_days)
        return item
