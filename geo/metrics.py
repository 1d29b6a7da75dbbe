"""Every metric a unit has, declared once: the table :data:`METRICS`.

The coverage engine's sums (:mod:`geo._coverage_sql`), the refresh's figures (:mod:`geo.coverage`,
:mod:`geo.coverage_parallel`), the what-if (:mod:`geo.whatif`), the figures read back
(:mod:`geo.figures`), the independent recomputation (:mod:`geo.verify`), the plan export
(:mod:`geo.plans`), the units layer and every page that names a metric read this table.

Adding a coverage metric (a share of a unit's area or road length covered by something) is one
entry here and a migration adding its column (square metres or metres) to ``unit_coverage`` and to
the parallel refresh's ``coverage_work.unit`` and ``coverage_work.area`` (or ``.road``)
(``tests/test_metrics.py`` fails until they exist). Adding a counted metric (a share of two of the
raw figures :func:`geo.figures.raw_figures` reads: cameras, incidents, population...) is one entry.

Areas are in square metres and lengths in metres of the database's metric CRS
(``gs_metric_srid()``); the metrics themselves are percentages (0-100), counts, or incidents per
1,000 residents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum


class Cover(StrEnum):
    """What can cover a point of a unit."""

    WORKING_VIEW = "working_view"
    """The view region of a camera whose status is online."""
    OTHER_VIEW = "other_view"
    """The view region of a camera that is offline or faulty (installed but not working)."""
    PATROL = "patrol"
    """The buffer of ``patrol_buffer_m`` metres around a patrol route."""


class MosaicClass(StrEnum):
    """The class of a piece of the coverage mosaic (``coverage_piece.kind``): what covers it.

    With W the union of working views, O' the union of the other views minus W, and P the union
    of patrol buffers, the five classes are disjoint and together cover W ∪ O' ∪ P, so every
    coverage metric is a sum over the classes it is covered by (:attr:`Metric.classes`). The
    values are the codes stored in the database.
    """

    WORKING_VIEW_AND_PATROL = "wp"
    """W ∩ P: seen by a working camera and within a patrol buffer."""
    WORKING_VIEW_ONLY = "w"
    """W − P: seen by a working camera, no patrol."""
    OTHER_VIEW_AND_PATROL = "op"
    """O' ∩ P: seen only by cameras not working, and within a patrol buffer."""
    OTHER_VIEW_ONLY = "o"
    """O' − P: seen only by cameras not working, no patrol."""
    PATROL_ONLY = "p"
    """P − W − O': within a patrol buffer and seen by no camera."""

    @property
    def covers(self) -> frozenset[Cover]:
        """What covers a piece of this class.

        >>> sorted(MosaicClass.OTHER_VIEW_AND_PATROL.covers)
        [<Cover.OTHER_VIEW: 'other_view'>, <Cover.PATROL: 'patrol'>]
        """
        return _COVERS[self]


_COVERS: Mapping[MosaicClass, frozenset[Cover]] = {
    MosaicClass.WORKING_VIEW_AND_PATROL: frozenset({Cover.WORKING_VIEW, Cover.PATROL}),
    MosaicClass.WORKING_VIEW_ONLY: frozenset({Cover.WORKING_VIEW}),
    MosaicClass.OTHER_VIEW_AND_PATROL: frozenset({Cover.OTHER_VIEW, Cover.PATROL}),
    MosaicClass.OTHER_VIEW_ONLY: frozenset({Cover.OTHER_VIEW}),
    MosaicClass.PATROL_ONLY: frozenset({Cover.PATROL}),
}


class Measure(Enum):
    """What a coverage metric measures the covered part of.

    Its value is the ``unit_coverage`` column that holds the whole of it.
    """

    AREA = "area_m2"
    """The unit's area (m²)."""
    ROADS = "road_m"
    """The length of the road network inside the unit (m)."""


class Shown(Enum):
    """Where a metric is shown (each list follows the order of :data:`METRICS`)."""

    MAP = "map"
    """Colours the map: the metric dropdown, the units layer, the ranking, the briefing."""
    CELL = "cell"
    """The grid cell panel's comparison with the village and township."""
    WHATIF = "whatif"
    """The planning page's before → after table (narrow: few columns)."""
    PLAN_EXPORT = "plan_export"
    """The plan export's CSV summary."""


