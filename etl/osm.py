"""OpenStreetMap files (``.osm`` XML and ``.osm.pbf``) read as roads, through GDAL's OSM driver.

Only ways tagged ``highway=*`` are kept (the driver's ``lines`` layer; closed ways it files as
areas, such as pedestrian squares, are not roads here). Each becomes a feature with the columns
``code`` (``osm:<way id>``, stable across extracts of the same data), ``name`` (``name``, else
``name:zh``) and ``highway`` (the road class is mapped from it by :data:`etl.fields.OSM_HIGHWAY`;
footways and paths are skipped and counted). Coordinates are WGS-84 longitude/latitude, as OSM
stores them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from etl.sources import Feature, Source
from geo.errors import DataError

SUFFIXES = (".osm", ".osm.pbf", ".pbf")
COLUMNS = ["code", "name", "highway"]
_TAG = re.compile(r'"((?:[^"\\]|\\.)*)"=>"((?:[^"\\]|\\.)*)"')


def is_osm(path: Path) -> bool:
    """Whether ``path`` names an OpenStreetMap file by its extension."""
    name = path.name.lower()
    return name.endswith(SUFFIXES)


def other_tags(raw: str | None) -> dict[str, str]:
    """Return the tags GDAL packs into ``other_tags`` (``"k"=>"v","k2"=>"v2"``) as a dict.

    >>> other_tags('"name:zh"=>"科技路","oneway"=>"yes"')
    {'name:zh': '科技路', 'oneway': 'yes'}
    """
    return {k: v for k, v in _TAG.findall(raw or "")}


def read_osm(path: Path, name: str) -> Source:
    """Read the ways of ``path`` tagged ``highway=*`` as road features (see the module's docstring).

    Raises
    ------
    DataError
        When GDAL cannot read the file as OpenStreetMap data.
    """
    from etl.sources import _opened_by  # the driver its extension allows, no virtual files

    _opened_by(path, name, layer="lines")
    try:
        meta, _, wkb, values = pyogrio.raw.read(path, layer="lines", encoding="UTF-8")
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(
            f"{name}: cannot be read as OpenStreetMap data (.osm XML or .osm.pbf): {exc}"
        ) from None
    fields = [str(f) for f in meta["fields"]]
    column = dict(zip(fields, values, strict=True))
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else []
    features: list[Feature] = []
    for i, geom in enumerate(geoms):
        highway = column["highway"][i] if "highway" in column else None
        if not highway:
            continue
        tags = other_tags(column["other_tags"][i] if "other_tags" in column else None)
        road_name = column["name"][i] if "name" in column else None
        props = {
            "code": f"osm:{column['osm_id'][i]}",
            "name": road_name or tags.get("name:zh"),
            "highway": str(highway),
        }
        features.append(
            Feature(
                len(features) + 1, props, geom, "" if geom is not None else "a way without nodes"
            )
        )
    if not features:
        raise DataError(
            f"{name}: holds no way tagged highway=*; expected an OpenStreetMap extract with roads"
        )
    notes = [f"{name}: {len(features)} OpenStreetMap ways tagged highway=*; codes osm:<way id>"]
    return Source(name, list(COLUMNS), features, "EPSG:4326", notes)
