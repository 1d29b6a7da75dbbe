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
from geo.metrics import MAP_METRICS

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


@dataclass(frozen=True)
class Option:
    """One setting, declared once.

    Its :class:`Settings` field, environment variable, parser, default and help; the settings,
    ``--help`` texts and the README's table derive from these.

    ``default`` is the text the variable would hold (parsed like a value from the environment),
    or None when the setting is unset by default: then the field holds ``unset`` and the docs
    show ``shown`` (how the program decides without it). ``empty_is_unset``: an empty variable
    counts as unset rather than as a value.
    """

    name: str
    var: str
    parse: Callable[[str], Any]
    default: str | None
    help: str
    unset: Any = None
    shown: str | None = None
    empty_is_unset: bool = False

    def default_value(self) -> Any:
        """Return the field's value when the variable is not set."""
        return self.unset if self.default is None else self.parse(self.default)

    def shown_default(self) -> str:
        """Return the default as the docs show it (Markdown)."""
        if self.shown is not None:
            return self.shown
        return "empty" if self.default == "" else f"`{self.default}`"


OPTIONS: tuple[Option, ...] = (
    Option(
        "database_url",
        "DATABASE_URL",
        _parse_database_url,
        None,
        "external PostGIS (`postgresql://user:pass@host:5432/db`); unset = embedded",
        shown="unset",
        empty_is_unset=True,
    ),
    Option(
        "app_database_url",
        "GRIDSIGHT_APP_DATABASE_URL",
        _parse_database_url,
        None,
        "with `DATABASE_URL`: the web app's own login (a member of `gridsight_app`); see "
        '"Jurisdiction and the database\'s roles"',
        shown="unset",
        empty_is_unset=True,
    ),
    Option(
        "data_dir",
        "GRIDSIGHT_DATA_DIR",
        Path,
        None,
        "where the embedded cluster lives",
        unset=PROJECT_DIR / "var",
        shown="`./var`",
    ),
    Option(
        "pg_port",
        "GRIDSIGHT_PG_PORT",
        _parse_int(1024, 65535),
        None,
        "port of the embedded cluster when it is first created",
        shown="derived from the folder",
        empty_is_unset=True,
    ),
    Option(
        "pg_bin",
        "GRIDSIGHT_PG_BIN",
        Path,
        None,
        "folder of the PostgreSQL server programs (`pg_ctl`, `initdb`) for the embedded cluster",
        shown="the newest in `/usr/lib/postgresql`",
        empty_is_unset=True,
    ),
    Option(
        "host",
        "GRIDSIGHT_HOST",
        str,
        "127.0.0.1",
        "address the dashboard listens on (`python app.py --host` overrides it)",
    ),
    Option(
        "port",
        "GRIDSIGHT_PORT",
        _parse_int(1, 65535),
        "8050",
        "port the dashboard listens on (`python app.py --port` overrides it)",
    ),
    Option(
        "tile_url",
        "GRIDSIGHT_TILE_URL",
        _parse_tile_url,
        "",
        "intranet XYZ tile URL template with `{z}`, `{x}`, `{y}`",
    ),
    Option(
        "tile_attribution",
        "GRIDSIGHT_TILE_ATTRIBUTION",
        str,
        "",
        "attribution shown with the tiles",
    ),
    Option(
        "patrol_buffer_m",
        "GRIDSIGHT_PATROL_BUFFER_M",
        _parse_positive_float,
        "100",
        "patrol buffer width, metres",
    ),
    Option(
        "window_days",
        "GRIDSIGHT_WINDOW_DAYS",
        _parse_int(1, 3660),
        "30",
        "default incident window, days",
    ),
    Option(
        "language",
        "GRIDSIGHT_LANGUAGE",
        _parse_language,
        "zh",
        "interface language, `zh` or `en`",
    ),
    Option(
        "max_features",
        "GRIDSIGHT_MAX_FEATURES",
        _parse_int(100, 1_000_000),
        "20000",
        "most features one layer request returns",
    ),
    Option("debug", "GRIDSIGHT_DEBUG", _parse_bool, "0", "Dash debug mode"),
    Option(
        "max_upload_mb",
        "GRIDSIGHT_MAX_UPLOAD_MB",
        _parse_int(1, 100_000),
        "200",
        "largest file an import accepts (an archive: also decompressed)",
    ),
    Option(
        "upload_quota_mb",
        "GRIDSIGHT_UPLOAD_QUOTA_MB",
        _parse_int(1, 1_000_000),
        "1000",
        "most MB all uploads kept at once may hold (each is removed after its import or an hour)",
    ),
    Option(
        "statement_timeout_s",
        "GRIDSIGHT_STATEMENT_TIMEOUT_S",
        _parse_int(0, 86_400),
        "30",
        "longest a database statement of a web request may run, seconds; 0 = no limit",
    ),
    Option(
        "timezone",
        "GRIDSIGHT_TIMEZONE",
        _parse_timezone,
        "Asia/Shanghai",
        "time zone of imported times without one, of the times the pages show, of a custom "
        'range\'s days and of "today" on the wall',
    ),
    Option(
        "wall_refresh_s",
        "GRIDSIGHT_WALL_REFRESH_S",
        _parse_positive_float,
        "2",
        "wall display poll interval, seconds",
    ),
    Option(
        "wall_tour_s",
        "GRIDSIGHT_WALL_TOUR_S",
        _parse_int(0, 86_400),
        "0",
        "wall tour, seconds per township; 0 = off (`?tour=N` overrides)",
    ),
    Option(
        "home",
        "GRIDSIGHT_HOME",
        _parse_home,
        "map",
        "the page at `/`: `map` or `wall` (`python app.py --wall`)",
    ),
    Option(
        "default_metric",
        "GRIDSIGHT_DEFAULT_METRIC",
        _parse_metric,
        "camera_road_pct",
        "the metric the map colours units by when the address names none ("
        + ", ".join(f"`{m}`" for m in MAP_METRICS)
        + ")",
    ),
    Option(
        "target_pct",
        "GRIDSIGHT_TARGET_PCT",
        _parse_percent,
        "60",
        "target of a coverage metric, %: units below it are marked (`target=` in the address "
        "overrides)",
    ),
    Option(
        "refresh_sessions",
        "GRIDSIGHT_REFRESH_SESSIONS",
        _parse_int(1, 16),  # the engine's pool: 12 connections and 8 more, one of them the lead's
        "2",
        "database sessions a full coverage recompute runs on at once, 1-16 (about the database "
        "server's cores; 1 = serial)",
    ),
    Option(
        "refresh_s",
        "GRIDSIGHT_REFRESH_S",
        _parse_int(0, 86_400),
        "60",
        "how often each server process checks for rows other programs wrote and refreshes the "
        "coverage figures, seconds; 0 = off (imports and plans refresh anyway)",
    ),
    Option(
        "allowed_hosts",
        "GRIDSIGHT_ALLOWED_HOSTS",
        _parse_hosts,
        "localhost,127.0.0.1,::1",
        "host names the dashboard answers to (the `Host` header, without port); `*` any",
    ),
    Option(
        "session_idle_min",
        "GRIDSIGHT_SESSION_IDLE_MIN",
        _parse_int(1, 24 * 60),
        "30",
        "a session ends after this many minutes without a request (kiosk links excepted)",
    ),
    Option(
        "workers",
        "GRIDSIGHT_WORKERS",
        _parse_int(0, 64),
        "0",
        "gunicorn worker processes; 0 = cores + 1",
    ),
    Option("threads", "GRIDSIGHT_THREADS", _parse_int(1, 64), "4", "threads per worker"),
    Option(
        "request_timeout_s",
        "GRIDSIGHT_REQUEST_TIMEOUT_S",
        _parse_int(5, 3600),
        "120",
        "a worker stuck this long on one request is restarted, seconds",
    ),
)
OPTION = {o.name: o for o in OPTIONS}


