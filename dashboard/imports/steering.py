"""The import page's column steering, codes for files without ids and replace.

The controls, the options they make (through :func:`etl.steering.steer`, as ``python -m etl import``
reads the same text) and the list of what a replace would delete, shown before the import is
confirmed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from dash import Input, State, dcc, html
from sqlalchemy import Engine

from dashboard import ids
from dashboard.i18n import t
from etl import steering
from etl.deleting import Deletion
from etl.importing import ImportOptions, import_file
from geo.settings import Settings

# (component id, label key, placeholder) of the text boxes, in the order the callbacks read them
_BOXES = (
    (ids.IMPORT_MAP_COLUMNS, "import_map_columns", "code=编号; name=名称"),
    (ids.IMPORT_IGNORE, "import_ignore", "id, fid"),
    (ids.IMPORT_SET, "import_set", "kind=gun"),
    (ids.IMPORT_VALUES, "import_values", "status=正常:online,故障:faulty"),
    (ids.IMPORT_CODE_FROM, "import_code_from", "name, kind"),
    (ids.IMPORT_CODE_PREFIX, "import_code_prefix", "WP"),
)
SHOWN = 50  # keys listed per table in the replace preview


def controls(lang: str) -> list[Any]:
    """Build the steering boxes (one labelled input each) and the replace check box, in ``lang``."""
    boxes = [
        html.Label(
            [
                html.Span(t(key, lang)),
                dcc.Input(id=cid, type="text", placeholder=example, debounce=True),
            ],
            className="gs-field",
        )
        for cid, key, example in _BOXES
    ]
    return [
        html.Details(
            className="gs-import-options",
            children=[html.Summary(t("import_steering", lang)), *boxes],
        ),
        dcc.Checklist(
            id=ids.IMPORT_REPLACE,
            options=[{"label": t("import_replace", lang), "value": "replace"}],
            value=[],
        ),
    ]


def inputs() -> list[Input]:
    """Return the controls as callback inputs (the check runs again when one changes)."""
    return [Input(cid, "value") for cid, _, _ in _BOXES] + [Input(ids.IMPORT_REPLACE, "value")]


def states() -> list[State]:
    """Return the controls as callback states, in the order of :func:`inputs`."""
    return [State(cid, "value") for cid, _, _ in _BOXES] + [State(ids.IMPORT_REPLACE, "value")]


def options(base: ImportOptions, values: list[Any]) -> ImportOptions:
    """Steer ``base`` by the controls' ``values`` (in the order of :func:`inputs`).

    Raises
    ------
    DataError
        When a box's text is not in the command line's syntax.
    """
    maps, ignore, sets, value_maps, code_from, prefix, replace = values
    return steering.steer(
        base,
        maps=maps,
        ignore=ignore,
        sets=sets,
        values=value_maps,
        code_from=code_from,
        code_prefix=prefix,
        replace="replace" in (replace or []),
    )


def would_delete(
    engine: Engine, layer: str, path: Path, steered: ImportOptions, settings: Settings
) -> Deletion | None:
    """List what importing ``path`` with ``steered.replace`` would delete.

    The import runs as ``--replace --dry-run`` does (one transaction, rolled back); None without
    replace.
    """
    if not steered.replace:
        return None
    result = import_file(engine, layer, path, dataclasses.replace(steered, dry_run=True), settings)
    return result.deletion or Deletion(layer)


def listing(deletion: Deletion | None, lang: str) -> Any:
    """List the rows a replace would delete, per table (the first :data:`SHOWN` keys of each)."""
    if deletion is None:
        return None
    if not deletion.count:
        return html.P(t("import_replace_none", lang))
    tables = [
        html.Li(
            [
                html.Strong(f"{table} ({len(keys)}): "),
                ", ".join(keys[:SHOWN])
                + (f", … (+{len(keys) - SHOWN})" if len(keys) > SHOWN else ""),
            ]
        )
        for table, keys in deletion.deleted.items()
    ]
    return [
        html.P(t("import_replace_would", lang).format(n=deletion.count), className="gs-warning"),
        html.Ul(tables),
    ]
