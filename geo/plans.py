"""Saved plans: what-ifs kept for later, listed, exported, and applied to the real layers.

A plan is a named list of hypothetical cameras and patrol routes (:mod:`geo.whatif`). Saving or
deleting one never touches ``camera`` or ``patrol_route``; :func:`apply` copies its items there
(cameras online, codes ``P<plan>-C<n>``; routes ``P<plan>-R<n>`` for the unit ``plan <id>``, shift
all) and refreshes the coverage, in the caller's transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from geo import csvcells, limits, metrics
from geo.coverage import metric_srid, refresh
from geo.errors import DataError, NotFound
from geo.figures import Window
from geo.whatif import Camera, Change, Route, check_items, what_if


@dataclass(frozen=True)
class Plan:
    """A saved plan and its items, in the order they were added."""

    id: int
    name: str
    created_at: dt.datetime
    applied_at: dt.datetime | None
    items: tuple[Camera | Route, ...]

    @property
    def cameras(self) -> list[Camera]:
        """Return the plan's cameras."""
        return [i for i in self.items if isinstance(i, Camera)]

    @property
    def routes(self) -> list[Route]:
        """Return the plan's patrol routes."""
        return [i for i in self.items if isinstance(i, Route)]


def save(conn: Connection, name: str, items: list[Camera | Route]) -> int:
    """Store a plan; return its id.

    Raises :class:`DataError` for an empty name or plan, or an impossible item.
    """
    if not name.strip():
        raise DataError("a plan needs a name")
    if len(name.strip()) > limits.MAX_PLAN_NAME:
        raise DataError(
            f"a plan name of {len(name.strip())} characters; "
            f"at most {limits.MAX_PLAN_NAME} are allowed"
        )
    if not items:
        raise DataError("a plan needs at least one camera or route")
    check_items(items)
    insert = text("INSERT INTO plan (name) VALUES (:n) RETURNING id")
    plan_id = int(conn.execute(insert, {"n": name.strip()}).scalar_one())
    for item in items:
        if isinstance(item, Camera):
            conn.execute(
                text("""INSERT INTO plan_item (plan_id, kind, azimuth_deg, fov_deg, range_m, geom)
                                 VALUES (:p, 'camera', :az, :fov, :rng,
                                         ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"""),
                {
                    "p": plan_id,
                    "az": item.azimuth_deg % 360,
                    "fov": item.fov_deg,
                    "rng": item.range_m,
                    "lon": item.lon,
                    "lat": item.lat,
                },
            )
        else:
            conn.execute(
                text(
                    "INSERT INTO plan_item (plan_id, kind, geom) "
                    "VALUES (:p, 'route', ST_GeomFromText(:w, 4326))"
                ),
                {"p": plan_id, "w": item.wkt()},
            )
    return plan_id


def plans(conn: Connection) -> list[Plan]:
    """Every saved plan, newest first."""
    ids = (
        conn.execute(text("SELECT id FROM plan ORDER BY created_at DESC, id DESC")).scalars().all()
    )
    return [get(conn, int(i)) for i in ids]


def get(conn: Connection, plan_id: int) -> Plan:
    """Load the plan ``plan_id``; raises :class:`NotFound` when there is none."""
    row = conn.execute(
        text("SELECT id, name, created_at, applied_at FROM plan WHERE id = :id"), {"id": plan_id}
    ).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}")
    items: list[Camera | Route] = []
    for kind, az, fov, rng, geojson in conn.execute(
        text(
            "SELECT kind, azimuth_deg, fov_deg, range_m, ST_AsGeoJSON(geom, 15) FROM plan_item "
            "WHERE plan_id = :id ORDER BY id"
        ),
        {"id": plan_id},
    ):
        coords = json.loads(geojson)["coordinates"]
        if kind == "camera":
            items.append(Camera(coords[0], coords[1], az, fov, rng))
        else:
            items.append(Route(tuple((x, y) for x, y in coords)))
    return Plan(row[0], row[1], row[2], row[3], tuple(items))


def delete(conn: Connection, plan_id: int) -> None:
    """Forget plan ``plan_id`` (the real layers are not touched)."""
    if conn.execute(text("DELETE FROM plan WHERE id = :id"), {"id": plan_id}).rowcount == 0:
        raise NotFound(f"no plan {plan_id}")


