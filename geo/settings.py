"""Gridsight settings: declared once, validated at start, passed down frozen.

Every setting comes from an environment variable (``GRIDSIGHT_*`` or ``DATABASE_URL``) and may be
overridden on the command line. A bad value raises :class:`~geo.errors.SettingsError` naming the
variable, the value and what is allowed, before anything starts.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geo.errors import SettingsError
from geo.figures import MAP_METRICS

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _parse_int(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise ValueError(f"an integer from {low} to {high}")
        return value

    return parse


def _parse_positive_float(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0 or value != value or value == float("inf"):
        raise ValueError("a number greater than 0")
    return value


def _parse_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("one of 1/0, true/false, yes/no, on/off")


def _parse_language(raw: str) -> str:
    if raw not in {"zh", "en"}:
        raise ValueError("'zh' or 'en'")
    return raw


def _parse_home(raw: str) -> str:
    if raw not in ("map", "wall"):
        raise ValueError("map or wall")
    return raw


def _parse_timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("an IANA time zone name such as Asia/Shanghai") from None
    return raw


def _parse_metric(raw: str) -> str:
    if raw not in MAP_METRICS:
        raise ValueError("one of " + ", ".join(MAP_METRICS))
    return raw


def _parse_percent(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 100:
        raise ValueError("a percentage from 0 to 100")
    return value


def _parse_database_url(raw: str) -> str:
    if not raw.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        raise ValueError("a PostgreSQL URL such as postgresql://user:password@host:5432/dbname")
    if raw.startswith("postgres://"):
        raw = "postgresql://" + raw[len("postgres://") :]
    if raw.startswith("postgresql://"):
        raw = "postgresql+psycopg://" + raw[len("postgresql://") :]
    return raw


def _parse_hosts(raw: str) -> tuple[str, ...]:
    hosts = tuple(h.strip().lower() for h in raw.split(",") if h.strip())
    if not hosts or any(not re.fullmatch(r"\*|[a-z0-9.:\[\]_-]+", h) for h in hosts):
        raise ValueError(
            "a comma-separated list of host names or addresses (no ports), e.g. "
            "localhost,127.0.0.1,gridsight.example; * allows any"
        )
    return hosts


def _parse_tile_url(raw: str) -> str:
    if raw and not ("{z}" in raw and "{x}" in raw and "{y}" in raw):
        raise ValueError("an XYZ tile URL template containing {z}, {x} and {y}")
    return raw


# field name -> (environment variable, parser, description)
_ENV: dict[str, tuple[str, Callable[[str], Any], str]] = {
    "database_url": ("DATABASE_URL", _parse_database_url, "external PostGIS; unset = embedded"),
    "app_database_url": (
        "GRIDSIGHT_APP_DATABASE_URL",
        _parse_database_url,
        "with DATABASE_URL: the web app's login role (a member of gridsight_app; its user and password)",
    ),
    "data_dir": ("GRIDSIGHT_DATA_DIR", Path, "folder of the embedded PostgreSQL cluster"),
    "pg_port": ("GRIDSIGHT_PG_PORT", _parse_int(1024, 65535), "embedded PostgreSQL TCP port"),
    "host": ("GRIDSIGHT_HOST", str, "address the dashboard listens on"),
    "port": ("GRIDSIGHT_PORT", _parse_int(1, 65535), "port the dashboard listens on"),
    "tile_url": ("GRIDSIGHT_TILE_URL", _parse_tile_url, "intranet XYZ tile server; empty = none"),
    "tile_attribution": ("GRIDSIGHT_TILE_ATTRIBUTION", str, "attribution shown for the tiles"),
    "patrol_buffer_m": (
        "GRIDSIGHT_PATROL_BUFFER_M",
        _parse_positive_float,
        "patrol buffer width in metres",
    ),
    "window_days": ("GRIDSIGHT_WINDOW_DAYS", _parse_int(1, 3660), "default incident window, days"),
    "language": ("GRIDSIGHT_LANGUAGE", _parse_language, "default interface language"),
    "debug": ("GRIDSIGHT_DEBUG", _parse_bool, "Dash debug mode"),
    "max_features": (
        "GRIDSIGHT_MAX_FEATURES",
        _parse_int(100, 1_000_000),
        "most features one layer request returns",
    ),
    "max_upload_mb": (
        "GRIDSIGHT_MAX_UPLOAD_MB",
        _parse_int(1, 100_000),
        "largest file an import accepts, MB (an archive: also its decompressed size)",
    ),
    "upload_quota_mb": (
        "GRIDSIGHT_UPLOAD_QUOTA_MB",
        _parse_int(1, 1_000_000),
        "most MB all uploads kept at once may hold (each is removed after its import or an hour)",
    ),
    "statement_timeout_s": (
        "GRIDSIGHT_STATEMENT_TIMEOUT_S",
        _parse_int(0, 86_400),
        "longest a database statement of a web request may run, seconds; 0 = no limit",
    ),
    "timezone": (
        "GRIDSIGHT_TIMEZONE",
        _parse_timezone,
        "time zone of imported times and of 'today'",
    ),
    "wall_refresh_s": (
        "GRIDSIGHT_WALL_REFRESH_S",
        _parse_positive_float,
        "wall display poll interval, seconds",
    ),
    "wall_tour_s": (
        "GRIDSIGHT_WALL_TOUR_S",
        _parse_int(0, 86_400),
        "wall tour: seconds per township; 0 = off",
    ),
    "home": ("GRIDSIGHT_HOME", _parse_home, "page served at /: map or wall"),
    "default_metric": (
        "GRIDSIGHT_DEFAULT_METRIC",
        _parse_metric,
        "the metric the map colours units by when the address names none",
    ),
    "target_pct": (
        "GRIDSIGHT_TARGET_PCT",
        _parse_percent,
        "target of a coverage metric, %: units below it are marked (the address's target= overrides)",
    ),
    "refresh_sessions": (
        "GRIDSIGHT_REFRESH_SESSIONS",
        _parse_int(1, 16),  # the engine's pool: 12 connections and 8 more, one of them the lead's
        "database sessions a full coverage refresh runs on at once (about the database server's cores)",
    ),
    "refresh_s": (
        "GRIDSIGHT_REFRESH_S",
        _parse_int(0, 86_400),
        "how often each server process checks for rows other programs wrote and refreshes the "
        "coverage figures, seconds; 0 = off (imports and plans refresh anyway)",
    ),
    "allowed_hosts": (
        "GRIDSIGHT_ALLOWED_HOSTS",
        _parse_hosts,
        "host names the dashboard answers to (Host header)",
    ),
    "session_idle_min": (
        "GRIDSIGHT_SESSION_IDLE_MIN",
        _parse_int(1, 24 * 60),
        "a session ends after this many minutes without a request (kiosk links excepted)",
    ),
    "workers": (
        "GRIDSIGHT_WORKERS",
        _parse_int(0, 64),
        "server worker processes; 0 = by cores (2 x cores + 1)",
    ),
    "threads": ("GRIDSIGHT_THREADS", _parse_int(1, 64), "threads per server worker"),
    "request_timeout_s": (
        "GRIDSIGHT_REQUEST_TIMEOUT_S",
        _parse_int(5, 3600),
        "a worker busy longer than this on one request is restarted, seconds",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Every Gridsight setting. Build with :meth:`from_env`; never mutate (it is frozen)."""

    database_url: str | None = None
    app_database_url: str | None = None
    data_dir: Path = PROJECT_DIR / "var"
    pg_port: int | None = None
    host: str = "127.0.0.1"
    port: int = 8050
    tile_url: str = ""
    tile_attribution: str = ""
    patrol_buffer_m: float = 100.0
    window_days: int = 30
    language: str = "zh"
    debug: bool = False
    max_features: int = 20_000
    max_upload_mb: int = 200
    upload_quota_mb: int = 1000
    statement_timeout_s: int = 30
    timezone: str = "Asia/Shanghai"
    wall_refresh_s: float = 2.0
    wall_tour_s: int = 0
    home: str = "map"
    refresh_sessions: int = 2
    refresh_s: int = 60
    allowed_hosts: tuple[str, ...] = ("localhost", "127.0.0.1", "::1")
    session_idle_min: int = 30
    workers: int = 0
    threads: int = 4
    request_timeout_s: int = 120
    default_metric: str = "camera_road_pct"
    target_pct: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``), then apply ``overrides``.

        Raises
        ------
        SettingsError
            When a variable's value is not allowed; the message names the variable, the value
            and what is expected.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, (var, parse, _doc) in _ENV.items():
            raw = env.get(var)
            if raw is None or (
                raw == "" and name in {"database_url", "app_database_url", "pg_port"}
            ):
                continue
            try:
                values[name] = parse(raw)
            except ValueError as exc:
                raise SettingsError(f"{var}={raw!r} is not allowed: expected {exc}") from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)


def describe() -> list[tuple[str, str, str]]:
    """``(environment variable, default, description)`` for every setting, for docs and --help."""
    defaults = Settings()
    return [
        (var, str(getattr(defaults, name) if getattr(defaults, name) is not None else ""), doc)
        for name, (var, _parse, doc) in _ENV.items()
    ]
