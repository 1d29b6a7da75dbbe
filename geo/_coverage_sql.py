"""SQL of the coverage engine. Every statement runs in the metric CRS ``:srid`` (metres).

The mosaic is one set of disjoint polygons, each of one *class* by what covers it. With W the union
of working views, O' the union of the other views minus W, and P the union of patrol buffers:

    wp = W ∩ P    w = W − P    op = O' ∩ P    o = O' − P    p = P − W − O'

(:class:`geo.metrics.MosaicClass`), so that every coverage metric is a sum over the classes it is
covered by (:attr:`geo.metrics.Metric.classes`), and pieces never overlap. The per-metric sums
below are generated from the table :data:`geo.metrics.METRICS`.
Bind parameters: ``:srid``, ``:buffer`` (patrol buffer, metres), ``:max_id`` (last change handled).
Templates and their ``$fragments`` follow :mod:`geo._sql`; a script is a tuple of statements.
Temporary tables live for the refresh's transaction only; each is named for what it holds.
"""

from __future__ import annotations

from geo._sql import fill, fill_all
from geo.metrics import (
    AREA_METRICS,
    COMBINED_PCT,
    COVERAGE,
    ROAD_METRICS,
    MosaicClass,
    classes_sql,
)

# Quarter-circle segments of patrol buffers: 32 keeps the area error of a round end below 0.05 %.
QUAD_SEGS = "quad_segs=32"
PIECE_VERTICES = 96  # most vertices of one mosaic piece (ST_Subdivide)
# The unions are built per square tile of this side (metres): a union's cost grows faster than the
# number of views, and tiles keep it local (a province is thousands of independent tiles). At 2 km
# (rather than 4) a town center spans several tiles, so a parallel refresh can share it out; the
# serial refresh costs the same either way.
TILE_M = 2000

# Every temporary table of a refresh (dropped before one starts, in case a session kept any).
TEMP_TABLES = (
    "gs_changed_region",
    "gs_region",
    "gs_old_pieces",
    "gs_views",
    "gs_buffers",
    "gs_tiled_sources",
    "gs_working_union",
    "gs_other_union",
    "gs_other_only",
    "gs_patrol_union",
    "gs_camera_union",
    "gs_new_pieces",
    "gs_roads_to_measure",
    "gs_kept_pieces",
    "gs_pieces_after",
    "gs_pieces_before",
    "gs_covered_roads_after",
    "gs_covered_roads_before",
)


# -- units and roads (full refresh) ---------------------------------------------------------------

# What UNITS, ROAD_LENGTH and TILING derive from the units and roads alone (metric shapes, pieces,
# areas, road lengths, tiling) is kept between full refreshes while neither changes. Bump this when
# the way they are derived changes, so that databases rebuild them.
UNITS_VERSION = "1"

# A full refresh that keeps the units starts every coverage figure from zero.
RESET = fill(
    "UPDATE unit_coverage SET $zeros, cameras = 0, cameras_online = 0",
    zeros=", ".join(f"{m.column} = 0" for m in COVERAGE),
)

# The units' metric shapes, areas and population into $units, their pieces into $unit_pieces, the
# road network's pieces into $roads: the live tables (a serial refresh) or the work tables of a
# parallel one (geo/coverage_parallel.py), which are empty by then.
UNITS = (
    "DELETE FROM $units",
    """
WITH pop AS (
    SELECT left(code, n) AS code, sum(population)::integer AS population
    FROM grid_cell, (VALUES (2), (4), (6), (9), (12)) AS lengths(n) GROUP BY 1
)
INSERT INTO $units (code, level, name, parent_code, population, area_m2, geom, geom_m)
SELECT code, 'grid', name, village_code, population, ST_Area(ST_Transform(geom, :srid)),
       geom, ST_Transform(geom, :srid)
FROM grid_cell
UNION ALL
SELECT a.code, a.level, a.name, a.parent_code, coalesce(pop.population, 0),
       ST_Area(ST_Transform(a.geom, :srid)), a.geom, ST_Transform(a.geom, :srid)
FROM admin_unit a LEFT JOIN pop ON pop.code = gs_unit_prefix(a.code, a.level)""",
    "INSERT INTO $unit_pieces (code, geom) SELECT code, ST_Subdivide(geom_m, 128) FROM $units",
    "ANALYZE $units",
    "ANALYZE $unit_pieces",
    "DELETE FROM $roads",
    """
INSERT INTO $roads (geom)
SELECT ST_Subdivide(u, 64) FROM (SELECT ST_Union(ST_Transform(geom, :srid)) AS u FROM road) x
WHERE u IS NOT NULL""",
    "ANALYZE $roads",
)
LIVE_TABLES = {"units": "unit_coverage", "unit_pieces": "unit_piece", "roads": "road_piece"}

