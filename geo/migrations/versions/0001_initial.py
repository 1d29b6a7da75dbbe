"""Initial schema: every layer of DOMAIN.md, with the constraints that reject impossible rows.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_VALID = "ST_IsValid({c}) AND NOT ST_IsEmpty({c})"

SCHEMA = f"""
CREATE EXTENSION IF NOT EXISTS postgis;

-- Settings of the database itself. metric_srid: the projected CRS (metres) in which view sectors,
-- areas, lengths and buffers are computed; default UTM zone 49N, the zone of the demo county.
CREATE TABLE gs_meta (key text PRIMARY KEY, value text NOT NULL);
INSERT INTO gs_meta VALUES ('metric_srid', '32649');

CREATE FUNCTION gs_metric_srid() RETURNS integer LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT value::integer FROM gs_meta WHERE key = 'metric_srid' $$;

CREATE TABLE admin_unit (
    code        text PRIMARY KEY,
    name        text NOT NULL CHECK (btrim(name) <> ''),
    level       text NOT NULL CHECK (level IN ('county', 'township', 'village')),
    parent_code text REFERENCES admin_unit (code) ON UPDATE CASCADE,
    geom        geometry(MultiPolygon, 4326) NOT NULL CHECK ({_VALID.format(c="geom")}),
    -- Statistical division codes: county 6 digits, township 9, village 12, each starting with
    -- its parent's code; so a township's parent is a county and a village's a township.
    CONSTRAINT admin_unit_code_fits_level CHECK (
        (level = 'county' AND code ~ '^[0-9]{{6}}$' AND parent_code IS NULL)
        OR (level = 'township' AND code ~ '^[0-9]{{9}}$' AND parent_code = left(code, 6))
        OR (level = 'village' AND code ~ '^[0-9]{{12}}$' AND parent_code = left(code, 9))
    )
);
CREATE INDEX admin_unit_parent_idx ON admin_unit (parent_code);
CREATE INDEX admin_unit_level_idx ON admin_unit (level);
CREATE INDEX admin_unit_geom_idx ON admin_unit USING gist (geom);

CREATE TABLE grid_cell (
    code              text PRIMARY KEY CHECK (code ~ '^[0-9]{{15}}$'),
    name              text NOT NULL CHECK (btrim(name) <> ''),
    village_code      text NOT NULL REFERENCES admin_unit (code) ON UPDATE CASCADE,
    population        integer NOT NULL DEFAULT 0 CHECK (population >= 0),
    households        integer NOT NULL DEFAULT 0 CHECK (households >= 0),
    grid_worker       text,
    grid_worker_phone text,
    geom              geometry(MultiPolygon, 4326) NOT NULL CHECK ({_VALID.format(c="geom")}),
    -- a 12-digit code is always a village's, so the referenced unit is a village
    CONSTRAINT grid_cell_code_in_village CHECK (village_code = left(code, 12))
);
CREATE INDEX grid_cell_village_idx ON grid_cell (village_code);
CREATE INDEX grid_cell_geom_idx ON grid_cell USING gist (geom);

CREATE TABLE road (
    code  text PRIMARY KEY CHECK (btrim(code) <> ''),
    name  text NOT NULL DEFAULT '',
    class text NOT NULL CHECK (class IN ('highway', 'main', 'local', 'track')),
    geom  geometry(MultiLineString, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom))
);
CREATE INDEX road_geom_idx ON road USING gist (geom);

