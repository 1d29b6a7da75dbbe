"""Each incident knows the smallest unit it lies in (``incident.unit_code``), kept true by triggers.

Counting a unit's incidents by testing every incident of the window against the unit's polygon
costs a spatial join per unit: seconds for the 140 counties of a province. Unit codes nest (a
township's code starts with its county's, a cell's with its village's), so the incidents of a unit
are those whose ``unit_code`` starts with the unit's code: one pass over the window, grouped by
code prefix. ``unit_code`` is the grid cell holding the incident, else the village, township or
county (an incident on a shared border goes to the lower code, so it is counted once); it is set
when an incident is written or moved and recomputed for the incidents inside the old and new shapes
of every cell or admin unit that is inserted, changed or deleted. It sorts in byte order ("C"), so
that a code range is a prefix range whatever the database's locale.

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Setting ``unit_code`` fires the incident's own trigger, which recomputes it.
_RELOOK = (
    "UPDATE incident i SET unit_code = NULL WHERE i.code IN "
    "(SELECT DISTINCT i2.code FROM {shapes} r JOIN incident i2 ON ST_Intersects(r.geom, i2.geom))"
)


def upgrade() -> None:
    op.execute(f"""
CREATE FUNCTION gs_finest_unit(g geometry) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        (SELECT c.code FROM grid_cell c WHERE ST_Intersects(c.geom, g) ORDER BY c.code LIMIT 1),
        (SELECT a.code FROM admin_unit a WHERE ST_Intersects(a.geom, g)
         ORDER BY length(a.code) DESC, a.code LIMIT 1))
$$;
ALTER TABLE incident ADD COLUMN unit_code text COLLATE "C";
UPDATE incident SET unit_code = gs_finest_unit(geom);
CREATE INDEX incident_unit_time_idx ON incident (unit_code, occurred_at);

CREATE FUNCTION gs_incident_unit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.unit_code := gs_finest_unit(NEW.geom);
    RETURN NEW;
END $$;
CREATE TRIGGER incident_unit BEFORE INSERT OR UPDATE OF geom, unit_code ON incident
    FOR EACH ROW EXECUTE FUNCTION gs_incident_unit();

CREATE FUNCTION gs_unit_relook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE incident SET unit_code = NULL;
    ELSIF TG_OP = 'INSERT' THEN
        {_RELOOK.format(shapes="new_rows")};
    ELSIF TG_OP = 'DELETE' THEN
        {_RELOOK.format(shapes="old_rows")};
    ELSE
        {_RELOOK.format(shapes="(SELECT geom FROM old_rows UNION ALL SELECT geom FROM new_rows)")};
    END IF;
    RETURN NULL;
END $$;
""")  # noqa: S608 (the migration's constant SQL)
    for table in ("grid_cell", "admin_unit"):
        op.execute(f"""
CREATE TRIGGER {table}_relook_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_unit_relook();
CREATE TRIGGER {table}_relook_update AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_unit_relook();
CREATE TRIGGER {table}_relook_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_unit_relook();
CREATE TRIGGER {table}_relook_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION gs_unit_relook();
""")


def downgrade() -> None:
    for table in ("grid_cell", "admin_unit"):
        for event in ("insert", "update", "delete", "truncate"):
            op.execute(f"DROP TRIGGER {table}_relook_{event} ON {table}")
    op.execute("""
DROP FUNCTION gs_unit_relook();
DROP TRIGGER incident_unit ON incident;
DROP FUNCTION gs_incident_unit();
DROP INDEX incident_unit_time_idx;
ALTER TABLE incident DROP COLUMN unit_code;
DROP FUNCTION gs_finest_unit(geometry);
""")