# -- parents summed from their children (full refresh) --------------------------------------------

# Relative tolerance of the tiling test: 1e-7 of a unit's area (0.1 m² of a 1 km² cell) leaves the
# shown percentages (one decimal) untouched; real gaps and overlaps are far larger.
TILING_TOLERANCE = 1e-7

# Relative tolerance of the road test: every road crossing a child's border counts up to BORDER_M
# more on each side of it (see LENGTH_BY_UNIT), a few millimetres per crossing, which the children's
# sum must not be mistaken for a road along their border. Summing the covered lengths of children
# whose road lengths add up to within 1e-5 of the parent's errs by at most 0.001 percentage points.
ROAD_TILING_TOLERANCE = 1e-5

# Which parents their children tile: the children's areas add up to the parent's, their parts inside
# the parent too (so none sticks out), and siblings do not overlap. Such a parent's covered areas
# are the sums of its children's, exactly, so they are rolled up instead of measured. Its covered
# road lengths roll up too when, in addition, its children's road lengths (each measured on its own
# shape, like the parent's) add up to its own: a road along the border of two children is in both
# but once in the parent, and such a parent is measured. Any other parent is measured on its own
# geometry. Overlaps are measured by overlays, never by GEOS predicates, which can throw on slivers.
# $parents_of_c, $parents_of_a: which parents (of child c, of child a) to decide; all: "true".
TILING = fill(
    """
UPDATE $units u SET tiled = t.tiled, roads_tiled = t.roads_tiled FROM (
    WITH kids AS (
        SELECT c.parent_code AS code, sum(c.area_m2) AS area, sum(c.road_m) AS road_m,
               sum(ST_Area(ST_Intersection(c.geom_m, p.geom_m))) AS inside
        FROM $units c JOIN $units p ON p.code = c.parent_code WHERE $parents_of_c
        GROUP BY c.parent_code
    ), overlap AS (
        SELECT a.parent_code AS code, sum(ST_Area(ST_Intersection(a.geom_m, b.geom_m))) AS area
        FROM $units a JOIN $units b
          ON b.parent_code = a.parent_code AND b.code > a.code AND b.geom_m && a.geom_m
        WHERE $parents_of_a GROUP BY a.parent_code
    )
    SELECT p.code, a.tiled,
           a.tiled AND abs(k.road_m - p.road_m) <= $road_tol * p.road_m + 0.01 AS roads_tiled
    FROM $units p JOIN kids k ON k.code = p.code LEFT JOIN overlap o ON o.code = p.code
    CROSS JOIN LATERAL (SELECT abs(k.area - p.area_m2) <= $tol * p.area_m2
                               AND abs(k.inside - p.area_m2) <= $tol * p.area_m2
                               AND coalesce(o.area, 0) <= $tol * p.area_m2 AS tiled) a
) t
WHERE u.code = t.code
""",
    tol=repr(TILING_TOLERANCE),
    road_tol=repr(ROAD_TILING_TOLERANCE),
)

