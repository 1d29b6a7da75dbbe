"""What each importable layer is: its table, geometry types, fields, their aliases and their rules.

Field names are those of DOMAIN.md. A file's column is matched to a field by its name or one of the
field's aliases (case, spaces, hyphens and underscores ignored), Chinese names included; ``--map
field=column`` overrides the match. Enumerations accept their codes, English names and Chinese
names (``在线`` for ``online``). ``short`` is the column name written to Shapefiles (10 characters
at most), which the importer accepts back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from geo import limits
from geo import vocabulary as vocab
from geo.errors import DataError

TEXT, CODE, INT, FLOAT, DATE, TIME, ENUM = (
    "text",
    "code",
    "int",
    "float",
    "date",
    "datetime",
    "enum",
)


def _choices(names: dict[str, tuple[str, str]], *extra: tuple[str, str]) -> dict[str, str]:
    """Every accepted spelling (lower case) → the code."""
    out = {}
    for code, (english, chinese) in names.items():
        out.update({code: code, english.lower(): code, chinese: code})
    out.update({spelling: code for spelling, code in extra})
    return out


# OpenStreetMap's highway=* values (also Geofabrik's fclass) → road classes; the ways for people on
# foot, bicycles or horses, and roads not built yet, are skipped (and counted).
OSM_HIGHWAY = {
    **dict.fromkeys(("motorway", "trunk", "primary"), "highway"),
    **dict.fromkeys(("secondary", "tertiary"), "main"),
    **dict.fromkeys(
        (
            "motorway_link",
            "trunk_link",
            "primary_link",
            "secondary_link",
            "tertiary_link",
            "residential",
            "unclassified",
            "service",
            "living_street",
            "road",
            "busway",
        ),
        "local",
    ),
    "track": "track",
}
OSM_SKIPPED = frozenset(
    (
        "footway",
        "path",
        "cycleway",
        "steps",
        "pedestrian",
        "bridleway",
        "corridor",
        "sidewalk",
        "crossing",
        "platform",
        "elevator",
        "proposed",
        "construction",
        "abandoned",
        "disused",
        "raceway",
        "bus_stop",
        "rest_area",
        "services",
        "escape",
        "emergency_bay",
        "via_ferrata",
        "planned",
        "razed",
    )
)


@dataclass(frozen=True)
class Field:
    """One attribute: ``kind`` is how its value is read; ``low``/``high`` bound numbers."""

    name: str
    kind: str
    required: bool = True
    aliases: tuple[str, ...] = ()
    short: str = ""
    choices: dict[str, str] = field(default_factory=dict)
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    default: object = None
    skip: frozenset[str] = frozenset()  # values (lower case) whose features are skipped and counted

    @property
    def column(self) -> str:
        """The column name in Shapefiles (at most 10 characters)."""
        return self.short or self.name

    def expected(self) -> str:
        """Describe what a valid value looks like, for error messages."""
        if self.kind == ENUM:
            return "one of " + ", ".join(sorted(set(self.choices.values())))
        if self.kind in (INT, FLOAT):
            kind = "an integer" if self.kind == INT else "a number"
            lo = "" if self.low is None else f"{'>' if self.low_open else '≥'} {self.low:g}"
            hi = "" if self.high is None else f"{'<' if self.high_open else '≤'} {self.high:g}"
            return " ".join(x for x in (kind, lo, "and" if lo and hi else "", hi) if x)
        return {
            TEXT: "text",
            CODE: "a code",
            DATE: "a date (YYYY-MM-DD)",
            TIME: "a date and time (ISO 8601, e.g. 2026-11-01 08:30)",
        }[self.kind]


@dataclass(frozen=True)
class LayerSpec:
    """An importable layer: command-line name, table, accepted geometry types, fields, key."""

    name: str
    table: str
    geometry: tuple[str, ...]
    fields: tuple[Field, ...]
    key: tuple[str, ...] = ("code",)
    gpx_layer: str = "waypoints"

    def field(self, name: str) -> Field:
        """Return the field called ``name``."""
        return next(f for f in self.fields if f.name == name)


_CODE = Field(
    "code",
    CODE,
    aliases=(
        "id",
        "adcode",
        "osm_id",
        "编码",
        "代码",
        "编号",
        "区划代码",
        "行政区划代码",
        "bm",
        "dm",
    ),
)
_NAME = Field("name", TEXT, aliases=("名称", "名字", "mc"))
_OPTIONAL_NAME = Field("name", TEXT, required=False, aliases=("名称", "名字", "mc"), default="")

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            "admin",
            "admin_unit",
            ("Polygon", "MultiPolygon"),
            (
                _CODE,
                _NAME,
                Field(
                    "level",
                    ENUM,
                    required=False,
                    aliases=("级别", "层级"),
                    choices=_choices(
                        vocab.LEVEL,
                        ("省", "province"),
                        ("自治区", "province"),
                        ("直辖市", "province"),
                        ("市", "city"),
                        ("地区", "city"),
                        ("州", "city"),
                        ("盟", "city"),
                        ("district", "county"),
                        ("县", "county"),
                        ("区", "county"),
                        ("县区", "county"),
                        ("县级市", "county"),
                        ("旗", "county"),
                        ("street", "township"),
                        ("乡", "township"),
                        ("镇", "township"),
                        ("街道", "township"),
                        ("社区", "village"),
                        ("行政村", "village"),
                    ),
                ),
                Field(
                    "parent_code",
                    CODE,
                    required=False,
                    short="parent",
                    aliases=("parent", "parent_adcode", "上级编码", "上级代码", "parent_cod"),
                ),
            ),
        ),
        LayerSpec(
            "grids",
            "grid_cell",
            ("Polygon", "MultiPolygon"),
            (
                _CODE,
                _NAME,
                Field(
                    "village_code",
                    CODE,
                    required=False,
                    short="village",
                    aliases=("village", "村编码", "所属村编码", "village_co"),
                ),
                Field(
                    "population",
                    INT,
                    required=False,
                    aliases=("pop", "人口", "常住人口", "人口数"),
                    low=0,
                    default=0,
                ),
                Field(
                    "households", INT, required=False, aliases=("户数", "househo"), low=0, default=0
                ),
                Field(
                    "grid_worker",
                    TEXT,
                    required=False,
                    short="worker",
                    aliases=("worker", "网格员", "grid_worke"),
                ),
                Field(
                    "grid_worker_phone",
                    TEXT,
                    required=False,
                    short="phone",
                    aliases=("phone", "电话", "网格员电话", "联系电话", "gw_phone"),
                ),
            ),
        ),
        LayerSpec(
            "roads",
            "road",
            ("LineString", "MultiLineString"),
            (
                _CODE,
                _OPTIONAL_NAME,
                Field(
                    "class",
                    ENUM,
                    aliases=("road_class", "fclass", "highway", "等级", "道路等级", "道路类型"),
                    choices=_choices(
                        vocab.ROAD_CLASS,
                        ("高速", "highway"),
                        ("国道", "highway"),
                        ("主干路", "main"),
                        ("次干道", "main"),
                        ("支路", "local"),
                        ("小路", "track"),
                        *OSM_HIGHWAY.items(),
                    ),
                    skip=OSM_SKIPPED,
                ),
            ),
            gpx_layer="routes",
        ),
        LayerSpec(
            "cameras",
            "camera",
            ("Point",),
            (
                _CODE,
                _OPTIONAL_NAME,
                Field(
                    "azimuth_deg",
                    FLOAT,
                    short="azimuth",
                    aliases=("azimuth", "heading", "direction", "方位角", "朝向", "azimuth_de"),
                    low=0,
                    high=360,
                    high_open=True,
                ),
                Field(
                    "fov_deg",
                    FLOAT,
                    short="fov",
                    aliases=("fov", "视角", "视场角"),
                    low=0,
                    high=360,
                    low_open=True,
                ),
                Field(
                    "range_m",
                    FLOAT,
                    short="range",
                    aliases=("range", "radius", "半径", "范围", "距离"),
                    low=0,
                    high=limits.MAX_CAMERA_RANGE_M,
                    low_open=True,
                ),
                Field(
                    "status",
                    ENUM,
                    aliases=("状态",),
                    choices=_choices(vocab.CAMERA_STATUS, ("正常", "online"), ("损坏", "fault")),
                ),
                Field(
                    "kind",
                    ENUM,
                    aliases=("type", "类型", "种类"),
                    choices=_choices(vocab.CAMERA_KIND, ("球型", "dome")),
                ),
                Field(
                    "installed_on",
                    DATE,
                    required=False,
                    short="installed",
                    aliases=("installed", "install_date", "安装日期", "installed_"),
                ),
            ),
        ),
        LayerSpec(
            "routes",
            "patrol_route",
            ("LineString", "MultiLineString"),
            (
                _CODE,
                _OPTIONAL_NAME,
                Field("unit", TEXT, aliases=("patrol_unit", "单位", "巡逻单位", "巡逻队")),
                Field(
                    "shift",
                    ENUM,
                    aliases=("班次",),
                    choices=_choices(vocab.SHIFT, ("白天", "day"), ("夜间", "night")),
                ),
            ),
            gpx_layer="routes",
        ),
        LayerSpec(
            "tracks",
            "patrol_track",
            ("Point",),
            (
                Field(
                    "unit",
                    TEXT,
                    aliases=("patrol_unit", "单位", "巡逻单位", "巡逻队", "track_name"),
                ),
                Field(
                    "recorded_at",
                    TIME,
                    short="time",
                    aliases=("time", "timestamp", "datetime", "时间", "记录时间", "recorded_a"),
                ),
            ),
            key=("unit", "recorded_at"),
            gpx_layer="track_points",
        ),
        LayerSpec(
            "incidents",
            "incident",
            ("Point",),
            (
                _CODE,
                Field(
                    "occurred_at",
                    TIME,
                    short="time",
                    aliases=("time", "datetime", "时间", "发生时间", "occurred_a"),
                ),
                Field(
                    "category",
                    ENUM,
                    aliases=("类别", "案件类别", "警情类别", "type", "类型"),
                    choices=_choices(
                        vocab.INCIDENT_CATEGORY,
                        ("殴打", "assault"),
                        ("打架", "assault"),
                        ("交通事故", "traffic"),
                        ("盗窃案", "theft"),
                        ("公共秩序", "public_order"),
                    ),
                ),
                Field("severity", INT, aliases=("等级", "级别", "严重程度"), low=1, high=4),
                Field(
                    "status",
                    ENUM,
                    aliases=("状态",),
                    choices=_choices(
                        vocab.INCIDENT_STATUS,
                        ("已上报", "reported"),
                        ("处理中", "handling"),
                        ("已办结", "closed"),
                    ),
                ),
            ),
        ),
    )
}


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name).lower()


def match_columns(
    spec: LayerSpec,
    columns: list[str],
    overrides: dict[str, str],
    source: str,
    ignore: tuple[str, ...] = (),
) -> dict[str, str]:
    """Field name → the file's column holding it (only fields found).

    ``overrides`` (``--map FIELD=COLUMN``) wins over the match; ``--map FIELD=`` (an empty column)
    switches the field's match off, and ``ignore`` (``--ignore COLUMN``) lists columns never
    matched.

    Raises
    ------
    DataError
        When ``overrides`` names a field the layer does not have or a column the file lacks, or
        ``ignore`` a column the file lacks.
    """
    names = {f.name for f in spec.fields}
    for column in ignore:
        if column not in columns:
            raise DataError(
                f"--ignore {column}: {source} has no column {column!r}; "
                f"its columns are {', '.join(columns)}"
            )
    for fname, column in overrides.items():
        if fname not in names:
            raise DataError(
                f"--map {fname}={column}: layer '{spec.name}' has no field {fname!r}; "
                f"its fields are {', '.join(sorted(names))}"
            )
        if column and column not in columns:
            raise DataError(
                f"--map {fname}={column}: {source} has no column {column!r}; "
                f"its columns are {', '.join(columns)} (--map {fname}= with nothing after "
                "'=' switches the field off)"
            )
    usable = [c for c in columns if c not in ignore]
    by_norm = {_norm(c): c for c in reversed(usable)}
    found = {f: c for f, c in overrides.items() if c}
    taken = set(found.values())
    for f in spec.fields:
        if f.name in overrides:
            continue
        for alias in (f.name, f.short, *f.aliases):
            match = by_norm.get(_norm(alias)) if alias else None
            if match is not None and match not in taken:
                found[f.name] = match
                taken.add(match)
                break
    return found
