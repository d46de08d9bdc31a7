"""Local JWTs: the key file, mint/verify, and the `coachwire local token` command."""

from __future__ import annotations

import stat
from datetime import timedelta

import jwt
import pytest
from coachwire.settings import Settings
from coachwire_tools.cli import main
from coachwire_tools.local import tokens


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("COACHWIRE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


def test_round_trip_carries_the_role_claim(home):
    claims = tokens.verify(tokens.mint("manager", "m-1"))
    assert claims["sub"] == "m-1" and claims[Settings().role_claim] == "manager"
    assert (claims["iss"], claims["aud"]) == ("coachwire-local", "coachwire")
    assert claims["exp"] - claims["iat"] == 12 * 3600


def test_key_is_created_once_and_private(home):
    first = tokens.signing_key()
    assert tokens.signing_key() == first and len(first) == 32
    assert stat.S_IMODE((home / tokens.KEY_FILE).stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "token",
    [
        lambda: tokens.mint("employee", "e-1", key=b"another-key-of-32-bytes-length!!"),
        lambda: tokens.mint("employee", "e-1", ttl=timedelta(seconds=-5)),
        lambda: tokens.mint("employee", "e-1")[:-2] + "xx",
        lambda: jwt.encode({"sub": "e-1", "iat": 0, "exp": 2**33}, tokens.signing_key(), algorithm="HS256"),
    ],
    ids=["wrong-key", "expired", "tampered", "no-issuer-or-audience"],
)
def test_bad_tokens_are_rejected(token):
    with pytest.raises(jwt.InvalidTokenError):
        tokens.verify(token())


def test_unknown_role_is_refused():
    with pytest.raises(ValueError, match="role"):
        tokens.mint("superuser", "x")


def test_cli_prints_only_a_token_signed_with_the_stored_key(capsys):
    assert main(["local", "token", "--role", "hr_admin", "--sub", "hr-1", "--ttl-hours", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    claims = tokens.verify(out.strip())
    assert claims["sub"] == "hr-1" and claims["exp"] - claims["iat"] == 3600


def test_minted_tokens_follow_the_configured_claims(home, monkeypatch):
    from coachwire.domain.access import Caller

    monkeypatch.setenv("COACHWIRE_EMPLOYEE_ID_CLAIM", "employee_id")
    monkeypatch.setenv("COACHWIRE_GROUP_ROLES", '{"hr": "hr_admin", "leads": "manager"}')
    claims = tokens.verify(tokens.mint("manager", "00u1opaque", employee_id="m-1"))
    assert claims["sub"] == "00u1opaque" and claims["employee_id"] == "m-1" and claims["groups"] == ["leads"]
    assert Caller.from_claims(claims, Settings().claim_mapping()) == Caller("m-1", "manager")
    with pytest.raises(ValueError, match="no group"):
        tokens.mint("employee", "00u2opaque")


def test_the_token_command_puts_the_employee_id_where_the_settings_expect_it(home, monkeypatch, capsys):
    monkeypatch.setenv("COACHWIRE_EMPLOYEE_ID_CLAIM", "custom:employee_id")
    assert main(["local", "token", "--role", "employee", "--sub", "opaque-1", "--employee-id", "e-7"]) == 0
    claims = tokens.verify(capsys.readouterr().out.strip())
    assert (claims["sub"], claims["custom:employee_id"], claims["coachwire_role"]) == ("opaque-1", "e-7", "employee")
