"""What row-level security costs: the layer endpoint's work and a drill-down step.

Both are measured as the owner (a superuser, whom the policies never bind: how every request ran
before jurisdiction) and as the web app's role, for the whole deployment and for a township.

``python -m bench._jurisdiction`` (the working database, the demo county loaded): median and p95
milliseconds of each, the figures caches emptied before every step so that they are computed.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine, text

import layers
from dashboard.map import drilldown
from dashboard.state import ViewState
from geo import hierarchy, jurisdiction
from geo.db import connect
from geo.settings import Settings
from layers import View
from layers import hotspots as hotspot_layers
from layers import units as unit_layer

ZOOM = {"county": 11, "township": 13, "village": 15, "grid": 16}


def _forget() -> None:
    with unit_layer._GUARD:
        unit_layer._MEMORY.clear()
    with hotspot_layers._LOCK:
        hotspot_layers._CACHE.clear()


def _layers(conn: Connection, unit: str | None, settings: Settings) -> None:
    focus = hierarchy.get(conn, unit) if unit else hierarchy.top(conn)[0]
    (s, w), (n, e) = focus.bounds
    view = View(
        west=w, south=s, east=e, north=n, zoom=ZOOM[focus.level], lang="zh", days=30, unit=unit
    )
    for layer in layers.for_page("map"):
        layer.features_json(conn, view, settings.max_features)


def _path(engine: Engine, top: str | None) -> list[str | None]:
    steps: list[str | None] = [top]
    with engine.connect() as conn:
        code = top or hierarchy.top(conn)[0].code
        while kids := hierarchy.children(conn, code):
            code = kids[0].code
            steps.append(code)
    return steps


def _time(fn: Callable[[], None], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        _forget()
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def measure(settings: Settings, owner: Engine, repeat: int = 10) -> None:
    """Print the timings (ms) of the layer requests and drill-down steps under each role.

    The cases take turns, so that the machine's load weighs on each alike.
    """
    web = jurisdiction.web_engine(settings, owner)
    with owner.connect() as conn:
        township = str(
            conn.execute(text("SELECT min(code) FROM admin_unit WHERE level = 'township'")).scalar()
        )
    cases: list[tuple[str, Engine, str | None]] = [
        ("owner, no policies (before)", owner, None),
        ("web role, whole deployment", web, None),
        ("web role, one township", web, township),
    ]
    tops: dict[str, list[float]] = {}
    drills: dict[str, list[float]] = {}
    for round_ in range(repeat + 1):  # the first round warms the pools and the database's caches
        for name, engine, scope in cases:
            token = jurisdiction.current_scope.set(scope)
            try:
                steps = _path(engine, scope)

                def layer_request(steps: list[str | None] = steps, engine: Engine = engine) -> None:
                    with engine.connect() as conn:
                        _layers(conn, steps[0], settings)

                def drill(steps: list[str | None] = steps, engine: Engine = engine) -> None:
                    for unit in steps[1:]:
                        with engine.begin() as conn:
                            drilldown.panels(
                                conn, ViewState(unit=unit), "zh", timezone=settings.timezone
                            )
                        with engine.connect() as conn:
                            _layers(conn, unit, settings)

                top_ms = _time(layer_request, 1)[0]
                drill_ms = _time(drill, 1)[0] / (len(steps) - 1)
            finally:
                jurisdiction.current_scope.reset(token)
            if round_:
                tops.setdefault(name, []).append(top_ms)
                drills.setdefault(name, []).append(drill_ms)
    for name, _engine, _scope in cases:
        top_all, drill_all = sorted(tops[name]), sorted(drills[name])
        print(
            f"{name:30} layers of the top view: median {statistics.median(top_all):6.1f} ms, "
            f"p95 {top_all[int(0.95 * (len(top_all) - 1))]:6.1f}"
            " | drill-down step (panels + layers): "
            f"median {statistics.median(drill_all):6.1f} ms,"
            f" p95 {drill_all[int(0.95 * (len(drill_all) - 1))]:6.1f}",
            flush=True,
        )
    web.dispose()


if __name__ == "__main__":
    measure(
        Settings.from_env(),
        connect(Settings.from_env()),
        int(sys.argv[1]) if len(sys.argv) > 1 else 10,
    )
