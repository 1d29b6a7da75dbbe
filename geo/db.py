"""Database engine and schema: where Gridsight's PostGIS is, and bringing it to the current schema.

``connect(settings)`` is what every entry point calls (app, ``python -m etl``, ``python -m geo``,
tests): it starts the embedded cluster when ``DATABASE_URL`` is unset, then runs the Alembic
migrations up to head under an advisory lock, so that several workers starting at once migrate once.
"""

from __future__ import annotations

import functools
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from geo.embedded import EmbeddedCluster
from geo.errors import DatabaseUnavailable
from geo.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 7_361_624_100  # pg_advisory_lock key for schema upgrades


def cluster_for(settings: Settings) -> EmbeddedCluster:
    """The embedded cluster that ``settings`` designate (used when DATABASE_URL is unset)."""
    return EmbeddedCluster(settings.data_dir / "postgres", port_hint=settings.pg_port)


def database_url(settings: Settings) -> str:
    """The URL to use: ``DATABASE_URL`` as given, or the embedded cluster's (started if needed)."""
    if settings.database_url:
        return settings.database_url
    return cluster_for(settings).ensure_running()


def make_engine(url: str, statement_timeout_s: float = 0) -> Engine:
    """A pooled engine for ``url`` that checks connections before use (survives DB restarts).

    JIT compilation is off for its sessions: PostGIS functions carry high planner costs that make
    PostgreSQL compile almost every spatial query, which costs 0.1-0.3 s, far more than running it.
    The pool keeps 12 connections open: a map view fetches about ten layers at once, and a new
    connection costs its first spatial query ~20 ms more (PostGIS and the catalog load per backend).
    ``statement_timeout_s`` > 0 makes PostgreSQL cancel any of its statements that runs longer (the
    web requests' engine); 0 leaves statements unbounded (imports, refreshes, command lines).
    """
    options = "-c jit=off"
    if statement_timeout_s > 0:
        options += f" -c statement_timeout={int(statement_timeout_s * 1000)}"
    return create_engine(url, pool_pre_ping=True, pool_size=12, max_overflow=8,
                         connect_args={"connect_timeout": 10, "options": options})


def alembic_config() -> Config:
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
    except OperationalError as exc:
        url = make_url(str(engine.url))
        raise DatabaseUnavailable(
            f"Cannot reach PostGIS at {url.host}:{url.port}/{url.database}: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}. "
            "Check that the server runs and DATABASE_URL is right, or unset DATABASE_URL to use "
            "the embedded PostGIS."
        ) from None


def _server(server_url: str) -> psycopg.Connection[tuple[object, ...]]:
    """An autocommit connection to the maintenance database of the server of ``server_url``."""
    url = make_url(server_url)
    return psycopg.connect(host=url.host, port=url.port, user=url.username, password=url.password,
                           dbname="postgres", autocommit=True)


def sibling_url(server_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``server_url``."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def recreate_database(server_url: str, name: str) -> str:
    """Drop database ``name`` on the server of ``server_url`` if it exists, create it empty, and
    return its URL (for tests and benchmarks; never used on the working database)."""
    with _server(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return sibling_url(server_url, name)


def database_exists(server_url: str, name: str) -> bool:
    """Whether the server of ``server_url`` has a database ``name``."""
    with _server(server_url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def bounded(engine: Engine, statement_timeout_s: float) -> Engine:
    """An engine on ``engine``'s database whose statements are cancelled after
    ``statement_timeout_s`` seconds (``engine`` itself when that is 0); one per database and
    timeout in a process, however many apps are built (tests build many)."""
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
