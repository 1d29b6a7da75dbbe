"""The import page's help for one layer.

Its fields (required or optional, the column names and Chinese aliases a file may use, what a value
looks like), the file formats, the size limit, and a CSV template to download. Built from
:data:`etl.fields.LAYERS`, so it cannot drift from what the importer accepts.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from typing import Any

from dash import html

from dashboard.i18n import t
from etl.fields import CODE, DATE, ENUM, FLOAT, INT, TEXT, TIME, Field, LayerSpec

_CJK = re.compile(r"[\u3400-\u9fff]")
_KIND = {
    TEXT: "help_text",
    CODE: "help_code",
    INT: "help_int",
    FLOAT: "help_float",
    DATE: "help_date",
    TIME: "help_time",
    ENUM: "help_enum",
}
# An example value per field, for the template's one example row.
_EXAMPLE = {
    "code": {
        "admin": "140724001",
        "grids": "140724001001001",
        "roads": "R0001",
        "cameras": "C0001",
        "routes": "PR01",
        "incidents": "E0001",
    },
    "name": "示例",
    "level": "township",
    "parent_code": "140724",
    "village_code": "140724001001",
    "population": "1200",
    "households": "400",
    "grid_worker": "张三",
    "grid_worker_phone": "0351-0000000",
    "class": "main",
    "azimuth_deg": "90",
    "fov_deg": "60",
    "range_m": "80",
    "status": "online",
    "kind": "gun",
    "installed_on": "2026-01-01",
    "unit": "巡逻一组",
    "shift": "night",
    "recorded_at": "2026-11-01 08:30",
    "occurred_at": "2026-11-01 08:30",
    "category": "theft",
    "severity": "2",
}


def _aliases(f: Field) -> tuple[str, str]:
    """(Chinese aliases, other accepted column names) of field ``f``."""
    names = [a for a in f.aliases if a]
    return "、".join(a for a in names if _CJK.search(a)), ", ".join(
        a for a in names if not _CJK.search(a)
    )


def _values(f: Field, lang: str) -> str:
    """Describe what a value of ``f`` looks like, in ``lang``."""
    if f.kind == ENUM:
        codes = sorted(set(f.choices.values()))
        chinese: dict[str, str] = {}  # the first Chinese spelling: the vocabulary's own name
        for spelling, code in f.choices.items():
            if _CJK.search(spelling):
                chinese.setdefault(code, spelling)
        return ", ".join(f"{c} ({chinese[c]})" if c in chinese else c for c in codes)
    if f.kind in (INT, FLOAT) and (f.low is not None or f.high is not None):
        low = "" if f.low is None else f"{f.low:g} {'<' if f.low_open else '≤'} "
        high = "" if f.high is None else f" {'<' if f.high_open else '≤'} {f.high:g}"
        return f"{t(_KIND[f.kind], lang)}: {low}x{high}"
    return t(_KIND[f.kind], lang)


def template_csv(spec: LayerSpec, lon: float, lat: float) -> str:
    """Return a CSV template for ``spec`` (text).

    The field names, then the geometry (``lon, lat`` for points, ``wkt`` in EPSG:4326 otherwise),
    and one example row placed at ``lon, lat`` (degrees).
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    names = [f.name for f in spec.fields]
    point = spec.geometry == ("Point",)
    writer.writerow(names + (["lon", "lat"] if point else ["wkt"]))
    values = []
    for name in names:
        example = _EXAMPLE.get(name, "")
        values.append(example.get(spec.name, "") if isinstance(example, dict) else example)
    d = 0.002
    if point:
        geometry = [f"{lon:.6f}", f"{lat:.6f}"]
    elif "Polygon" in spec.geometry:
        ring = [
            (lon - d, lat - d),
            (lon + d, lat - d),
            (lon + d, lat + d),
            (lon - d, lat + d),
            (lon - d, lat - d),
        ]
        geometry = ["POLYGON((" + ", ".join(f"{x:.6f} {y:.6f}" for x, y in ring) + "))"]
    else:
        geometry = [f"LINESTRING({lon - d:.6f} {lat:.6f}, {lon + d:.6f} {lat:.6f})"]
    writer.writerow(values + geometry)
    return out.getvalue()


def help_panel(spec: LayerSpec, lang: str, max_upload_mb: int, lon: float, lat: float) -> list[Any]:
    """Build the help of layer ``spec`` in ``lang``.

    A table of its fields, the formats and size limit, and a link downloading its CSV template
    (UTF-8 with BOM, for spreadsheet programs).
    """
    head = html.Tr(
        [html.Th(t(k, lang), scope="col") for k in ("help_field", "help_aliases", "help_values")]
    )
    rows = []
    for f in spec.fields:
        chinese, other = _aliases(f)
        need = t("help_required" if f.required else "help_optional", lang)
        rows.append(
            html.Tr(
                [
                    html.Th(
                        [
                            html.Code(f.name),
                            html.Br(),
                            html.Span(need, className="gs-req" if f.required else "gs-opt"),
                        ],
                        scope="row",
                    ),
                    html.Td(
                        [
                            chinese,
                            html.Br() if chinese and other else None,
                            html.Span(other, className="gs-hint"),
                        ]
                    ),
                    html.Td(_values(f, lang)),
                ],
                className="gs-required" if f.required else "",
            )
        )
    geometry = " / ".join(spec.geometry)
    body = base64.b64encode(("\ufeff" + template_csv(spec, lon, lat)).encode("utf-8")).decode()
    return [
        html.P([html.B(t("help_geometry", lang) + " "), geometry]),
        html.Table(
            [html.Thead(head), html.Tbody(rows)],
            className="gs-compare gs-import-fields",
            id="gs-import-fields",
        ),
        html.P(t("help_formats", lang), className="gs-hint"),
        html.P(t("help_limit", lang).format(mb=max_upload_mb), className="gs-hint"),
        html.A(
            t("help_template", lang),
            href=f"data:text/csv;base64,{body}",
            download=f"{spec.name}-template.csv",
            className="gs-lang-switch gs-template",
            id="gs-import-template",
        ),
    ]
