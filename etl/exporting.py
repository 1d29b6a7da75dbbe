"""Exporting a layer to GeoJSON, GeoPackage, CSV or Shapefile (by the file's extension), in WGS-84.

Every value round-trips through :mod:`etl.importing`: times are written as ISO 8601 text with their
offset, coordinates with full double precision, CSV as UTF-8 (with a byte-order mark, so that
spreadsheet programs show Chinese text) with lon/lat columns for points and a WKT column otherwise,
Shapefiles with a ``.cpg`` (UTF-8) and the 10-character column names the importer accepts back.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import shapely
from sqlalchemy import Engine, text

from etl.fields import LAYERS, LayerSpec
from geo import csvcells
from geo.errors import DataError

_DRIVERS = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".csv": "CSV",
}
_GEOMETRY_TYPE = {"Point": "Point", "Polygon": "MultiPolygon", "LineString": "MultiLineString"}


def _value(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _rows(engine: Engine, spec: LayerSpec) -> tuple[list[dict[str, Any]], list[shapely.Geometry]]:
    columns = ", ".join(f'"{f.name}"' for f in spec.fields)
    with engine.connect() as conn:
        # S608 below: table and column names from the layer specs
        result = conn.execute(
            text(
                f"SELECT {columns}, ST_AsBinary(geom) AS wkb FROM {spec.table} "  # noqa: S608
                f"ORDER BY {', '.join(spec.key)}"
            )
        )
        rows = [dict(r._mapping) for r in result]
    geoms = [shapely.from_wkb(bytes(r.pop("wkb"))) for r in rows]
    return [{k: _value(v) for k, v in r.items()} for r in rows], geoms


def _write_csv(
    path: Path, spec: LayerSpec, rows: list[dict[str, Any]], geoms: list[shapely.Geometry]
) -> None:
    points = spec.geometry == ("Point",)
    names = [f.name for f in spec.fields] + (["lon", "lat"] if points else ["wkt"])
    with path.open("w", newline="", encoding="utf-8-sig") as out:
        writer = csv.writer(out)
        writer.writerow(names)
        for row, geom in zip(rows, geoms, strict=True):
            where = (
                [repr(geom.x), repr(geom.y)]
                if points
                else [shapely.to_wkt(geom, rounding_precision=-1)]
            )
            writer.writerow(
                csvcells.row([("" if row[f.name] is None else row[f.name]) for f in spec.fields])
                + where
            )


def export_layer(engine: Engine, layer: str, path: Path) -> int:
    """Write every row of ``layer`` to ``path`` (format by extension); return the row count.

    Raises
    ------
    DataError
        For an unknown layer or extension.
    """
    spec = LAYERS.get(layer)
    if spec is None:
        raise DataError(f"unknown layer {layer!r}: expected one of {', '.join(LAYERS)}")
    driver = _DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise DataError(
            f"{path.name}: cannot export to {path.suffix or '(no extension)'}; "
            f"expected one of {', '.join(_DRIVERS)}"
        )
    rows, geoms = _rows(engine, spec)
    if driver == "CSV":
        _write_csv(path, spec, rows, geoms)
        return len(rows)
    shapefile = driver == "ESRI Shapefile"
    names = [f.column if shapefile else f.name for f in spec.fields]
    values = [np.array([r[f.name] for r in rows], dtype=object) for f in spec.fields]
    for i, f in enumerate(spec.fields):
        if f.kind in ("int", "float") and all(v is not None for v in values[i]):
            values[i] = values[i].astype("int64" if f.kind == "int" else "float64")
    wkb = np.array([shapely.to_wkb(g) for g in geoms], dtype=object)
    path.unlink(missing_ok=True)
    options = (
        {"COORDINATE_PRECISION": 17} if driver == "GeoJSON" else {}
    )  # else 15 decimals, not exact
    pyogrio.raw.write(
        path,
        wkb,
        values,
        names,
        driver=driver,
        crs="EPSG:4326",
        geometry_type=_GEOMETRY_TYPE[spec.geometry[0]],
        layer=layer if driver == "GPKG" else None,
        encoding="UTF-8" if shapefile else None,
        **options,
    )
    return len(rows)
