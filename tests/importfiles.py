"""Writing small GIS files for the import tests: GeoJSON by hand (so that it can be malformed), and
the other formats through GDAL."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely

# A township and village of the demo county, and a point inside the county (WGS-84).
COUNTY = "140724"
LON, LAT = 113.70, 37.60


def feature(geometry: dict[str, Any] | None, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def point(lon: float = LON, lat: float = LAT) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def square(lon: float = LON, lat: float = LAT, size: float = 0.001) -> dict[str, Any]:
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def geojson(path: Path, features: list[dict[str, Any]], crs: str | None = None) -> Path:
    doc: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False, allow_nan=True), encoding="utf-8")
    return path


def camera(code: str = "CTEST0001", **overrides: Any) -> dict[str, Any]:
    props = {
        "code": code,
        "name": "测试摄像头",
        "azimuth_deg": 90,
        "fov_deg": 60,
        "range_m": 80,
        "status": "online",
        "kind": "gun",
    }
    geometry = overrides.pop("geometry", point())
    props.update(overrides)
    return feature(geometry, **{k: v for k, v in props.items() if v is not ...})


def incident(code: str = "ETEST0001", **overrides: Any) -> dict[str, Any]:
    props = {
        "code": code,
        "occurred_at": "2026-11-01 08:30",
        "category": "theft",
        "severity": 2,
        "status": "reported",
    }
    geometry = overrides.pop("geometry", point())
    props.update(overrides)
    return feature(geometry, **{k: v for k, v in props.items() if v is not ...})


def gdal(
    path: Path,
    geoms: list[shapely.Geometry],
    columns: dict[str, list[Any]],
    driver: str,
    crs: str | None = "EPSG:4326",
    encoding: str | None = None,
    layer: str | None = None,
    geometry_type: str | None = None,
) -> Path:
    wkb = np.array([shapely.to_wkb(g) for g in geoms], dtype=object)
    values = [np.array(v, dtype=object) for v in columns.values()]
    kind = geometry_type or geoms[0].geom_type
    pyogrio.raw.write(
        path,
        wkb,
        values,
        list(columns),
        driver=driver,
        crs=crs,
        geometry_type=kind,
        encoding=encoding,
        layer=layer,
        append=path.exists() and driver == "GPKG",
    )
    return path
