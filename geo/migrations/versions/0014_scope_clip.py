"""Lines and shapes cut at the jurisdiction's border: ``gs_scope_geom`` and ``gs_clip_to``.

Row-level security (migration 0013_jurisdiction) lets a session limited to a unit see every road
and patrol route that *touches* the unit, whole. The layer queries send such a line cut to the
unit's polygon instead (``layers/_sql.py``, :func:`layers._sql.clipped`): ``gs_scope_geom()`` is
the polygon of the session's scope unit (EPSG:4326), NULL for the whole deployment or an unscoped
(owner) session, an empty polygon for a scope naming no unit; ``gs_clip_to(g, s)`` is ``g`` when
``s`` is NULL or covers it, else the part of ``g`` inside ``s`` of ``g``'s own dimension (a road
that touches the border at one point keeps no point). A query evaluates ``(SELECT
gs_scope_geom())`` once, so a whole-deployment account pays one lookup per statement, no clipping.

Revision ID: 0014_scope_clip
Revises: 0013_levels
"""

from alembic import op

revision = "0014_scope_clip"
down_revision = "0014_metric_columns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION gs_scope_geom() RETURNS geometry LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s IS NULL OR s IN ('', '*') THEN NULL
                ELSE coalesce((SELECT a.geom FROM admin_unit a WHERE a.code = s),
                              (SELECT c.geom FROM grid_cell c WHERE c.code = s),
                              ST_SetSRID('POLYGON EMPTY'::geometry, 4326)) END
    FROM (SELECT current_setting('gridsight.scope', true) AS s) x
$$;
COMMENT ON FUNCTION gs_scope_geom() IS
    'the polygon (EPSG:4326) of the session''s scope unit; NULL for the whole deployment';

CREATE FUNCTION gs_clip_to(g geometry, s geometry) RETURNS geometry
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s IS NULL OR g IS NULL OR ST_Covers(s, g) THEN g
                ELSE ST_CollectionExtract(ST_Intersection(g, s), ST_Dimension(g) + 1) END
$$;
COMMENT ON FUNCTION gs_clip_to(geometry, geometry) IS
    'the part of g inside s (g''s dimension only); g itself when s is NULL';
""")


def downgrade() -> None:
    op.execute("DROP FUNCTION gs_clip_to(geometry, geometry); DROP FUNCTION gs_scope_geom();")
