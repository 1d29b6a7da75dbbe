"""Patrol route suggestion: a loop on the road network through the top hot spots, within a length.

The network is the roads (for an account limited to a unit, their parts inside it: a suggestion
never leaves the jurisdiction) noded at every crossing (PostGIS ``ST_Node``) in the metric CRS and
cut into segments of at most :data:`NODE_STEP_M`; vertices closer than 0.1 m are one node. The loop
starts and ends at the patrol unit's start: the first point of its current route (else its latest
GPS point, else the network's middle). Hot spots (:mod:`geo.hotspots`) are weighted by their
incidents in the chosen shift's hours (day 08:00-20:00, night 20:00-08:00 local; ``all`` counts
every incident); each is reached at the network node nearest to a point inside it.

The loop is built by cheapest insertion (an orienteering heuristic, not an exact optimum): while
the budget allows, insert the hot spot with the most weight per added metre of shortest path.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import limits
from geo._sql import clipped_to_scope
from geo.coverage import metric_srid
from geo.dosage import DAY_START_H, NIGHT_START_H
from geo.errors import DataError
from geo.figures import Window
from geo.hotspots import Analysis, spot_sql
from geo.whatif import Change, Route, what_if

NODE_STEP_M = (
    100.0  # roads are cut into segments of at most this length, so a node is near every place
)

# the roads cut at the jurisdiction's border, as every layer cuts them (geo._sql.clipped_to_scope)
_EDGES = f"""
SELECT ST_AsGeoJSON((ST_DumpSegments(ST_Segmentize(n.g, :step))).geom, 2)
FROM (SELECT (ST_Dump(ST_Node(ST_Collect(g)))).geom AS g
      FROM (SELECT (ST_Dump(ST_Force2D(ST_Transform({clipped_to_scope("geom")}, :srid)))).geom AS g
            FROM road) lines) n
"""  # noqa: S608 (a constant fragment)
_START = """
SELECT coalesce(
    (SELECT ST_Transform(ST_StartPoint(ST_GeometryN(geom, 1)), :srid) FROM patrol_route
     WHERE unit = :unit
     ORDER BY code LIMIT 1),
    (SELECT ST_Transform(geom, :srid) FROM patrol_track WHERE unit = :unit
     ORDER BY recorded_at DESC LIMIT 1))
"""
_TARGETS = """
WITH spot AS ({spots})
SELECT s.id, ST_X(ST_PointOnSurface(s.geom)), ST_Y(ST_PointOnSurface(s.geom)),
       (SELECT count(*) FROM incident i
        WHERE ST_Intersects(s.geom, ST_Transform(i.geom, :srid))
          AND i.occurred_at > :start AND i.occurred_at <= :end
          AND (:shift = 'all' OR (extract(hour FROM i.occurred_at AT TIME ZONE :tz) >= :day_h
                                  AND extract(hour FROM i.occurred_at AT TIME ZONE :tz) < :night_h)
                                 = (:shift = 'day')))