# Units whose areas (roads) a full refresh measures on their own geometry ($u: the unit's alias):
# all but the rolled-up ones.
MEASURED_AREAS = "NOT $u.tiled"
MEASURED_ROADS = "NOT $u.roads_tiled"

# Roll up the figures of the tiled parents of one level (:level) from their children, which are
# final by then: run for villages, then townships, then counties ($units: the unit table).
_ROLL_UP = """
UPDATE $units u SET $assign
FROM (SELECT parent_code AS code, $sums FROM $units c
      WHERE c.parent_code IN (SELECT code FROM $units WHERE level = :level AND $ok)
      GROUP BY parent_code) x
WHERE u.code = x.code
"""
# The unit_coverage columns of the covered areas (m²) and covered road lengths (m).
AREA_COLUMNS = tuple(str(m.column) for m in AREA_METRICS)
ROAD_COLUMNS = tuple(str(m.column) for m in ROAD_METRICS)
ROLL_UP_AREAS = fill(
    _ROLL_UP,
    assign=", ".join(f"{c} = x.{c}" for c in AREA_COLUMNS),
    sums=", ".join(f"sum({c}) AS {c}" for c in AREA_COLUMNS),
    ok="tiled",
)
ROLL_UP_ROADS = fill(
    _ROLL_UP,
    assign=", ".join(f"{c} = x.{c}" for c in ROAD_COLUMNS),
    sums=", ".join(f"sum({c}) AS {c}" for c in ROAD_COLUMNS),
    ok="roads_tiled",
)
PARENT_LEVELS = ("village", "township", "county", "city", "province")

# -- the region to rebuild ------------------------------------------------------------------------

# A full refresh: everything goes; the region is unbounded (NULL).
WHOLE_REGION = (
    "CREATE TEMP TABLE gs_old_pieces (kind text, geom geometry) ON COMMIT DROP",
    "DELETE FROM coverage_piece",
    "CREATE TEMP TABLE gs_region ON COMMIT DROP AS SELECT NULL::geometry AS g",
)

# An incremental refresh: R, where coverage may have changed, is the changed views and the changed
# routes buffered. The pieces whose interior meets R go, and the region grows to R plus them: kept
# pieces are disjoint from it, so the new pieces fill exactly the hole.
CHANGED_REGION = fill_all(
    (
        """
CREATE TEMP TABLE gs_changed_region ON COMMIT DROP AS
SELECT ST_Union(g) AS g FROM (
    SELECT ST_Transform(region, :srid) AS g FROM coverage_change
    WHERE layer = 'camera' AND id <= :max_id
    UNION ALL
    SELECT ST_Buffer(ST_Transform(region, :srid), :buffer, '$quad_segs') FROM coverage_change
    WHERE layer = 'route' AND id <= :max_id
) x""",
        """
UPDATE gs_changed_region SET g = ST_CollectionExtract(ST_MakeValid(g), 3)
WHERE NOT ST_IsValid(g)""",
        """
-- "interiors meet" as an overlay (robust) rather than ST_Touches, which throws on slivers
CREATE TEMP TABLE gs_old_pieces ON COMMIT DROP AS
WITH gone AS (DELETE FROM coverage_piece p USING gs_changed_region r
              WHERE p.geom && r.g AND ST_Area(ST_Intersection(p.geom, r.g)) > 0
              RETURNING p.kind, p.geom)
SELECT kind, geom FROM gone""",
        """
CREATE TEMP TABLE gs_region ON COMMIT DROP AS
SELECT ST_Union(r.g, (SELECT ST_Union(geom) FROM gs_old_pieces)) AS g FROM gs_changed_region r""",
        "UPDATE gs_region SET g = (SELECT g FROM gs_changed_region) WHERE g IS NULL",
        """
UPDATE gs_region
SET g = ST_CollectionExtract(CASE WHEN ST_IsValid(g) THEN g ELSE ST_MakeValid(g) END, 3)""",
    ),
    quad_segs=QUAD_SEGS,
)

# -- the mosaic inside the region -----------------------------------------------------------------

