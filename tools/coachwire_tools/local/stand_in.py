"""A local stand-in for a third party's HTTP service (the Teams webhook, the Bot Connector, the Bot Framework's
keys): started on a free port, answering on daemon threads, stopped with the test or the stack."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self


class StandInServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    stub: Any  # the stand-in whose handler answers: handlers read it as self.server.stub


class HttpStandIn:
    thread_name: ClassVar[str]

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host, self._port = host, port
        self._server: StandInServer | None = None

    def handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class (defined below the stand-in in its module, so asked for at start)."""
        raise NotImplementedError

    def start(self) -> Self:
        server = StandInServer((self._host, self._port), self.handler())
        server.stub = self
        self._server = server
        threading.Thread(target=server.serve_forever, name=self.thread_name, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"
