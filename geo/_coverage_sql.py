"""SQL of the coverage engine. Every statement runs in the metric CRS ``:srid`` (metres).

Bind parameters: ``:srid`` (metric CRS), ``:buffer`` (patrol buffer, metres). Temporary tables live
for the refresh's transaction only.
"""

from __future__ import annotations

# Quarter-circle segments of patrol buffers: 32 keeps the area error of a round end below 0.05 %.
_QUAD_SEGS = "quad_segs=32"
PIECE_VERTICES = 96  # most vertices of one mosaic piece (ST_Subdivide)

# -- full refresh --------------------------------------------------------------------------------

UNITS = """
DELETE FROM unit_coverage;
WITH pop AS (
    SELECT left(code, n) AS code, sum(population)::integer AS population
    FROM grid_cell, (VALUES (6), (9), (12)) AS lengths(n) GROUP BY 1
)
INSERT INTO unit_coverage (code, level, name, parent_code, population, area_m2, geom, geom_m)
SELECT code, 'grid', name, village_code, population, ST_Area(ST_Transform(geom, :srid)),
       geom, ST_Transform(geom, :srid)
FROM grid_cell
UNION ALL
SELECT a.code, a.level, a.name, a.parent_code, coalesce(pop.population, 0),
       ST_Area(ST_Transform(a.geom, :srid)), a.geom, ST_Transform(a.geom, :srid)
FROM admin_unit a LEFT JOIN pop ON pop.code = a.code;
INSERT INTO unit_piece (code, geom) SELECT code, ST_Subdivide(geom_m, 128) FROM unit_coverage;
ANALYZE unit_coverage;
ANALYZE unit_piece;
"""

ROAD_PIECES = """
DELETE FROM road_piece;
INSERT INTO road_piece (geom)
SELECT ST_Subdivide(u, 64) FROM (SELECT ST_Union(ST_Transform(geom, :srid)) AS u FROM road) x
WHERE u IS NOT NULL;
ANALYZE road_piece;
"""

# The four unions over the whole territory (a full refresh), cut into pieces; gs_new receives them.
MOSAIC = f"""
CREATE TEMP TABLE gs_new (kind text, geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE gs_views ON COMMIT DROP AS
SELECT c.status = 'online' AS online, ST_Transform(c.view_geom, :srid) AS g FROM camera c;
CREATE TEMP TABLE gs_unions ON COMMIT DROP AS
WITH w AS (SELECT ST_Union(g) AS g FROM gs_views WHERE online),
i AS (SELECT ST_Union(g) AS g FROM (SELECT g FROM w UNION ALL SELECT g FROM gs_views WHERE NOT online) x),
p AS (SELECT ST_Union(ST_Buffer(ST_Transform(geom, :srid), :buffer, '{_QUAD_SEGS}')) AS g FROM patrol_route)
SELECT 'working' AS kind, w.g FROM w
UNION ALL SELECT 'installed', i.g FROM i
UNION ALL SELECT 'patrol', p.g FROM p
UNION ALL SELECT 'combined', CASE WHEN w.g IS NULL THEN p.g WHEN p.g IS NULL THEN w.g
                                  ELSE ST_Union(w.g, p.g) END FROM w, p;
INSERT INTO gs_new (kind, geom)
SELECT kind, ST_Subdivide(ST_CollectionExtract(g, 3), {PIECE_VERTICES}) FROM gs_unions
WHERE g IS NOT NULL AND NOT ST_IsEmpty(g);
INSERT INTO coverage_piece (kind, geom) SELECT kind, geom FROM gs_new;
"""

# Area of U covered by each kind of piece in table {pieces}: whole pieces inside U count whole.
AREA_BY_KIND = """
SELECT u.code, p.kind,
       sum(CASE WHEN ST_CoveredBy(p.geom, u.geom) THEN ST_Area(p.geom)
                ELSE ST_Area(ST_Intersection(p.geom, u.geom)) END) AS area
FROM unit_piece u JOIN {pieces} p ON ST_Intersects(p.geom, u.geom)
WHERE {where}
GROUP BY u.code, p.kind
"""

# Lengths: a road can run exactly along the cut between two pieces, so a line is always intersected
# with the union of the pieces it touches (per unit, per kind), never piece by piece.
ROAD_LENGTH = """
SELECT code, sum(ST_Length(ST_Intersection(road, area))) AS length FROM (
    SELECT u.code, r.geom AS road, ST_Union(u.geom) AS area
    FROM unit_piece u JOIN road_piece r ON ST_Intersects(r.geom, u.geom)
    GROUP BY u.code, r.id, r.geom) x
GROUP BY code
"""

COVERED_ROADS = """
CREATE TEMP TABLE {name} ON COMMIT DROP AS
SELECT row_number() OVER () AS id, kind, geom FROM (
    SELECT p.kind, ST_CollectionExtract(ST_Intersection(r.geom, ST_Union(p.geom)), 2) AS geom
    FROM road_piece r JOIN {pieces} p ON p.kind IN ('working', 'installed') AND ST_Intersects(r.geom, p.geom)
    GROUP BY r.id, r.geom, p.kind) x
WHERE NOT ST_IsEmpty(geom);
CREATE INDEX ON {name} USING gist (geom);
"""

