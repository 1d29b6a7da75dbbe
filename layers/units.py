"""The drill-down choropleth: the children of the selected unit, coloured by the selected metric.

At the top it draws the townships of the county; a township shows its villages, a village its grid
cells, a cell itself. Every number comes from :mod:`geo.figures`, the same as the command line's.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import hierarchy, metrics, wall_feed
from geo.figures import UnitFigures, raw_figures, unit_figures
from geo.jurisdiction import current_scope
from layers._sql import in_view
from layers.base import Field, Layer, LegendEntry
from layers.view import View

# Upper bounds (exclusive) of the colour classes of a percentage, worst first.
RAMP: tuple[tuple[float, str], ...] = (
    (10.0, "#7f1d1d"),
    (25.0, "#dc2626"),
    (50.0, "#f59e0b"),
    (75.0, "#84cc16"),
    (1000.0, "#16a34a"),
)
# Incidents per 1,000 residents: more is worse, so the same colours run the other way.
RATE_RAMP: tuple[tuple[float, str], ...] = (
    (1.0, "#16a34a"),
    (3.0, "#84cc16"),
    (10.0, "#f59e0b"),
    (30.0, "#dc2626"),
    (float("inf"), "#7f1d1d"),
)
NA_COLOR = "#475569"
METRIC_FIELDS = metrics.MAP_METRICS  # what the layer can colour by
CLASSES = 5  # at most; fewer when the shown units have fewer distinct values


@dataclass(frozen=True)
class Classes:
    """Colour classes of the shown units.

    Class ``i`` holds the values from ``lower[i]`` (included) to ``lower[i + 1]`` (excluded),
    coloured ``colors[i]``; ``lower[0]`` is -inf. Values are the metric's own (a percentage 0-100,
    or incidents per 1,000 residents).
    """

    lower: tuple[float, ...]
    colors: tuple[str, ...]
    count: int  # how many units (with a value) the classes were drawn from
    span: tuple[float, float] = (0.0, 0.0)  # the lowest and highest value

    def color(self, value: float | None) -> str:
        """Return the fill colour of ``value``; grey for n/a.

        >>> c = class_breaks([5.0, 12.0, 20.0, 31.0, 44.0], "camera_road_pct")
        >>> c.color(4.0) == c.colors[0], c.color(44.0) == c.colors[-1], c.color(None)
        (True, True, '#475569')
        """
        if value is None or not self.lower:
            return NA_COLOR
        return self.colors[sum(1 for b in self.lower[1:] if value >= b)]

    def labels(self, suffix: str) -> list[str]:
        """Return the bounds of each class as shown in the legend.

        For example '< 12.0 %', '12.0 – 20.0 %', '≥ 31.0 %'.
        """
        if len(self.lower) == 1:  # one value (or units that all have it)
            return [f"{self.span[0]:.1f}{suffix}"]
        out = [f"< {self.lower[1]:.1f}{suffix}"]
        out += [
            f"{lo:.1f} – {hi:.1f}{suffix}"
            for lo, hi in zip(self.lower[1:-1], self.lower[2:], strict=True)
        ]
        return [*out, f"≥ {self.lower[-1]:.1f}{suffix}"]


def class_breaks(values: Sequence[float | None], metric: str) -> Classes:
    """Make quantile classes (equal numbers of units) of the shown units' ``values`` of ``metric``.

    Siblings that differ get different colours; up to :data:`CLASSES` classes, one per distinct
    value at most. Colours run from worst (dark red) to best (green): low is worse for a percentage,
    high for the incident rate (the metric's ``higher_is_better``).

    >>> ten = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]
    >>> class_breaks(ten, "camera_road_pct").lower[1:]
    (3.0, 5.0, 7.0, 9.0)
    >>> one = class_breaks([78.3, None], "patrol_pct")
    >>> one.lower, one.colors, one.labels(" %"), class_breaks([None], "patrol_pct").lower
    ((-inf,), ('#16a34a',), ['78.3 %'], ())
    """
    known = sorted(v for v in values if v is not None)
    distinct = len(set(known))
    k = min(CLASSES, distinct)
    if k == 0:
        return Classes((), (), 0)
    lower = [float("-inf")]
    for i in range(1, k):
        bound = known[round(i * len(known) / k)]
        if bound > max(lower) and bound > known[0]:
            lower.append(bound)
    worse_high = not metrics.get(metric).higher_is_better
    ramp = [c for _, c in _ramp(metric)]
    if worse_high:
        ramp.reverse()  # worst first, as for percentages
    if (
        len(lower) == 1
    ):  # nothing to tell apart (a cell alone): the fixed classes say how good it is
        return Classes(tuple(lower), (color(known[0], metric),), len(known), (known[0], known[-1]))
    picks = {2: [0, 4], 3: [0, 2, 4], 4: [0, 1, 3, 4], 5: [0, 1, 2, 3, 4]}[len(lower)]
    colors = [ramp[i] for i in picks]
    if worse_high:
        colors.reverse()  # low rates (the first classes) are the best
    return Classes(tuple(lower), tuple(colors), len(known), (known[0], known[-1]))


def color(value: float | None, metric: str = metrics.CAMERA_AREA_PCT.key) -> str:
    """Return the fill colour of ``value`` of ``metric``; grey for n/a.

    ``value`` is a percentage, or incidents per 1,000.

    >>> color(5.0), color(60.0), color(None), color(0.5, "incident_rate")
    ('#7f1d1d', '#84cc16', '#475569', '#16a34a')
    """
    if value is None:
        return NA_COLOR
    return next(c for bound, c in _ramp(metric) if value < bound)


def _ramp(metric: str) -> tuple[tuple[float, str], ...]:
    """Return the fixed classes of ``metric``.

    A percentage's, or the incident rate's (per 1,000).
    """
    return RAMP if metrics.get(metric).is_percentage else RATE_RAMP


def shown_units(conn: Connection, code: str | None) -> tuple[str, str]:
    """``(where, code)``: the SQL filter on ``u`` for the units drawn when ``code`` is selected."""
    if code is None:
        counties = hierarchy.top(conn)
        if len(counties) != 1:
            return "u.parent_code IS NULL AND u.level <> 'grid'", ""
        code = counties[0].code
    unit = hierarchy.get(conn, code)
    return ("u.code = :code", code) if unit.level == "grid" else ("u.parent_code = :code", code)


def shown_with_focus(conn: Connection, view: View) -> tuple[list[UnitFigures], UnitFigures | None]:
    """Read the figures of the units drawn for ``view`` (its unit and window) and the selected unit.

    The selected unit is the county at the top; one pass over the window's incidents.

    The map's units layer and the drill-down panels ask for the same figures in the same step, so
    the answer is kept per view and data version (``gs_live``: incidents, cameras, coverage).
    """
    where, code = shown_units(conn, view.unit)
    focus = view.unit or code or next((u.code for u in hierarchy.top(conn)), None)
    window = view.window()
    # the scope too: an account limited to a unit is never given another account's figures
    key = (
        where,
        code,
        focus,
        window,
        tuple(sorted(wall_feed.versions(conn).items())),
        current_scope.get(),
    )

    def compute() -> list[UnitFigures]:
        children_and_focus = f"({where} OR u.code = :also)" if focus else where
        return [
            unit_figures(r)
            for r in raw_figures(conn, window, children_and_focus, {"code": code, "also": focus})
        ]

    figs = _remembered(key, compute)
    focused = next((u for u in figs if u.code == focus), None)
    if where == "u.code = :code":
        return [u for u in figs if u.code == code], focused
    if where == "u.parent_code = :code":
        return [u for u in figs if u.parent_code == code], focused
    return [u for u in figs if u.parent_code is None and u.level != "grid"], focused


_MEMORY: OrderedDict[tuple[Any, ...], list[UnitFigures]] = OrderedDict()
_LOCKS: dict[tuple[Any, ...], threading.Lock] = {}
_GUARD = threading.Lock()


def _remembered(
    key: tuple[Any, ...], compute: Callable[[], list[UnitFigures]]
) -> list[UnitFigures]:
    """Return ``compute()`` kept under ``key`` (the last 64).

    Concurrent askers of one key wait for the first.
    """
    with _GUARD:
        if key in _MEMORY:
            _MEMORY.move_to_end(key)
            return _MEMORY[key]
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:
        with _GUARD:
            if key in _MEMORY:
                return _MEMORY[key]
        value = compute()
        with _GUARD:
            _MEMORY[key] = value
            while len(_MEMORY) > 64:
                _MEMORY.popitem(last=False)
            _LOCKS.pop(key, None)
    return value


def _rows(conn: Connection, view: View, limit: int) -> list[Mapping[str, Any]]:
    """Select the shown units that meet the view's box.

    The ranking lists them all; a province's top level is 140 counties, of which a view of one
    county sees a handful.
    """
    units = shown_with_focus(conn, view)[0]
    classes = class_breaks([u.value(view.metric) for u in units], view.metric)
    percent = metrics.get(view.metric).is_percentage
    # S608 below: fragments from layers._sql; values bound
    geoms: dict[str, str] = dict(
        conn.execute(
            text(
                "SELECT code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(geom, :tolerance), 6) "  # noqa: S608
                "FROM unit_coverage "
                f"WHERE code = ANY(:codes) AND {in_view()}"
            ),
            {**view.params(), "codes": [u.code for u in units]},
        ).all()
    )
    out: list[Mapping[str, Any]] = []
    for unit in [u for u in units if u.code in geoms][:limit]:
        value = unit.value(view.metric)
        row: dict[str, Any] = {
            "fid": unit.code,
            "geometry": geoms[unit.code],
            "code": unit.code,
            "name": unit.name,
            "level": unit.level,
            "value": value,
            "color": color(value, view.metric) if view.fixed_classes else classes.color(value),
            "below": percent
            and view.target is not None
            and value is not None
            and value < view.target,
            "cameras_text": f"{unit.cameras_online} / {unit.cameras}",
            "incidents": unit.incidents,
            "blind_incidents": unit.blind_incidents,
        }
        row.update({m: unit.value(m) for m in METRIC_FIELDS})
        out.append(row)
    return out


def _field(metric: metrics.Metric) -> Field:
    """Return the popup's row of ``metric``.

    Its name with its unit, as a heading over a bare number.
    """
    return Field(metric.key, metric.heading("en"), metric.heading("zh"))


LAYER = Layer(
    id="units",
    title_en="Coverage by unit",
    title_zh="单元覆盖率",
    query=None,
    rows=_rows,
    fields=(
        Field("code", "Code", "编码"),
        Field("name", "Name", "名称"),
        *(_field(m) for m in metrics.shown_in(metrics.Shown.MAP)),
        Field("cameras_text", "Cameras online / total", "在线/总数"),
        Field("incidents", "Incidents (window)", "警情(时间窗)"),
        _field(metrics.BLIND_INCIDENTS),
    ),
    legend=(
        LegendEntry("#7f1d1d", "below 10 %", "低于10%"),
        LegendEntry("#dc2626", "10-25 %", "10-25%"),
        LegendEntry("#f59e0b", "25-50 %", "25-50%"),
        LegendEntry("#84cc16", "50-75 %", "50-75%"),
        LegendEntry("#16a34a", "75 % and more", "75%以上"),
        LegendEntry(NA_COLOR, "n/a", "无数据"),
        LegendEntry("#16a34a", "Incident rate: below 1 ‰", "警情率: 低于1‰"),
        LegendEntry("#f59e0b", "Incident rate: 3-10 ‰", "警情率: 3-10‰"),
        LegendEntry("#7f1d1d", "Incident rate: 30 ‰ and more", "警情率: 30‰以上"),
    ),
    style="unit",
)
