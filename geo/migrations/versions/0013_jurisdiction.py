"""Jurisdiction: row-level security, forced, on every table holding places or events.

A web session states its account's scope in the transaction-local setting ``gridsight.scope``
(``geo/jurisdiction.py``): ``'*'`` for the whole deployment, or a unit code. A row is in scope when
its unit is the scope unit or under it. Below a county, codes nest (a township's code starts with
its county's, a village's with its township's, a cell's with its village's), so "under" is a
prefix test; a county, city or province scope (6 digits) follows the parent chain instead, since a
city ``140700`` is not a prefix of its counties' codes in general: the 6-digit units under the
scope are looked up once per statement (``gs_scope_counties``) and a row is in scope when the
first 6 digits of its unit's code are one of them.

Each scoped table gets a key: its own code (``admin_unit``, ``grid_cell``, ``unit_coverage``,
``unit_piece``), the smallest unit holding the point (``incident.unit_code``, and the new
``camera.unit_code`` and ``patrol_track.unit_code``, kept by triggers like the incident's), every
admin unit a line touches (the new ``road.unit_codes`` and ``patrol_route.unit_codes``), or, for a
saved plan, the scope of the account that saved it (``plan.scope_code``; its items follow their
plan). When units change, the keys of the points and lines inside their old and new shapes are
recomputed (``gs_unit_relook``, extended).

Two policies per table: the owner (the role running the migrations: the coverage engine, imports,
the command line) sees and writes every row; every other role only the rows in scope, and a
session that set no scope sees none. ``FORCE ROW LEVEL SECURITY`` makes the policies bind the table
owner too (a superuser still bypasses them, which is why the web app's role is not one).

Revision ID: 0013_jurisdiction
Revises: 0012
"""

from alembic import op

revision = "0013_jurisdiction"
down_revision = "0012"
branch_labels = None
depends_on = None

# table -> the policy's test of a row (SQL on the row's columns)
_IN = "gs_code_in({key}, (SELECT gs_scope_prefix()), (SELECT gs_scope_counties()))"
_ANY = "gs_codes_in({key}, (SELECT gs_scope_prefix()), (SELECT gs_scope_counties()))"
SCOPED = {
    "admin_unit": _IN.format(key="code"),
    "grid_cell": _IN.format(key="code"),
    "unit_coverage": _IN.format(key="code"),
    "unit_piece": _IN.format(key="code"),
    "incident": _IN.format(key="unit_code"),
    "camera": _IN.format(key="unit_code"),
    "patrol_track": _IN.format(key="unit_code"),
    "road": _ANY.format(key="unit_codes"),
    "patrol_route": _ANY.format(key="unit_codes"),
    "plan": _IN.format(key="scope_code"),
    # the plan's own policy applies
    "plan_item": "EXISTS (SELECT 1 FROM plan p WHERE p.id = plan_id)",
}