ROAD_COVERED_BY_KIND = """
SELECT code, kind, sum(ST_Length(ST_Intersection(road, area))) AS length FROM (
    SELECT u.code, rc.kind, rc.geom AS road, ST_Union(u.geom) AS area
    FROM unit_piece u JOIN {name} rc ON ST_Intersects(rc.geom, u.geom)
    WHERE {where}
    GROUP BY u.code, rc.id, rc.kind, rc.geom) x
GROUP BY code, kind
"""

CAMERA_COUNTS = """
UPDATE unit_coverage u SET cameras = x.n, cameras_online = x.online
FROM (SELECT u2.code, count(c.code) AS n, count(c.code) FILTER (WHERE c.status = 'online') AS online
      FROM unit_coverage u2 LEFT JOIN camera c ON ST_Intersects(u2.geom, c.geom)
      WHERE {where} GROUP BY u2.code) x
WHERE u.code = x.code
"""

GAPS = """
UPDATE unit_coverage u SET gap_geom = ST_Multi(ST_CollectionExtract(ST_Transform(
    coalesce(ST_Difference(u.geom_m, (SELECT ST_Union(p.geom) FROM coverage_piece p
                                      WHERE p.kind = 'combined' AND ST_Intersects(p.geom, u.geom_m))),
             u.geom_m), 4326), 3))
WHERE u.level = 'grid' AND {where}
"""

# -- incremental refresh ---------------------------------------------------------------------------

# R, where coverage may have changed: the changed views, and the changed routes buffered. Pieces of
# any kind that touch R go; each kind's region grows to R plus its own deleted pieces, so the new
# pieces of a kind fill exactly the hole its old pieces left (pieces of one kind stay disjoint).
CHANGED_REGION = f"""
CREATE TEMP TABLE gs_changed ON COMMIT DROP AS
SELECT ST_Union(g) AS g FROM (
    SELECT ST_Transform(region, :srid) AS g FROM coverage_change WHERE layer = 'camera' AND id <= :max_id
    UNION ALL
    SELECT ST_Buffer(ST_Transform(region, :srid), :buffer, '{_QUAD_SEGS}') FROM coverage_change
    WHERE layer = 'route' AND id <= :max_id
) x;
CREATE TEMP TABLE gs_old ON COMMIT DROP AS
WITH gone AS (DELETE FROM coverage_piece p USING gs_changed r WHERE ST_Intersects(p.geom, r.g)
              RETURNING p.kind, p.geom)
SELECT kind, geom FROM gone;
CREATE TEMP TABLE gs_region ON COMMIT DROP AS
SELECT k.kind, ST_Union(r.g, (SELECT ST_Union(o.geom) FROM gs_old o WHERE o.kind = k.kind)) AS g
FROM gs_changed r, (VALUES ('working'), ('installed'), ('patrol'), ('combined')) AS k(kind);
UPDATE gs_region SET g = (SELECT g FROM gs_changed) WHERE g IS NULL
"""

# The new pieces of each kind inside its region.
LOCAL_MOSAIC = f"""
CREATE TEMP TABLE gs_new (kind text, geom geometry) ON COMMIT DROP;
CREATE TEMP TABLE gs_sources ON COMMIT DROP AS
WITH near AS (SELECT ST_Union(g) AS g FROM gs_region),
views AS (SELECT c.status = 'online' AS online, ST_Transform(c.view_geom, :srid) AS g
          FROM camera c, near WHERE ST_Intersects(ST_Transform(c.view_geom, :srid), near.g)),
buffers AS (SELECT b.g FROM (SELECT ST_Buffer(ST_Transform(geom, :srid), :buffer, '{_QUAD_SEGS}') AS g
                             FROM patrol_route) b, near WHERE ST_Intersects(b.g, near.g))
SELECT 'working' AS kind, g FROM views WHERE online
UNION ALL SELECT 'installed', g FROM views
UNION ALL SELECT 'patrol', g FROM buffers
UNION ALL SELECT 'combined', g FROM views WHERE online
UNION ALL SELECT 'combined', g FROM buffers;
INSERT INTO gs_new (kind, geom)
SELECT kind, ST_Subdivide(ST_CollectionExtract(g, 3), {PIECE_VERTICES}) FROM (
    SELECT r.kind, ST_Intersection(ST_Union(s.g), r.g) AS g
    FROM gs_region r JOIN gs_sources s ON s.kind = r.kind AND ST_Intersects(s.g, r.g)
    GROUP BY r.kind, r.g) x
WHERE NOT ST_IsEmpty(g);
INSERT INTO coverage_piece (kind, geom) SELECT kind, geom FROM gs_new
"""

# A full refresh: every piece goes, nothing is clipped.
WHOLE_REGION = """
CREATE TEMP TABLE gs_old (kind text, geom geometry) ON COMMIT DROP;
DELETE FROM coverage_piece;
"""
