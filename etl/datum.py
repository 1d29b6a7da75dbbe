"""The Chinese web datums GCJ-02 (高德, 腾讯) and BD-09 (百度), converted to and from WGS-84.

GCJ-02 is WGS-84 shifted by a published, non-invertible formula (tens to hundreds of metres); BD-09
is GCJ-02 shifted again. The forward formulas (WGS-84 → GCJ-02 → BD-09) are the published ones; the
reverse conversions are solved by fixed-point iteration on the forward formula until the residual is
below 1e-9 degrees (about 0.1 mm), so ``forward(reverse(p)) == p`` to well under a metre. Outside
China GCJ-02 equals WGS-84, as the published formula specifies. All coordinates are degrees,
longitude first; the functions work element-wise on numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

DATUMS = ("wgs84", "gcj02", "bd09")

_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid the formula uses, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0
Coords = tuple[np.ndarray, np.ndarray]


def _outside_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _shift_lat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return np.asarray(ret)


def _shift_lon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return np.asarray(ret)


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> Coords:
    """Convert WGS-84 degrees to GCJ-02 degrees with the published forward formula."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlat = _shift_lat(lon - 105.0, lat - 35.0)
    dlon = _shift_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = _outside_china(lon, lat)
    return np.where(outside, lon, lon + dlon), np.where(outside, lat, lat + dlat)


def gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> Coords:
    """Convert GCJ-02 degrees to BD-09 degrees with the published forward formula."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def wgs84_to_bd09(lon: np.ndarray, lat: np.ndarray) -> Coords:
    """WGS-84 degrees → BD-09 degrees (through GCJ-02)."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], Coords], lon: np.ndarray, lat: np.ndarray
) -> Coords:
    """Solve ``forward(x) = (lon, lat)`` by fixed-point iteration (the shifts vary slowly)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x, y = lon.copy(), lat.copy()
    for _ in range(30):
        fx, fy = forward(x, y)
        dx, dy = fx - lon, fy - lat
        x, y = x - dx, y - dy
        if np.all(np.abs(dx) < 1e-9) and np.all(np.abs(dy) < 1e-9):
            break
    return x, y


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> Coords:
    """GCJ-02 degrees → WGS-84 degrees (inverse of :func:`wgs84_to_gcj02`, residual < 1e-9°)."""
    return _invert(wgs84_to_gcj02, lon, lat)


def bd09_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> Coords:
    """BD-09 degrees → WGS-84 degrees (inverse of :func:`wgs84_to_bd09`, residual < 1e-9°)."""
    return _invert(wgs84_to_bd09, lon, lat)


TO_WGS84: dict[str, Callable[[np.ndarray, np.ndarray], Coords]] = {
    "gcj02": gcj02_to_wgs84,
    "bd09": bd09_to_wgs84,
}
