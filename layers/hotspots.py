"""Incident hot spots of the window and the kernel-density surface as an alternative view.

Hot spots are Getis-Ord Gi* (:mod:`geo.hotspots`): squares or grid cells hot or cold at 90, 95 or
99 % confidence.

Both layers compute over the whole territory and keep the result for the current data (the
``gs_live`` versions) and minute, so panning and the planning page's panels share one run.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import Connection

from geo import dosage, hotspots, meta, wall_feed
from geo.figures import Window
from geo.jurisdiction import current_scope
from layers.base import Field, Layer, LegendEntry
from layers.view import View

BIN_COLORS = {3: "#b91c1c", 2: "#ef4444", 1: "#fca5a5", -1: "#93c5fd", -2: "#3b82f6", -3: "#1e40af"}
DENSITY_COLORS = ("#fef3c7", "#fcd34d", "#f59e0b", "#ea580c", "#b91c1c")  # fifths of the maximum
LATTICE_M = 250.0
BANDWIDTH_M = 750.0
_CACHE: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_LOCK = threading.Lock()
T = TypeVar("T")


def planning_window(view: View) -> Window:
    """Return the view's window, its end cut to the minute (so repeated requests share a result)."""
    window = view.window()
    end = window.end.replace(second=0, microsecond=0)
    start = window.start if view.start is not None else end - dt.timedelta(days=view.days)
    return Window(start, end, window.categories, window.statuses)


def cached(conn: Connection, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """Return ``compute()``, kept per data version (incidents, cameras, coverage) and ``key``.

    The last 16 results are kept. Keys hold the window, which ends at a whole minute, so nothing is
    kept longer than a minute after a change ``gs_live`` does not follow (GPS tracks).
    """
    full = (
        tuple(sorted(wall_feed.versions(conn).items())),
        current_scope.get(),
        *key,
    )  # per jurisdiction
    with _LOCK:
        if full in _CACHE:
            _CACHE.move_to_end(full)
            return _CACHE[full]  # type: ignore[no-any-return]
    value = compute()
    with _LOCK:
        _CACHE[full] = value
        while len(_CACHE) > 16:
            _CACHE.popitem(last=False)
    return value


def analysis(conn: Connection, view: View) -> hotspots.Analysis:
    """Return the Gi* analysis of ``view``'s window by its hot-spot method (cached)."""
    window = planning_window(view)
    return cached(
        conn,
        ("gi", window, view.hotspot_method, LATTICE_M),
        lambda: hotspots.analyse(conn, window, view.hotspot_method, LATTICE_M),
    )


def unvisited(conn: Connection, view: View) -> set[str]:
    """Return the ids of the hot spots no patrol visited in ``view``'s window (cached).

    Visits are the dosage with the patrol buffer of the last coverage refresh.
    """
    window = planning_window(view)
    result = analysis(conn, view)
    buffer_m = float(meta.get(conn, "coverage_patrol_buffer_m") or 100.0)
    report = cached(
        conn,
        ("visited", window, view.hotspot_method, buffer_m),
        lambda: dosage.hot_spot_dosage(conn, result, window, buffer_m, "UTC"),
    )
    return set(report.never_visited())


def _gi_rows(conn: Connection, view: View, limit: int) -> list[Mapping[str, Any]]:
    result = analysis(conn, view)
    units = sorted(result.significant(), key=lambda u: -abs(u.z))[:limit]
    spot_of = {k: s.id for s in result.hot_spots for k in s.keys}
    never = unvisited(conn, view)
    shapes = hotspots.shapes(conn, result, [u.key for u in units])
    return [
        {
            "fid": u.key,
            "geometry": shapes[u.key],
            "bin": u.bin,
            "gi_z": round(u.z, 2),
            "incidents": u.incidents,
            "spot": spot_of.get(u.key, ""),
            "color": BIN_COLORS[u.bin],
            "unvisited": spot_of.get(u.key) in never,
        }
        for u in units
        if u.key in shapes
    ]


def _density_rows(conn: Connection, view: View, limit: int) -> list[Mapping[str, Any]]:
    window = planning_window(view)
    surface = cached(
        conn,
        ("kde", window, LATTICE_M, BANDWIDTH_M),
        lambda: hotspots.density(conn, window, LATTICE_M, BANDWIDTH_M),
    )
    if not surface:
        return []
    peak = max(v for _, v in surface)
    shown = sorted((s for s in surface if s[1] >= peak / len(DENSITY_COLORS)), key=lambda s: -s[1])[
        :limit
    ]
    fake = hotspots.Analysis("lattice", LATTICE_M, (), ())
    shapes = hotspots.shapes(conn, fake, [k for k, _ in shown])
    return [
        {
            "fid": k,
            "geometry": shapes[k],
            "density": round(v, 1),
            "color": DENSITY_COLORS[
                min(len(DENSITY_COLORS) - 1, int(v / peak * len(DENSITY_COLORS)))
            ],
        }
        for k, v in shown
    ]


GI_STAR = Layer(
    id="hotspots",
    title_en="Hot spots (Gi*)",
    title_zh="警情热点(Gi*)",
    query=None,
    rows=_gi_rows,
    fields=(
        Field("spot", "Hot spot", "热点"),
        Field("incidents", "Incidents", "警情数"),
        Field("unvisited", "Never visited by patrols", "从未有巡逻到访"),
        Field("gi_z", "Gi* z-score", "Gi* z值"),
        Field("bin", "Confidence bin", "置信等级"),
    ),
    legend=(
        *(
            LegendEntry(
                BIN_COLORS[b],
                f"{'Hot' if b > 0 else 'Cold'}, {level} %",
                f"{'热点' if b > 0 else '冷点'} {level}%",
            )
            for b, level in ((3, 99), (2, 95), (1, 90), (-1, 90), (-2, 95), (-3, 99))
        ),
        LegendEntry("#facc15", "Hot spot never visited by patrols", "从未有巡逻到访的热点", "line"),
    ),
    style="hotspot",
    pages=("plan",),
    heavy=True,
)
DENSITY = Layer(
    id="density",
    title_en="Incident density (kernel)",
    title_zh="警情核密度",
    query=None,
    rows=_density_rows,
    fields=(Field("density", "Incidents per km²", "每平方公里警情"),),
    legend=tuple(
        LegendEntry(c, f"{20 * n}-{20 * (n + 1)} % of the peak", f"峰值的 {20 * n}-{20 * (n + 1)}%")
        for n, c in enumerate(DENSITY_COLORS)
    ),
    style="hotspot",
    visible=False,
    pages=("plan",),
    heavy=True,
)