_FUNCTIONS = """
CREATE FUNCTION gs_scope_all() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(current_setting('gridsight.scope', true) = '*', false) $$;

-- the scope when a prefix test decides (a township or village: 9 digits or more), else NULL
CREATE FUNCTION gs_scope_prefix() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN length(s) > 6 THEN s END
    FROM (SELECT current_setting('gridsight.scope', true) AS s) x
$$;

-- for a 6-digit scope (county, city, province): it and every 6-digit unit under it by the parent
-- chain; else empty. Security definer: it reads admin_unit whatever the caller's scope.
CREATE FUNCTION gs_scope_counties() RETURNS text[] LANGUAGE plpgsql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    s text := current_setting('gridsight.scope', true);
    codes text[];
BEGIN
    IF s IS NULL OR length(s) <> 6 THEN
        RETURN '{}';
    END IF;
    WITH RECURSIVE down AS (
        SELECT a.code FROM admin_unit a WHERE a.code = s
        UNION
        SELECT a.code FROM admin_unit a JOIN down d ON a.parent_code = d.code
        WHERE length(a.code) = 6)
    SELECT coalesce(array_agg(code), '{}') INTO codes FROM down;
    RETURN codes;
END $$;

-- each argument once, so that PostgreSQL inlines it into the policies; coalesce evaluates lazily,
-- so with a prefix (a township or village scope) the county list is never computed
CREATE FUNCTION gs_code_in(code text, prefix text, counties text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT coalesce(starts_with(code, prefix), left(code, 6) = ANY (counties), false) $$;

CREATE FUNCTION gs_codes_in(codes text[], prefix text, counties text[]) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT EXISTS (SELECT 1 FROM unnest(codes) c WHERE gs_code_in(c, prefix, counties)) $$;

-- whether unit `code` is visible under the session's scope (what the policies decide)
CREATE FUNCTION gs_in_scope(code text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT gs_scope_all() OR gs_code_in(code, gs_scope_prefix(), gs_scope_counties()) $$;

-- every admin unit (any level) a line touches, closed: a road along a border is in both units
CREATE FUNCTION gs_units_touching(g geometry) RETURNS text[] LANGUAGE sql STABLE PARALLEL SAFE AS
$$ SELECT coalesce(array_agg(a.code ORDER BY a.code), '{}') FROM admin_unit a
   WHERE ST_Intersects(a.geom, g) $$;

CREATE FUNCTION gs_point_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.unit_code := gs_finest_unit(NEW.geom);
    RETURN NEW;
END $$;

CREATE FUNCTION gs_line_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.unit_codes := gs_units_touching(NEW.geom);
    RETURN NEW;
END $$;
"""

_COLUMNS = """
ALTER TABLE camera ADD COLUMN unit_code text COLLATE "C";
ALTER TABLE patrol_track ADD COLUMN unit_code text COLLATE "C";
ALTER TABLE road ADD COLUMN unit_codes text[] COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE patrol_route ADD COLUMN unit_codes text[] COLLATE "C" NOT NULL DEFAULT '{}';
ALTER TABLE plan ADD COLUMN scope_code text COLLATE "C"
    DEFAULT nullif(nullif(current_setting('gridsight.scope', true), ''), '*');
UPDATE camera SET unit_code = gs_finest_unit(geom);
UPDATE patrol_track SET unit_code = gs_finest_unit(geom);
UPDATE road SET unit_codes = gs_units_touching(geom);
UPDATE patrol_route SET unit_codes = gs_units_touching(geom);
CREATE INDEX camera_unit_idx ON camera (unit_code);
CREATE INDEX patrol_track_unit_idx ON patrol_track (unit_code);
CREATE TRIGGER camera_unit BEFORE INSERT OR UPDATE OF geom, unit_code ON camera
    FOR EACH ROW EXECUTE FUNCTION gs_point_unit();
CREATE TRIGGER patrol_track_unit BEFORE INSERT OR UPDATE OF geom, unit_code ON patrol_track
    FOR EACH ROW EXECUTE FUNCTION gs_point_unit();
CREATE TRIGGER road_units BEFORE INSERT OR UPDATE OF geom, unit_codes ON road
    FOR EACH ROW EXECUTE FUNCTION gs_line_units();
CREATE TRIGGER patrol_route_units BEFORE INSERT OR UPDATE OF geom, unit_codes ON patrol_route
    FOR EACH ROW EXECUTE FUNCTION gs_line_units();
"""

# A unit or cell inserted, changed or deleted: the rows inside its old and new shapes look again
# for their unit (only those whose key really changes are written, so a camera's view, its
# incidents' "watched" and the coverage are left alone otherwise).
_RELOOK_POINTS = """
    UPDATE {table} t SET unit_code = x.u FROM (
        SELECT DISTINCT t2.{pk} AS pk, gs_finest_unit(t2.geom) AS u
        FROM {shapes} r JOIN {table} t2 ON ST_Intersects(r.geom, t2.geom)) x
    WHERE t.{pk} = x.pk AND t.unit_code IS DISTINCT FROM x.u;"""
