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
from geo.settings import Settings
from tests.test_import_real import REAL, run

NINGHUA = REAL / "ninghua_map.osm"
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
