"""What a map layer is: its query for a view, its style, its legend and its popup.

A layer's SQL returns one row per feature with the columns ``fid``, ``geometry`` (GeoJSON text,
EPSG:4326) and the attributes named in ``fields``; :meth:`Layer.features` turns the rows into a
GeoJSON FeatureCollection. A feature's popup is HTML built on demand by :meth:`Layer.popup_html`
(when someone clicks it), with every value escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, TextClause, text

from geo import limits
from geo.errors import DataError, NotFound
from layers.view import View


@dataclass(frozen=True)
class LegendEntry:
    """One swatch of a layer's legend: a colour, its shape (fill, line or point) and a label."""

    color: str
    label_en: str
    label_zh: str
    shape: str = "fill"

    def label(self, lang: str) -> str:
        """Return the label in ``lang`` ('zh' or 'en')."""
        return self.label_zh if lang == "zh" else self.label_en


@dataclass(frozen=True)
class Field:
    """An attribute shown in a layer's popup; ``values`` names the values of an enumeration."""

    column: str
    label_en: str
    label_zh: str
    values: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def label(self, lang: str) -> str:
        """Return the label in ``lang`` ('zh' or 'en')."""
        return self.label_zh if lang == "zh" else self.label_en

    def value(self, raw: Any, lang: str) -> str:
        """Return the value as shown: an enumeration's name in ``lang``, else the value itself."""
        names = self.values.get(str(raw))
        return _text(raw) if names is None else names[0 if lang == "en" else 1]


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
        """Return the layer's title in ``lang`` ('zh' or 'en')."""
        return self.title_zh if lang == "zh" else self.title_en

    def features(self, conn: Connection, view: View, limit: int) -> dict[str, Any]:
        """Return the layer's features in ``view`` as a GeoJSON FeatureCollection (EPSG:4326).

        At most ``limit`` features; ``truncated`` is true when there were more. Below ``min_zoom``
        the collection is empty (the layer is not drawn that far out).

        Parameters
        ----------
        conn
            Connection, scoped to the request's jurisdiction.
        view
            The bounds (EPSG:4326 degrees), zoom and page state of the request.
        limit
            Most features sent.
        """
        collection: dict[str, Any] = json.loads(self.features_json(conn, view, limit))
        return collection

    def features_json(self, conn: Connection, view: View, limit: int) -> str:
        """Return :meth:`features` as JSON text.

        A query layer's is built whole by PostgreSQL (no Python work per feature).
        """
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
        features = [self._feature(row, view.language) for row in rows[:limit]]
        return json.dumps(
            {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit},
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def _popup_sql(self) -> str:
        """Return SQL of the popup HTML of a row ``q`` of the layer's query.

        Every value is escaped by gs_html.
        """

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
                                  || jsonb_build_object('layer', CAST(:layer_id AS text),
                                                        'z', CAST(:z AS integer))))
                    FROM (SELECT * FROM q LIMIT :shown) q), '[]'::json))::text""")  # noqa: S608

    def _properties_sql(self) -> str:
        if not self.sent:
            return "(to_jsonb(q) - 'geometry' - 'fid')"
        pairs = ", ".join(f"'{c}', q.{c}" for c in self.sent)
        return f"jsonb_strip_nulls(jsonb_build_object({pairs}))"  # e.g. a point's cluster size

    def popup_html(self, conn: Connection, view: View, fid: str, limit: int) -> str:
        """Return the popup of feature ``fid`` of ``view``.

        It is asked for when someone clicks the feature: the layer's features carry no popups, which
        would be most of their weight.

        Raises
        ------
        NotFound
            When the view has no such feature.
        """
        found: str | None
        if len(fid) > limits.MAX_FID_CHARS:
            raise DataError(
                f"fid of {len(fid)} characters is not allowed: "
                f"expected at most {limits.MAX_FID_CHARS}"
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
            found = None if row is None else self.popup(row, view.language)
        else:
            found = None
        if found is None:
            raise NotFound(f"layer {self.id!r} has no feature {fid!r} in this view")
        return found

    def _collection_params(self, view: View, limit: int) -> dict[str, Any]:
        labels = {
            f"label_{i}": html.escape(f.label(view.language)) for i, f in enumerate(self.fields)
        }
        for i, f in enumerate(self.fields):
            for k, (raw, names) in enumerate(f.values.items()):
                labels[f"enum_{i}_{k}"] = raw
                labels[f"name_{i}_{k}"] = names[0 if view.language == "en" else 1]
        return {
            **view.params(),
            "limit": limit + 1,
            "shown": limit,
            "layer_id": self.id,
            "z": self.z,
            "title": html.escape(self.title(view.language)),
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
            f"<tr><th>{html.escape(f.label(lang))}</th>"
            f"<td>{html.escape(f.value(row.get(f.column), lang))}</td></tr>"
            for f in self.fields
        )
        return (
            f'<div class="gs-popup"><b>{html.escape(self.title(lang))}</b>'
            f"<table>{cells}</table></div>"
        )


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
