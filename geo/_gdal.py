"""GDAL restricted to the drivers Gridsight reads and writes, before anything loads it.

GDAL picks a driver from a file's content, not its name: a ``.geojson`` holding an
``<OGRVRTDataSource>`` would open ``CSV:/etc/passwd`` or ``/vsicurl/http://...``. So every vector
driver other than those of :data:`geo.limits.IMPORT_DRIVERS` and ``EXPORT_DRIVERS`` is skipped
(``GDAL_SKIP``, read once when GDAL registers its drivers, i.e. when pyogrio is first imported:
:mod:`geo` sets it on import), network access by ``/vsicurl`` and friends is refused, and SQLite
views and triggers may not open other data sets. :func:`check` proves it in the running process.
"""

from __future__ import annotations

import os

from geo import limits
from geo.errors import DataError

# Every vector-capable driver of the GDAL 3.12 that pyogrio ships and its raster drivers that read
# other files or the network (a name GDAL does not have makes it print a warning, so only these);
# :func:`check` refuses to read when a GDAL brings another. Names with a space ("MapInfo File")
# cannot be skipped (GDAL splits the list on spaces).
_KNOWN = (
    "ADBC",
    "AIVector",
    "AVCBin",
    "AVCE00",
    "AmigoCloud",
    "CSV",
    "CSW",
    "Carto",
    "DGN",
    "DXF",
    "EDIGEO",
    "EEDA",
    "ESRIJSON",
    "Elasticsearch",
    "FlatGeobuf",
    "GDALG",
    "GML",
    "GPKG",
    "GPSBabel",
    "GPX",
    "GTFS",
    "GeoJSON",
    "GeoJSONSeq",
    "GeoRSS",
    "HTTP",
    "Idrisi",
    "JML",
    "JSONFG",
    "KML",
    "LIBKML",
    "LVBAG",
    "MBTiles",
    "MEM",
    "MVT",
    "MapML",
    "MiraMonVector",
    "NGW",
    "OAPIF",
    "ODS",
    "OGCAPI",
    "OGR_GMT",
    "OGR_PDS",
    "OGR_VRT",
    "OSM",
    "OpenFileGDB",
    "PCIDSK",
    "PDF",
    "PDS4",
    "PGDUMP",
    "PLSCENES",
    "PMTiles",
    "S57",
    "SQLite",
    "SXF",
    "Selafin",
    "TopoJSON",
    "VDV",
    "VFK",
    "VICAR",
    "WAsP",
    "WFS",
    "XLSX",
    "VRT",
    "GTI",
    "WMS",
    "WMTS",
    "WCS",
    "DAAS",
    "EEDAI",
    "STACTA",
    "STACIT",
    "PLMosaic",
    "ESRIC",
    "Derived",
)
ALLOWED = frozenset(limits.IMPORT_DRIVERS.values()) | frozenset(limits.EXPORT_DRIVERS)
SKIPPED = tuple(d for d in _KNOWN if d not in ALLOWED)
_UNSKIPPABLE = frozenset({"MapInfo File"})  # local files only; never chosen (extension check)

_CONFIG = {
    "GDAL_SKIP": " ".join(SKIPPED),
    "CPL_VSIL_CURL_ALLOWED_EXTENSIONS": ".gridsight-no-network",  # /vsicurl/ opens nothing
    "GDAL_HTTP_PROXY": "127.0.0.1:9",  # and any HTTP request GDAL still makes goes nowhere
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "LIBKML_RESOLVE_STYLE": "NO",
    "GDAL_ENABLE_DEPRECATED_DRIVER_GTM": "NO",
}


def configure() -> None:
    """Set GDAL's restrictions in the environment (idempotent; effective if pyogrio loads after)."""
    for name, value in _CONFIG.items():
        os.environ[name] = value


def check() -> None:
    """Raise :class:`DataError` when GDAL has a vector driver loaded that Gridsight does not allow.

    That happens when GDAL was loaded before :mod:`geo`, or when a newer GDAL brings a driver this
    module does not know.
    """
    import pyogrio

    extra = sorted(set(pyogrio.list_drivers()) - ALLOWED - _UNSKIPPABLE)
    if extra:
        raise DataError(
            f"GDAL has drivers loaded that the importer does not allow ({', '.join(extra)}); "
            "import geo before anything that loads pyogrio, and add new drivers to geo/_gdal.py"
        )
