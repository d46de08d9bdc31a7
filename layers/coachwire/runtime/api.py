"""Lambda glue for the read API: the resolver is built on first use with the AWS dependencies."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from coachwire.runtime.wiring import aws_dependencies
from coachwire.services.deps import Dependencies
from coachwire.settings import Settings

if TYPE_CHECKING:  # the resolver is imported on first request, with the routes
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver


class ApiHandler:
    def __init__(self, deps: Dependencies | None = None) -> None:
        self._deps = deps
        # One resolver per thread: a resolver keeps the request it is answering (Powertools' app.request and
        # current_event). Lambda answers one request at a time per environment; the local runtime answers on
        # threads, each then its own environment.
        self._local = threading.local()

    def __call__(self, event: dict, context: Any) -> dict:
        app: APIGatewayHttpResolver | None = getattr(self._local, "app", None)
        if app is None:
            from coachwire.api.app import create_app

            if self._deps is None:
                self._deps = aws_dependencies(Settings())
            app = self._local.app = create_app(self._deps)
        return app.resolve(_head_as_get(event), context)


def _head_as_get(event: dict) -> dict:
    """HEAD is answered as GET (the gateway and the local server send no body back for HEAD)."""
    http = (event.get("requestContext") or {}).get("http") or {}
    if str(http.get("method", "")).upper() != "HEAD":
        return event
    return {**event, "requestContext": {**event["requestContext"], "http": {**http, "method": "GET"}}}
