"""Database engine and schema: where Gridsight's PostGIS is, and bringing it to the current schema.

``connect(settings)`` is what every entry point calls (app, ``python -m etl``, ``python -m geo``,
tests): it starts the embedded cluster when ``DATABASE_URL`` is unset, then runs the Alembic
migrations up to head under an advisory lock, so that several workers starting at once migrate once,
then gives the web app's role its grants (:func:`grant_app_role`). The engine it returns is the
owner's: migrations, the coverage engine, imports, the command line. The web app reads through
:func:`geo.jurisdiction.web_engine`.
"""

from __future__ import annotations

import functools
import time
from pathlib import Path
from typing import Any

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError

from geo.embedded import APP_GROUP, EmbeddedCluster
from geo.errors import DatabaseUnavailable
from geo.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 7_361_624_100  # pg_advisory_lock key for schema upgrades
#: A pooled connection idle for longer than this (s) is pinged before it is handed out.
PING_AFTER_IDLE_S = 1.0

#: What the web app's role (``gridsight_app``) may write, table by table; it may read every table of
#: schema public (row-level security limits the rows) and nothing else. Tables not (yet) in the
#: database are skipped. Add a table here when the web app itself writes it.
WRITE_GRANTS: dict[str, tuple[str, ...]] = {
    "plan": (
        "INSERT",
        "UPDATE",
        "DELETE",
    ),  # saved what-ifs (applying one writes cameras: the owner does)
    "plan_item": ("INSERT", "DELETE"),
    "audit": ("INSERT",),  # append-only: a trigger refuses UPDATE, DELETE and TRUNCATE too
    "auth_failure": ("INSERT", "DELETE"),  # sign-in throttling
    "account": (
        "UPDATE (password_hash)",
    ),  # a hash re-made with newer Argon2 parameters at sign-in
}
#: Tables of schema public the web app may not even read: the coverage engine's own queue of changed
#: regions (camera views, routes), read and emptied by the refresh only; the audit's counts of
#: refusals per account and address (kept by the audit's own trigger, running as the owner).
NO_READ = ("coverage_change", "audit_throttle")


def cluster_for(settings: Settings) -> EmbeddedCluster:
    """Return the embedded cluster that ``settings`` designate (used when DATABASE_URL is unset)."""
    return EmbeddedCluster(
        settings.data_dir / "postgres", port_hint=settings.pg_port, bindir=settings.pg_bin
    )


def database_url(settings: Settings) -> str:
    """Return the URL to use: ``DATABASE_URL`` as given, else the embedded cluster's.

    The embedded cluster is started if needed.
    """
    if settings.database_url:
        return settings.database_url
    return cluster_for(settings).ensure_running()


