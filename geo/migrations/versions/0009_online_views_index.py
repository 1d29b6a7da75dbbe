"""Plans that stay fast at a province's size: a spatial index of the online cameras' views only, and
the lookup of an incident's unit done by the spatial index.

"Is this incident inside a working camera's view?" (the ``incident.watched`` trigger, blind
incidents) had the planner combine the view index with the status index, which lists every online
camera: half a millisecond per incident on six counties, hours for a province's incidents. The
partial index answers with one lookup. ``gs_finest_unit`` (migration 0008) said "ORDER BY code
LIMIT 1", which lets the planner walk the code index and test every unit in turn; the units under
the point are now found first.

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE INDEX camera_online_view_idx ON camera USING gist (view_geom) WHERE status = 'online';
CREATE OR REPLACE FUNCTION gs_finest_unit(g geometry) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH cells AS MATERIALIZED (SELECT c.code FROM grid_cell c WHERE ST_Intersects(c.geom, g)),
         units AS MATERIALIZED (SELECT a.code FROM admin_unit a WHERE ST_Intersects(a.geom, g))
    SELECT coalesce((SELECT min(code) FROM cells),
                    (SELECT code FROM units ORDER BY length(code) DESC, code LIMIT 1))
$$;
""")


def downgrade() -> None:
    op.execute("""
DROP INDEX camera_online_view_idx;
CREATE OR REPLACE FUNCTION gs_finest_unit(g geometry) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT c.code FROM grid_cell c WHERE ST_Intersects(c.geom, g) ORDER BY c.code LIMIT 1),
        (SELECT a.code FROM admin_unit a WHERE ST_Intersects(a.geom, g)
         ORDER BY length(a.code) DESC, a.code LIMIT 1))
$$;
""")
