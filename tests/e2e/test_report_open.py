"""`coachwire report open`: an HR admin's audit report, fetched over real HTTP from the local stack with their token,
saved for them alone and handed to the browser; every refusal is one line that says what to do."""

from __future__ import annotations

import argparse
import socket
import stat
from datetime import date
from pathlib import Path

import pytest
import requests
from coachwire_tools import cli, report_cli
from coachwire_tools.local import tokens
from coachwire_tools.local.stack import LocalStack

pytestmark = pytest.mark.e2e
HR_ADMIN = "emp-0012"  # the sample organisation's


@pytest.fixture(scope="module")
def stack():
    with LocalStack(seed="sample") as running:
        yield running


@pytest.fixture(scope="module")
def audit_id(stack) -> str:
    today = date.today()
    window = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    headers = {"authorization": f"Bearer {stack.mint_token('hr_admin', HR_ADMIN)}"}
    accepted = requests.post(f"{stack.base_url}/audits", json={"window": window, "request_id": "report-open"},
                             headers=headers, timeout=30)
    assert accepted.status_code == 202, accepted.text
    stack.wait_until_idle(timeout=120)
    return accepted.json()["audit_id"]


@pytest.fixture
def browser(monkeypatch) -> list[str]:
    """What would have been handed to the system's browser (none is started in tests)."""
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda uri, *a, **k: opened.append(uri) or True)
    return opened


def run(*args: str) -> int:
    return cli.main(["report", "open", *args])


def test_the_report_behind_the_token_is_saved_for_its_owner_and_opened(stack, audit_id, tmp_path, capsys, browser,
                                                                       monkeypatch):
    monkeypatch.setenv("COACHWIRE_TOKEN", stack.mint_token("hr_admin", HR_ADMIN))
    monkeypatch.setenv("COACHWIRE_API_URL", stack.base_url)
    target = tmp_path / "reports" / "q.html"
    assert run(f"/audits/{audit_id}?format=html", "--out", str(target)) == 0
    saved = Path(capsys.readouterr().out.strip())
    assert saved == target.resolve()
    served = requests.get(f"{stack.base_url}/audits/{audit_id}", params={"format": "html"}, timeout=30,
                          headers={"authorization": f"Bearer {stack.mint_token('hr_admin', HR_ADMIN)}"}).text
    assert saved.read_text(encoding="utf-8") == served
    assert audit_id in served and "<html" in served.lower()
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    assert browser == [saved.as_uri()]


def test_no_open_only_saves_and_an_audit_id_is_enough(stack, audit_id, tmp_path, capsys, browser):
    token = stack.mint_token("hr_admin", HR_ADMIN)
    assert run(audit_id, "--url", stack.base_url, "--token", token, "--no-open", "--out", str(tmp_path / "a.html")) == 0
    saved = Path(capsys.readouterr().out.strip())
    assert audit_id in saved.read_text(encoding="utf-8")
    assert browser == []


def test_without_out_the_file_is_named_after_the_audit_in_a_private_temporary_folder(stack, audit_id, capsys,
                                                                                     monkeypatch, tmp_path):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    token = stack.mint_token("hr_admin", HR_ADMIN)
    assert run(f"{stack.base_url}/audits/{audit_id}?format=html", "--token", token, "--no-open") == 0
    saved = Path(capsys.readouterr().out.strip())
    assert saved == (tmp_path / "coachwire-reports" / f"audit-{audit_id}.html").resolve()
    assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700


def test_a_default_folder_someone_else_could_write_in_is_refused(stack, audit_id, capsys, monkeypatch, tmp_path):
    import tempfile

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    prepared = tmp_path / "coachwire-reports"
    prepared.mkdir()
    prepared.chmod(0o777)  # as if another user had made it first
    token = stack.mint_token("hr_admin", HR_ADMIN)
    assert run(audit_id, "--url", stack.base_url, "--token", token, "--no-open") == report_cli.FAILED
    assert "is not yours alone; pass --out" in capsys.readouterr().err
    assert list(prepared.iterdir()) == []


def test_the_public_policy_page_needs_no_token(stack, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("COACHWIRE_TOKEN", raising=False)
    assert run("/policy?format=html", "--url", stack.base_url, "--no-open", "--out", str(tmp_path / "p.html")) == 0
    assert "<html" in Path(capsys.readouterr().out.strip()).read_text(encoding="utf-8").lower()


@pytest.mark.parametrize(("who", "path", "expected"), [
    (None, "/audits/{audit}?format=html", "401 Unauthorized"),
    ("stranger", "/audits/{audit}?format=html", "401 Unauthorized"),
    ("employee", "/audits/{audit}?format=html", "403 Forbidden"),
    ("hr_admin", "/audits/aud-2026Q4-000000000000?format=html", "404 Not Found"),
    ("hr_admin", "/audits/{audit}", "not an HTML page; for an audit's report add ?format=html"),
], ids=["no token", "foreign token", "employee", "unknown audit", "json"])
def test_a_refusal_is_one_line_saying_what_to_do(stack, audit_id, tmp_path, capsys, monkeypatch, who, path, expected):
    monkeypatch.delenv("COACHWIRE_TOKEN", raising=False)
    token = {None: None, "employee": stack.mint_token("employee", "emp-0003"),
             "hr_admin": stack.mint_token("hr_admin", HR_ADMIN),
             # signed with another key: what a token minted for a different local stack looks like
             "stranger": tokens.mint("hr_admin", HR_ADMIN, key=b"k" * 32)}[who]
    target = tmp_path / "never.html"
    args = [path.format(audit=audit_id), "--url", stack.base_url, "--no-open", "--out", str(target)]
    assert run(*args, *(["--token", token] if token else [])) == report_cli.FAILED
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and expected in err, err
    assert err.startswith("coachwire report open: ")
    assert not target.exists()
    if who is None:
        assert "set COACHWIRE_TOKEN or pass --token" in err


def test_an_unreachable_server_says_so(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on once closed
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert run("/policy?format=html", "--url", f"http://127.0.0.1:{port}", "--no-open",
               "--out", str(tmp_path / "x.html")) == report_cli.FAILED
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot reach http://127.0.0.1:{port}/policy?format=html" in err
    assert "is the server running?" in err


def test_the_base_url_defaults_to_coachwire_api_url(monkeypatch):
    from coachwire_tools.cli_api import api_url

    without_url = argparse.Namespace(url=None)
    monkeypatch.setenv("COACHWIRE_API_URL", "http://coachwire.example.test")
    assert report_cli.report_location("/policy?format=html", api_url(without_url)) == \
        "http://coachwire.example.test/policy?format=html"
    monkeypatch.delenv("COACHWIRE_API_URL")
    assert api_url(without_url) == "http://127.0.0.1:8787"
