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
VIEW_FIELDS = "gs-view-fields"  # the state's parameters the browser sends to the layer API
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

# The import page
IMPORT_LAYER = "gs-import-layer"
IMPORT_UPLOAD = "gs-import-upload"
IMPORT_SUBLAYER = "gs-import-sublayer"
IMPORT_CRS = "gs-import-crs"
IMPORT_DATUM = "gs-import-datum"
IMPORT_ENCODING = "gs-import-encoding"
IMPORT_SKIP = "gs-import-skip"
IMPORT_SUMMARY = "gs-import-summary"
IMPORT_CONFIRM = "gs-import-confirm"
IMPORT_RESULT = "gs-import-result"
IMPORT_MAP = "gs-import-map"
IMPORT_PREVIEW = "gs-import-preview"
IMPORT_ERRORS = "gs-import-errors"
IMPORT_TOKEN = "gs-import-token"
IMPORT_LINK = "gs-import-link"
IMPORT_MAP_COLUMNS = "gs-import-map-columns"
IMPORT_IGNORE = "gs-import-ignore"
IMPORT_SET = "gs-import-set"
IMPORT_VALUES = "gs-import-values"
IMPORT_CODE_FROM = "gs-import-code-from"
IMPORT_CODE_PREFIX = "gs-import-code-prefix"
IMPORT_REPLACE = "gs-import-replace"
IMPORT_REPLACEMENT = "gs-import-replacement"

# The wall display
WALL = "gs-wall"
WALL_MAP = "gs-wall-map"
WALL_UNITS = "gs-wall-units"
WALL_INCIDENTS = "gs-wall-incidents"
WALL_TICK = "gs-wall-tick"
WALL_SEEN = "gs-wall-seen"
WALL_FEED = "gs-wall-feed"
WALL_CHART = "gs-wall-chart"
WALL_STATUS = "gs-wall-status"
WALL_UPDATED = "gs-wall-updated"
WALL_TOUR = "gs-wall-tour"


def wall_value(tile: str) -> str:
    """ID of the big number of wall KPI tile ``tile``."""
    return f"gs-wall-{tile}-value"


def wall_sub(tile: str) -> str:
    """ID of the line under the big number of wall KPI tile ``tile``."""
    return f"gs-wall-{tile}-sub"


# The planning page
PLAN_LINK = "gs-plan-link"
PLAN_DAYS = "gs-plan-days"
PLAN_METHOD = "gs-plan-method"
PLAN_SUMMARY = "gs-plan-summary"
PLAN_BLIND = "gs-plan-blind"
PLAN_DOSAGE = "gs-plan-dosage"
PLAN_EDIT = "gs-plan-edit"
PLAN_ITEMS = "gs-plan-items"
PLAN_ITEMS_LAYER = "gs-plan-items-layer"
PLAN_SUGGEST_LAYER = "gs-plan-suggest-layer"
PLAN_CAM = "gs-plan-cam"  # + "-lon", "-lat", "-az", "-fov", "-range"
PLAN_CAM_ADD = "gs-plan-cam-add"
PLAN_RESULT = "gs-plan-result"
PLAN_NAME = "gs-plan-name"
PLAN_SAVE = "gs-plan-save"
PLAN_DISCARD = "gs-plan-discard"
PLAN_LIST = "gs-plan-list"
PLAN_MESSAGE = "gs-plan-message"
PLAN_DOWNLOAD = "gs-plan-download"
PLAN_OPT_N = "gs-plan-opt-n"
PLAN_OPT_RUN = "gs-plan-opt-run"
PLAN_OPT_OUT = "gs-plan-opt-out"
PLAN_OPT_USE = "gs-plan-opt-use"
PLAN_ROUTE_UNIT = "gs-plan-route-unit"
PLAN_ROUTE_SHIFT = "gs-plan-route-shift"
PLAN_ROUTE_BUDGET = "gs-plan-route-budget"
PLAN_ROUTE_RUN = "gs-plan-route-run"
PLAN_ROUTE_OUT = "gs-plan-route-out"
PLAN_ROUTE_USE = "gs-plan-route-use"
PLAN_SUGGESTED = "gs-plan-suggested"  # store: the last proposals / route, for "use as what-if"
PLAN_ACTION = "gs-plan-action"  # pattern type: {"type": PLAN_ACTION, "index": "<verb>:<plan id>"}

# The map page: target, briefing export, the selected unit's figures (briefing), time playback
TARGET = "gs-target"
BRIEFING_PDF = "gs-briefing-pdf"
BRIEFING_PNG = "gs-briefing-png"
UNIT_FIGURES = "gs-unit-figures"
BRIEFING_STAMP = "gs-briefing-stamp"
PLAYBACK = "gs-playback"
PLAY_LOADED = "gs-play-loaded"  # store: the window the playback holds (set by assets/playback.js)
PLAN_SELECTED = "gs-plan-selected-item"  # store: index in PLAN_ITEMS of the camera the form edits
