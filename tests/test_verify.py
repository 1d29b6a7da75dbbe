"""`python -m geo verify`: the stored figures against an independent recomputation.

The recomputation is geo/verify.py's.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import Connection, Engine, text

from geo.errors import DataError
from geo.figures import LEVELS, Window
from geo.settings import PROJECT_DIR, Settings
from geo.verify import Check, choose_units, verify

WINDOW = Window.last_days(30)
BUFFER = 100.0


def _differ(checks: list[Check]) -> list[tuple[str, str, float | None, float | None]]:
    return [(c.code, c.figure, c.stored, c.recomputed) for c in checks if not c.ok]


def test_a_sample_of_the_demo_agrees_at_every_level(conn: Connection) -> None:
    codes = choose_units(conn, sample=24, seed=5)
    levels = dict(
        conn.execute(
            text("SELECT code, level FROM admin_unit UNION ALL SELECT code, 'grid' FROM grid_cell")
        ).all()
    )
    present = {level for level in levels.values()}  # the demo has no province or city
    assert len(codes) == 24 and {levels[c] for c in codes} == set(LEVELS) & present
    checks = verify(conn, codes, WINDOW, BUFFER)
    assert not _differ(checks)
    county = {c.figure: c for c in checks if levels[c.code] == "county"}
    assert (
        county["incidents"].stored == county["incidents"].recomputed > 0
    )  # the window has incidents
    assert (
        county["camera_road_pct"].recomputed is not None
        and 25 < county["camera_road_pct"].recomputed < 38
    )


def _village_with_roads(conn: Connection) -> str:
    return str(
        conn.execute(
            text(
                "SELECT code FROM unit_coverage"
                " WHERE level = 'village' AND road_m > 1000 AND camera_road_m > 0 "
                "ORDER BY code LIMIT 1"
            )
        ).scalar_one()
    )


def test_it_catches_a_figure_changed_by_hand(conn: Connection) -> None:
    village = _village_with_roads(conn)
    assert not _differ(verify(conn, [village], WINDOW, BUFFER))
    # 0.6 percentage points more covered road, written straight into the engine's table
    conn.execute(
        text(
            "UPDATE unit_coverage SET camera_road_m = camera_road_m + 0.006 * road_m"
            " WHERE code = :c"
        ),
        {"c": village},
    )
    assert [
        (code, figure) for code, figure, *_ in _differ(verify(conn, [village], WINDOW, BUFFER))
    ] == [(village, "camera_road_pct")]


def test_it_does_not_trust_the_engines_watched_flags(conn: Connection) -> None:
    village = _village_with_roads(conn)
    # as if the engine's trigger had a bug (the transaction rolls this back)
    conn.execute(text("ALTER TABLE incident DISABLE TRIGGER incident_watched"))
    flipped = conn.execute(
        text(
            "UPDATE incident SET watched = true WHERE NOT watched AND starts_with(unit_code, :c) "
            "AND occurred_at > :start RETURNING code"
        ),
        {"c": village, "start": WINDOW.start},
    ).all()
    assert len(flipped) >= 2
    assert [figure for _c, figure, *_ in _differ(verify(conn, [village], WINDOW, BUFFER))] == [
        "blind_incidents"
    ]


def test_the_command_exits_1_on_a_changed_figure_and_0_otherwise(
    settings: Settings, engine: Engine
) -> None:
    env = {**os.environ, "DATABASE_URL": settings.database_url or ""}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "geo", "verify", *args],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    with engine.connect() as conn:
        village = _village_with_roads(conn)
    ok = run("--unit", village)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert f"{village}  village  camera_road_pct" in ok.stdout and "0 differ" in ok.stderr
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE unit_coverage SET camera_area_m2 = camera_area_m2 + 0.01 * area_m2 "
                "WHERE code = :c"
            ),
            {"c": village},
        )
    try:
        bad = run("--unit", village, "--window-days", "7")
        assert bad.returncode == 1
        line = next(ln for ln in bad.stdout.splitlines() if "camera_area_pct " in ln)
        assert line.startswith(village) and line.endswith("DIFFERS")
    finally:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "UPDATE unit_coverage SET camera_area_m2 = camera_area_m2 - 0.01 * area_m2 "
                    "WHERE code = :c"
                ),
                {"c": village},
            )
    level = run("--level", "township", "--sample", "2", "--seed", "1")
    assert level.returncode == 0 and "2 units" in level.stderr
    unknown = run("--unit", "999999")
    assert unknown.returncode == 2 and "unit '999999' does not exist" in unknown.stderr


def test_bad_choices_are_refused(conn: Connection) -> None:
    with pytest.raises(DataError, match="--sample 0 is not allowed"):
        choose_units(conn, sample=0)
    with pytest.raises(DataError, match="level 'district' is not allowed"):
        choose_units(conn, level="district")
    assert choose_units(conn, sample=5, seed=2) == choose_units(conn, sample=5, seed=2)
