"""`coachwire report open PATH`: fetch an HTML report the API serves behind a bearer token, save it, open it.

Report links (`report_url` of an audit, `GET /policy?format=html`) are paths on the API that a browser cannot call
with a token. This fetches one as the person the token names, saves it to a file only its owner can read and hands
the file to the system's browser. Only the standard library is imported at load.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path

from coachwire_tools.cli_api import add_token_option, add_url_option, api_url, bearer_token

OK, FAILED, USAGE = 0, 1, 2
TOKEN_ENV = "COACHWIRE_TOKEN"  # noqa: S105 (the variable's name, not a token)


def register(groups: argparse._SubParsersAction) -> None:
    report = groups.add_parser("report", help="open an HTML report the API serves (audit reports, the policy)")
    commands = report.add_subparsers(title="report commands", metavar="<report command>")
    report.set_defaults(run=lambda args, parser: report.print_help() or USAGE)

    open_ = commands.add_parser(
        "open", help="fetch a report with your token, save it and open it in the browser",
        description="Fetch an HTML report from the API as the person the token names (COACHWIRE_TOKEN or --token; "
        "locally: coachwire local token --role hr_admin --sub emp-0012), save it to a file only you can read and "
        "open it with the system's browser. PATH is what the API links to, e.g. /audits/<id>?format=html (the "
        "report_url of GET /audits/<id>), or just the audit id; /policy?format=html needs no token.")
    open_.add_argument("path", metavar="PATH", help="/audits/<id>?format=html, an audit id, /policy?format=html, "
                       "or a full URL")
    add_url_option(open_)
    add_token_option(open_)
    open_.add_argument("--out", type=Path, help="file to save to (default: a file named after the report in "
                       "coachwire-reports/ under the system's temporary folder)")
    open_.add_argument("--no-open", dest="open_browser", action="store_false",
                       help="only save the file and print its path")
    open_.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the server (default 60)")
    open_.set_defaults(run=_open)


class ReportError(Exception):
    """A report that could not be fetched, in one line a person can act on."""


def report_location(path: str, base_url: str) -> str:
    """The absolute URL of PATH: a full URL as given, an audit id as its HTML report, else a path on base_url."""
    if path.startswith(("http://", "https://")):
        return path
    if path.startswith("aud-") and "/" not in path:
        path = f"/audits/{path}?format=html"
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def fetch_html(url: str, token: str | None, timeout: float = 60.0) -> str:
    """GET one HTML report with the bearer token; ReportError says why not (status, the server's message)."""
    import requests

    headers = {"accept": "text/html"} | ({"authorization": f"Bearer {token}"} if token else {})
    try:
        response = requests.get(url, headers=headers, timeout=timeout)
    except requests.ConnectionError:
        raise ReportError(f"cannot reach {url}: is the server running? (locally: coachwire local serve, or "
                          "coachwire demo --serve; elsewhere set --url or COACHWIRE_API_URL)") from None
    except requests.Timeout:
        raise ReportError(f"no answer from {url} within {timeout:g} s") from None
    if response.status_code != 200:
        raise ReportError(_refusal(response.status_code, _message(response), url, bool(token)))
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("text/html"):
        hint = "; for an audit's report add ?format=html" if "/audits/" in url else ""
        raise ReportError(f"{url} answered {content_type or 'no content type'}, not an HTML page{hint}")
    return response.text


def _message(response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _refusal(status: int, message: str, url: str, had_token: bool) -> str:
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 409: "Not ready"}.get(status, "refused")
    said = f"{message}; " if message and message.lower() != reason.lower() else ""
    if status == 401:
        advice = ("the token was not accepted (expired, or minted for another server)" if had_token
                  else f"no token: set {TOKEN_ENV} or pass --token")
        advice += " (locally: coachwire local token --role hr_admin --sub emp-0012)"
    elif status == 403:
        advice = f"the token's role may not read {url}"
    elif status == 404:
        advice = f"nothing at {url}"
    elif status == 409:
        advice = "try again once it has completed"
    else:
        advice = f"from {url}"
    return f"{status} {reason}: {said}{advice}"


def default_file(url: str) -> Path:
    """coachwire-reports/<audit id or path>.html in the temporary folder: named after what it holds."""
    import re
    import tempfile
    from urllib.parse import urlsplit

    path = urlsplit(url).path.strip("/")
    audit = re.fullmatch(r"audits/([^/]+)", path)
    name = f"audit-{audit.group(1)}" if audit else re.sub(r"[^A-Za-z0-9._-]+", "-", path) or "report"
    return Path(tempfile.gettempdir()) / "coachwire-reports" / f"{name}.html"


def private_folder(folder: Path) -> Path:
    """`folder`, created for the current user alone; refused if it is a link or someone else could write in it (the
    default lives in the shared temporary folder, where another user could have prepared it)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    found = os.lstat(folder)
    foreign = hasattr(os, "getuid") and found.st_uid != os.getuid()
    if stat.S_ISLNK(found.st_mode) or foreign or found.st_mode & 0o022:
        raise OSError(f"{folder} is not yours alone; pass --out")
    return folder


def save_private(path: Path, text: str) -> Path:
    """Write `text` to `path`, readable by its owner only (reports describe the organisation's people)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    return path.resolve()


def _open(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    token = bearer_token(args) or None
    url = report_location(args.path, api_url(args))
    try:
        html = fetch_html(url, token, args.timeout)
    except ReportError as e:
        print(f"coachwire report open: {e}", file=sys.stderr)
        return FAILED
    try:
        target = args.out or private_folder(default_file(url).parent) / default_file(url).name
        saved = save_private(target, html)
    except OSError as e:
        print(f"coachwire report open: cannot save the report: {e}", file=sys.stderr)
        return FAILED
    print(saved)
    if args.open_browser:
        import webbrowser

        if not webbrowser.open(saved.as_uri()):
            print(f"no browser could be started here: open {saved} yourself", file=sys.stderr)
    return OK
