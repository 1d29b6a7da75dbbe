"""The scope's functions without a plan of their own on every statement.

``gs_scope_geom()`` (migration 0014_scope_clip: the scope unit's polygon, which every line, sector
and hot-spot layer clips to) and ``gs_scope_prefix()`` (migration 0013_jurisdiction: read by every
policy) were SQL functions with a ``FROM`` clause. PostgreSQL inlines neither, so each call in a
statement planned the function's body anew: 0.3 ms a call, three calls in the roads layer's
statement, whatever the scope (measured as the web role: 1.03 ms for three calls, 0.11 ms after).

Now ``gs_scope_geom()`` is PL/pgSQL (its plan is kept for the session, and a whole-deployment scope
returns before any query) and ``gs_scope_prefix()`` one expression, which PostgreSQL inlines. Same
results: NULL for the whole deployment, the unit's or cell's polygon, else an empty polygon; the
scope when it has more than 6 digits, else NULL.

Revision ID: 0018_scope_functions
Revises: 0017_open_incidents
"""

from alembic import op

revision = "0018_scope_functions"
down_revision = "0017_open_incidents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE OR REPLACE FUNCTION gs_scope_geom() RETURNS geometry LANGUAGE plpgsql STABLE PARALLEL SAFE
AS $$
DECLARE
    s text := current_setting('gridsight.scope', true);
BEGIN
    IF s IS NULL OR s IN ('', '*') THEN
        RETURN NULL;
    END IF;
    RETURN coalesce((SELECT a.geom FROM admin_unit a WHERE a.code = s),
                    (SELECT c.geom FROM grid_cell c WHERE c.code = s),
                    ST_SetSRID('POLYGON EMPTY'::geometry, 4326));
END $$;

CREATE OR REPLACE FUNCTION gs_scope_prefix() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(current_setting('gridsight.scope', true)) > 6
                THEN current_setting('gridsight.scope', true) END
$$;
""")


def downgrade() -> None:
    op.execute("""
CREATE OR REPLACE FUNCTION gs_scope_geom() RETURNS geometry LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s IS NULL OR s IN ('', '*') THEN NULL
                ELSE coalesce((SELECT a.geom FROM admin_unit a WHERE a.code = s),
                              (SELECT c.geom FROM grid_cell c WHERE c.code = s),
                              ST_SetSRID('POLYGON EMPTY'::geometry, 4326)) END
    FROM (SELECT current_setting('gridsight.scope', true) AS s) x
$$;

CREATE OR REPLACE FUNCTION gs_scope_prefix() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(s) > 6 THEN s END
    FROM (SELECT current_setting('gridsight.scope', true) AS s) x
$$;
""")
