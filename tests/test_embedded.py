"""The embedded PostGIS: created once, restarted with its data, stopped; clear errors otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from geo.db import connect, make_engine, upgrade
from geo.embedded import EmbeddedCluster
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
            assert conn.execute(text("SELECT value FROM gs_meta WHERE key = 'probe'")).scalar() == "kept"
        engine.dispose()
    finally:
        cluster.stop()
    if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
        assert (tmp_path / "postgres" / "data").stat().st_uid != 0


def test_an_unreachable_database_url_says_where_and_what_to_do() -> None:
    settings = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/nothing")
    with pytest.raises(DatabaseUnavailable) as info:
        connect(settings)
    message = str(info.value)
    assert "127.0.0.1:1/nothing" in message and "DATABASE_URL" in message


def test_the_command_line_prints_the_reason_not_a_traceback() -> None:
    env = {**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    result = subprocess.run([sys.executable, "-m", "geo", "migrate"], cwd=PROJECT_DIR, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith("error: Cannot reach PostGIS") and "Traceback" not in result.stderr
