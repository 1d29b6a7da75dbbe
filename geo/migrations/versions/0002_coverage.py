"""Coverage engine: per-unit figures, the coverage mosaic, and change tracking for refreshes.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = """
-- The figures of every unit (county, township, village, grid cell) at the last refresh.
-- Areas in square metres and lengths in metres, measured in the metric CRS gs_metric_srid().
CREATE TABLE unit_coverage (
    code                      text PRIMARY KEY,
    level                     text NOT NULL
                              CHECK (level IN ('county', 'township', 'village', 'grid')),
    name                      text NOT NULL,
    parent_code               text,
    population                integer NOT NULL DEFAULT 0,
    area_m2                   double precision NOT NULL,
    camera_area_m2            double precision NOT NULL DEFAULT 0,
    camera_area_installed_m2  double precision NOT NULL DEFAULT 0,
    road_m                    double precision NOT NULL DEFAULT 0,
    camera_road_m             double precision NOT NULL DEFAULT 0,
    camera_road_installed_m   double precision NOT NULL DEFAULT 0,
    patrol_area_m2            double precision NOT NULL DEFAULT 0,
    combined_area_m2          double precision NOT NULL DEFAULT 0,
    cameras                   integer NOT NULL DEFAULT 0,
    cameras_online            integer NOT NULL DEFAULT 0,
    geom                      geometry(MultiPolygon, 4326) NOT NULL,
    geom_m                    geometry NOT NULL                -- geom in gs_metric_srid()
);
CREATE INDEX unit_coverage_level_idx ON unit_coverage (level, code);
CREATE INDEX unit_coverage_parent_idx ON unit_coverage (parent_code);
CREATE INDEX unit_coverage_geom_idx ON unit_coverage USING gist (geom);
CREATE INDEX unit_coverage_geom_m_idx ON unit_coverage USING gist (geom_m);

-- Units cut into small pieces (metric CRS), so that intersections with the mosaic stay local and
-- cheap even for a county with thousands of boundary vertices.
CREATE TABLE unit_piece (
    id   bigserial PRIMARY KEY,
    code text NOT NULL REFERENCES unit_coverage (code) ON DELETE CASCADE,
    geom geometry NOT NULL
);
CREATE INDEX unit_piece_code_idx ON unit_piece (code);
CREATE INDEX unit_piece_geom_idx ON unit_piece USING gist (geom);

-- The coverage mosaic: disjoint small polygons (metric CRS), each of one class by what covers it
-- (see geo/_coverage_sql.py): wp = working view and patrol, w = working view only, op = other
-- view and patrol, o = other view only, p = patrol only. A unit's covered area is a sum over the
-- pieces it touches.
CREATE TABLE coverage_piece (
    id   bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('wp', 'w', 'op', 'o', 'p')),
    geom geometry NOT NULL
);
CREATE INDEX coverage_piece_geom_idx ON coverage_piece USING gist (geom);

-- The road network as one noded, dissolved linework cut into pieces (metric CRS): overlapping
-- roads count once.
CREATE TABLE road_piece (id bigserial PRIMARY KEY, geom geometry NOT NULL);
CREATE INDEX road_piece_geom_idx ON road_piece USING gist (geom);

-- What changed since the last refresh. region: where coverage may have changed (a camera's old
-- or new view, a route's old or new line, EPSG:4326); NULL means everything (units or roads).
CREATE TABLE coverage_change (
    id         bigserial PRIMARY KEY,
    layer      text NOT NULL,
    region     geometry(Geometry, 4326),
    changed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE FUNCTION gs_note_camera_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF TG_OP = 'DELETE' OR NEW.view_geom IS DISTINCT FROM OLD.view_geom
           OR NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO coverage_change (layer, region) VALUES ('camera', OLD.view_geom);
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF TG_OP = 'INSERT' OR NEW.view_geom IS DISTINCT FROM OLD.view_geom
           OR NEW.status IS DISTINCT FROM OLD.status THEN
            INSERT INTO coverage_change (layer, region) VALUES ('camera', NEW.view_geom);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER camera_coverage_change AFTER INSERT OR UPDATE OR DELETE ON camera
    FOR EACH ROW EXECUTE FUNCTION gs_note_camera_change();

CREATE FUNCTION gs_note_route_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE')
       AND (TG_OP = 'DELETE' OR NEW.geom IS DISTINCT FROM OLD.geom) THEN
        INSERT INTO coverage_change (layer, region) VALUES ('route', OLD.geom);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.geom IS DISTINCT FROM OLD.geom) THEN
        INSERT INTO coverage_change (layer, region) VALUES ('route', NEW.geom);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER patrol_route_coverage_change AFTER INSERT OR UPDATE OR DELETE ON patrol_route
    FOR EACH ROW EXECUTE FUNCTION gs_note_route_change();

CREATE FUNCTION gs_note_full_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage_change (layer, region) VALUES (TG_TABLE_NAME, NULL);
    RETURN NULL;
END $$;
CREATE TRIGGER admin_unit_coverage_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON admin_unit
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change();
CREATE TRIGGER grid_cell_coverage_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON grid_cell
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change();
CREATE TRIGGER road_coverage_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON road
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change();
"""


def upgrade() -> None:
    op.execute(SCHEMA)
