"""SQL fragments shared by the layer queries (all geometry in EPSG:4326)."""

from __future__ import annotations

DISPLAY_TZ = "Asia/Shanghai"
IN_VIEW = "{col} && ST_MakeEnvelope(:west, :south, :east, :north, 4326)"


def in_view(col: str = "geom") -> str:
    """Bounding-box test of ``col`` against the view (uses the GiST index)."""
    return IN_VIEW.format(col=col)


def simplified(col: str = "geom") -> str:
    """GeoJSON text of ``col`` simplified to half a pixel at the view's zoom, 6 decimals (~0.1 m)."""
    return f"ST_AsGeoJSON(ST_SimplifyPreserveTopology({col}, :tolerance), 6)"


def local_time(col: str) -> str:
    """``col`` (timestamptz) as 'YYYY-MM-DD HH24:MI' in the display time zone."""
    return f"to_char({col} AT TIME ZONE '{DISPLAY_TZ}', 'YYYY-MM-DD HH24:MI')"