CREATE TABLE camera (
    code         text PRIMARY KEY CHECK (btrim(code) <> ''),
    name         text NOT NULL DEFAULT '',
    azimuth_deg  double precision NOT NULL CHECK (azimuth_deg >= 0 AND azimuth_deg < 360),
    fov_deg      double precision NOT NULL CHECK (fov_deg > 0 AND fov_deg <= 360),
    range_m      double precision NOT NULL CHECK (range_m > 0),
    status       text NOT NULL CHECK (status IN ('online', 'offline', 'fault')),
    kind         text NOT NULL CHECK (kind IN ('gun', 'dome', 'ptz', 'checkpoint')),
    installed_on date,
    geom         geometry(Point, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    view_geom    geometry(Polygon, 4326) NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX camera_geom_idx ON camera USING gist (geom);
CREATE INDEX camera_view_geom_idx ON camera USING gist (view_geom);
CREATE INDEX camera_status_idx ON camera (status);

CREATE TABLE patrol_route (
    code  text PRIMARY KEY CHECK (btrim(code) <> ''),
    name  text NOT NULL DEFAULT '',
    unit  text NOT NULL CHECK (btrim(unit) <> ''),
    shift text NOT NULL CHECK (shift IN ('day', 'night', 'all')),
    geom  geometry(MultiLineString, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom))
);
CREATE INDEX patrol_route_geom_idx ON patrol_route USING gist (geom);

CREATE TABLE patrol_track (
    id          bigserial PRIMARY KEY,
    unit        text NOT NULL CHECK (btrim(unit) <> ''),
    recorded_at timestamptz NOT NULL,
    geom        geometry(Point, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    UNIQUE (unit, recorded_at)
);
CREATE INDEX patrol_track_geom_idx ON patrol_track USING gist (geom);

CREATE TABLE incident (
    code        text PRIMARY KEY CHECK (btrim(code) <> ''),
    occurred_at timestamptz NOT NULL,
    category    text NOT NULL CHECK (category IN ('theft', 'dispute', 'assault', 'traffic',
                                                  'fire', 'fraud', 'public_order', 'other')),
    severity    smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
    status      text NOT NULL CHECK (status IN ('reported', 'dispatched', 'handling', 'closed')),
    geom        geometry(Point, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom))
);
CREATE INDEX incident_occurred_idx ON incident (occurred_at);
CREATE INDEX incident_geom_idx ON incident USING gist (geom);

-- The camera view region of DOMAIN.md: a circular sector of radius range_m (metres) from
-- azimuth - fov/2 to azimuth + fov/2, clockwise from true north; a disc when fov = 360. Built in
-- the metric CRS `srid` (corrected for grid convergence so that 0 is true north), one vertex every
-- 3 degrees of arc at most (area error below 0.05 %), returned in EPSG:4326.
CREATE FUNCTION gs_camera_view(pt geometry, azimuth double precision, fov double precision,
                               range_m double precision, srid integer)
RETURNS geometry LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    c     geometry := ST_Transform(pt, srid);
    north geometry := ST_Transform(ST_SetSRID(ST_MakePoint(ST_X(pt), ST_Y(pt) + 0.01), 4326), srid);
    conv  double precision := degrees(ST_Azimuth(c, north));
    n     integer := greatest(ceil(fov / 3)::integer, 4);
    first double precision := azimuth - fov / 2 + conv;
    pts   geometry[];
    a     double precision;
BEGIN
    IF fov >= 360 THEN
        RETURN ST_Transform(ST_Buffer(c, range_m, 30), 4326);
    END IF;
    pts := ARRAY[c];
    FOR i IN 0..n LOOP
        a := radians(first + fov * i / n);
        pts := pts || ST_SetSRID(ST_MakePoint(ST_X(c) + range_m * sin(a),
                                              ST_Y(c) + range_m * cos(a)), srid);
    END LOOP;
    pts := pts || c;
    RETURN ST_Transform(ST_MakePolygon(ST_MakeLine(pts)), 4326);
END $$;

CREATE FUNCTION gs_camera_set_view() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.view_geom := gs_camera_view(NEW.geom, NEW.azimuth_deg, NEW.fov_deg, NEW.range_m,
                                    gs_metric_srid());
    NEW.updated_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER camera_view BEFORE INSERT OR UPDATE ON camera
    FOR EACH ROW EXECUTE FUNCTION gs_camera_set_view();
"""  # noqa: S608 (the migration's constant SQL)


def upgrade() -> None:
    op.execute(SCHEMA)
