"""The embedded PostGIS: created once, restarted with its data, stopped; clear errors otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from geo.db import connect, make_engine, upgrade
from geo.embedded import SUPERUSER, WEB_USER, EmbeddedCluster, _port_free
from geo.errors import DatabaseUnavailable
from geo.settings import PROJECT_DIR, Settings


def test_a_new_cluster_starts_keeps_its_data_and_stops(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(tmp_path / "postgres")
    url = cluster.ensure_running()
    try:
        engine = make_engine(url)
        upgrade(engine)  # PostGIS and the schema on a brand-new cluster
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO gs_meta VALUES ('probe', 'kept')"))
            assert conn.execute(text("SELECT postgis_lib_version()")).scalar().startswith("3.")
        engine.dispose()
        assert cluster.is_running()
        assert cluster.ensure_running() == url  # reused, same port
        assert cluster.stop() is True and not cluster.is_running()
        engine = make_engine(cluster.ensure_running())
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT value FROM gs_meta WHERE key = 'probe'")).scalar()
                == "kept"
            )
        engine.dispose()
    finally:
        cluster.stop()
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        assert (tmp_path / "postgres" / "data").stat().st_uid != 0


def _refused_without_password(cluster: EmbeddedCluster, user: str) -> None:
    with pytest.raises(psycopg.OperationalError, match="password"):
        psycopg.connect(
            host="127.0.0.1", port=cluster.port(), user=user, dbname="postgres", connect_timeout=5
        )


def test_a_trusting_cluster_of_an_earlier_version_is_upgraded_in_place(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(tmp_path / "postgres")
    cluster.root.mkdir()
    if os.geteuid() == 0:
        cluster._prepare_root_for_service_user()
    # what an earlier version made: initdb trusting every local connection, no credentials
    cluster._run(
        "initdb",
        "-D",
        str(cluster.data),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    port = 20000 + os.getpid() % 20000
    while not _port_free(port):
        port += 1
    cluster._configure(port)
    cluster._run(
        "pg_ctl", "start", "-D", str(cluster.data), "-l", str(cluster.log), "-w", "-t", "60"
    )
    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user=SUPERUSER, dbname="postgres", autocommit=True
        ) as c:
            c.execute("CREATE DATABASE kept")  # data of the earlier version, still there afterwards
        assert not cluster.credentials_file.exists()
        url = cluster.ensure_running()  # upgrades the running cluster in place
        assert "trust" not in (cluster.data / "pg_hba.conf").read_text().replace("# ", "")
        assert cluster.credentials_file.stat().st_mode & 0o777 == 0o600
        _refused_without_password(cluster, SUPERUSER)
        _refused_without_password(cluster, WEB_USER)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT count(*) FROM pg_database WHERE datname = 'kept'")
                ).scalar()
                == 1
            )
        engine.dispose()
        assert cluster.stop() and cluster.ensure_running() == url  # and it starts secure next time
        _refused_without_password(cluster, SUPERUSER)
        web = make_engine(cluster.url(role=WEB_USER))
        with web.connect() as conn:
            assert (
                conn.execute(
                    text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                ).scalar()
                is False
            )
        web.dispose()
    finally:
        cluster.stop()


def test_a_new_cluster_requires_passwords(tmp_path: Path) -> None:
    cluster = EmbeddedCluster(tmp_path / "postgres")
    cluster.ensure_running()
    try:
        hba = [
            line.split()
            for line in (cluster.data / "pg_hba.conf").read_text().splitlines()
            if line.strip() and not line.startswith("#")
        ]
        assert hba and all(words[-1] == "scram-sha-256" for words in hba)
        assert cluster.credentials_file.stat().st_mode & 0o777 == 0o600
        _refused_without_password(cluster, SUPERUSER)
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(
                host="127.0.0.1",
                port=cluster.port(),
                user=SUPERUSER,
                password="guess",
                dbname="postgres",
                connect_timeout=5,
            )
    finally:
        cluster.stop()


def test_an_unreachable_database_url_says_where_and_what_to_do() -> None:
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    with pytest.raises(DatabaseUnavailable) as info:
        connect(settings)
    message = str(info.value)
    assert "127.0.0.1:1/nothing" in message and "DATABASE_URL" in message


def test_the_command_line_prints_the_reason_not_a_traceback() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    result = subprocess.run(
        [sys.executable, "-m", "geo", "migrate"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert (
        result.stderr.startswith("error: Cannot reach PostGIS") and "Traceback" not in result.stderr
    )
