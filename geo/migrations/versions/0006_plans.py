"""Saved planning what-ifs: a plan holds hypothetical cameras and patrol routes.

A plan changes nothing real until it is applied: applying copies its items into ``camera`` and
``patrol_route`` (and records when). Items are infrastructure (positions and angles), no people.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE plan (
    id bigserial PRIMARY KEY,
    name text NOT NULL CHECK (btrim(name) <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz
);
CREATE TABLE plan_item (
    id bigserial PRIMARY KEY,
    plan_id bigint NOT NULL REFERENCES plan (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('camera', 'route')),
    azimuth_deg double precision CHECK (azimuth_deg >= 0 AND azimuth_deg < 360),
    fov_deg double precision CHECK (fov_deg > 0 AND fov_deg <= 360),
    range_m double precision CHECK (range_m > 0),
    geom geometry(Geometry, 4326) NOT NULL CHECK (NOT ST_IsEmpty(geom)),
    CHECK ((kind = 'camera' AND GeometryType(geom) = 'POINT' AND azimuth_deg IS NOT NULL
            AND fov_deg IS NOT NULL AND range_m IS NOT NULL)
           OR (kind = 'route' AND GeometryType(geom) = 'LINESTRING'))
);
CREATE INDEX plan_item_plan_idx ON plan_item (plan_id);
""")


def downgrade() -> None:
    op.execute("DROP TABLE plan_item; DROP TABLE plan;")
