"""The "open incidents" figure reads the open incidents from their own index (migration
0017_open_incidents), not every incident the unit ever had, and counts them right."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, text

from geo._sql import complete, statement, window_params
from geo.figures import _FIGURES, _SPAN, OPEN_STATUSES, Window, figures


def test_a_units_open_incidents_come_from_the_open_index_and_are_all_counted(
    conn: Connection,
) -> None:
    township = conn.execute(
        text("SELECT min(code) FROM admin_unit WHERE level = 'township'")
    ).scalar_one()
    ever = Window.since(dt.datetime(1970, 1, 1, tzinfo=dt.UTC), statuses=OPEN_STATUSES)
    where, params = "u.code = ANY(:codes)", {"codes": [township]}
    low, high = conn.execute(statement(_SPAN, where=where), params).one()
    plan = "\n".join(
        conn.execute(
            text("EXPLAIN " + complete(_FIGURES, where=where)),
            {**params, "low": low, "high": high, **window_params(ever)},
        ).scalars()
    )
    assert "incident_open_unit_time_idx" in plan, plan
    counted = conn.execute(
        text(
            "SELECT count(*) FROM incident WHERE unit_code LIKE :t || '%' "
            "AND status IN ('reported', 'dispatched', 'handling')"
        ),
        {"t": township},
    ).scalar_one()
    assert counted > 0
    assert figures(conn, ever, codes=[township])[0].incidents == counted
