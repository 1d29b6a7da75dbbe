"""Accounts: who may sign in, with which role and jurisdiction; passwords, throttling, kiosk links.

Roles, each including the ones before it (DOMAIN.md "Accounts, roles and jurisdiction"):
``wall`` < ``viewer`` < ``leader`` < ``planner`` < ``data`` < ``admin``. An account's jurisdiction
is one unit code (NULL: the whole deployment). Passwords are hashed with Argon2id (argon2-cffi).
Failed sign-ins are kept in the database (table ``auth_failure``), so every web worker slows the
same account and address down. A wall display signs in once with a kiosk link whose token only
the database's SHA-256 of it can match; disabling the account or issuing a new link revokes it.
Everything here works on the database directly (the command line and the web app alike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, text

from geo.errors import DataError, GridsightError, NotFound

ROLES: tuple[str, ...] = ("wall", "viewer", "leader", "planner", "data", "admin")
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
MIN_PASSWORD = 10
# Failed sign-ins within this window count; past the free ones, the wait from the last failure is
# 5 s, then doubles with every failure, up to MAX_WAIT_S.
FAILURE_WINDOW = dt.timedelta(minutes=15)
FREE_FAILURES = {"account": 3, "address": 10}
MAX_WAIT_S = 900

# Argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane): argon2-cffi's heavier defaults
# (64 MiB, 3 passes, 4 lanes) would let a few sign-in requests a second occupy the server. The
# README gives what a sign-in costs.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verified against when the account does not exist, so an unknown name takes as long as a known one.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class SignInRefused(GridsightError):
    """A sign-in was refused; ``retry_after`` (seconds) is set when it was throttled."""

    def __init__(self, message: str, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Account:
    """A signed-in person or wall display. ``unit_code`` None: the whole deployment."""

    id: int
    name: str
    role: str
    unit_code: str | None
    disabled: bool
    session_epoch: int

    def at_least(self, role: str) -> bool:
        """Return whether this account's role includes ``role``."""
        return at_least(self.role, role)


def at_least(role: str, minimum: str) -> bool:
    """Return whether ``role`` includes ``minimum``.

    Roles rank wall < viewer < leader < planner < data < admin.
    """
    return ROLES.index(role) >= ROLES.index(minimum)