# Subdividing and clipping can, rarely, leave a polygon GEOS calls invalid; repair those few.
_REPAIR = (
    "UPDATE $table SET $g = ST_CollectionExtract(ST_MakeValid($g), 3) WHERE NOT ST_IsValid($g)"
)
# Neighbours are found by bounding box only: GEOS's predicates can throw on the thin slivers that
# differences leave, while its overlay operations (OverlayNG) are robust.
_MINUS = fill(
    "CASE WHEN $hits THEN ST_Difference($g, $local_union) ELSE $g END",
    hits="EXISTS (SELECT 1 FROM $table x WHERE x.g && $g)",
    local_union="(SELECT ST_Union(x.g) FROM $table x WHERE x.g && $g)",
)

# The views and patrol buffers to rebuild: all of them (full), or those meeting the region, clipped
# to it. The regional form finds them through the spatial indexes (a bounding box in EPSG:4326
# around the region, 1 m wider, so that the curved edges of a transformed box lose nothing).
_REGION_BOX = "(SELECT ST_Transform(ST_Expand(ST_Envelope(g), $m), 4326) FROM gs_region)"
# SOURCES: those of the cameras c and routes r meeting $cameras and $routes.
SOURCES = fill_all(
    (
        """
CREATE TEMP TABLE gs_views ON COMMIT DROP AS
SELECT c.status = 'online' AS online, ST_Transform(c.view_geom, :srid) AS g
FROM camera c WHERE $cameras""",
        """
CREATE TEMP TABLE gs_buffers ON COMMIT DROP AS
SELECT ST_Buffer(ST_Transform(r.geom, :srid), :buffer, '$quad_segs') AS g
FROM patrol_route r WHERE $routes""",
    ),
    quad_segs=QUAD_SEGS,
)
SOURCES_FULL = fill_all(SOURCES, cameras="true", routes="true")
SOURCES_IN_REGION = fill_all(
    (
        """
CREATE TEMP TABLE gs_views ON COMMIT DROP AS
SELECT v.online, ST_Intersection(v.g, r.g) AS g
FROM (SELECT c.status = 'online' AS online, ST_Transform(c.view_geom, :srid) AS g FROM camera c
      WHERE c.view_geom && $views_box OFFSET 0) v, gs_region r
WHERE ST_Intersects(v.g, r.g)""",
        """
CREATE TEMP TABLE gs_buffers ON COMMIT DROP AS
SELECT ST_Intersection(b.g, r.g) AS g
FROM (SELECT ST_Buffer(ST_Transform(geom, :srid), :buffer, '$quad_segs') AS g FROM patrol_route
      WHERE geom && $buffers_box OFFSET 0) b, gs_region r
WHERE ST_Intersects(b.g, r.g)""",
    ),
    quad_segs=QUAD_SEGS,
    views_box=fill(_REGION_BOX, m=1),
    buffers_box=fill(_REGION_BOX, m=":buffer + 1"),
)

# The kinds of the tiled sources, named by the mosaic class of a piece covered by that source alone.
# A piece also covered by a patrol buffer has its camera kind's code followed by the patrol's (the
# classes' codes are built that way: 'w' + 'p' is WORKING_VIEW_AND_PATROL).
SOURCE_KINDS = {
    "working": MosaicClass.WORKING_VIEW_ONLY.value,
    "other": MosaicClass.OTHER_VIEW_ONLY.value,
    "patrol": MosaicClass.PATROL_ONLY.value,
}
if {MosaicClass.WORKING_VIEW_AND_PATROL, MosaicClass.OTHER_VIEW_AND_PATROL} != {
    SOURCE_KINDS["working"] + SOURCE_KINDS["patrol"],
    SOURCE_KINDS["other"] + SOURCE_KINDS["patrol"],
}:
    raise RuntimeError("the mosaic classes' codes are not the source kinds' codes combined")

