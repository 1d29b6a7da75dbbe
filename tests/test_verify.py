"""`python -m geo verify`: the stored figures against an independent recomputation.

The recomputation is geo/verify.py's.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys

import pytest
from sqlalchemy import Connection, Engine, text

from geo.coverage import refresh
from geo.errors import DataError
from geo.figures import LEVELS, Window, figures
from geo.settings import PROJECT_DIR, Settings
from geo.verify import Check, choose_units, verify
from tests import coverage_reference as ref
from tests.test_coverage import _add, _incident

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

    def incidents(out: str) -> int:
        """The stored incidents of the village in the command's table."""
        line = next(ln for ln in out.splitlines() if ln.split()[2:3] == ["incidents"])
        return int(line.split()[3])

    def week() -> int:
        with engine.connect() as conn:
            return figures(conn, Window.last_days(7), codes=[village])[0].incidents

    before = week()
    weekly = run("--unit", village, "--window-days", "7")
    after = week()
    assert weekly.returncode == 0, weekly.stdout + weekly.stderr
    # the window is the last 7 days (taken between the two counts), not the default 30
    assert min(before, after) <= incidents(weekly.stdout) <= max(before, after)
    assert incidents(weekly.stdout) < incidents(ok.stdout)
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
    village = _village_with_roads(conn)
    with pytest.raises(DataError, match="--unit names one unit"):  # not with a sample
        choose_units(conn, sample=3, unit=village)
    with pytest.raises(DataError, match="--unit names one unit"):  # nor with a level
        choose_units(conn, unit=village, level="village")
    assert choose_units(conn, sample=5, seed=2) == choose_units(conn, sample=5, seed=2)


def test_incident_counts_may_differ_by_the_incidents_at_an_edge_and_no_more(
    synthetic_tx: Connection,
) -> None:
    """The rule: a count may be off by the incidents within 0.5 m of a view's edge (or of the
    unit's border, where one incident counts in one unit only), by one more it differs."""
    tx, x0, y0 = synthetic_tx, ref.X0, ref.Y0
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    _add(tx, [ref.Cam(x0 + 500, y0 + 500, 0, 360, 100)], [])
    _incident(tx, "EDGE", x0 + 500, y0 + 599.8, when)  # 0.2 m inside the disc's edge
    _incident(tx, "DEEP", x0 + 500, y0 + 550, when)  # 50 m inside it
    _incident(tx, "BORDER", x0 + 3000, y0 + 3500, when)  # on the border of two cells
    refresh(tx, BUFFER, full=True)
    cell = f"{ref.COUNTY}001001001"  # the camera's cell
    west, east = f"{ref.COUNTY}002002003", f"{ref.COUNTY}002002004"  # either side of BORDER

    def blind_checks() -> tuple[list[tuple[str, str, float | None, float | None]], Check]:
        checks = verify(tx, [cell], WINDOW, BUFFER)
        return _differ(checks), next(c for c in checks if c.figure == "blind_incidents")

    differ, blind = blind_checks()
    assert differ == [] and (blind.stored, blind.recomputed, blind.allowed) == (0, 0, 1)
    # as if the engine's arc had put EDGE outside the view: allowed; DEEP too: one more, differs
    tx.execute(text("ALTER TABLE incident DISABLE TRIGGER incident_watched"))
    tx.execute(text("UPDATE incident SET watched = false WHERE code = 'EDGE'"))
    differ, blind = blind_checks()
    assert differ == [] and (blind.stored, blind.recomputed) == (1, 0)
    tx.execute(text("UPDATE incident SET watched = false WHERE code = 'DEEP'"))
    assert blind_checks()[0] == [(cell, "blind_incidents", 2, 0)]
    # BORDER counts in one of its cells (the engine), in both (units are closed): allowed
    checks = verify(tx, [west, east], WINDOW, BUFFER)
    assert _differ(checks) == []
    incidents = [c for c in checks if c.figure == "incidents"]
    assert [c.allowed for c in incidents] == [1, 1] and sum(c.stored or 0 for c in incidents) == 1
