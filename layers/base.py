"""What a map layer is: its query for a view, its style, its legend and its popup.

A layer's SQL returns one row per feature with the columns ``fid``, ``geometry`` (GeoJSON text,
EPSG:4326) and the attributes named in ``fields``; :meth:`Layer.features` turns the rows into a
GeoJSON FeatureCollection. A feature's popup is HTML built on demand by :meth:`Layer.popup_html`
(when someone clicks it), with every value escaped.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, TextClause, text

from geo import limits
from geo._sql import window_params
from geo.errors import DataError, NotFound
from geo.figures import Window, custom_range
from geo.hotspots import METHODS
from geo.metrics import DEFAULT_MAP_METRIC, MAP_METRICS
from geo.models import INCIDENT_CATEGORIES, INCIDENT_STATUSES
from geo.settings import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class LegendEntry:
    """One swatch of a layer's legend: a colour, its shape (fill, line or point) and a label."""

    color: str
    label_en: str
    label_zh: str
    shape: str = "fill"

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Field:
    """An attribute shown in a layer's popup; ``values`` names the values of an enumeration."""

    column: str
    label_en: str
    label_zh: str
    values: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def value(self, raw: Any, lang: str) -> str:
        """The value as shown: an enumeration's name in ``lang``, else the value itself."""
        names = self.values.get(str(raw))
        return _text(raw) if names is None else names[0 if lang == "en" else 1]


@dataclass(frozen=True)
class View:
    """The part of the map a request is for: bounds in EPSG:4326 degrees and the zoom level.

    Raises
    ------
    DataError
        From :meth:`parse` when the bounding box or zoom is malformed.
    """

    west: float
    south: float
    east: float
    north: float
    zoom: int
    lang: str = "zh"
    window_days: int = 30
    unit: str | None = None
    metric: str = DEFAULT_MAP_METRIC
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: dt.datetime | None = None  # a custom window (timezone-aware); else the last window_days
    end: dt.datetime | None = None
    method: str = "lattice"  # hot spots: on the lattice or on grid cells
    target: float | None = None  # %, the drill-down's target: shown units below it are marked
    fixed_classes: bool = (
        False  # units coloured by fixed classes (the wall) instead of the shown units' quantiles
    )
    timezone: str = DEFAULT_TIMEZONE  # IANA name: times shown, and custom ranges' days, in it

    def window(self) -> Window:
        """The incident window and filters of this view."""
        if self.start is not None and self.end is not None:
            return Window(self.start, self.end, self.categories, self.statuses)
        return Window.last_days(
            self.window_days, categories=self.categories, statuses=self.statuses
        )

    @classmethod
    def parse(
        cls, args: Mapping[str, str], window_days: int = 30, timezone: str = DEFAULT_TIMEZONE
    ) -> View:
        """Build from query arguments ``bbox=west,south,east,north&zoom=z&lang=zh|en``, and for the
        drill-down ``unit=CODE&metric=NAME&days=N``; ``start``/``end`` days are in ``timezone``
        (the ``GRIDSIGHT_TIMEZONE`` setting)."""
        try:
            west, south, east, north = (float(v) for v in args.get("bbox", "").split(","))
            zoom = int(args.get("zoom", "12"))
        except ValueError:
            raise DataError(
                "bbox must be 'west,south,east,north' in degrees and zoom an integer"
            ) from None
        if (
            not all(math.isfinite(v) for v in (west, south, east, north))
            or west >= east
            or south >= north
        ):
            raise DataError(
                f"bbox {west},{south},{east},{north} is not a box west<east, south<north"
            )
        if not limits.ZOOM[0] <= zoom <= limits.ZOOM[1]:
            raise DataError(
                f"zoom {zoom} is not allowed: expected {limits.ZOOM[0]} to {limits.ZOOM[1]}"
            )
        west, south, east, north = max(west, -180), max(south, -90), min(east, 180), min(north, 90)
        limits.view_box(west, south, east, north, zoom)
        lang = "en" if args.get("lang") == "en" else "zh"
        days = args.get("days", "")
        if days:
            window_days = limits.window_days(days)
        metric = args.get("metric") or cls.metric
        if metric not in MAP_METRICS:
            raise DataError(
                f"metric {metric!r} is not allowed: expected one of {', '.join(MAP_METRICS)}"
            )
        unit = args.get("unit") or None
        if unit is not None and not (unit.isdigit() and len(unit) in (6, 9, 12, 15)):
            raise DataError(f"unit {unit!r} is not a unit code (6, 9, 12 or 15 digits)")
        categories = tuple(c for c in args.get("cat", "").split(",") if c)
        statuses = tuple(s for s in args.get("status", "").split(",") if s)
        for value, allowed, name in (
            (categories, INCIDENT_CATEGORIES, "cat"),
            (statuses, INCIDENT_STATUSES, "status"),
        ):
            unknown = sorted(set(value) - set(allowed))
            if unknown:
                raise DataError(
                    f"{name} {','.join(unknown)!r} is not allowed: expected some of {', '.join(allowed)}"
                )
        start, end = custom_range(args.get("start"), args.get("end"), timezone)
        method = args.get("hs") or cls.method
        if method not in METHODS:
            raise DataError(f"hs {method!r} is not allowed: expected one of {', '.join(METHODS)}")
        target: float | None = None
        if args.get("target"):
            try:
                target = float(args["target"])
            except ValueError:
                target = -1.0
            if not 0 <= target <= 100:
                raise DataError(
                    f"target {args['target']!r} is not allowed: expected a percentage from 0 to 100"
                )
        return cls(
            west,
            south,
            east,
            north,
            zoom,
            lang,
            window_days,
            unit,
            metric,
            categories,
            statuses,
            start,
            end,
            method,
            target,
            timezone=timezone,
        )

    def params(self) -> dict[str, Any]:
        """Bind parameters every layer query may use; ``tolerance`` is half a pixel in degrees."""
        window = self.window()
        return {
            "west": self.west,
            "south": self.south,
            "east": self.east,
            "north": self.north,
            "zoom": self.zoom,
            "tolerance": 180.0 / (256 * 2**self.zoom),
            **window_params(window),
            "tz": self.timezone,
        }


