"""Local stand-in for the API Gateway JWT authorizer: an HS256 key on disk, mint and verify.

In AWS the tokens come from the organisation's identity provider; locally `coachwire local token`
mints them with a key that `coachwire local serve` reads from the same state directory.
"""

from __future__ import annotations

import os
import secrets
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
from coachwire.settings import Settings

ISSUER = "coachwire-local"
AUDIENCE = "coachwire"
ROLES = ("hr_admin", "manager", "employee")
KEY_FILE = "jwt-signing-key"


def state_dir() -> Path:
    """COACHWIRE_HOME, or `.coachwire` under the working directory."""
    return Path(os.environ.get("COACHWIRE_HOME") or Path.cwd() / ".coachwire")


def signing_key(home: Path | None = None) -> bytes:
    """The local signing key, created on first use and readable by the owner only."""
    path = (home or state_dir()) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written under a temporary name, then linked into place: a concurrent `serve` and `token` agree
    # on one complete key (link fails if the other won), and nobody reads a half-written file.
    tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32))
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    return bytes.fromhex(path.read_text().strip())


def mint(
    role: str,
    sub: str,
    ttl: timedelta | float = timedelta(hours=12),
    *,
    key: bytes | None = None,
    settings: Settings | None = None,
    employee_id: str | None = None,
) -> str:
    """A token shaped as the settings' claim mapping expects: the employee id in `employee_id_claim` (defaulting
    to `sub`), and the role in `role_claim`, or as a group that `group_roles` maps to it."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not sub:
        raise ValueError("sub must not be empty")
    mapping = (settings or Settings()).claim_mapping()
    claims: dict[str, Any] = {"sub": sub}
    if mapping.employee_id_claim == "sub":
        if employee_id not in (None, sub):
            raise ValueError("the employee id is the token's sub here (employee_id_claim is 'sub'): pass it as sub")
    else:
        claims[mapping.employee_id_claim] = employee_id or sub
    if mapping.group_roles:
        groups = [group for group, mapped in mapping.group_roles.items() if mapped == role]
        if not groups:
            raise ValueError(f"no group in group_roles maps to role {role!r}")
        claims[mapping.groups_claim] = groups[:1]
    else:
        claims[mapping.role_claim] = role
    return sign(claims, ttl, key=key)


def sign(claims: dict[str, Any], ttl: timedelta | float = timedelta(hours=12), *, key: bytes | None = None) -> str:
    """Exactly these claims plus issuer, audience and lifetime, signed with the local key."""
    seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
    now = int(time.time())
    issued = {"iss": ISSUER, "aud": AUDIENCE, **claims, "iat": now, "exp": now + int(seconds)}
    return jwt.encode(issued, key or signing_key(), algorithm="HS256")


def verify(token: str, *, key: bytes | None = None) -> dict[str, Any]:
    """The token's claims; raises jwt.InvalidTokenError when the signature, issuer, audience or expiry is wrong."""
    return jwt.decode(
        token,
        key or signing_key(),
        algorithms=["HS256"],
        audience=AUDIENCE,
        issuer=ISSUER,
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