@dataclass(frozen=True)
class Metric:
    """One metric of a unit.

    ``key`` names it everywhere (the :class:`geo.figures.UnitFigures` field, the address's
    ``metric=``, the exports). A *coverage* metric has a ``measure`` and the ``covered_by`` that
    count: the covered part (m² or m) is kept in ``unit_coverage.<column>``, the sum over its
    mosaic classes, and the metric is that part as a percentage of the whole. The others are
    counted from cameras and incidents; ``column`` then names the ``unit_coverage`` column holding
    the count, if one does.
    """

    key: str
    label_en: str
    label_zh: str
    column: str | None = None
    measure: Measure | None = None
    covered_by: frozenset[Cover] = frozenset()
    higher_is_better: bool = True
    suffix: str = " %"  # after the number: " %", " ‰" or ""
    number_format: str = ".1f"  # of the value, as in format(value, number_format)
    shown: frozenset[Shown] = field(default_factory=frozenset)
    part: str | None = None
    """A counted metric's numerator: a figure of :func:`geo.figures.raw_figures`'s rows."""
    whole: str | None = None
    """A counted metric's denominator (a raw figure); None: the metric is the part itself."""
    per: int = 100
    """The share is per cent (100) or per thousand (1000)."""
    decimals: int = 1
    """Decimals the value is rounded to (half-up)."""

    @property
    def numerator(self) -> str:
        """The raw figure counted: the covered part's column, or :attr:`part`."""
        name = self.column if self.is_coverage else self.part
        if name is None:
            raise ValueError(f"metric {self.key!r} declares neither a measure nor a part")
        return name

    @property
    def denominator(self) -> str | None:
        """The raw figure it is a share of (measure column or :attr:`whole`); None: a count."""
        return self.measure.value if self.measure is not None else self.whole

    @property
    def classes(self) -> tuple[MosaicClass, ...]:
        """The mosaic classes whose pieces make up the covered part (none: not a coverage metric).

        >>> [c.value for c in CAMERA_AREA_PCT.classes], PATROL_PCT.classes[-1].value
        (['wp', 'w'], 'p')
        """
        return tuple(c for c in MosaicClass if c.covers & self.covered_by)

    @property
    def is_coverage(self) -> bool:
        """Whether it is summed from the coverage mosaic (kept in ``unit_coverage.<column>``)."""
        return self.measure is not None

    @property
    def is_percentage(self) -> bool:
        """Whether its value is a percentage (0-100): only those have a target."""
        return self.suffix.strip() == "%"

    def label(self, lang: str) -> str:
        """Its name in ``lang`` ('en', else Chinese)."""
        return self.label_en if lang == "en" else self.label_zh

    def heading(self, lang: str) -> str:
        """Its name as a column heading over bare numbers: with the unit when a percentage.

        >>> PATROL_PCT.heading("en"), INCIDENT_RATE.heading("zh")
        ('Patrol coverage (%)', '每千人警情')
        """
        return f"{self.label(lang)} (%)" if self.is_percentage else self.label(lang)

    def text(self, value: float | None, na: str) -> str:
        """``value`` as shown: formatted, with its unit; ``na`` when there is none.

        >>> CAMERA_ROAD_PCT.text(31.25, "n/a"), BLIND_INCIDENTS.text(7, "-")
        ('31.2 %', '7')
        >>> PATROL_PCT.text(None, "n/a")
        'n/a'
        """
        return na if value is None else f"{value:{self.number_format}}{self.suffix}"


_MAP, _CELL, _WHATIF, _EXPORT = Shown.MAP, Shown.CELL, Shown.WHATIF, Shown.PLAN_EXPORT

