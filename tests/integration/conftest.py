"""One local stack (moto server subprocess, real handlers, real HTTP) per test module."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
import requests
from coachwire.adapters.aws import reset_clients
from coachwire.adapters.dynamo import DynamoCatalogStore
from coachwire.runtime.wiring import aws_dependencies
from coachwire_tools.local.stack import LocalStack, new_webhook_secret
from coachwire_tools.webhook_client import WebhookClient

from tests.factories import catalog, framework

_ids = itertools.count(1)


@pytest.fixture(scope="module")
def stack():
    with LocalStack(webhook_secrets=[new_webhook_secret()]) as running:
        reset_clients()
        DynamoCatalogStore(running.settings.catalog_table).put_framework(framework(), catalog())
        yield running


@pytest.fixture(scope="module")
def hris(stack) -> WebhookClient:
    return WebhookClient(stack.base_url, stack.webhook_secrets[0])


@pytest.fixture(scope="module")
def deps(stack):
    return aws_dependencies(stack.settings)


class Api:
    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack

    def get(self, path: str, role: str, sub: str, **params) -> requests.Response:
        token = self.stack.mint_token(role, sub)
        return requests.get(self.stack.base_url + path, params=params, timeout=30,
                            headers={"authorization": f"Bearer {token}"})

    def post(self, path: str, role: str, sub: str, body: dict | None = None) -> requests.Response:
        return self._send("POST", path, role, sub, body)

    def put(self, path: str, role: str, sub: str, body: dict | None = None) -> requests.Response:
        return self._send("PUT", path, role, sub, body)

    def patch(self, path: str, role: str, sub: str, body: dict | None = None) -> requests.Response:
        return self._send("PATCH", path, role, sub, body)

    def _send(self, method: str, path: str, role: str, sub: str, body: dict | None) -> requests.Response:
        token = self.stack.mint_token(role, sub)
        return requests.request(method, self.stack.base_url + path, json=body or {}, timeout=30,
                                headers={"authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def api(stack) -> Api:
    return Api(stack)


def new_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids):04d}"


def upsert(employee_id: str, manager_id: str | None, stage: str = "mid", at: str = "2026-09-01T08:00:00Z") -> dict:
    return {"type": "employee.upserted", "timestamp": at, "data": {
        "employee_id": employee_id, "manager_id": manager_id, "role_id": "swe", "career_stage": stage,
        "email": f"{employee_id}@example.com", "display_name": f"Test {employee_id.title()}",
        "hire_date": "2024-02-01"}}


def checkin(employee_id: str, manager_id: str, ratings: list[dict], at: str = "2026-10-01T10:00:00Z") -> dict:
    return {"type": "performance.checkin.submitted", "timestamp": at, "data": {
        "checkin_id": new_id("ci"), "employee_id": employee_id, "manager_id": manager_id, "submitted_at": at,
        "skill_ratings": ratings}}


def role_change(employee_id: str, stage: str, effective: str, previous: str = "mid") -> dict:
    return {"type": "employee.role.changed", "timestamp": f"{effective}T00:00:00Z", "data": {
        "employee_id": employee_id, "role_id": "swe", "career_stage": stage, "effective_date": effective,
        "previous_role_id": "swe", "previous_career_stage": previous}}


def completed(employee_id: str, activity_id: str, at: str, score: float | None = None) -> dict:
    data = {"employee_id": employee_id, "activity_id": activity_id, "completed_at": at}
    if score is not None:
        data["score"] = score
    return {"type": "learning.activity.completed", "timestamp": at, "data": data}


def person(stack, hris, manager_id: str | None = None, stage: str = "mid") -> tuple[str, str]:
    """A fresh employee (and manager) known to the stack."""
    manager = manager_id or new_id("mgr")
    employee = new_id("emp")
    for payload in ([upsert(manager, None, "senior")] if manager_id is None else []) + [upsert(employee, manager,
                                                                                            stage)]:
        assert hris.send(payload).status == 202
    stack.wait_until_idle()
    return employee, manager


def now_iso() -> str:
    return datetime.now(UTC).isoformat()
