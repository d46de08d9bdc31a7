"""Run moto as a separate process, so the emulated AWS account works on its own core and GIL."""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.request
from functools import cache

import boto3
from botocore.config import Config

log = logging.getLogger(__name__)

REGION = "us-east-1"

# Runs inside the child: werkzeug's per-request log lines would swamp the terminal (the pollers call
# every second), and the watchdog ends the server if our process dies without running atexit.
_BOOTSTRAP = """
import logging, os, sys, threading, time
logging.getLogger("werkzeug").setLevel(logging.ERROR)
parent = int(sys.argv[1])
def _watch():
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)
threading.Thread(target=_watch, daemon=True).start()
from coachwire_tools.local import moto_patches
moto_patches.apply()
from moto.server import main
main(sys.argv[2:])
"""

# moto accepts any credentials; these are the conventional placeholders, never real ones.
_FAKE_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

# Variables that would send boto3 somewhere other than the emulator, or sign with real credentials.
_CLEARED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child_env() -> dict[str, str]:
    # moto builds boto3 sessions itself: a real AWS_PROFILE that does not exist here would break it.
    env = {k: v for k, v in os.environ.items() if k not in _CLEARED_ENV and not k.startswith("AWS_ENDPOINT_URL")}
    env.update(_FAKE_CREDENTIALS, AWS_DEFAULT_REGION=REGION)
    return env


class MotoServer:
    """`python -m moto.server` on 127.0.0.1, started and stopped by this process."""

    def __init__(self, port: int | None = None, ready_timeout: float = 20.0) -> None:
        self._requested_port = port
        self._ready_timeout = ready_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self) -> MotoServer:
        if self._proc is not None:
            return self
        # A port picked by binding to 0 can be taken before moto binds it: try a few.
        for _attempt in range(3):
            port = self._requested_port or _free_port()
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, str(os.getpid()), "-H", "127.0.0.1", "-p", str(port)],
                env=_child_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                # Own session: Ctrl-C reaches only us, and we stop moto after the threads that use it.
                start_new_session=True,
            )
            atexit.register(self.stop)
            self.url = f"http://127.0.0.1:{port}"
            if self._wait_ready():
                log.info("moto server ready at %s (pid %s)", self.url, self._proc.pid)
                return self
            self.stop()
            if self._requested_port:
                break
        raise RuntimeError("moto server did not start; run `python -m moto.server -p 5000` to see why")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self._ready_timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1) as resp:  # noqa: S310
                    if resp.status == 200:
                        return True
            except OSError:
                time.sleep(0.05)
        return False

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        atexit.unregister(self.stop)
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def environment(self) -> dict[str, str | None]:
        """The variables that point boto3 (ours and the handlers') at this server; None means unset."""
        env: dict[str, str | None] = {
            "AWS_ENDPOINT_URL": self.url,
            **_FAKE_CREDENTIALS,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
        }
        env.update(dict.fromkeys(_CLEARED_ENV))
        # A service-specific endpoint variable (AWS_ENDPOINT_URL_SQS, ...) would win over ours.
        env.update(dict.fromkeys(k for k in os.environ if k.startswith("AWS_ENDPOINT_URL_")))
        return env


def apply_env(changes: dict[str, str | None]) -> dict[str, str | None]:
    """Set/unset variables in os.environ; returns the previous values so they can be restored."""
    previous = {k: os.environ.get(k) for k in changes}
    for key, value in changes.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    return previous


def client(service: str):  # noqa: ANN201 (boto3 clients are untyped)
    """A boto3 client for the emulator at AWS_ENDPOINT_URL. Cached; boto3 clients are thread-safe."""
    return _client(service, os.environ.get("AWS_ENDPOINT_URL"))


@cache
def _client(service: str, endpoint_url: str | None):  # noqa: ANN202
    # Pollers, the scheduler and HTTP threads share clients: allow enough pooled connections.
    config = Config(max_pool_connections=32, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.session.Session().client(service, region_name=REGION, endpoint_url=endpoint_url, config=config)


def reset_clients() -> None:
    _client.cache_clear()
