"""The metric CRS, chosen from the data, in which areas, lengths, buffers and sectors are measured.

One UTM zone covers 6° of longitude and overstates areas by 0.4 % three degrees off its meridian;
China spans 73-135° E. Gridsight measures instead in a Lambert azimuthal equal-area projection
(WGS-84 ellipsoid) centred on the data, rounded to whole degrees:

- areas are exact by construction (the projection is equal-area on the ellipsoid), anywhere, across
  any zone border: a unit's area equals its geodesic area to PROJ's precision (tested to 0.1 %);
- lengths, buffers and view sectors are true at the centre; the scale error along and across the
  radius grows as ``sec(d / 2R) - 1``: 0.01 % at 200 km from the centre, 0.1 % at 570 km, so a city
  or a small province measures true to well under a camera's pixel.

Such a CRS has the SRID ``910000 + 100 × lon + lat`` (degrees, rounded), registered in the
database's ``spatial_ref_sys`` under the authority ``gridsight``; one SRID always means one
definition, so no database session can hold a stale one. The first units imported into an empty
database choose it (:func:`choose`); ``python -m geo crs auto`` chooses again from all the units and
recomputes everything (:func:`change`). EPSG codes (the demo's UTM zone 49N, EPSG:32649) stay
usable.
"""

from __future__ import annotations

from pyproj import CRS
from sqlalchemy import Connection, text

from geo import meta
from geo.errors import DataError

CUSTOM_BASE = 910_000
# Where data in China can be (degrees, west, south, east, north), with a margin: the area that a
# CRS chosen from the data measures, and that an empty database accepts.
CHINA = (70.0, 0.0, 138.0, 56.0)


def srid_for(lon: float, lat: float) -> int:
    """Return the SRID of the equal-area CRS centred on (``lon``, ``lat``) degrees.

    The centre is rounded to whole degrees.

    >>> srid_for(116.4, 39.9), srid_for(114.06, 22.55)
    (921640, 921423)
    """
    if not (0 <= lon <= 180 and 0 <= lat <= 89):
        raise DataError(
            f"a metric CRS centred on ({lon:.4f}, {lat:.4f}) is not supported: expected the "
            "eastern and northern hemispheres (China is 73-135° E, 3-54° N)"
        )
    return CUSTOM_BASE + 100 * round(lon) + round(lat)


def is_custom(srid: int) -> bool:
    """Return whether ``srid`` is one of Gridsight's data-centred CRSs (not an EPSG code)."""
    return CUSTOM_BASE <= srid < CUSTOM_BASE + 18_100


def proj_definition(srid: int) -> str:
    """Return the PROJ string of a data-centred SRID (metres, WGS-84 ellipsoid)."""
    lon, lat = divmod(srid - CUSTOM_BASE, 100)
    return (
        f"+proj=laea +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0"
        " +ellps=WGS84 +towgs84=0,0,0,0,0,0,0 +units=m +no_defs"
    )


def crs_of(srid: int) -> CRS:
    """Return the pyproj CRS of ``srid``: an EPSG code or a data-centred SRID."""
    return CRS.from_proj4(proj_definition(srid)) if is_custom(srid) else CRS.from_epsg(srid)


def describe(srid: int) -> str:
    """Return a short human name of ``srid``.

    ``EPSG:32649 (WGS 84 / UTM zone 49N)``, or the data-centred projection.
    """
    if is_custom(srid):
        lon, lat = divmod(srid - CUSTOM_BASE, 100)
        return f"SRID {srid} (equal-area, centred on {lon}° E {lat}° N)"
    return f"EPSG:{srid} ({CRS.from_epsg(srid).name})"


def measured_area(srid: int) -> tuple[float, float, float, float]:
    """Return the longitude/latitude box (degrees) where ``srid`` measures true.

    For a data-centred CRS, all of China; for an EPSG CRS, its area of use widened by 3°.
    """
    if is_custom(srid):
        return CHINA
    area = CRS.from_epsg(srid).area_of_use
    w, s, e, n = (-180.0, -90.0, 180.0, 90.0) if area is None else area.bounds
    return (w - 3.0, s - 3.0, e + 3.0, n + 3.0)


def register(conn: Connection, srid: int) -> None:
    """Make sure PostGIS knows ``srid`` (a data-centred one is added to ``spatial_ref_sys``)."""
    if not is_custom(srid):
        return
    conn.execute(
        text(
            "INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, srtext, proj4text) "
            "VALUES (:srid, 'gridsight', :srid, :wkt, :proj) ON CONFLICT (srid) DO NOTHING"
        ),
        {"srid": srid, "wkt": crs_of(srid).to_wkt(), "proj": proj_definition(srid)},
    )


def current(conn: Connection) -> int:
    """Return the database's metric SRID (``gs_meta.metric_srid``)."""
    return int(conn.execute(text("SELECT gs_metric_srid()")).scalar_one())


def has_units(conn: Connection) -> bool:
    """Tell whether the database holds any admin unit or grid cell.

    If so, the metric CRS was chosen for them.
    """
    return bool(
        conn.execute(
            text("SELECT EXISTS (SELECT 1 FROM admin_unit) OR EXISTS (SELECT 1 FROM grid_cell)")
        ).scalar()
    )


def centre_of(conn: Connection) -> tuple[float, float] | None:
    """Return the centre (degrees) of the box around all admin units and grid cells, or None."""
    row = conn.execute(
        text(
            "SELECT (ST_XMin(e) + ST_XMax(e)) / 2, (ST_YMin(e) + ST_YMax(e)) / 2 FROM ("
            "SELECT ST_Extent(geom) AS e FROM ("
            "SELECT geom FROM admin_unit UNION ALL SELECT geom FROM grid_cell) g) x"
        )
    ).one()
    return None if row[0] is None else (float(row[0]), float(row[1]))


def change(conn: Connection, srid: int) -> bool:
    """Measure in ``srid`` from now on, in the caller's transaction.

    The view sectors of every camera are rebuilt at once, and the next refresh recomputes the units,
    roads and every figure (its record of the CRS the units were measured in no longer matches).
    Returns whether it changed.
    """
    crs_of(srid)  # refuses an unknown code
    if srid == current(conn):
        return False
    register(conn, srid)
    meta.put(conn, "metric_srid", str(srid))
    conn.execute(
        text("UPDATE camera SET geom = geom")
    )  # the trigger rebuilds view_geom in the new CRS
    return True


def choose(conn: Connection) -> int | None:
    """Return the data-centred SRID for the units now in the database (None when there are none)."""
    centre = centre_of(conn)
    return None if centre is None else srid_for(*centre)
