"""Incident hot spots and incident density.

Hot spots are Getis-Ord Gi* (PySAL esda) on a square lattice or on grid cells; the density is a
kernel-density surface on the lattice.

Lattice
    Squares of ``cell_m`` metres in the metric CRS (:func:`geo.coverage.metric_srid`), aligned on
    its origin (PostGIS ``ST_SquareGrid``: square ``(i, j)`` spans ``[i·cell_m, (i+1)·cell_m)`` in x
    and likewise in y); only squares that meet a county are kept. The value of a square is its
    number of incidents in the window.
Grid cells
    The value of a cell is its incidents per km² (cells differ in size, so counts would rank big
    cells first); neighbours are cells that touch.

Gi* uses binary queen-contiguity weights with the unit itself included (``star=True``) and the
normal approximation of its z-score. Each unit gets a confidence bin, as in ArcGIS' ``Gi_Bin``:
±3 for |z| ≥ 2.576 (99 %), ±2 for |z| ≥ 1.960 (95 %), ±1 for |z| ≥ 1.645 (90 %), else 0; positive
is hot. There is no correction for multiple testing. A *hot spot* is a group of touching lattice
squares (or cells), each hot at 95 % or more, holding at least one incident; it is what dosage,
blind spots and route suggestion work on.

For an account limited to a unit, the lattice covers the unit and every shape this module returns
(squares, cells, hot spots) is cut at the unit's border; whole-deployment accounts get them whole.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from sqlalchemy import Connection, text

from geo._sql import clipped_to_scope, incident_window, window_params
from geo.coverage import metric_srid
from geo.errors import DataError
from geo.figures import Window

METHODS = ("lattice", "cells")
BINS = ((2.576, 3), (1.960, 2), (1.645, 1))  # |z| threshold, bin
HOT_BIN = 2  # a hot spot is made of units at 95 % or more
_QUEEN = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))

_FILTER = incident_window("")

_LATTICE = f"""
-- A square belongs to the lattice when its inside meets a county's: squares that only touch the
-- boundary do not (the county shrunk by 1 cm). The EXISTS lets PostGIS prepare each county once (a
-- plain join tests every square unprepared). An account limited to a unit (geo/
-- jurisdiction.py) sees no county: its lattice covers its own unit.
WITH county AS MATERIALIZED (SELECT ST_Transform(geom, :srid) AS g,
                                    ST_Buffer(ST_Transform(geom, :srid), -0.01) AS inner_g
                             FROM admin_unit
                             WHERE level = 'county'
                                OR code = current_setting('gridsight.scope', true)),
sq AS (SELECT DISTINCT s.i, s.j FROM county, ST_SquareGrid(:size, county.g) s
       WHERE EXISTS (SELECT 1 FROM county c WHERE ST_Intersects(s.geom, c.inner_g))),
inc AS (SELECT floor(ST_X(p) / :size)::int AS i, floor(ST_Y(p) / :size)::int AS j, count(*) AS n
        FROM (SELECT ST_Transform(geom, :srid) AS p FROM incident WHERE {_FILTER}) x GROUP BY 1, 2)
SELECT sq.i, sq.j, coalesce(inc.n, 0) AS n FROM sq LEFT JOIN inc USING (i, j) ORDER BY sq.i, sq.j
"""  # noqa: S608 (constant fragments; values bound)
_CELLS = f"""
SELECT c.code, ST_Area(ST_Transform(c.geom, :srid)) / 1e6 AS km2,
       (SELECT count(*) FROM incident i WHERE ST_Intersects(c.geom, i.geom) AND {_FILTER}) AS n
FROM grid_cell c ORDER BY c.code
"""  # noqa: S608 (constant fragments; values bound)
_TOUCHING = """SELECT a.code, b.code FROM grid_cell a JOIN grid_cell b
               ON a.code < b.code AND ST_Intersects(a.geom, b.geom)"""


@dataclass(frozen=True)
class Unit:
    """One lattice square (key ``"i,j"``) or grid cell (key: its code) with its Gi* result."""

    key: str
    incidents: int
    value: float  # incidents (lattice) or incidents per km² (cells)
    z: float
    bin: int


@dataclass(frozen=True)
class HotSpot:
    """A group of touching units hot at 95 % or more. ``keys`` are the units' keys."""

    id: str
    keys: tuple[str, ...]
    incidents: int
    max_z: float