def apply(conn: Connection, plan_id: int, patrol_buffer_m: float) -> Plan:
    """Make plan ``plan_id`` real: insert its cameras and routes, then refresh the coverage.

    Parameters
    ----------
    conn
        The owner's connection; the plan's rows and the refresh share its transaction.
    plan_id
        The saved plan's id.
    patrol_buffer_m
        The patrol buffer width for the refresh, in metres.

    Returns
    -------
    Plan
        The plan as applied.

    Raises
    ------
    DataError
        When the plan was applied already.
    """
    plan = get(conn, plan_id)
    if plan.applied_at is not None:
        raise DataError(
            f"plan {plan_id} was applied on {plan.applied_at:%Y-%m-%d %H:%M}; apply it only once"
        )
    check_items(
        plan.items
    )  # a plan saved before the limits (or by another program) is checked again
    for n, cam in enumerate(plan.cameras, 1):
        conn.execute(
            text("""INSERT INTO camera (code, name, azimuth_deg, fov_deg, range_m, status, kind,
                                                 installed_on, geom)
                             VALUES (:code, :name, :az, :fov, :rng, 'online', :kind, current_date,
                                     ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"""),
            {
                "code": f"P{plan_id}-C{n}",
                "name": f"{plan.name} C{n}",
                "az": cam.azimuth_deg % 360,
                "fov": cam.fov_deg,
                "rng": cam.range_m,
                "kind": "dome" if cam.fov_deg >= 360 else "gun",
                "lon": cam.lon,
                "lat": cam.lat,
            },
        )
    for n, route in enumerate(plan.routes, 1):
        conn.execute(
            text("""INSERT INTO patrol_route (code, name, unit, shift, geom)
                             VALUES (:code, :name, :unit, 'all',
                                     ST_Multi(ST_GeomFromText(:w, 4326)))"""),
            {
                "code": f"P{plan_id}-R{n}",
                "name": f"{plan.name} R{n}",
                "unit": f"plan {plan_id}",
                "w": route.wkt(),
            },
        )
    conn.execute(text("UPDATE plan SET applied_at = now() WHERE id = :id"), {"id": plan_id})
    refresh(conn, patrol_buffer_m)
    return get(conn, plan_id)


# -- export ----------------------------------------------------------------------------------------

SUMMARY_COLUMNS = ("code", "name", "level", "metric", "before", "after", "change")
_SUMMARY_METRICS = tuple(m.key for m in metrics.shown_in(metrics.Shown.PLAN_EXPORT))


def to_geojson(plan: Plan) -> dict[str, Any]:
    """Export the plan as a GeoJSON FeatureCollection (EPSG:4326).

    It holds camera points with their angles and range, their view sectors, and routes.
    """
    features: list[dict[str, Any]] = []
    for n, cam in enumerate(plan.cameras, 1):
        props = {
            "plan": plan.name,
            "item": f"C{n}",
            "kind": "camera",
            "azimuth_deg": cam.azimuth_deg,
            "fov_deg": cam.fov_deg,
            "range_m": cam.range_m,
        }
        features.append(
            {
                "type": "Feature",
                "properties": props,
                "geometry": {"type": "Point", "coordinates": [cam.lon, cam.lat]},
            }
        )
    for n, route in enumerate(plan.routes, 1):
        features.append(
            {
                "type": "Feature",
                "properties": {"plan": plan.name, "item": f"R{n}", "kind": "route"},
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in route.points]},
            }
        )
    return {"type": "FeatureCollection", "name": plan.name, "features": features}


def with_sectors(conn: Connection, collection: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``collection`` with one view-sector polygon per camera added.

    The sectors are built by the engine's function.
    """
    srid = metric_srid(conn)
    extra = []
    for f in collection["features"]:
        if f["properties"]["kind"] != "camera":
            continue
        p = f["properties"]
        lon, lat = f["geometry"]["coordinates"]
        geometry = conn.execute(
            text(
                "SELECT ST_AsGeoJSON(gs_camera_view("
                "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :az, :fov, :rng, "
                "CAST(:srid AS int)), 7)"
            ),
            {
                "lon": lon,
                "lat": lat,
                "az": p["azimuth_deg"],
                "fov": p["fov_deg"],
                "rng": p["range_m"],
                "srid": srid,
            },
        ).scalar_one()
        extra.append(
            {
                "type": "Feature",
                "properties": {**p, "kind": "camera_view"},
                "geometry": json.loads(geometry),
            }
        )
    return {**collection, "features": collection["features"] + extra}


def summary_csv(changes: list[Change]) -> str:
    """CSV (one row per affected unit and metric): the figures before and after the plan."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SUMMARY_COLUMNS)
    for change in changes:
        before, after = change.before.row(), change.after.row()
        for metric in _SUMMARY_METRICS:
            b, a = before[metric], after[metric]
            delta = "" if a is None or b is None else round(a - b, 1)
            writer.writerow(
                csvcells.row(
                    [
                        before["code"],
                        before["name"],
                        before["level"],
                        metric,
                        "" if b is None else b,
                        "" if a is None else a,
                        delta,
                    ]
                )
            )
    return out.getvalue()


def export(
    conn: Connection, plan_id: int, window: Window, patrol_buffer_m: float
) -> tuple[str, str]:
    """Export plan ``plan_id`` as (GeoJSON text, CSV summary text) for ``window``.

    The GeoJSON is in EPSG:4326; the summary holds the what-if's before and after for ``window``
    (none once the plan is applied), computed with patrol buffers ``patrol_buffer_m`` metres wide.
    """
    plan = get(conn, plan_id)
    changes = (
        what_if(conn, list(plan.items), window, patrol_buffer_m) if plan.applied_at is None else []
    )
    geojson = json.dumps(with_sectors(conn, to_geojson(plan)), ensure_ascii=False)
    return geojson, summary_csv(changes)
