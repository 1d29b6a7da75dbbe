"""The floor for the engine's full recompute: the same figures in memory with Shapely.

They are computed as fast as a single thread can, for the benchmark's ratio.

Per grid cell: the views, patrol buffers and road lines that touch it (STRtree queries, all cells at
once), each clipped to the cell, then unioned (clipping first keeps the unions small), and the
cell's areas and covered road lengths measured. Parents are the sums of their cells, which is
exact for areas where cells tile their parents, and for roads except a road along a border between
cells, which the sum counts twice: a floor for the work, not a reference for the numbers (that is
``python -m geo verify``). Reading the rows and projecting them (pyproj, EPSG:4326 to the metric
CRS) is part of the work; the camera view sectors are read as stored (``view_geom``), as the
engine reads them.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text


def _load(engine: Engine, sql: str, srid: int) -> tuple[list[tuple[object, ...]], np.ndarray]:
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows])
    to_metric = Transformer.from_crs(4326, srid, always_xy=True)
    projected = shapely.transform(
        geoms, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1]))
    )
    return [tuple(r[:-1]) for r in rows], projected


def _by_cell(cells: np.ndarray, shapes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair cells with the shapes that meet them, sorted by cell, each shape clipped to its cell.

    Returns the cell index of each pair and the shape clipped to the cell (as it is when inside).
    """
    if not len(shapes):
        return np.zeros(0, dtype=int), np.array([], dtype=object)
    pairs = shapely.STRtree(shapes).query(cells, predicate="intersects")
    order = np.argsort(pairs[0], kind="stable")
    cell_i, shape_j = pairs[0][order], pairs[1][order]
    clipped = shapes[shape_j].copy()
    across = ~shapely.contains_properly(cells[cell_i], clipped)  # cells are prepared: a quick test
    clipped[across] = shapely.intersection(clipped[across], cells[cell_i[across]])
    return cell_i, clipped


def _unions(n: int, cell_i: np.ndarray, clipped: np.ndarray) -> np.ndarray:
    """Per cell, the union of its clipped shapes (an empty polygon where none)."""
    out = np.array([shapely.Polygon()] * n, dtype=object)
    if len(cell_i):
        bounds = np.flatnonzero(np.diff(cell_i)) + 1
        for part in np.split(np.arange(len(cell_i)), bounds):
            out[cell_i[part[0]]] = shapely.union_all(clipped[part])
    return out


def compute(engine: Engine, buffer_m: float, srid: int = 32649) -> dict[str, dict[str, float]]:
    """Compute the figures of every unit in memory.

    Working, installed, patrol and combined area (m²) and road, working and installed road length
    (m) per unit code; cells measured, villages, townships and counties summed.
    """
    codes, cells = _load(
        engine, "SELECT code, ST_AsBinary(geom) FROM grid_cell ORDER BY code", srid
    )
    status, views = _load(engine, "SELECT status, ST_AsBinary(view_geom) FROM camera", srid)
    online = np.array([s[0] == "online" for s in status], dtype=bool)
    _r, routes = _load(engine, "SELECT code, ST_AsBinary(geom) FROM patrol_route", srid)
    _x, roads = _load(engine, "SELECT code, ST_AsBinary(geom) FROM road", srid)
    n = len(cells)
    shapely.prepare(cells)
    working = _unions(n, *_by_cell(cells, views[online]))
    offline = _unions(n, *_by_cell(cells, views[~online]))
    patrol = _unions(n, *_by_cell(cells, shapely.buffer(routes, buffer_m, quad_segs=32)))
    network = np.array(shapely.get_parts(shapely.union_all(roads)))
    lines = _unions(n, *_by_cell(cells, network))
    installed = shapely.union(working, offline)
    figures = {
        "working": shapely.area(working),
        "installed": shapely.area(installed),
        "patrol": shapely.area(patrol),
        "combined": shapely.area(shapely.union(working, patrol)),
        "road": shapely.length(lines),
        "road_working": shapely.length(shapely.intersection(lines, working)),
        "road_installed": shapely.length(shapely.intersection(lines, installed)),
    }
    out: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(figures, 0.0))
    for i, (code,) in enumerate(codes):
        for unit in (str(code), str(code)[:12], str(code)[:9], str(code)[:6]):
            for name, values in figures.items():
                out[unit][name] += float(values[i])
    return dict(out)
