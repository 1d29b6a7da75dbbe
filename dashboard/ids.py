"""Component IDs, typed once. Pattern-matching IDs for controls repeated per layer."""

from __future__ import annotations

MAP = "gs-map"
LEGEND = "gs-legend"
LAYERS_CONTROL = "gs-layers-control"
STATUS = "gs-status"
LANG_STORE = "gs-lang"
URL = "gs-url"
LANG_SWITCH = "gs-lang-switch"
STATE = "gs-state"
KPIS = "gs-kpis"
BREADCRUMBS = "gs-breadcrumbs"
RANKING = "gs-ranking"
METRIC = "gs-metric"
WINDOW = "gs-window"
CATEGORIES = "gs-categories"
RANGE = "gs-range"
STATUSES = "gs-statuses"


def layer(layer_id: str) -> dict[str, str]:
    """ID of the GeoJSON component that draws registry layer ``layer_id``."""
    return {"type": "gs-layer", "index": layer_id}


LAYER_TYPE = "gs-layer"
