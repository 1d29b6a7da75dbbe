"""The same coverage figures computed in memory with Shapely, as the benchmark's yardstick.

Reads the geometries once (not timed separately: reading is part of the work), projects them to the
metric CRS with pyproj, and for every unit intersects it with the local union of the views, buffers
and roads that touch it (an STRtree finds them).
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text


def _load(engine: Engine, sql: str, srid: int) -> tuple[list[tuple[object, ...]], np.ndarray]:
    with engine.connect() as conn:
        rows = conn.execute(text(sql)).all()
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows])
    to_metric = Transformer.from_crs(4326, srid, always_xy=True)
    projected = shapely.transform(geoms, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))
    return [tuple(r[:-1]) for r in rows], projected


def _covered(units: np.ndarray, sources: np.ndarray) -> np.ndarray:
    """Area of each unit covered by the union of ``sources`` (m²)."""
    tree = shapely.STRtree(sources)
    out = np.zeros(len(units))
    for i, unit in enumerate(units):
        hits = tree.query(unit, predicate="intersects")
        if len(hits):
            out[i] = shapely.intersection(unit, shapely.union_all(sources[hits])).area
    return out


def compute(engine: Engine, buffer_m: float, srid: int = 32649) -> dict[str, np.ndarray]:
    """Working, installed, patrol and combined area and working/installed road length per unit."""
    units_sql = ("SELECT code, ST_AsBinary(geom) FROM grid_cell UNION ALL "
                 "SELECT code, ST_AsBinary(geom) FROM admin_unit")
    _codes, units = _load(engine, units_sql, srid)
    status, views = _load(engine, "SELECT status, ST_AsBinary(view_geom) FROM camera", srid)
    online = np.array([s[0] == "online" for s in status])
    _r, routes = _load(engine, "SELECT code, ST_AsBinary(geom) FROM patrol_route", srid)
    _x, roads = _load(engine, "SELECT code, ST_AsBinary(geom) FROM road", srid)
    buffers = shapely.buffer(routes, buffer_m, quad_segs=32)
    network = np.array(shapely.get_parts(shapely.union_all(roads)))
    road_tree, view_tree = shapely.STRtree(network), shapely.STRtree(views)
    road_len, road_w, road_i = (np.zeros(len(units)) for _ in range(3))
    for i, unit in enumerate(units):
        lines = shapely.intersection(unit, shapely.union_all(network[road_tree.query(unit, "intersects")]))
        road_len[i] = lines.length
        hits = view_tree.query(lines, "intersects") if road_len[i] else []
        if len(hits):
            road_w[i] = lines.intersection(shapely.union_all(views[hits][online[hits]])).length
            road_i[i] = lines.intersection(shapely.union_all(views[hits])).length
    return {
        "working": _covered(units, views[online]), "installed": _covered(units, views),
        "patrol": _covered(units, buffers), "combined": _covered(units, np.concatenate([views[online], buffers])),
        "road": road_len, "road_working": road_w, "road_installed": road_i,
    }