@dataclass(frozen=True)
class Analysis:
    """The result of :func:`analyse`; ``method`` and ``cell_m`` say what the keys refer to."""

    method: str
    cell_m: float
    units: tuple[Unit, ...]
    hot_spots: tuple[HotSpot, ...]

    def significant(self) -> list[Unit]:
        """Return the units with a non-zero bin (hot or cold at 90 % or more)."""
        return [u for u in self.units if u.bin != 0]


def gi_star(values: np.ndarray, neighbours: list[list[int]]) -> np.ndarray:
    """Compute the Gi* z-scores of ``values`` with binary weights.

    The weights are each unit's ``neighbours`` (indices) and the unit itself.

    Computed by :class:`esda.getisord.G_Local` (``star=True``, ``transform='B'``); a constant
    variable has no hot spots, so it gives zeros.
    """
    from esda.getisord import G_Local
    from libpysal.weights import WSP

    y = np.asarray(values, dtype=float)
    if len(y) < 3 or np.ptp(y) == 0:
        return np.zeros(len(y))
    rows = [a for a, near in enumerate(neighbours) for _ in near]
    cols = [b for near in neighbours for b in near]
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(y), len(y)))
    w = WSP(matrix).to_W(
        silence_warnings=True
    )  # from the sparse matrix: W() from a dict is far slower
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands and the like: expected on clipped lattices
        g = G_Local(y, w, transform="B", star=True, permutations=0)
    z: np.ndarray = np.nan_to_num(np.asarray(g.Zs, dtype=float))
    return z


def confidence_bin(z: float) -> int:
    """Return the ArcGIS-style ``Gi_Bin`` of a z-score: ±3, ±2, ±1 or 0.

    See the module's docstring.
    """
    for threshold, b in BINS:
        if abs(z) >= threshold:
            return b if z > 0 else -b
    return 0


def analyse(
    conn: Connection, window: Window, method: str = "lattice", cell_m: float = 250.0
) -> Analysis:
    """Find the Gi* hot spots of the window's incidents on the lattice or on grid cells.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    window
        The incident window (time range, categories, statuses).
    method
        One of :data:`METHODS`: ``"lattice"`` or ``"cells"``.
    cell_m
        Side of a lattice square, in metres of the metric CRS.

    Returns
    -------
    Analysis
        The units with their counts, z-scores and bins, and the hot spots.

    Raises
    ------
    DataError
        For an unknown method or a square size outside 50-5,000 m.
    """
    if method not in METHODS:
        raise DataError(
            f"hot-spot method {method!r} is not allowed: expected one of {', '.join(METHODS)}"
        )
    if not 50 <= cell_m <= 5000:
        raise DataError(f"lattice square {cell_m} m is not allowed: expected 50 to 5,000 m")
    params = _params(conn, window) | {"size": cell_m}
    if method == "lattice":
        rows = conn.execute(text(_LATTICE), params).all()
        keys = [f"{i},{j}" for i, j, _ in rows]
        counts = np.array([n for _, _, n in rows], dtype=float)
        values = counts
        neighbours = _lattice_neighbours([(i, j) for i, j, _ in rows])
    else:
        rows = conn.execute(text(_CELLS), params).all()
        keys = [code for code, _, _ in rows]
        counts = np.array([n for _, _, n in rows], dtype=float)
        values = np.array([n / km2 if km2 > 0 else 0.0 for _, km2, n in rows])
        neighbours = _touching(conn, keys)
    z = gi_star(values, neighbours)
    units = tuple(
        Unit(k, int(c), float(v), float(zz), confidence_bin(float(zz)))
        for k, c, v, zz in zip(keys, counts, values, z, strict=True)
    )
    return Analysis(method, cell_m, units, _hot_spots(units, neighbours))


def _params(conn: Connection, window: Window) -> dict[str, Any]:
    return {
        "srid": metric_srid(conn),
        **window_params(window),
    }


def _lattice_neighbours(squares: list[tuple[int, int]]) -> list[list[int]]:
    index = {sq: n for n, sq in enumerate(squares)}
    return [
        [index[(i + di, j + dj)] for di, dj in _QUEEN if (i + di, j + dj) in index]
        for i, j in squares
    ]