@dataclass(frozen=True)
class Layer:
    """A map layer of the registry.

    ``query`` returns the SQL for a view (it may depend on the zoom, e.g. camera sectors only when
    zoomed in); ``style`` names a JavaScript function in ``assets/gridsight.js`` (namespace
    ``gridsight.style``) and ``point`` one in ``gridsight.point`` for point features.
    """

    id: str
    title_en: str
    title_zh: str
    query: Callable[[View], TextClause] | None
    fields: tuple[Field, ...]
    legend: tuple[LegendEntry, ...]
    style: str
    point: str | None = None
    min_zoom: int = 0
    visible: bool = True
    z: int = 0  # drawing order, set by the registry (higher is drawn on top)
    sent: tuple[str, ...] = ()  # the properties the map needs (styles, tests); empty = every column
    extra: Mapping[str, Any] = field(default_factory=dict)
    # Instead of ``query``: rows (same columns as a query's) built in Python, for the drill-down.
    rows: Callable[[Connection, View, int], list[Mapping[str, Any]]] | None = None
    pages: tuple[str, ...] = (
        "map",
    )  # the dashboard pages that draw it: 'map' (drill-down), 'plan'
    heavy: bool = (
        False  # computed over the whole territory per window: the server bounds how many at once
    )

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh" else self.title_en

    def features(self, conn: Connection, view: View, limit: int) -> dict[str, Any]:
        """The layer's features in ``view`` as a GeoJSON FeatureCollection (EPSG:4326).

        At most ``limit`` features; ``truncated`` is true when there were more. Below ``min_zoom``
        the collection is empty (the layer is not drawn that far out).
        """
        collection: dict[str, Any] = json.loads(self.features_json(conn, view, limit))
        return collection

    def features_json(self, conn: Connection, view: View, limit: int) -> str:
        """:meth:`features` as JSON text; a query layer's is built whole by PostgreSQL (no Python
        work per feature)."""
        if view.zoom < self.min_zoom:
            return '{"type": "FeatureCollection", "features": [], "truncated": false}'
        if self.query is not None:
            return str(
                conn.execute(
                    self._collection_sql(view), self._collection_params(view, limit)
                ).scalar_one()
            )
        if self.rows is None:
            raise NotFound(f"layer {self.id!r} has neither a query nor rows")
        rows: Sequence[Mapping[Any, Any]] = self.rows(conn, view, limit + 1)
        features = [self._feature(row, view.lang) for row in rows[:limit]]
        return json.dumps(
            {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def _popup_sql(self) -> str:
        """SQL of the popup HTML of a row ``q`` of the layer's query, every value escaped by gs_html."""

        def shown(i: int, f: Field) -> str:
            if not f.values:
                return f"q.{f.column}::text"
            names = " ".join(
                f"WHEN CAST(:enum_{i}_{k} AS text) THEN CAST(:name_{i}_{k} AS text)"
                for k in range(len(f.values))
            )
            return f"CASE q.{f.column}::text {names} ELSE q.{f.column}::text END"

        cells = " || ".join(
            f"'<tr><th>' || CAST(:label_{i} AS text) || '</th><td>' || "
            f"coalesce(gs_html({shown(i, f)}), '—') || '</td></tr>'"
            for i, f in enumerate(self.fields)
        )
        return f"""'<div class="gs-popup"><b>' || CAST(:title AS text) || '</b><table>' || {cells}
                    || '</table></div>'"""

    def _collection_sql(self, view: View) -> TextClause:
        assert self.query is not None
        # S608 below: fragments from layers._sql; values bound
        return text(f"""
            WITH q AS ({self.query(view).text})
            SELECT json_build_object(
                'type', 'FeatureCollection',
                'truncated', (SELECT count(*) FROM q) > :shown,
                'features', coalesce((SELECT json_agg(json_build_object(
                    'type', 'Feature', 'id', q.fid, 'geometry', q.geometry::json,
                    'properties', {self._properties_sql()}
                                  || jsonb_build_object('layer', CAST(:layer_id AS text), 'z', CAST(:z AS integer))))
                    FROM (SELECT * FROM q LIMIT :shown) q), '[]'::json))::text""")  # noqa: S608

    def _properties_sql(self) -> str:
        if not self.sent:
            return "(to_jsonb(q) - 'geometry' - 'fid')"
        pairs = ", ".join(f"'{c}', q.{c}" for c in self.sent)
        return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"  # e.g. a point's cluster size

    def popup_html(self, conn: Connection, view: View, fid: str, limit: int) -> str:
        """The popup of feature ``fid`` of ``view`` (asked for when someone clicks it: the layer's
        features carry no popups, which would be most of their weight).

        Raises
        ------
        NotFound
            When the view has no such feature.
        """
        found: str | None
        if len(fid) > limits.MAX_FID_CHARS:
            raise DataError(
                f"fid of {len(fid)} characters is not allowed: expected at most {limits.MAX_FID_CHARS}"
            )
        if self.query is not None:
            # S608 below: fragments from layers._sql; values bound
            found = conn.execute(
                text(
                    f"WITH q AS ({self.query(view).text}) SELECT {self._popup_sql()} "  # noqa: S608
                    "FROM q WHERE q.fid::text = :fid LIMIT 1"
                ),
                {**self._collection_params(view, limit), "fid": fid},
            ).scalar()
        elif self.rows is not None:
            row = next((r for r in self.rows(conn, view, limit) if str(r["fid"]) == fid), None)
            found = None if row is None else self.popup(row, view.lang)
        else:
            found = None
        if found is None:
            raise NotFound(f"layer {self.id!r} has no feature {fid!r} in this view")
        return found

    def _collection_params(self, view: View, limit: int) -> dict[str, Any]:
        labels = {f"label_{i}": html.escape(f.label(view.lang)) for i, f in enumerate(self.fields)}
        for i, f in enumerate(self.fields):
            for k, (raw, names) in enumerate(f.values.items()):
                labels[f"enum_{i}_{k}"] = raw
                labels[f"name_{i}_{k}"] = names[0 if view.lang == "en" else 1]
        return {
            **view.params(),
            "limit": limit + 1,
            "shown": limit,
            "layer_id": self.id,
            "z": self.z,
            "title": html.escape(self.title(view.lang)),
            **labels,
        }

    def _feature(self, row: Mapping[Any, Any], lang: str) -> dict[str, Any]:
        props = {k: _jsonable(v) for k, v in row.items() if k not in ("geometry", "fid")}
        props["layer"] = self.id
        props["z"] = self.z
        return {
            "type": "Feature",
            "id": row["fid"],
            "geometry": json.loads(row["geometry"]),
            "properties": props,
        }

    def popup(self, row: Mapping[Any, Any], lang: str) -> str:
        """HTML of the popup: a title and a table of the fields, every value HTML-escaped."""
        cells = "".join(
            f"<tr><th>{html.escape(f.label(lang))}</th><td>{html.escape(f.value(row.get(f.column), lang))}</td></tr>"
            for f in self.fields
        )
        return f'<div class="gs-popup"><b>{html.escape(self.title(lang))}</b><table>{cells}</table></div>'


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