# The views and buffers cut along the tiles (tx, ty): the unions are built tile by tile.
TILED_SOURCES = fill(
    """
SELECT s.kind, t.tx, t.ty, CASE WHEN s.g @ t.box THEN s.g ELSE ST_Intersection(s.g, t.box) END AS g
FROM (SELECT CASE WHEN online THEN '$working' ELSE '$other' END AS kind, g FROM gs_views
      UNION ALL SELECT '$patrol', g FROM gs_buffers) s
CROSS JOIN LATERAL (
    SELECT tx, ty, ST_MakeEnvelope(tx * $tile, ty * $tile, (tx + 1) * $tile, (ty + 1) * $tile,
                                   ST_SRID(s.g)) AS box
    FROM generate_series(floor(ST_XMin(s.g) / $tile)::int,
                         floor(ST_XMax(s.g) / $tile)::int) AS tx,
         generate_series(floor(ST_YMin(s.g) / $tile)::int,
                         floor(ST_YMax(s.g) / $tile)::int) AS ty) t
WHERE NOT ST_IsEmpty(s.g)
""",
    tile=TILE_M,
    **SOURCE_KINDS,
)
# The union of one kind of tiled source ($kind), tile by tile, cut into pieces.
_UNION = fill(
    """
CREATE TEMP TABLE $table ON COMMIT DROP AS
SELECT ST_Subdivide(ST_CollectionExtract(ST_Union(g), 3), $vertices) AS g FROM gs_tiled_sources
WHERE kind = '$kind' GROUP BY tx, ty""",
    vertices=PIECE_VERTICES,
)
# The mosaic of the tiled sources in temporary table gs_tiled_sources (kind, tx, ty, g):
# gs_new_pieces (unindexed).
UNIONS = (
    fill(_UNION, table="gs_working_union", kind=SOURCE_KINDS["working"]),
    fill(_UNION, table="gs_other_union", kind=SOURCE_KINDS["other"]),
    fill(_UNION, table="gs_patrol_union", kind=SOURCE_KINDS["patrol"]),
    fill(_REPAIR, table="gs_working_union", g="g"),
    fill(_REPAIR, table="gs_other_union", g="g"),
    fill(_REPAIR, table="gs_patrol_union", g="g"),
    "CREATE INDEX ON gs_working_union USING gist (g)",
    "CREATE INDEX ON gs_patrol_union USING gist (g)",
    "ANALYZE gs_working_union",
    "ANALYZE gs_patrol_union",
    fill(
        "CREATE TEMP TABLE gs_other_only ON COMMIT DROP AS "
        "SELECT $minus AS g FROM gs_other_union o",
        minus=fill(_MINUS, g="o.g", table="gs_working_union"),
    ),
    fill(_REPAIR, table="gs_other_only", g="g"),
    "CREATE INDEX ON gs_other_only USING gist (g)",
    "ANALYZE gs_other_only",
    """
CREATE TEMP TABLE gs_camera_union ON COMMIT DROP AS
SELECT g FROM gs_working_union UNION ALL SELECT g FROM gs_other_only""",
    "CREATE INDEX ON gs_camera_union USING gist (g)",
    "ANALYZE gs_camera_union",
    fill(
        """
CREATE TEMP TABLE gs_new_pieces ON COMMIT DROP AS
SELECT kind, (ST_Dump(ST_CollectionExtract(g, 3))).geom AS geom FROM (
    -- a camera piece and the union of the patrol pieces near it (once for both of its classes)
    SELECT CASE WHEN c.w THEN '$working' ELSE '$other' END || s.side AS kind, s.g
    FROM (SELECT true AS w, g FROM gs_working_union UNION ALL SELECT false, g FROM gs_other_only) c
    CROSS JOIN LATERAL (SELECT ST_Union(x.g) AS u FROM gs_patrol_union x WHERE x.g && c.g) near
    CROSS JOIN LATERAL (SELECT '$patrol' AS side, ST_Intersection(c.g, near.u) AS g
                        WHERE near.u IS NOT NULL
                        UNION ALL
                        SELECT '', CASE WHEN near.u IS NULL THEN c.g
                                        ELSE ST_Difference(c.g, near.u) END) s
    UNION ALL SELECT '$patrol', $patrol_only FROM gs_patrol_union p
    OFFSET 0  -- computed once: without it the planner would inline each overlay into every use of g
) x
WHERE g IS NOT NULL AND NOT ST_IsEmpty(g)""",
        patrol_only=fill(_MINUS, g="p.g", table="gs_camera_union"),
        **SOURCE_KINDS,
    ),
    fill(_REPAIR, table="gs_new_pieces", g="geom"),
    "DELETE FROM gs_new_pieces WHERE ST_Area(geom) = 0",
)
# The serial refresh goes on to measure the units against gs_new_pieces itself.
MOSAIC = (
    fill("CREATE TEMP TABLE gs_tiled_sources ON COMMIT DROP AS $sources", sources=TILED_SOURCES),
    *UNIONS,
    "CREATE INDEX ON gs_new_pieces USING gist (geom)",
    "ANALYZE gs_new_pieces",
)

