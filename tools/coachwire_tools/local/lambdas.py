"""Load the real Lambda handlers by file path and call them with a Lambda-like context."""

from __future__ import annotations

import contextvars
import importlib.util
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import coachwire

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "us-east-1"

Handler = Callable[[dict[str, Any], Any], Any]

# The spine name of the function whose handler runs in this context (None outside one): lets tests attribute
# the AWS calls a handler makes to that function, and check them against its IAM role.
current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar("current_function", default=None)


def repo_root() -> Path:
    return Path(coachwire.__file__).resolve().parents[2]


class HandlerNotFound(RuntimeError):
    pass


class InvocationKilled(BaseException):
    """The process running a handler died mid-invocation (out of memory, cut off at its timeout, the host lost).

    A BaseException, so no handler code can catch it: nothing after the point of death runs, and the event
    source learns nothing about the batch, whose messages come back after the queue's visibility timeout.
    """


class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and powertools read."""

    def __init__(self, function_name: str, timeout_seconds: int, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = f"{datetime.now(UTC):%Y/%m/%d}/[$LATEST]{uuid.uuid4().hex}"
        self.identity = None
        self.client_context = None
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class HandlerLoader:
    """`<root>/functions/<name>/handler.py` → its `lambda_handler`, each module loaded once."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root else repo_root()
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()

    def module(self, name: str) -> ModuleType:
        with self._lock:
            if name not in self._modules:
                self._modules[name] = self._load(name)
            return self._modules[name]

    def handler(self, name: str) -> Handler:
        return self.module(name).lambda_handler

    def _load(self, name: str) -> ModuleType:
        function_dir = self.root / "functions" / name
        path = function_dir / "handler.py"
        if not path.is_file():
            raise HandlerNotFound(f"no handler for {name!r}: {path} does not exist")
        # A unique module name per function: powertools' idempotency keys include the module name,
        # and in AWS each function has its own process, so their keys never collide.
        module_name = f"coachwire_function_{name}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise HandlerNotFound(f"cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        # Lambda puts the function's directory on sys.path; do the same while it imports its helpers.
        sys.path.insert(0, str(function_dir))
        try:
            sys.modules[module_name] = module
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(module_name, None)
            raise
        finally:
            sys.path.remove(str(function_dir))
        if not callable(getattr(module, "lambda_handler", None)):
            raise HandlerNotFound(f"{path} does not define lambda_handler(event, context)")
        return module


def function_name(stage: str, name: str) -> str:
    return f"coachwire-{stage}-{name.replace('_', '-')}"


def invoke(loader: HandlerLoader, name: str, event: dict[str, Any], *, stage: str, timeout: int, memory: int) -> Any:
    """Call one handler as Lambda would; exceptions propagate to the caller (the 'service')."""
    handler = loader.handler(name)
    context = LambdaContext(function_name(stage, name), timeout, memory)
    token = current_function.set(name)
    try:
        return handler(event, context)
    finally:
        current_function.reset(token)


def describe_error(exc: BaseException) -> str:
    """Exception type and innermost frames only: messages (pydantic's especially) can quote the event."""
    if isinstance(exc, HandlerNotFound | ImportError | SyntaxError):
        return f"{type(exc).__name__}: {exc}"  # about code, not data
    frames = traceback.extract_tb(exc.__traceback__)[-4:]
    where = " <- ".join(f"{f.name} ({'/'.join(Path(f.filename).parts[-2:])}:{f.lineno})" for f in reversed(frames))
    return f"{type(exc).__name__} at {where} (message withheld: it may quote personal data)"
