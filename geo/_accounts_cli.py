"""``python -m geo users ...`` and ``python -m geo audit``: accounts and the audit log.

For administrators, working on the database directly.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from sqlalchemy import Engine

from geo import accounts, audit
from geo.errors import DataError
from geo.settings import Settings


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``users`` and ``audit`` sub-commands."""
    users = sub.add_parser("users", help="accounts: add, list, disable, reset-password, kiosk")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account (a generated password is printed once)")
    add.add_argument("name")
    add.add_argument(
        "--role",
        required=True,
        choices=accounts.ROLES,
        help="wall < viewer < leader < planner < data < admin, each including the ones before",
    )
    add.add_argument(
        "--unit", help="jurisdiction: a county, township or village code (default: everything)"
    )
    add.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    actions.add_parser("list", help="every account: name, role, unit, state")
    actions.add_parser(
        "demo",
        help="on a database without accounts: one demo account per role and one limited "
        "to a township, passwords generated (kept in the data folder); prints how to sign in",
    )
    disable = actions.add_parser(
        "disable", help="disable an account and end its sessions and kiosk links"
    )
    disable.add_argument("name")
    reset = actions.add_parser(
        "reset-password",
        help="set a new password (generated unless --password-stdin), "
        "end the account's sessions, enable it",
    )
    reset.add_argument("name")
    reset.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    kiosk = actions.add_parser(
        "kiosk", help="issue a wall display's sign-in link (earlier links stop working)"
    )
    kiosk.add_argument("name")
    kiosk.add_argument(
        "--base-url",
        help="the dashboard's address as the wall reaches it "
        "(default http://GRIDSIGHT_HOST:GRIDSIGHT_PORT)",
    )
    log = sub.add_parser(
        "audit", help="the audit log, one event a line (tab-separated), oldest first"
    )
    log.add_argument("--user", help="only this account's events")
    log.add_argument(
        "--since", help="from this ISO 8601 time or date, or a duration back from now: 30m, 12h, 7d"
    )
    log.add_argument("--kind", choices=sorted(audit.KINDS), help="only events of this kind")
    log.add_argument(
        "--limit", type=int, default=1000, help="the newest N events (default 1000, at most 10000)"
    )


def _password(from_stdin: bool) -> tuple[str, bool]:
    """Return the password (read from stdin, else generated) and whether it was generated."""
    if not from_stdin:
        return accounts.generate_password(), True
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise DataError("--password-stdin: standard input held no password (one line expected)")
    return line, False


def users(args: argparse.Namespace, engine: Engine, settings: Settings) -> int:
    """Run a ``users`` action; account changes are audited as ``cli:<OS user>``."""
    actor = f"cli:{getpass.getuser()}"
    if args.action == "demo":
        return _demo(engine, settings)
    if args.action == "list":
        with engine.connect() as conn:
            for a in accounts.listing(conn):
                print(
                    f"{a.name}\t{a.role}\t{a.unit_code or '*'}"
                    f"\t{'disabled' if a.disabled else 'enabled'}"
                )
        return 0
    with engine.begin() as conn:
        if args.action == "add":
            password, generated = _password(args.password_stdin)
            account = accounts.add(conn, args.name, args.role, password, args.unit)
            audit.record(
                conn,
                "account_added",
                account=actor,
                address="local",
                target=account.name,
                detail={"role": account.role, "unit": account.unit_code},
            )
            print(
                f"account {account.name}"
                f" ({account.role}, {account.unit_code or 'whole deployment'}) created"
            )
        elif args.action == "disable":
            account = accounts.disable(conn, args.name)
            audit.record(
                conn, "account_disabled", account=actor, address="local", target=account.name
            )
            print(f"account {account.name} disabled; its sessions and kiosk links no longer work")
            return 0
        elif args.action == "reset-password":
            password, generated = _password(args.password_stdin)
            account = accounts.reset_password(conn, args.name, password)
            audit.record(
                conn, "password_reset", account=actor, address="local", target=account.name
            )
            print(f"password of {account.name} replaced; its earlier sessions ended")
        else:
            token = accounts.issue_kiosk(conn, args.name)
            audit.record(conn, "kiosk_issued", account=actor, address="local", target=args.name)
            base = (args.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
            print(f"{base}/kiosk/{token}")
            print(
                "open this link once on the wall display;"
                " 'users kiosk' again or 'users disable' revokes it",
                file=sys.stderr,
            )
            return 0
    if generated:
        print(f"password (shown once): {password}")
    return 0


def _demo(engine: Engine, settings: Settings) -> int:
    with engine.begin() as conn:
        made = accounts.make_demo_accounts(conn, settings.data_dir)
        if made is not None:
            audit.record(
                conn,
                "account_added",
                account=f"cli:{getpass.getuser()}",
                address="local",
                target="demo accounts",
                detail={"names": [a.name for a, _ in made]},
            )
    listing = settings.data_dir / accounts.DEMO_FILE
    url = f"http://{settings.host}:{settings.port}/login"
    if made is None:
        where = f" (the demo accounts' passwords are in {listing})" if listing.is_file() else ""
        print(
            f"sign in at {url} with an existing account{where}; "
            "'python -m geo users add NAME --role admin' makes another"
        )
        return 0
    print(f"demo accounts (passwords also in {listing}); sign in at {url}:")
    for account, password in made:
        print(
            f"  {account.name:14} {password}   {account.role}"
            + (f", limited to unit {account.unit_code}" if account.unit_code else "")
        )
    return 0


def audit_log(args: argparse.Namespace, engine: Engine) -> int:
    """Print the audit events matching ``--user``, ``--since``, ``--kind``."""
    since = audit.parse_since(args.since) if args.since else None
    audit.flush(engine)
    with engine.connect() as conn:
        for event in audit.events(
            conn, account=args.user, since=since, kind=args.kind, limit=args.limit
        ):
            print(event.line())
    return 0