def _touching(conn: Connection, keys: list[str]) -> list[list[int]]:
    index = {k: n for n, k in enumerate(keys)}
    out: list[list[int]] = [[] for _ in keys]
    for a, b in conn.execute(text(_TOUCHING)):
        out[index[a]].append(index[b])
        out[index[b]].append(index[a])
    return out


def _hot_spots(units: tuple[Unit, ...], neighbours: list[list[int]]) -> tuple[HotSpot, ...]:
    """Group neighbouring units with bin ≥ :data:`HOT_BIN` into hot spots.

    Most incidents first, ids H1, H2, ...
    """
    hot = [n for n, u in enumerate(units) if u.bin >= HOT_BIN]
    if not hot:
        return ()
    pos = {n: k for k, n in enumerate(hot)}
    edges = [(pos[a], pos[b]) for a in hot for b in neighbours[a] if b in pos]
    rows, cols = zip(*edges, strict=True) if edges else ((), ())
    graph = sparse.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(hot), len(hot)))
    count, labels = connected_components(graph, directed=False)
    groups: list[list[Unit]] = [[] for _ in range(count)]
    for k, label in enumerate(labels):
        groups[label].append(units[hot[k]])
    # a group without incidents of its own is only the halo of a cluster that fell short of 95 %
    groups = [g for g in groups if sum(u.incidents for u in g) > 0]
    groups.sort(key=lambda g: (-sum(u.incidents for u in g), -max(u.z for u in g)))
    return tuple(
        HotSpot(
            f"H{n + 1}", tuple(u.key for u in g), sum(u.incidents for u in g), max(u.z for u in g)
        )
        for n, g in enumerate(groups)
    )


# -- geometry of the results -----------------------------------------------------------------------

# Shapes leave the server cut to the account's jurisdiction (whole for the whole deployment).
_SQUARE = """ST_Transform(ST_MakeEnvelope(i * :size, j * :size, (i + 1) * :size, (j + 1) * :size,
                                        :srid), 4326)"""
_SQUARES = f"""
SELECT k, ST_AsGeoJSON(g, 6)
FROM (SELECT k, {clipped_to_scope(_SQUARE)} AS g
      FROM unnest(CAST(:keys AS text[]), CAST(:i AS int[]), CAST(:j AS int[])) AS u(k, i, j)) s
WHERE NOT ST_IsEmpty(g)
"""  # noqa: S608 (constant fragments; values bound)
_CELL_SHAPES = f"""
SELECT code, ST_AsGeoJSON(g, 6)
FROM (SELECT code, {clipped_to_scope("geom")} AS g FROM grid_cell
      WHERE code = ANY(CAST(:keys AS text[]))) c
WHERE NOT ST_IsEmpty(g)
"""  # noqa: S608 (constant fragments; values bound)


def shapes(conn: Connection, analysis: Analysis, keys: list[str]) -> dict[str, str]:
    """Return the GeoJSON geometry text (EPSG:4326, 6 decimals) of the units ``keys``.

    For an account limited to a unit, each is the part inside the unit (a unit with nothing
    inside is left out); whole for the whole deployment.
    """
    if analysis.method == "cells":
        return {k: g for k, g in conn.execute(text(_CELL_SHAPES), {"keys": keys})}
    ij = [k.split(",") for k in keys]
    params = {
        "keys": keys,
        "i": [int(a) for a, _ in ij],
        "j": [int(b) for _, b in ij],
        "size": analysis.cell_m,
        "srid": metric_srid(conn),
    }
    return {k: g for k, g in conn.execute(text(_SQUARES), params)}


