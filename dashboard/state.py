"""What the map page shows, as a URL query string, so that every view can be shared as a link.

``?unit=140724001&metric=camera_road_pct&days=30&target=60``: the unit whose children are drawn
(default: the county), the metric that colours them (default ``GRIDSIGHT_DEFAULT_METRIC``), the
incident window in days and the target (%) below which units are marked (default
``GRIDSIGHT_TARGET_PCT``). The state is a :class:`layers.view.View`, read from the address by
:meth:`~layers.view.View.from_search`: unknown or malformed values fall back to the defaults, a link
never breaks the page. Here: the choices the page offers.
"""

from __future__ import annotations

from geo import metrics
from geo.vocabulary import INCIDENT_CATEGORY, INCIDENT_STATUS
from layers.view import View, parse_target

# The metrics the map can colour by: key -> (English, Chinese) name.
METRICS: dict[str, tuple[str, str]] = {
    m.key: (m.label_en, m.label_zh) for m in metrics.shown_in(metrics.Shown.MAP)
}
WINDOWS = (7, 30, 90)
CATEGORIES = {k: (en.capitalize(), zh) for k, (en, zh) in INCIDENT_CATEGORY.items()}
STATUSES = {k: (en.capitalize(), zh) for k, (en, zh) in INCIDENT_STATUS.items()}


# The map page's state is a layer view (one class, one parser: layers/view.py); the name stays for
# the pages that read it.
ViewState = View

__all__ = ["CATEGORIES", "METRICS", "STATUSES", "WINDOWS", "ViewState", "parse_target"]
