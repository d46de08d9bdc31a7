"""What every command that calls the Coachwire API shares: `--url` (default COACHWIRE_API_URL, else the local
stack's address) and `--token` (default COACHWIRE_TOKEN). Only argparse is imported at load."""

from __future__ import annotations

import argparse

API_URL_HELP = "Coachwire base URL (default: COACHWIRE_API_URL, else http://127.0.0.1:8787, the local stack)"


def add_url_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", help=API_URL_HELP)


def add_token_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--token", help="bearer token (default: COACHWIRE_TOKEN)")


def api_url(args: argparse.Namespace) -> str:
    """--url if given, else COACHWIRE_API_URL, else the local stack's default address; no trailing slash."""
    from coachwire_tools.client_settings import ClientSettings

    return (args.url or ClientSettings().api_url).rstrip("/")


def unreachable(base: str) -> str:
    """What to check when nothing answers at the API address."""
    return (f"cannot reach {base}: is `coachwire local serve` running there, or is COACHWIRE_API_URL (or --url) "
            "the API's address?")


def bearer_token(args: argparse.Namespace) -> str:
    """--token if given, else COACHWIRE_TOKEN ("" when neither is set)."""
    from coachwire_tools.client_settings import ClientSettings

    return getattr(args, "token", None) or ClientSettings().token


class ProgressLine:
    """`<what>: <status> (<elapsed> s)` on stderr while a command waits. On a terminal the line is rewritten at
    every poll; into a file or pipe a line is written when the status changes, and every `every` seconds."""

    def __init__(self, what: str, *, stream=None, every: float = 10.0) -> None:  # noqa: ANN001
        import sys
        import time

        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty()
        self.every = every
        self._clock = time.monotonic
        self._started = self._clock()
        self._last: tuple[str, float] | None = None
        self._open = False

    def elapsed(self) -> float:
        return self._clock() - self._started

    def show(self, status: str) -> None:
        elapsed = self.elapsed()
        line = f"{self.what}: {status} ({elapsed:.0f} s)"
        if self.tty:
            self.stream.write("\r\033[K" + line)
            self._open = True
        elif self._last is None or self._last[0] != status or elapsed - self._last[1] >= self.every:
            self.stream.write(line + "\n")
            self._last = (status, elapsed)
        self.stream.flush()

    def done(self) -> None:
        if self._open:
            self.stream.write("\n")
            self.stream.flush()
            self._open = False