def generate_password() -> str:
    """Return a random password of 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def session_secret(data_dir: Path) -> bytes:
    """Return the key that signs session cookies.

    It is made once (64 random bytes) in ``data_dir/session_secret`` with mode 0600, then read by
    every worker and restart. Never in the repository.
    """
    path = data_dir / "session_secret"
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it meanwhile
        return bytes.fromhex(path.read_text().strip())
    secret = secrets.token_bytes(64)
    with os.fdopen(fd, "w") as f:
        f.write(secret.hex())
    return secret


_COLUMNS = "id, name, role, unit_code, disabled, session_epoch"


def _account(row: object) -> Account:
    r = row
    return Account(r.id, r.name, r.role, r.unit_code, r.disabled, r.session_epoch)  # type: ignore[attr-defined]


def _check(
    name: str, role: str | None = None, unit_code: str | None = None, password: str | None = None
) -> None:
    if not NAME_PATTERN.match(name):
        raise DataError(
            f"account name {name!r}: expected 1-64 letters, digits or . _ @ -, starting with a "
            "letter or digit"
        )
    if role is not None and role not in ROLES:
        raise DataError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if password is not None and len(password) < MIN_PASSWORD:
        raise DataError(
            f"password of {name!r}: expected at least {MIN_PASSWORD} characters,"
            f" got {len(password)}"
        )


def add(
    conn: Connection, name: str, role: str, password: str, unit_code: str | None = None
) -> Account:
    """Create account ``name``.

    ``unit_code`` must name an existing admin unit (county, township, village) or be None for the
    whole deployment.

    Raises
    ------
    DataError
        For a bad name, role, unit or password, or a name already taken.
    """
    _check(name, role, password=password)
    if unit_code is not None:
        found = conn.execute(
            text("SELECT 1 FROM admin_unit WHERE code = :c"), {"c": unit_code}
        ).first()
        if found is None:
            raise DataError(
                f"--unit {unit_code!r}: no admin unit (county, township or village) has this code"
            )
    if conn.execute(text("SELECT 1 FROM account WHERE name = :n"), {"n": name}).first():
        raise DataError(f"account {name!r} already exists")
    row = conn.execute(
        text(f"""
        INSERT INTO account (name, role, unit_code, password_hash) VALUES (:n, :r, :u, :h)
        RETURNING {_COLUMNS}"""),  # noqa: S608 (_COLUMNS is a constant column list)
        {"n": name, "r": role, "u": unit_code, "h": _HASHER.hash(password)},
    ).one()
    return _account(row)


def get(conn: Connection, name: str) -> Account:
    """Account ``name``; raises :class:`NotFound` when there is none."""
    # S608 below: _COLUMNS is a constant column list
    row = conn.execute(text(f"SELECT {_COLUMNS} FROM account WHERE name = :n"), {"n": name}).first()  # noqa: S608
    if row is None:
        raise NotFound(f"no account named {name!r}")
    return _account(row)


def listing(conn: Connection) -> list[Account]:
    """Every account, by name."""
    # S608 below: _COLUMNS is a constant column list
    return [
        _account(r)
        for r in conn.execute(text(f"SELECT {_COLUMNS} FROM account ORDER BY name"))  # noqa: S608
    ]


def disable(conn: Connection, name: str) -> Account:
    """Disable ``name``: its sessions end at their next request and its kiosk links stop working."""
    get(conn, name)
    row = conn.execute(
        text(f"""
        UPDATE account SET disabled = true, session_epoch = session_epoch + 1, updated_at = now()
        WHERE name = :n RETURNING {_COLUMNS}"""),  # noqa: S608 (_COLUMNS is a constant column list)
        {"n": name},
    ).one()
    conn.execute(
        text(
            "UPDATE kiosk_token SET revoked_at = now() WHERE account_id = :a AND revoked_at IS NULL"
        ),
        {"a": row.id},
    )
    return _account(row)


def reset_password(conn: Connection, name: str, password: str) -> Account:
    """Replace ``name``'s password and end its sessions (the account is enabled again)."""
    _check(name, password=password)
    get(conn, name)
    row = conn.execute(
        text(f"""
        UPDATE account SET password_hash = :h, disabled = false, session_epoch = session_epoch + 1,
               updated_at = now()
        WHERE name = :n RETURNING {_COLUMNS}"""),  # noqa: S608 (_COLUMNS is a constant column list)
        {"n": name, "h": _HASHER.hash(password)},
    ).one()
    return _account(row)


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_kiosk(conn: Connection, name: str) -> str:
    """Issue a new kiosk token for ``name``, revoking earlier ones; only its hash is stored.

    Raises
    ------
    DataError
        When the account is disabled.
    """
    account = get(conn, name)
    if account.disabled:
        raise DataError(f"account {name!r} is disabled; reset its password to enable it first")
    token = secrets.token_urlsafe(32)
    conn.execute(
        text(
            "UPDATE kiosk_token SET revoked_at = now() WHERE account_id = :a AND revoked_at IS NULL"
        ),
        {"a": account.id},
    )
    conn.execute(
        text("INSERT INTO kiosk_token (account_id, token_sha256) VALUES (:a, :h)"),
        {"a": account.id, "h": _sha256(token)},
    )
    return token


def kiosk_sign_in(conn: Connection, token: str) -> tuple[Account, int] | None:
    """Return ``(account, kiosk id)`` for a valid, unrevoked kiosk token of an enabled account.

    None for any other token.
    """
    # S608 below: _COLUMNS is a constant column list
    row = conn.execute(
        text(f"""
        SELECT k.id AS kiosk_id, {", ".join("a." + c for c in _COLUMNS.split(", "))}
        FROM kiosk_token k JOIN account a ON a.id = k.account_id
        WHERE k.token_sha256 = :h AND k.revoked_at IS NULL AND NOT a.disabled"""),  # noqa: S608
        {"h": _sha256(token)},
    ).first()
    return None if row is None else (_account(row), int(row.kiosk_id))