FROM spot s
"""


@dataclass(frozen=True)
class Suggestion:
    """A suggested patrol loop.

    The route (EPSG:4326), its length in metres, the hot spots it passes (in order) with their
    shift weight, and the coverage changes the engine's what-if gives.
    """

    route: Route | None  # None when no hot spot fits the budget
    length_m: float
    hot_spots: tuple[tuple[str, int], ...]
    changes: tuple[Change, ...]


def _graph(conn: Connection, srid: int) -> Any:
    import networkx as nx

    graph = nx.Graph()
    for (geojson,) in conn.execute(text(_EDGES), {"srid": srid, "step": NODE_STEP_M}):
        coords = [tuple(p) for p in json.loads(geojson)["coordinates"]]
        if len(coords) < 2:
            continue
        a, b = _key(coords[0]), _key(coords[-1])
        length = sum(
            ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
            for (x1, y1), (x2, y2) in itertools.pairwise(coords)
        )
        if a != b and (not graph.has_edge(a, b) or graph[a][b]["length"] > length):
            graph.add_edge(a, b, length=length, coords=coords)
    return graph


def _key(p: tuple[float, ...]) -> tuple[float, float]:
    return (round(p[0], 1), round(p[1], 1))


def _nearest(nodes: list[tuple[float, float]], x: float, y: float) -> tuple[float, float]:
    return min(nodes, key=lambda n: (n[0] - x) ** 2 + (n[1] - y) ** 2)


def suggest_route(
    conn: Connection,
    analysis: Analysis,
    unit: str,
    shift: str,
    budget_m: float,
    window: Window,
    timezone: str,
    patrol_buffer_m: float,
) -> Suggestion:
    """Suggest a patrol loop for ``unit`` through the hot spots of ``analysis``.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    analysis
        The hot-spot analysis whose hot spots the loop visits.
    unit
        Code of the unit whose patrol the loop is for: it starts at the unit's first patrol route
        or latest patrol track (the network's centre without either).
    shift
        ``'day'``, ``'night'`` or ``'all'``: the hot spots are weighted by their incidents in that
        shift.
    budget_m
        Longest loop allowed, in metres.
    window
        The incident window whose incidents weigh the hot spots.
    timezone
        IANA time zone in which the shifts' hours are read.
    patrol_buffer_m
        Half-width of a patrol route's coverage in metres, for the what-if.

    Returns
    -------
    Suggestion
        The loop, its length, the hot spots it passes and the coverage changes; no route when no
        hot spot fits within the budget.

    Raises
    ------
    DataError
        For a bad shift or budget, or when there is no road network or no hot spot.
    """
    import networkx as nx

    if shift not in ("day", "night", "all"):
        raise DataError(f"shift {shift!r} is not allowed: expected day, night or all")
    low, high = limits.ROUTE_BUDGET_KM
    if not low * 1000 <= budget_m <= high * 1000:
        raise DataError(
            f"length budget {budget_m} m is not allowed: expected {low:g} km to {high:g} km"
        )
    srid = metric_srid(conn)
    graph = _graph(conn, srid)
    if graph.number_of_nodes() == 0:
        raise DataError("there is no road network to route on: import roads first")
    graph = graph.subgraph(max(nx.connected_components(graph), key=len)).copy()
    nodes = list(graph.nodes)
    # S608 below: _START is constant SQL
    row = conn.execute(
        text(f"SELECT ST_X(p), ST_Y(p) FROM ({_START}) AS s(p)"),  # noqa: S608
        {"srid": srid, "unit": unit},
    ).one()
    start_point = (row[0], row[1])
    if row[0] is None:
        xs, ys = [n[0] for n in nodes], [n[1] for n in nodes]
        start_point = (sum(xs) / len(xs), sum(ys) / len(ys))
    start = _nearest(nodes, start_point[0], start_point[1])
    spots, params = spot_sql(analysis)
    targets = [
        (sid, _nearest(nodes, x, y), int(n))
        for sid, x, y, n in conn.execute(
            text(_TARGETS.format(spots=spots)),
            params
            | {
                "srid": srid,
                "start": window.start,
                "end": window.end,
                "shift": shift,
                "tz": timezone,
                "day_h": DAY_START_H,
                "night_h": NIGHT_START_H,
            },
        )
        if n > 0
    ]
    if not targets:
        raise DataError(
            "no hot spot has incidents in this shift and window: nothing to route through"
        )
    tour, chosen = _insert(graph, start, targets, budget_m)
    coords = _coordinates(graph, tour)
    if len(coords) < 2:  # no hot spot within the budget
        return Suggestion(None, 0.0, (), ())
    wkt = "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in coords) + ")"
    geojson = conn.execute(
        text("SELECT ST_AsGeoJSON(ST_Transform(ST_GeomFromText(:w, :srid), 4326), 7)"),
        {"w": wkt, "srid": srid},
    ).scalar_one()
    route = Route(tuple((x, y) for x, y in json.loads(geojson)["coordinates"]))
    length = (
        sum(graph[a][b]["length"] for a, b in itertools.pairwise(tour)) if len(tour) > 1 else 0.0
    )
    changes = tuple(what_if(conn, route, window, patrol_buffer_m))
    return Suggestion(route, length, tuple(chosen), changes)


def _insert(
    graph: Any,
    start: tuple[float, float],
    targets: list[tuple[str, tuple[float, float], int]],
    budget_m: float,
) -> tuple[list[tuple[float, float]], list[tuple[str, int]]]:
    """Insert targets into the loop [start, start] by cheapest insertion.

    Returns the node path and the targets visited in order.
    """
    import networkx as nx

    stops = [start, *{t[1] for t in targets}]
    dist = {s: nx.single_source_dijkstra_path_length(graph, s, weight="length") for s in stops}
    loop: list[tuple[float, float]] = [start, start]
    names: dict[tuple[float, float], list[tuple[str, int]]] = {}
    remaining = [t for t in targets if t[1] in dist[start]]
    total = 0.0
    while remaining:
        best = None
        for sid, node, weight in remaining:
            if node in loop:
                added, at = 0.0, loop.index(node)
            else:
                added, at = min(
                    (
                        dist[loop[i]][node] + dist[node][loop[i + 1]] - dist[loop[i]][loop[i + 1]],
                        i + 1,
                    )
                    for i in range(len(loop) - 1)
                )
            if total + added <= budget_m:
                score = weight / max(added, 1.0)
                if best is None or score > best[0]:
                    best = (score, sid, node, weight, added, at)
        if best is None:
            break
        _, sid, node, weight, added, at = best
        if node not in loop:
            loop.insert(at, node)
            total += added
        names.setdefault(node, []).append((sid, weight))
        remaining = [t for t in remaining if t[0] != sid]
    path: list[tuple[float, float]] = [start]
    for a, b in itertools.pairwise(loop):
        if a != b:
            path += nx.shortest_path(graph, a, b, weight="length")[1:]
    visited = [n for node in loop for n in names.pop(node, [])]
    return path, visited


def _coordinates(graph: Any, path: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Return the road geometry along a node path (each edge's vertices, oriented)."""
    coords: list[tuple[float, float]] = [path[0]]
    for a, b in itertools.pairwise(path):
        edge = graph[a][b]["coords"]
        if _key(edge[0]) != a:
            edge = edge[::-1]
        coords += [tuple(p) for p in edge[1:]]
    return coords