# Road pieces whose covered length may change ($near: all, or those meeting the region), and the
# pieces around them before and after; the kept pieces count on both sides, so a road along the
# region's edge is measured once.
ROAD_SIDES = (
    """
CREATE TEMP TABLE gs_roads_to_measure ON COMMIT DROP AS
SELECT r.id, r.geom FROM road_piece r WHERE $near""",
    "CREATE INDEX ON gs_roads_to_measure USING gist (geom)",
    "ANALYZE gs_roads_to_measure",
    """
CREATE TEMP TABLE gs_kept_pieces ON COMMIT DROP AS
SELECT p.kind, p.geom FROM coverage_piece p
WHERE p.id IN (SELECT p2.id FROM gs_roads_to_measure r
               JOIN coverage_piece p2 ON p2.geom && r.geom)""",
    """
CREATE TEMP TABLE gs_pieces_after ON COMMIT DROP AS
SELECT kind, geom FROM gs_kept_pieces UNION ALL SELECT kind, geom FROM gs_new_pieces""",
    """
CREATE TEMP TABLE gs_pieces_before ON COMMIT DROP AS
SELECT kind, geom FROM gs_kept_pieces UNION ALL SELECT kind, geom FROM gs_old_pieces""",
    "CREATE INDEX ON gs_pieces_after USING gist (geom)",
    "CREATE INDEX ON gs_pieces_before USING gist (geom)",
    "ANALYZE gs_pieces_after",
    "ANALYZE gs_pieces_before",
)
ROADS_NEAR_REGION = "ST_Intersects(r.geom, (SELECT g FROM gs_region))"

# A unit's covered area of each area metric, from AREA_BY_CLASS ($areas), and its covered road
# length of each road metric, from LENGTH_BY_UNIT ($lengths) over COVERED_ROADS: each named as the
# metric's unit_coverage column (AREA_COLUMNS, ROAD_COLUMNS).
AREA_SUMS = fill(
    "SELECT code, $sums FROM ($areas) a GROUP BY code",
    sums=", ".join(
        f"sum(area) FILTER (WHERE kind IN {classes_sql(m.classes)}) AS {m.column}"
        for m in AREA_METRICS
    ),
)
ROAD_SUMS = fill(
    "SELECT code, $sums FROM ($lengths) r GROUP BY code",
    sums=", ".join(f"sum(length) FILTER (WHERE kind = '{c}') AS {c}" for c in ROAD_COLUMNS),
)

# -- per-unit sums --------------------------------------------------------------------------------

# Each unit is measured on its whole geometry, one unit at a time (LATERAL): PostGIS prepares the
# unit's polygon once for all the pieces near it, so "piece inside the unit" costs a
# point-in-polygon walk, and only pieces across the unit's boundary are clipped. The cost grows
# linearly with the data (a join sorted by unit spills geometries to disk on a province's data).
# $units is the unit table; $where restricts the units (an incremental refresh: those near the
# changed region).