CAMERA_AREA_PCT = Metric(
    "camera_area_pct",
    "Camera coverage (area)",
    "视频覆盖率(面积)",
    column="camera_area_m2",
    measure=Measure.AREA,
    covered_by=frozenset({Cover.WORKING_VIEW}),
    shown=frozenset({_MAP, _CELL, _WHATIF, _EXPORT}),
)
CAMERA_AREA_INSTALLED_PCT = Metric(
    "camera_area_installed_pct",
    "Installed camera coverage (area)",
    "全部摄像机覆盖率(面积)",
    column="camera_area_installed_m2",
    measure=Measure.AREA,
    covered_by=frozenset({Cover.WORKING_VIEW, Cover.OTHER_VIEW}),
)
CAMERA_ROAD_PCT = Metric(
    "camera_road_pct",
    "Camera coverage (roads)",
    "视频覆盖率(道路)",
    column="camera_road_m",
    measure=Measure.ROADS,
    covered_by=frozenset({Cover.WORKING_VIEW}),
    shown=frozenset({_MAP, _CELL, _WHATIF, _EXPORT}),
)
CAMERA_ROAD_INSTALLED_PCT = Metric(
    "camera_road_installed_pct",
    "Installed camera coverage (roads)",
    "全部摄像机覆盖率(道路)",
    column="camera_road_installed_m",
    measure=Measure.ROADS,
    covered_by=frozenset({Cover.WORKING_VIEW, Cover.OTHER_VIEW}),
)
PATROL_PCT = Metric(
    "patrol_pct",
    "Patrol coverage",
    "巡逻覆盖率",
    column="patrol_area_m2",
    measure=Measure.AREA,
    covered_by=frozenset({Cover.PATROL}),
    shown=frozenset({_MAP, _CELL, _EXPORT}),
)
COMBINED_PCT = Metric(
    "combined_pct",
    "Combined coverage",
    "综合覆盖率",
    column="combined_area_m2",
    measure=Measure.AREA,
    covered_by=frozenset({Cover.WORKING_VIEW, Cover.PATROL}),
    shown=frozenset({_MAP, _CELL, _WHATIF, _EXPORT}),
)
WORKING_RATE_PCT = Metric(
    "working_rate_pct",
    "Camera working rate",
    "摄像机完好率",
    column="cameras_online",
    shown=frozenset({_MAP, _CELL}),
    part="cameras_online",
    whole="cameras",
)
BLIND_INCIDENTS = Metric(
    "blind_incidents",
    "Blind incidents",
    "盲区警情",
    higher_is_better=False,
    suffix="",
    number_format="d",
    shown=frozenset({_WHATIF, _EXPORT}),
    part="blind",
)
INCIDENT_COVERAGE_PCT = Metric(
    "incident_coverage_pct",
    "Incident coverage",
    "警情监控覆盖率",
    shown=frozenset({_CELL, _WHATIF, _EXPORT}),
    part="watched",
    whole="incidents",
)
INCIDENT_RATE = Metric(
    "incident_rate",
    "Incidents per 1,000 residents",
    "每千人警情",
    higher_is_better=False,
    suffix=" ‰",
    shown=frozenset({_MAP}),
    part="incidents",
    whole="population",
    per=1000,
    decimals=2,
)

METRICS: tuple[Metric, ...] = (
    CAMERA_AREA_PCT,
    CAMERA_AREA_INSTALLED_PCT,
    CAMERA_ROAD_PCT,
    CAMERA_ROAD_INSTALLED_PCT,
    PATROL_PCT,
    COMBINED_PCT,
    WORKING_RATE_PCT,
    BLIND_INCIDENTS,
    INCIDENT_COVERAGE_PCT,
    INCIDENT_RATE,
)
BY_KEY: Mapping[str, Metric] = {m.key: m for m in METRICS}
# The coverage metrics, summed from the mosaic by the engine, by what they measure.
COVERAGE: tuple[Metric, ...] = tuple(m for m in METRICS if m.is_coverage)
AREA_METRICS: tuple[Metric, ...] = tuple(m for m in COVERAGE if m.measure is Measure.AREA)
ROAD_METRICS: tuple[Metric, ...] = tuple(m for m in COVERAGE if m.measure is Measure.ROADS)


def shown_in(place: Shown) -> tuple[Metric, ...]:
    """Return the metrics shown in ``place``, in the table's order.

    >>> [m.key for m in shown_in(Shown.WHATIF)][:2]
    ['camera_area_pct', 'camera_road_pct']
    """
    return tuple(m for m in METRICS if place in m.shown)


# The metrics a map can colour units by (keys), and the one it colours by when none is named:
# working road coverage, the figure the county's story is told in.
MAP_METRICS: tuple[str, ...] = tuple(m.key for m in shown_in(Shown.MAP))
DEFAULT_MAP_METRIC = CAMERA_ROAD_PCT.key


def get(key: str) -> Metric:
    """Return the metric named ``key``; :class:`KeyError` naming the allowed keys for another."""
    try:
        return BY_KEY[key]
    except KeyError:
        raise KeyError(f"metric {key!r} is unknown: expected one of {', '.join(BY_KEY)}") from None


def classes_sql(classes: tuple[MosaicClass, ...]) -> str:
    """Return the SQL list literal of mosaic classes (codes from this module, never input).

    >>> classes_sql(COMBINED_PCT.classes)
    "('wp', 'w', 'op', 'p')"
    """
    return "(" + ", ".join(f"'{c.value}'" for c in classes) + ")"
