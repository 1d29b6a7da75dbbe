"""Real public files of ``tests/data/real/`` imported as they come, their figures checked against
the files themselves read independently (the XML parsed here, lengths by pyproj's geodesic)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import shapely
from pyproj import Geod
from sqlalchemy import Connection, text

from etl.fields import OSM_HIGHWAY, OSM_SKIPPED
from geo import metric_crs
from geo.settings import Settings
from tests.test_import_real import REAL, run

NINGHUA = REAL / "ninghua_map.osm"
CERKNICA = REAL / "cerknicko-jezero.gpx"
GPX = "{http://www.topografix.com/GPX/1/0}"
GEOD = Geod(ellps="WGS84")


def _osm_roads(path: Path) -> dict[str, tuple[str, str, float]]:
    """``{osm:<id>: (class, name, geodesic length in metres)}`` of the file's ways tagged
    ``highway=*`` that are roads (the OSM mapping of :data:`etl.fields.OSM_HIGHWAY`), read with the
    standard library's XML parser, not GDAL."""
    root = ET.parse(path).getroot()
    nodes = {
        n.get("id"): (float(n.get("lon", 0)), float(n.get("lat", 0))) for n in root.iter("node")
    }
    roads = {}
    for way in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in way.iter("tag")}
        highway = tags.get("highway")
        if highway is None or highway in OSM_SKIPPED:
            continue
        lon, lat = zip(*(nodes[nd.get("ref")] for nd in way.iter("nd")), strict=True)
        length = GEOD.line_length(lon, lat)
        name = tags.get("name") or tags.get("name:zh") or ""
        roads[f"osm:{way.get('id')}"] = (OSM_HIGHWAY[str(highway)], str(name), length)
    return roads


def test_ninghua_osm_extract_as_it_comes(empty: Connection, settings: Settings) -> None:
    expected = _osm_roads(NINGHUA)
    result = run(empty, settings, "roads", NINGHUA)
    assert (result.total, result.inserted, result.rejected) == (len(expected), len(expected), [])
    rows = empty.execute(
        text("SELECT code, class, coalesce(name, ''), ST_AsBinary(geom) FROM road")
    ).all()
    got = {r[0]: (r[1], r[2], GEOD.geometry_length(shapely.from_wkb(bytes(r[3])))) for r in rows}
    assert Counter(c for c, _, _ in got.values()) == Counter(c for c, _, _ in expected.values())
    assert {k: v[:2] for k, v in got.items()} == {k: v[:2] for k, v in expected.items()}
    for code, (_, _, length) in expected.items():
        assert abs(got[code][2] - length) < 0.01, code  # metres: the same vertices, as stored


def _measure_in_utm33(conn: Connection) -> None:
    """Make the empty database measure where the Cerknica log was recorded (14.3° E, 45.8° N):
    UTM zone 33N and one county row around it (an empty database takes data in China only)."""
    metric_crs.change(conn, 32633)
    conn.execute(
        text(
            "INSERT INTO admin_unit (code, name, level, geom) VALUES ('990101', 'Cerknica box', "
            "'county', ST_Multi(ST_MakeEnvelope(14.2, 45.7, 14.4, 45.8, 4326)))"
        )
    )


def test_a_garmin_log_with_eight_tracks_as_it_comes(empty: Connection, settings: Settings) -> None:
    root = ET.parse(CERKNICA).getroot()
    fixes = {
        str(trk.findtext(f"{GPX}name")): [
            (p.findtext(f"{GPX}time"), float(p.get("lon", 0)), float(p.get("lat", 0)))
            for p in trk.iter(f"{GPX}trkpt")
        ]
        for trk in root.iter(f"{GPX}trk")
    }
    assert len(fixes) == 8
    _measure_in_utm33(empty)
    result = run(empty, settings, "tracks", CERKNICA)
    total = sum(len(f) for f in fixes.values())
    assert (result.total, result.rejected) == (total, [])
    assert result.inserted + result.repeats == total
    rows = empty.execute(
        text(
            "SELECT unit, count(*), ST_AsBinary(ST_MakeLine(geom ORDER BY recorded_at)) "
            "FROM patrol_track GROUP BY unit"
        )
    ).all()
    assert {r[0]: r[1] for r in rows} == {
        name: len({t for t, _, _ in points}) for name, points in fixes.items() if points
    }  # the first, "ACTIVE LOG", has an empty segment: 7 units
    for unit, _, wkb in rows:  # the same path: geodesic lengths of the fixes in time order
        lon, lat = zip(*[(x, y) for _, x, y in sorted(fixes[unit])], strict=True)
        stored = GEOD.geometry_length(shapely.from_wkb(bytes(wkb))) if len(lon) > 1 else 0.0
        assert abs(stored - GEOD.line_length(lon, lat)) < 0.01, unit