# Area of each class of piece (table $pieces) in each unit; whole pieces inside count whole.
AREA_BY_CLASS = """
SELECT u.code, a.kind, a.area
FROM $units u CROSS JOIN LATERAL (
    SELECT p.kind, sum(CASE WHEN ST_Contains(u.geom_m, p.geom) THEN ST_Area(p.geom)
                            WHEN NOT ST_Intersects(u.geom_m, p.geom) THEN 0
                            ELSE ST_Area(ST_Intersection(p.geom, u.geom_m)) END) AS area
    FROM $pieces p WHERE p.geom && u.geom_m GROUP BY p.kind) a
WHERE $where
"""

# Units are closed (DOMAIN.md): a road along the border of two units is in both, in full. A road
# within BORDER_M (metres) of a unit's border counts as on it: the road and the unit each went
# through a projection (and often one and back), which leaves a road drawn on the border, between
# the border's vertices, nanometres to a fraction of a millimetre to one side. Lines are measured
# inside the unit grown by BORDER_M (mitred corners, so no vertex is added); a road crossing the
# border gains up to BORDER_M on each side per crossing (at a right angle), 10^-6 of a 1 km street.
BORDER_M = 0.001
# The shape of a unit (its metric geometry $g) that lines are measured in.
ROAD_SHAPE = fill("ST_Buffer($g, $border, 'join=mitre')", border=BORDER_M)

# Length of lines (table $lines: kind, geom; the pieces are disjoint) in each unit, by kind.
LENGTH_BY_UNIT = fill(
    """
SELECT u.code, l.kind, l.length
FROM $units u CROSS JOIN LATERAL (SELECT $shape AS g OFFSET 0) b CROSS JOIN LATERAL (
    SELECT r.kind, sum(CASE WHEN ST_Contains(b.g, r.geom) THEN ST_Length(r.geom)
                            ELSE ST_Length(ST_Intersection(r.geom, b.g)) END) AS length
    FROM $lines r WHERE ST_Intersects(b.g, r.geom) GROUP BY r.kind) l
WHERE $where
""",
    shape=fill(ROAD_SHAPE, g="u.geom_m"),
)

# The road length of each unit of $units meeting $where, from the road pieces of $roads.
ROAD_LENGTHS = fill(
    "UPDATE $units u SET road_m = x.length FROM ($lengths) x WHERE u.code = x.code",
    lengths=fill(LENGTH_BY_UNIT, lines="(SELECT 'road' AS kind, geom FROM $roads)"),
)

