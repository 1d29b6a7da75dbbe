"""Reading GIS files into plain features.

Formats: GeoJSON, Shapefile (zipped or with siblings), GeoPackage, CSV, GPX, KML and KMZ. GDAL
(through pyogrio) reads every format but CSV, which is read here so that longitude/latitude columns
under their common names and GBK-encoded spreadsheets work.

A :class:`Source` keeps each feature's 1-based number in the file, its attributes as Python values
and its geometry (shapely, 2D) or the reason it has none; the CRS the file declares (or ``None``)
and notes for the import report (the detected encoding). Nothing is validated here beyond reading.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.raw
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from etl.archive import safe_extract
from geo import _gdal, csvcells, limits
from geo.errors import DataError

FORMATS = ".geojson .json .zip .shp .gpkg .csv .gpx .kml .kmz .osm .osm.pbf, T-Drive .txt"
_LON = ("lon", "lng", "long", "longitude", "x", "经度")
_LAT = ("lat", "latitude", "y", "纬度")
_WKT = ("wkt", "geometry", "geom", "the_geom", "shape", "几何")


@dataclass
class Feature:
    """One feature as read: ``number`` counts from 1 in the file (CSV: the line number)."""

    number: int
    props: dict[str, Any]
    geom: shapely.Geometry | None
    geom_problem: str = ""


@dataclass
class Source:
    """The features of one file (or one layer of it) and what the file declares."""

    name: str
    columns: list[str]
    features: list[Feature]
    crs: str | None
    notes: list[str] = field(default_factory=list)
    where: str = "feature"  # how a feature is named in messages: "feature" or "row"


@dataclass(frozen=True)
class ReadOptions:
    """How a file is read.

    ``layer``: GeoPackage/KML layer or archive member; ``encoding`` overrides detection;
    ``gpx_layer``: the GPX sub-layer the target layer reads; ``max_bytes``: size limit.
    """

    layer: str | None = None
    encoding: str | None = None
    gpx_layer: str = "waypoints"
    max_bytes: int = 200 * 2**20


def _python(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and value in ("NaT", ""):
        return None
    return value


def _decode(data: bytes, name: str, encoding: str | None, notes: list[str]) -> str:
    """Text of ``data``: the given encoding, else UTF-8, else GB18030 (noted); never mojibake."""
    if encoding:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataError(f"{name}: cannot be read as {encoding}: {exc}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise DataError(
            f"{name}: text is neither UTF-8 nor GBK/GB18030; pass --encoding "
            "with the file's encoding"
        ) from None
    notes.append(f"{name}: encoding detected as GB18030 (GBK); pass --encoding to override")
    return text


def _dbf_encoding(shp: Path, notes: list[str]) -> str | None:
    """Detect the encoding of a Shapefile without ``.cpg``.

    GDAL would read it as Latin-1 (mojibake).
    """
    siblings = {p.suffix.lower(): p for p in shp.parent.glob(shp.stem + ".*")}
    if ".cpg" in siblings or ".dbf" not in siblings:
        return None
    raw = siblings[".dbf"].read_bytes()
    header_len = int.from_bytes(raw[8:10], "little")
    names = b"".join(raw[i : i + 11].rstrip(b"\0") for i in range(32, header_len - 1, 32))
    data = names + raw[header_len:]
    if data.isascii():
        return None
    for encoding in ("UTF-8", "GB18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        notes.append(f"{shp.name}: no .cpg; attribute encoding detected as {encoding}")
        return encoding
    raise DataError(
        f"{shp.name}: no .cpg, and the attributes are neither UTF-8 nor GBK/GB18030; "
        "pass --encoding with the file's encoding"
    )


_VSI = (b"/vsi", "/vsi".encode("utf-16-le"), "/vsi".encode("utf-16-be"))


def _refuse_indirection(path: Path, name: str) -> None:
    """Refuse a file whose content names a GDAL virtual file system (such as ``/vsicurl/``).

    No format the importer reads needs one, and a driver following it would read other files or
    the network.
    """
    tail = b""
    with path.open("rb") as f:
        offset = 0
        while chunk := f.read(1 << 20):
            window = (tail + chunk).lower()
            for pattern in _VSI:
                at = window.find(pattern)
                if at >= 0:
                    raise DataError(
                        f"{name}: byte {offset - len(tail) + at:,} names a GDAL virtual file "
                        f"('/vsi...'); refused: expected plain {path.suffix} content"
                    )
            tail, offset = window[-8:], offset + len(chunk)


def _opened_by(path: Path, name: str, layer: str | int | None = None) -> None:
    """Check, before any feature is read, that GDAL opens ``path`` as its extension allows.

    The driver must be the one its extension allows (:data:`geo.limits.IMPORT_DRIVERS`), only
    allowed drivers may be loaded and the content must name no virtual file.
    """
    _gdal.check()
    expected = limits.driver_for(path.name)
    if expected is None:
        raise DataError(
            f"{name}: GDAL may not open {path.suffix or '(no extension)'} files; "
            f"expected one of {' '.join(limits.IMPORT_DRIVERS)}"
        )
    _refuse_indirection(path, name)
    try:
        with warnings.catch_warnings():  # "more than one layer": the layer is chosen later
            warnings.simplefilter("ignore", UserWarning)
            driver = pyogrio.read_info(path, layer=layer)["driver"]
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(f"{name}: cannot be read as a GIS file: {exc}") from None
    if driver != expected:
        raise DataError(
            f"{name}: the content is {driver}, not {expected} as its extension says; refused"
        )


def _layers(path: Path, name: str) -> list[str]:
    """List the layer names of ``path`` (checked by :func:`_opened_by` first)."""
    _opened_by(path, name)
    try:
        return [str(row[0]) for row in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(f"{name}: cannot be read as a GIS file: {exc}") from None


def _from_gdal(
    path: Path,
    name: str,
    layer: str | int | None,
    encoding: str | None,
    notes: list[str],
    checked: bool = False,
) -> Source:
    """Read the features of ``path`` (one layer) through GDAL.

    ``checked``: :func:`_opened_by` passed already.
    """
    if not checked:
        _opened_by(path, name, layer)
    try:
        meta, _, wkb, values = pyogrio.raw.read(
            path, layer=layer, encoding=encoding, force_2d=True, datetime_as_string=True
        )
    except (DataSourceError, DataLayerError) as exc:
        raise DataError(f"{name}: cannot be read as a GIS file: {exc}") from None
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{name}: text cannot be read as {encoding}: {exc}; pass --encoding"
        ) from None
    columns = [str(c) for c in meta["fields"]]
    features = []
    geoms = (
        shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else [None] * len(values[0])
    )
    for i, geom in enumerate(geoms):
        props = {c: _python(v[i]) for c, v in zip(columns, values, strict=True)}
        unreadable = geom is None and wkb is not None and wkb[i] is not None
        features.append(
            Feature(i + 1, props, geom, "unreadable geometry (invalid WKB)" if unreadable else "")
        )
    return Source(name, columns, features, meta.get("crs"), notes)


def _csv_geometry(
    row: dict[str, str], lon: str | None, lat: str | None, wkt: str | None
) -> tuple[Any, str]:
    if wkt is not None:
        raw = (row.get(wkt) or "").strip()
        if not raw:
            return None, f"column {wkt!r} is empty; expected WKT such as POINT (113.7 37.6)"
        try:
            return shapely.from_wkt(raw), ""
        except shapely.errors.GEOSException:
            return None, f"column {wkt!r} = {raw[:60]!r} is not WKT"
    assert lon is not None and lat is not None
    try:
        x, y = float(row.get(lon) or "nan"), float(row.get(lat) or "nan")
    except ValueError:
        return (
            None,
            f"columns {lon!r}/{lat!r} = {row.get(lon)!r}/{row.get(lat)!r}: expected numbers",
        )
    if math.isnan(x) or math.isnan(y):
        return None, f"columns {lon!r}/{lat!r} are empty or NaN; expected numbers"
    return shapely.Point(x, y), ""


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lower = {c.strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


_TDRIVE = ("unit", "time", "lon", "lat")
_TDRIVE_ROW = re.compile(
    r"^\s*[^,]+,\s*\d{4}-\d{2}-\d{2}[ T][\d:]+,\s*-?\d+\.\d+,\s*-?\d+\.\d+\s*$"
)


def _tdrive_layout(text: str) -> bool:
    """Return whether the text has no header row and its first line is a T-Drive fix.

    A fix is taxi id, time, longitude, latitude (Microsoft Research's T-Drive, the most common
    public GPS track in China).
    """
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    return bool(_TDRIVE_ROW.match(first))


def read_csv(path: Path, name: str, encoding: str | None) -> Source:
    """Read a CSV with longitude/latitude columns (lon/lng/longitude/x, lat/latitude/y) or WKT.

    The WKT is in a column of its own.
    """
    notes: list[str] = []
    text = _decode(path.read_bytes(), name, encoding, notes)
    try:
        sniffed = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        sniffed = csv.excel
    # Only the delimiter is guessed: quotes are double quotes (an apostrophe starts a neutralised
    # formula, see geo.csvcells, and would otherwise be taken for a quote character).
    dialect: Any = type("Sniffed", (csv.excel,), {"delimiter": sniffed.delimiter})
    headerless = _tdrive_layout(text)
    if headerless:
        notes.append(f"{name}: no header row; read as T-Drive's columns: {', '.join(_TDRIVE)}")
    reader = csv.DictReader(
        io.StringIO(text), dialect=dialect, fieldnames=list(_TDRIVE) if headerless else None
    )
    columns = [c for c in (reader.fieldnames or [])]
    lon, lat, wkt = _find(columns, _LON), _find(columns, _LAT), _find(columns, _WKT)
    if wkt is None and (lon is None or lat is None):
        raise DataError(
            f"{name}: no coordinates: expected longitude/latitude columns (lon, lng, longitude, "
            f"x / lat, latitude, y) or a WKT column (wkt, geometry); the columns are "
            f"{', '.join(columns)}"
        )
    geometry_columns = {lon, lat} if wkt is None else {wkt}
    features = []
    for row in reader:
        geom, problem = _csv_geometry(row, lon, lat, wkt)
        props = {
            c: (csvcells.restore(v.strip()) if isinstance(v, str) and v.strip() else None)
            for c, v in row.items()
            if c not in geometry_columns and c is not None
        }
        features.append(Feature(reader.line_num, props, geom, problem))
    kept = [c for c in columns if c not in geometry_columns]
    return Source(name, kept, features, None, notes, where="row")


def _pick(files: list[Path], suffixes: tuple[str, ...], wanted: str | None, name: str) -> Path:
    found = [f for f in files if f.suffix.lower() in suffixes]
    if wanted:
        found = [f for f in found if wanted in (f.name, f.stem)]
    if len(found) == 1:
        return found[0]
    if not found:
        what = f"named {wanted!r} " if wanted else ""
        raise DataError(f"{name}: the archive holds no {'/'.join(suffixes)} file {what}to import")
    raise DataError(
        f"{name}: the archive holds several files ({', '.join(f.name for f in found)}); "
        "choose one with --layer NAME"
    )


def _layer_of(path: Path, name: str, wanted: str | None) -> str | None:
    listed = _layers(path, name)
    if wanted is not None:
        if wanted not in listed:
            raise DataError(f"{name}: has no layer {wanted!r}; its layers are {', '.join(listed)}")
        return wanted
    if len(listed) > 1:
        raise DataError(
            f"{name}: has several layers ({', '.join(listed)}); choose one with --layer NAME"
        )
    return None


def _name_gpx_tracks(path: Path, name: str, source: Source) -> None:
    """Give the track points of a GPX file with several tracks their track's name.

    The name goes in the column ``track_name``, which the tracks layer reads as the patrol unit.
    """
    tracks = _from_gdal(path, name, "tracks", None, [])
    names = [f.props.get("name") for f in tracks.features]
    if len(names) < 2 or "track_fid" not in source.columns:
        return
    for feature in source.features:
        fid = feature.props.get("track_fid")
        feature.props["track_name"] = (
            names[fid] if isinstance(fid, int) and 0 <= fid < len(names) else None
        )
    source.columns = [*source.columns, "track_name"]
    source.notes.append(f"{name}: {len(names)} tracks; each track's name is the unit of its points")


def _read_shp(shp: Path, name: str, encoding: str | None) -> Source:
    present = {p.suffix.lower() for p in shp.parent.glob(shp.stem + ".*")}
    missing = [s for s in (".shx", ".dbf") if s not in present]
    if missing:
        raise DataError(
            f"{name}: a Shapefile needs its sibling files; "
            f"{', '.join(shp.stem + m for m in missing)} "
            "missing (zip the .shp with its .shx, .dbf, .prj and .cpg)"
        )
    notes: list[str] = []
    enc = encoding or _dbf_encoding(shp, notes)
    return _from_gdal(shp, name, None, enc, notes)


def _read_kml(kml: Path, name: str, wanted: str | None) -> Source:
    """Every layer (folder) of a KML, or the one named ``wanted``, concatenated."""
    listed = _layers(kml, name)
    chosen = [wanted] if wanted else listed
    parts = [
        _from_gdal(kml, name, layer, None, [], checked=True) for layer in chosen if layer in listed
    ]
    if not parts:
        raise DataError(f"{name}: has no layer {wanted!r}; its layers are {', '.join(listed)}")
    features = [f for part in parts for f in part.features]
    for number, feature in enumerate(features, start=1):
        feature.number = number
    columns = list(dict.fromkeys(c for part in parts for c in part.columns))
    return Source(name, columns, features, parts[0].crs or "EPSG:4326")


@contextmanager
def read(path: Path, options: ReadOptions) -> Iterator[Source]:
    """Read the file at ``path`` (format by its extension).

    Temporary files live as long as the context.

    Raises
    ------
    DataError
        Naming the file: unknown format, too large, unsafe archive, missing sibling files, several
        layers without ``--layer``, undecodable text.
    """
    name = path.name
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    size = path.stat().st_size
    if size > options.max_bytes:
        raise DataError(
            f"{name}: {size:,} bytes; at most {options.max_bytes:,} are allowed "
            "(setting GRIDSIGHT_MAX_UPLOAD_MB)"
        )
    suffix = path.suffix.lower()
    with tempfile.TemporaryDirectory(prefix="gridsight-import-") as tmp:
        if suffix in (".zip", ".kmz"):
            files = safe_extract(path, Path(tmp), options.max_bytes)
            if suffix == ".kmz":
                yield _read_kml(_pick(files, (".kml",), None, name), name, options.layer)
            else:
                inner = _pick(
                    files, (".shp", ".geojson", ".gpkg", ".kml", ".csv"), options.layer, name
                )
                yield _read_one(
                    inner, f"{name}/{inner.name}", dataclasses.replace(options, layer=None)
                )
            return
        yield _read_one(path, name, options)


def _read_one(path: Path, name: str, options: ReadOptions) -> Source:
    from etl import osm  # it reads into this module's Source

    if osm.is_osm(path):
        return osm.read_osm(path, name)
    suffix = path.suffix.lower()
    if suffix == ".csv" or (
        suffix == ".txt" and _tdrive_layout(path.read_bytes()[:4096].decode("utf-8", "replace"))
    ):
        return read_csv(path, name, options.encoding)
    if suffix == ".shp":
        return _read_shp(path, name, options.encoding)
    if suffix == ".kml":
        return _read_kml(path, name, options.layer)
    if suffix in (".geojson", ".json"):
        _decode(path.read_bytes()[: 1 << 20], name, options.encoding or "utf-8", [])
        return _from_gdal(path, name, None, None, [])
    if suffix == ".gpkg":
        return _from_gdal(path, name, _layer_of(path, name, options.layer), None, [], checked=True)
    if suffix == ".gpx":
        source = _from_gdal(path, name, options.layer or options.gpx_layer, None, [])
        source.crs = source.crs or "EPSG:4326"
        if (options.layer or options.gpx_layer) == "track_points":
            _name_gpx_tracks(path, name, source)
        return source
    raise DataError(
        f"{name}: unknown format {suffix or '(no extension)'}; expected one of {FORMATS}"
    )
