"""Jurisdiction: which units an account may see, enforced by PostgreSQL row-level security.

An account is limited to one unit (a city, county, township or village: it sees that unit and
everything under it) or to the whole deployment. The web app sets :data:`current_scope` for each
request (the signed-in account's unit code, ``None`` for the whole deployment); the web engine
(:func:`web_engine`) copies it into the database at the start of every transaction as the
transaction-local setting ``gridsight.scope`` (``'*'`` = everything). The policies of migration
0013 read that setting: every table holding places or events shows a scoped session only the rows
whose unit is under the scope, whatever the SQL asks for; a session that set nothing sees nothing.

The owner role (migrations, the coverage engine, imports, the command line) is not scoped: it
connects through :func:`geo.db.connect` and its own policy lets it see every row.
"""

from __future__ import annotations

import re
import sys
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import make_url

from geo.embedded import APP_GROUP, WEB_USER
from geo.errors import DataError
from geo.settings import Settings

#: The unit code the current request's account is limited to; None = the whole deployment;
#: :data:`NOTHING` = no row at all (a request without an account). Set it at the start of every
#: request and reset it at its end: a server thread serves one request after another.
current_scope: ContextVar[str | None] = ContextVar("gridsight_scope", default=None)

ALL = "*"
NOTHING = ""
_CODE = re.compile(r"^[0-9]{6}([0-9]{3}){0,2}$")  # a province, city, county, township or village


def scope_setting(scope: str | None) -> str:
    """Map ``scope`` to the value of ``gridsight.scope``: ``'*'`` for None, else the checked code.

    >>> scope_setting(None), scope_setting("140724001"), scope_setting(NOTHING)
    ('*', '140724001', '')

    Raises
    ------
    DataError
        When ``scope`` is not a unit code of 6, 9 or 12 digits.
    """
    if scope is None:
        return ALL
    if scope == NOTHING:
        return NOTHING
    if not _CODE.match(scope):
        raise DataError(
            f"jurisdiction {scope!r} is not allowed: expected a unit code of 6, 9 or 12 digits"
        )
    return scope


def _set_scope(conn: Connection) -> None:
    # An autocommit session (the per-request sign-in check) has no transaction for a local setting
    # to live in: it would be gone after this statement, and the session sees nothing scoped.
    if getattr(conn.connection.dbapi_connection, "autocommit", False):
        return
    # The raw DB-API cursor: the transaction is being begun, SQLAlchemy's own execute would recurse.
    cursor = conn.connection.cursor()
    try:
        cursor.execute(
            "SELECT set_config('gridsight.scope', %s, true)", (scope_setting(current_scope.get()),)
        )
    finally:
        cursor.close()


def scope_transactions(engine: Engine, set_role: bool = False) -> Engine:
    """Make every transaction of ``engine`` run under :data:`current_scope`; return ``engine``.

    With ``set_role``, every connection acts as ``gridsight_app`` too.
    """
    event.listen(engine, "begin", _set_scope)
    if set_role:

        def as_app(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f'SET ROLE "{APP_GROUP}"')
            cursor.close()
            dbapi_connection.commit()

        event.listen(engine, "connect", as_app)
    return engine


def web_url(settings: Settings, owner_url: str) -> tuple[str, bool]:
    """``(url, set_role)``: how the web app reaches the database of ``owner_url``.

    - ``GRIDSIGHT_APP_DATABASE_URL`` set: its user, password, host and port, on the owner's
      database;
    - the embedded cluster: the ``gridsight_web`` login and its password from the credentials file;
    - otherwise (an external server and no app URL): the owner's URL, each connection switching to
      ``gridsight_app`` with ``SET ROLE`` (``set_role`` True); a warning says to configure a login.
    """
    owner = make_url(owner_url)
    if settings.app_database_url:
        app = make_url(settings.app_database_url)
        return app.set(database=owner.database).render_as_string(hide_password=False), False
    from geo.db import cluster_for

    cluster = cluster_for(settings)
    if (
        owner.host in ("127.0.0.1", "localhost")
        and cluster.credentials_file.exists()
        and owner.port == cluster.port()
    ):
        password = cluster.credentials()[WEB_USER]
        return owner.set(username=WEB_USER, password=password).render_as_string(
            hide_password=False
        ), False
    print(
        f"warning: the web app connects as {owner.username} "
        f"and switches to role {APP_GROUP} (SET ROLE); "
        "set GRIDSIGHT_APP_DATABASE_URL to a login of its own (see 'python -m geo db grant')",
        file=sys.stderr,
    )
    return owner_url, True


def web_engine(settings: Settings, owner: Engine) -> Engine:
    """Create the engine the web app reads and writes with.

    It uses the app's role (neither owner nor superuser) on ``owner``'s database, scopes every
    transaction by :data:`current_scope` and cancels every statement after
    ``settings.statement_timeout_s``.
    """
    from geo.db import make_engine

    url, set_role = web_url(settings, owner.url.render_as_string(hide_password=False))
    return scope_transactions(make_engine(url, settings.statement_timeout_s), set_role)


def in_scope(conn: Connection, code: str) -> bool:
    """Return whether unit ``code`` is the scope of ``conn``'s transaction or under it.

    Always True for a whole-deployment or unscoped owner session.
    """
    return bool(
        conn.execute(
            text(
                "SELECT coalesce(nullif(current_setting('gridsight.scope', true), ''), '*') = '*' "
                "OR gs_in_scope(:code)"
            ),
            {"code": code},
        ).scalar()
    )


def scope_of(conn: Connection) -> str | None:
    """Return the unit code ``conn``'s transaction is limited to.

    None for the whole deployment.
    """
    value = conn.execute(text("SELECT current_setting('gridsight.scope', true)")).scalar()
    return None if value in (None, "", ALL) else str(value)


def check_plan_in_scope(conn: Connection, plan_id: int) -> None:
    """Refuse to apply plan ``plan_id`` (which writes cameras and routes as the owner) out of scope.

    It is refused when ``conn`` is limited to a unit and one of the plan's items touches none of the
    units it may see.

    Raises
    ------
    DataError
        Naming the plan and how many of its items lie outside the jurisdiction.
    """
    if scope_of(conn) is None:
        return
    outside = conn.execute(
        text(
            "SELECT count(*) FROM plan_item i WHERE i.plan_id = :id AND NOT EXISTS "
            "(SELECT 1 FROM admin_unit a WHERE ST_Intersects(a.geom, i.geom))"
        ),
        {"id": plan_id},
    ).scalar()
    if outside:
        raise DataError(
            f"plan {plan_id}: {outside} of its cameras or routes lie outside your jurisdiction; "
            "a plan is applied only inside it"
        )