_RELOOK_LINES = """
    UPDATE {table} t SET unit_codes = x.u FROM (
        SELECT DISTINCT t2.code AS pk, gs_units_touching(t2.geom) AS u
        FROM {shapes} r JOIN {table} t2 ON ST_Intersects(r.geom, t2.geom)) x
    WHERE t.code = x.pk AND t.unit_codes IS DISTINCT FROM x.u;"""
_INCIDENTS = (
    "UPDATE incident i SET unit_code = NULL WHERE i.code IN "
    "(SELECT DISTINCT i2.code FROM {shapes} r JOIN incident i2 ON ST_Intersects(r.geom, i2.geom));"
)


def _relook(shapes: str) -> str:
    return "\n".join(
        [
            _INCIDENTS.format(shapes=shapes),
            _RELOOK_POINTS.format(table="camera", pk="code", shapes=shapes),
            _RELOOK_POINTS.format(table="patrol_track", pk="id", shapes=shapes),
            _RELOOK_LINES.format(table="road", shapes=shapes),
            _RELOOK_LINES.format(table="patrol_route", shapes=shapes),
        ]
    )


_ALL = "(SELECT geom FROM admin_unit UNION ALL SELECT geom FROM grid_cell)"
_RELOOK_FUNCTION = f"""
CREATE OR REPLACE FUNCTION gs_unit_relook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE incident SET unit_code = NULL;
        UPDATE camera SET unit_code = NULL WHERE unit_code IS NOT NULL;
        UPDATE patrol_track SET unit_code = NULL WHERE unit_code IS NOT NULL;
        UPDATE road SET unit_codes = '{{}}' WHERE unit_codes <> '{{}}';
        UPDATE patrol_route SET unit_codes = '{{}}' WHERE unit_codes <> '{{}}';
    ELSIF TG_OP = 'INSERT' THEN
        {_relook("new_rows")}
    ELSIF TG_OP = 'DELETE' THEN
        {_relook("old_rows")}
    ELSE
        {_relook("(SELECT geom FROM old_rows UNION ALL SELECT geom FROM new_rows)")}
    END IF;
    RETURN NULL;
END $$;
"""  # noqa: S608 (the migration's constant SQL)


def _policies() -> str:
    out = []
    for table, test in SCOPED.items():
        out.append(f"""
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY gs_owner ON {table} TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY gs_scope ON {table} TO PUBLIC USING ((SELECT gs_scope_all()) OR {test})
    WITH CHECK ((SELECT gs_scope_all()) OR {test});""")
    return "\n".join(out)


def upgrade() -> None:
    op.execute(_FUNCTIONS)
    op.execute(_COLUMNS)
    op.execute(_RELOOK_FUNCTION)
    op.execute(_policies())


def downgrade() -> None:
    for table in SCOPED:
        op.execute(
            f"DROP POLICY gs_scope ON {table}; DROP POLICY gs_owner ON {table}; "
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;"
            f" ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;"
        )
    op.execute("""
DROP TRIGGER camera_unit ON camera; DROP TRIGGER patrol_track_unit ON patrol_track;
DROP TRIGGER road_units ON road; DROP TRIGGER patrol_route_units ON patrol_route;
ALTER TABLE camera DROP COLUMN unit_code; ALTER TABLE patrol_track DROP COLUMN unit_code;
ALTER TABLE road DROP COLUMN unit_codes; ALTER TABLE patrol_route DROP COLUMN unit_codes;
ALTER TABLE plan DROP COLUMN scope_code;
DROP FUNCTION gs_line_units(); DROP FUNCTION gs_point_unit();
DROP FUNCTION gs_units_touching(geometry);
DROP FUNCTION gs_in_scope(text); DROP FUNCTION gs_codes_in(text[], text, text[]);
DROP FUNCTION gs_code_in(text, text, text[]); DROP FUNCTION gs_scope_counties();
DROP FUNCTION gs_scope_prefix(); DROP FUNCTION gs_scope_all();
""")