def session_account(
    conn: Connection, account_id: int, epoch: int, kiosk_id: int | None
) -> Account | None:
    """Return the account of a session.

    None when the account is gone or disabled, its sessions were ended since (``epoch``), or the
    session's kiosk link was revoked.
    """
    # S608 below: _COLUMNS is a constant column list
    row = conn.execute(
        text(f"""
        SELECT {_COLUMNS} FROM account a
        WHERE id = :a AND session_epoch = :e AND NOT disabled
          AND (CAST(:k AS integer) IS NULL OR EXISTS (
              SELECT 1 FROM kiosk_token k
              WHERE k.id = :k AND k.account_id = a.id AND k.revoked_at IS NULL))"""),  # noqa: S608
        {"a": account_id, "e": epoch, "k": kiosk_id},
    ).first()
    return None if row is None else _account(row)


DEMO_FILE = "demo-accounts.txt"


def make_demo_accounts(conn: Connection, data_dir: Path) -> list[tuple[Account, str]] | None:
    """Create the demo accounts on a database with no account yet.

    ``demo-<role>`` for every role and ``demo-township`` (a leader limited to the first township),
    each with a generated password, also written to ``data_dir/demo-accounts.txt`` (mode 0600).
    Returns them, or None when accounts exist already.
    """
    if conn.execute(text("SELECT EXISTS (SELECT 1 FROM account)")).scalar():
        return None
    township = conn.execute(
        text("SELECT min(code) FROM admin_unit WHERE level = 'township'")
    ).scalar()
    made = [
        (add(conn, f"demo-{role}", role, password := generate_password()), password)
        for role in ROLES
    ]
    if township is not None:
        made.append(
            (
                add(
                    conn, "demo-township", "leader", password := generate_password(), str(township)
                ),
                password,
            )
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / DEMO_FILE
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines(f"{a.name}\t{a.role}\t{a.unit_code or '*'}\t{p}\n" for a, p in made)
    return made


def _wait(conn: Connection, key: str, free: int) -> int:
    """Return the seconds ``key`` must still wait before its next sign-in attempt (0: none)."""
    row = conn.execute(
        text("""
        SELECT count(*) AS n, max(at) AS last, clock_timestamp() AS now FROM auth_failure
        WHERE key = :k AND at > clock_timestamp() - CAST(:w AS interval)"""),
        {"k": key, "w": f"{int(FAILURE_WINDOW.total_seconds())} seconds"},
    ).one()
    if row.n <= free:
        return 0
    wait = min(5 * 2 ** (row.n - free - 1), MAX_WAIT_S)
    left = wait - (row.now - row.last).total_seconds()
    return max(0, int(left + 0.999))


def authenticate(engine: Engine, name: str, password: str, address: str) -> Account:
    """Return the account ``name`` when ``password`` is right.

    The account must be enabled, and neither the name nor the address may have failed too often
    lately; otherwise the failure is recorded (committed).

    Raises
    ------
    SignInRefused
        With a message fit to show (it never says whether the name exists); ``retry_after`` is set
        when throttled.
    """
    keys = {"account": f"account:{name.lower()[:80]}", "address": f"address:{address[:80]}"}
    with engine.connect() as conn:
        wait = max(_wait(conn, keys[k], FREE_FAILURES[k]) for k in keys)
        if wait:
            raise SignInRefused(
                f"too many failed sign-ins; try again in {wait} s", retry_after=wait
            )
        # S608 below: _COLUMNS is a constant column list
        row = conn.execute(
            text(f"SELECT {_COLUMNS}, password_hash FROM account WHERE name = :n"),  # noqa: S608
            {"n": name},
        ).first()
    try:
        ok = _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password) and row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None or row.disabled:
        with engine.begin() as conn:
            for key in keys.values():
                conn.execute(text("INSERT INTO auth_failure (key) VALUES (:k)"), {"k": key})
        raise SignInRefused("wrong account name or password, or the account is disabled")
    with engine.begin() as conn:
        _succeeded(conn, row, keys["account"], password)
    return _account(row)


def _succeeded(conn: Connection, row: Any, key: str, password: str) -> None:
    conn.execute(
        text("DELETE FROM auth_failure WHERE key = :k OR at < now() - interval '1 day'"), {"k": key}
    )
    if _HASHER.check_needs_rehash(row.password_hash):
        conn.execute(
            text("UPDATE account SET password_hash = :h WHERE id = :a"),
            {"h": _HASHER.hash(password), "a": row.id},
        )