def make_engine(url: str, statement_timeout_s: float = 0) -> Engine:
    """Create a pooled engine for ``url`` that checks connections before use (survives restarts).

    JIT compilation is off for its sessions: PostGIS functions carry high planner costs that make
    PostgreSQL compile almost every spatial query, which costs far more than running it.
    The pool keeps 12 connections open: a map view fetches about ten layers at once, and a new
    connection makes its first spatial query slower (PostGIS and the catalog load per backend).
    ``statement_timeout_s`` > 0 makes PostgreSQL cancel any of its statements that runs longer (the
    web requests' engine); 0 leaves statements unbounded (imports, refreshes, command lines).
    A connection is pinged when it is handed out after more than :data:`PING_AFTER_IDLE_S` in the
    pool (see :func:`_ping_when_idle`).
    """
    options = "-c jit=off"
    if statement_timeout_s > 0:
        options += f" -c statement_timeout={int(statement_timeout_s * 1000)}"
    engine = create_engine(
        url,
        pool_size=12,
        max_overflow=8,
        connect_args={"connect_timeout": 10, "options": options},
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping ``engine``'s pooled connections that sat idle, not every one handed out.

    SQLAlchemy's ``pool_pre_ping`` costs a round trip to the server on every checkout: half of the
    work of a request's sign-in check, which is one short query. A connection handed back less than
    :data:`PING_AFTER_IDLE_S` ago was working then; one that sat longer (a quiet server, the time a
    database restart takes) is pinged, and replaced when the ping fails. A connection lost within
    that second fails its request, and SQLAlchemy then renews the whole pool (its disconnect
    handling), so the next request gets a fresh connection.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "connect")
    def fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["gs_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def back(_dbapi_connection: Any, record: Any) -> None:
        record.info["gs_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("gs_idle_since")
        if idle_since is not None and time.monotonic() - idle_since <= PING_AFTER_IDLE_S:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"the pooled connection is gone: {exc}") from exc
        if not alive:
            raise DisconnectionError("the pooled connection did not answer its ping")


def alembic_config() -> Config:
    """Return the Alembic configuration of Gridsight's migrations (``geo/migrations``)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the database behind ``engine`` to the newest schema (idempotent, concurrency-safe).

    Raises
    ------
    DatabaseUnavailable
        When the database cannot be reached; the message names the server and what to do.
    """
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg = alembic_config()
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            grant_app_role(conn)
    except OperationalError as exc:
        url = make_url(str(engine.url))
        raise DatabaseUnavailable(
            f"Cannot reach PostGIS at {url.host}:{url.port}/{url.database}: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}. "
            "Check that the server runs and DATABASE_URL is right, or unset DATABASE_URL to use "
            "the embedded PostGIS."
        ) from None


def grant_app_role(conn: Connection, member: str | None = None) -> None:
    """Give ``gridsight_app`` (the web app's group role) exactly its grants on ``conn``'s database.

    SELECT on every table of schema public, the writes of :data:`WRITE_GRANTS` (and the sequences
    their inserts draw from), nothing on other schemas. Run after every upgrade, so a table added by
    any migration is readable at once; creates the role if missing, and with ``member`` makes that
    login role a member of it.

    Raises
    ------
    DatabaseUnavailable
        When the owner may not create the role: the message says what an administrator must run.
    """
    exists = conn.execute(
        text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_GROUP}
    ).first()
    if not exists:
        may = "SELECT rolcreaterole OR rolsuper FROM pg_roles WHERE rolname = current_user"
        if not conn.execute(text(may)).scalar():
            raise DatabaseUnavailable(
                f"The web app's role {APP_GROUP!r} does not exist and"
                f" {conn.engine.url.username!r} may not create "
                f"it. As a database administrator run: CREATE ROLE {APP_GROUP} NOLOGIN; then "
                f"'python -m geo db grant LOGIN' (see the README, 'The embedded database')."
            )
        conn.execute(text(f'CREATE ROLE "{APP_GROUP}" NOLOGIN'))
    role = f'"{APP_GROUP}"'
    conn.execute(text(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}"))
    conn.execute(text(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}"))
    conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"))
    tables = set(
        conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars()
    )
    for table in tables & set(NO_READ):
        # S608 below: role and table names from code
        conn.execute(text(f'REVOKE SELECT ON TABLE public."{table}" FROM {role}'))  # noqa: S608
    present = tables & set(WRITE_GRANTS)
    for table, privileges in WRITE_GRANTS.items():
        if table not in present:
            continue
        conn.execute(text(f'GRANT {", ".join(privileges)} ON TABLE public."{table}" TO {role}'))
        if "INSERT" in privileges:
            sequences = conn.execute(
                text(
                    "SELECT s.oid::regclass::text"
                    " FROM pg_depend d JOIN pg_class s ON s.oid = d.objid "
                    "WHERE s.relkind = 'S' AND d.refobjid = CAST(:t AS regclass)"
                    " AND d.deptype IN ('a', 'i')"
                ),
                {"t": f'public."{table}"'},
            ).scalars()
            for seq in sequences:
                conn.execute(text(f"GRANT USAGE ON SEQUENCE {seq} TO {role}"))
    if member:
        conn.execute(text(f'GRANT {role} TO "{member.replace(chr(34), "")}"'))
    # Under row-level security PostgreSQL uses an index only for leakproof operators, and PostGIS
    # marks none: every map request (``geom && box``) would read whole tables. The bounding-box
    # overlap compares two boxes and raises nothing about its arguments, so it is leakproof in fact;
    # only a superuser may say so (on an external server: ask one to run this statement).
    conn.execute(
        text("""
DO $$ BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION geometry_overlaps(geometry, geometry) LEAKPROOF;
    END IF;
END $$""")
    )


def _server(server_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """Open an autocommit connection to the maintenance database of the server of ``server_url``."""
    url = make_url(server_url)
    return psycopg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        dbname="postgres",
        autocommit=True,
    )


def sibling_url(server_url: str, name: str) -> str:
    """Return the URL of database ``name`` on the server of ``server_url``."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def recreate_database(server_url: str, name: str) -> str:
    """Drop database ``name`` on the server of ``server_url`` if it exists, and create it empty.

    Returns its URL. For tests and benchmarks; never used on the working database.
    """
    with _server(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return sibling_url(server_url, name)


def copy_database(server_url: str, name: str, copy: str) -> str:
    """Create database ``copy`` as a copy of ``name`` (replacing any ``copy``); return its URL.

    Other sessions on ``name`` are ended first (PostgreSQL copies only an idle database). For
    benchmarks; never used on the working database.
    """
    with _server(server_url) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
        )
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(name)
            )
        )
    return sibling_url(server_url, copy)


def database_exists(server_url: str, name: str) -> bool:
    """Return whether the server of ``server_url`` has a database ``name``."""
    with _server(server_url) as conn:
        return (
            conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            is not None
        )


def bounded(engine: Engine, statement_timeout_s: float) -> Engine:
    """Return an engine on ``engine``'s database that cancels statements after a timeout.

    Statements are cancelled after ``statement_timeout_s`` seconds (``engine`` itself is returned
    when that is 0); one engine per database and timeout in a process, however many apps are built
    (tests build many).
    """
    if statement_timeout_s <= 0:
        return engine
    return _bounded(engine.url.render_as_string(hide_password=False), statement_timeout_s)


@functools.cache
def _bounded(url: str, statement_timeout_s: float) -> Engine:
    return make_engine(url, statement_timeout_s)


def connect(settings: Settings) -> Engine:
    """Start (if embedded) and migrate the database of ``settings``; return an engine for it."""
    engine = make_engine(database_url(settings))
    upgrade(engine)
    return engine