def _default(name: str) -> Any:
    return OPTION[name].default_value()


DEFAULT_TIMEZONE: str = _default("timezone")


@dataclass(frozen=True)
class Settings:
    """Every Gridsight setting (one field per :data:`OPTIONS` entry, its default from there).

    Build with :meth:`from_env`; never mutate (it is frozen).
    """

    database_url: str | None = _default("database_url")
    app_database_url: str | None = _default("app_database_url")
    data_dir: Path = _default("data_dir")  # noqa: RUF009 (a Path is immutable)
    pg_port: int | None = _default("pg_port")
    pg_bin: Path | None = _default("pg_bin")  # noqa: RUF009 (None by default)
    host: str = _default("host")
    port: int = _default("port")
    tile_url: str = _default("tile_url")
    tile_attribution: str = _default("tile_attribution")
    patrol_buffer_m: float = _default("patrol_buffer_m")
    window_days: int = _default("window_days")
    language: str = _default("language")
    debug: bool = _default("debug")
    max_features: int = _default("max_features")
    max_upload_mb: int = _default("max_upload_mb")
    upload_quota_mb: int = _default("upload_quota_mb")
    statement_timeout_s: int = _default("statement_timeout_s")
    timezone: str = _default("timezone")
    wall_refresh_s: float = _default("wall_refresh_s")
    wall_tour_s: int = _default("wall_tour_s")
    home: str = _default("home")
    refresh_sessions: int = _default("refresh_sessions")
    refresh_s: int = _default("refresh_s")
    allowed_hosts: tuple[str, ...] = _default("allowed_hosts")
    session_idle_min: int = _default("session_idle_min")
    workers: int = _default("workers")
    threads: int = _default("threads")
    request_timeout_s: int = _default("request_timeout_s")
    default_metric: str = _default("default_metric")
    target_pct: float = _default("target_pct")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from ``environ`` (default ``os.environ``), then apply ``overrides``.

        None values in ``overrides`` are ignored (a command-line option not given).

        Raises
        ------
        SettingsError
            When a variable's value is not allowed; the message names the variable, the value
            and what is expected.
        """
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for option in OPTIONS:
            raw = env.get(option.var)
            if raw is None or (raw == "" and option.empty_is_unset):
                continue
            try:
                values[option.name] = option.parse(raw)
            except ValueError as exc:
                raise SettingsError(
                    f"{option.var}={raw!r} is not allowed: expected {exc}"
                ) from None
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)


if {f.name for f in dataclasses.fields(Settings)} != set(OPTION):  # a field without its Option
    raise RuntimeError("geo.settings: the fields of Settings and the OPTIONS differ")


def help_text(name: str) -> str:
    """Return the ``--help`` text of a command-line option that overrides setting ``name``.

    The text gives the setting's help, its variable and its default (plain text).

    >>> help_text("port")
    'port the dashboard listens on; setting GRIDSIGHT_PORT, default 8050'
    """
    text = OPTION[name].help.split(" (`python app.py")[0].replace("`", "")
    return f"{text}; {setting_note(name)}"


def setting_note(name: str) -> str:
    """Which setting gives a command-line default, and its default (plain text).

    >>> setting_note("window_days")
    'setting GRIDSIGHT_WINDOW_DAYS, default 30'
    """
    option = OPTION[name]
    return f"setting {option.var}, default {option.shown_default().replace('`', '')}"


def epilog() -> str:
    """Every setting, one a line, for the end of a command's ``--help`` (plain text)."""
    lines = [f"  {o.var} ({o.shown_default().replace('`', '')})" for o in OPTIONS]
    return "settings (environment variables; see the README):\n" + "\n".join(lines)


def markdown_table() -> str:
    """Build the README's table of settings (Markdown), one row per :data:`OPTIONS` entry."""
    rows = ["| variable | default | meaning |", "| --- | --- | --- |"]
    rows += [f"| `{o.var}` | {o.shown_default()} | {o.help} |" for o in OPTIONS]
    return "\n".join(rows) + "\n"


def describe() -> list[tuple[str, str, str]]:
    """``(environment variable, default as the docs show it, help)`` for every setting."""
    return [(o.var, o.shown_default(), o.help) for o in OPTIONS]