def spot_sql(analysis: Analysis) -> tuple[str, dict[str, Any]]:
    """Return a SQL subquery of the hot spots as rows ``(id, geom)`` and its bind parameters.

    ``geom`` is one polygon per hot spot in the metric CRS: for an account limited to a unit, the
    part inside the unit (so dosage, blind spots, routes and place names work on what the account
    may see), the whole group otherwise. The parameters are named ``hs_*``; the caller binds
    ``:srid`` too.
    """
    ids, keys = [], []
    for spot in analysis.hot_spots:
        ids += [spot.id] * len(spot.keys)
        keys += list(spot.keys)
    if analysis.method == "cells":
        union = "ST_Union(ST_Transform(c.geom, :srid))"
        sql = f"""SELECT h.id, {clipped_to_scope(union, ":srid")} AS geom
                  FROM unnest(CAST(:hs_ids AS text[]), CAST(:hs_keys AS text[])) AS h(id, k)
                  JOIN grid_cell c ON c.code = h.k GROUP BY h.id"""  # noqa: S608 (constant)
        return sql, {"hs_ids": ids, "hs_keys": keys}
    ij = [k.split(",") for k in keys]
    union = """ST_Union(ST_MakeEnvelope(h.i * :hs_size, h.j * :hs_size,
                                        (h.i + 1) * :hs_size, (h.j + 1) * :hs_size, :srid))"""
    sql = f"""SELECT h.id, {clipped_to_scope(union, ":srid")} AS geom
              FROM unnest(CAST(:hs_ids AS text[]), CAST(:hs_i AS int[]), CAST(:hs_j AS int[]))
                   AS h(id, i, j)
              GROUP BY h.id"""  # noqa: S608 (constant fragments; values bound)
    return sql, {
        "hs_ids": ids,
        "hs_i": [int(a) for a, _ in ij],
        "hs_j": [int(b) for _, b in ij],
        "hs_size": analysis.cell_m,
    }


# -- kernel density --------------------------------------------------------------------------------

# constant fragments; values bound
_POINTS = (
    "SELECT ST_X(p), ST_Y(p)"  # noqa: S608
    f" FROM (SELECT ST_Transform(geom, :srid) AS p FROM incident WHERE {_FILTER}) x"
)


def density(
    conn: Connection, window: Window, cell_m: float = 250.0, bandwidth_m: float = 750.0
) -> list[tuple[str, float]]:
    """Estimate the kernel density of the window's incidents at the centre of every lattice square.

    The kernel is quartic (biweight) of radius ``bandwidth_m`` metres:
    ``K(d) = 3/(π h²) · (1 - d²/h²)²`` for d < h.

    Parameters
    ----------
    conn
        Connection to the Gridsight database.
    window
        The incident window (time range, categories, statuses).
    cell_m
        Side of a lattice square, in metres of the metric CRS.
    bandwidth_m
        Kernel radius, in metres.

    Returns
    -------
    list of (str, float)
        ``("i,j", density)`` for the squares above 0, density in incidents per km².

    Raises
    ------
    DataError
        For a bandwidth outside 50-20,000 m.
    """
    if not 50 <= bandwidth_m <= 20_000:
        raise DataError(f"bandwidth {bandwidth_m} m is not allowed: expected 50 to 20,000 m")
    from scipy.spatial import cKDTree

    params = _params(conn, window) | {"size": cell_m}
    squares = conn.execute(text(_LATTICE), params).all()
    points = np.array(conn.execute(text(_POINTS), params).all(), dtype=float).reshape(-1, 2)
    if not len(points) or not squares:
        return []
    centres = np.array([((i + 0.5) * cell_m, (j + 0.5) * cell_m) for i, j, _ in squares])
    tree = cKDTree(points)
    h2 = bandwidth_m**2
    out = []
    for (i, j, _), near, centre in zip(
        squares, tree.query_ball_point(centres, bandwidth_m), centres, strict=True
    ):
        if not near:
            continue
        d2 = ((points[near] - centre) ** 2).sum(axis=1)
        value = float((3 / (np.pi * h2) * (1 - d2 / h2) ** 2).sum()) * 1e6
        if value > 0:
            out.append((f"{i},{j}", value))
    return out


def spot_points(conn: Connection, analysis: Analysis) -> dict[str, tuple[float, float]]:
    """Return a point inside each hot spot of ``analysis``, where its place is named.

    The point is ``ST_PointOnSurface`` of its units' union, as (lon, lat) in EPSG:4326 degrees, by
    hot spot id.
    """
    if not analysis.hot_spots:
        return {}
    sql, params = spot_sql(analysis)
    # S608 below: constant fragments; values bound
    rows = conn.execute(
        text(f"""
        SELECT s.id, ST_X(p), ST_Y(p)
        FROM ({sql}) s, LATERAL (SELECT ST_Transform(ST_PointOnSurface(s.geom), 4326) AS p) pt"""),  # noqa: S608
        {**params, "srid": metric_srid(conn)},
    )
    return {str(i): (float(x), float(y)) for i, x, y in rows}