# The road network inside the pieces of each road metric's classes (kind: the metric's column), per
# road piece: the fragments inside those pieces, each part a stretch [t0, t1] of the road piece
# (fractions of its length), and the stretches that overlap or touch merged into one, cut from the
# road piece again. A stretch along the border of two pieces (or along a border two refreshes
# computed a hair apart) is in the fragments of both, and must not count twice. A closed road
# piece, whose start and end are the same point, or a multi-part one, has its fragments dissolved
# on a 1 mm grid instead (slower). Pieces are found by bounding box, then by distance 0 (PostGIS's
# own distance code: half of the boxes' pairs never meet, and the test is cheaper than an
# overlay), never by GEOS's ST_Intersects, which threw "side location conflict" on a sliver of a
# province's mosaic.
# $roads selects the road pieces r of gs_roads_to_measure; $pieces is the mosaic's table.
_ROAD_FRAGMENTS = fill(
    """
SELECT r.id AS road_id, r.geom AS road, k.kind,
       ST_CollectionExtract(ST_Intersection(r.geom, p.geom), 2) AS g
FROM gs_roads_to_measure r JOIN $pieces p ON r.geom && p.geom AND ST_DWithin(r.geom, p.geom, 0)
JOIN (VALUES $kinds) AS k(kind)
  ON $kind_classes
WHERE $roads
""",
    kinds=", ".join(f"('{c}')" for c in ROAD_COLUMNS),
    kind_classes="\n  OR ".join(
        f"(k.kind = '{m.column}' AND p.kind IN {classes_sql(m.classes)})" for m in ROAD_METRICS
    ),
)
_SIMPLE_ROAD = "GeometryType(r.geom) = 'LINESTRING' AND NOT ST_IsClosed(r.geom)"
COVERED_ROAD_LINES = fill(
    """
WITH part AS (
    SELECT road_id, road, kind, (ST_Dump(g)).geom AS g FROM ($simple_fragments) f
    OFFSET 0
), span AS (
    SELECT road_id, road, kind, least(a, b) AS t0, greatest(a, b) AS t1
    FROM part CROSS JOIN LATERAL (SELECT ST_LineLocatePoint(road, ST_StartPoint(g)) AS a,
                                         ST_LineLocatePoint(road, ST_EndPoint(g)) AS b) t
), opens AS (  -- 1 where a stretch starts past every earlier one's end: a new merged stretch
    SELECT *, CASE WHEN t0 <= max(t1) OVER earlier THEN 0 ELSE 1 END AS opens FROM span
    WINDOW earlier AS (PARTITION BY road_id, kind ORDER BY t0, t1
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), merged AS (
    SELECT road_id, kind, road, sum(opens) OVER (PARTITION BY road_id, kind ORDER BY t0, t1) AS n,
           t0, t1
    FROM opens
)
SELECT road_id, kind, ST_Collect(g) AS geom FROM (
    SELECT road_id, kind, ST_LineSubstring((array_agg(road))[1], min(t0), max(t1)) AS g
    FROM merged GROUP BY road_id, kind, n
    HAVING max(t1) > min(t0)) s  -- a stretch of length 0 would be a point
GROUP BY road_id, kind
UNION ALL
SELECT road_id, kind, ST_Union(g, 0.001) FROM ($other_fragments) f
GROUP BY road_id, kind
""",
    simple_fragments=fill(_ROAD_FRAGMENTS, roads=_SIMPLE_ROAD),
    other_fragments=fill(_ROAD_FRAGMENTS, roads=f"NOT ({_SIMPLE_ROAD})"),
)
# The covered road lines of the pieces of $pieces, into temporary table $table.
COVERED_ROADS = (
    fill(
        """
CREATE TEMP TABLE $table ON COMMIT DROP AS
SELECT row_number() OVER () AS id, road_id, kind, geom FROM ($lines) x
WHERE NOT ST_IsEmpty(geom)""",
        lines=COVERED_ROAD_LINES,
    ),
    "CREATE INDEX ON $table USING gist (geom)",
    "ANALYZE $table",
)

# The cameras (all, online) in each unit of $units meeting $where (u2: the unit).
CAMERAS_BY_UNIT = """
SELECT u2.code, count(c.code) AS n, count(c.code) FILTER (WHERE c.status = 'online') AS online
FROM $units u2 LEFT JOIN camera c ON ST_Intersects(u2.geom, c.geom)
WHERE $where GROUP BY u2.code
"""
CAMERA_COUNTS = """
UPDATE unit_coverage u SET cameras = x.n, cameras_online = x.online
FROM ($counts) x
WHERE u.code = x.code
"""

# The gap of one unit: its polygons covered by neither a working camera nor a patrol (EPSG:4326).
GAP = fill(
    """
SELECT ST_AsGeoJSON(ST_Multi(ST_CollectionExtract(ST_Transform(
    coalesce(ST_Difference(u.geom_m, (SELECT ST_Union(p.geom) FROM coverage_piece p
                                      WHERE p.kind IN $combined_classes
                                        AND ST_Intersects(p.geom, u.geom_m))),
             u.geom_m), 4326), 3)), 7)
FROM unit_coverage u WHERE u.code = :code
""",
    combined_classes=classes_sql(COMBINED_PCT.classes),
)
