"""Each incident knows whether a working camera sees it (``incident.watched``).

Triggers keep it current.

Blind incidents (DOMAIN.md: outside every working view) were found by testing every incident of a
window against the camera views on every read: most of a unit's figures' time, and it grows with
the window. The flag is set when an incident is written or moved, and recomputed for the incidents
under the old and new views of every camera that is inserted, changed or deleted (one statement per
camera statement, through transition tables), so it is right at every commit, as the live test was.

Revision ID: 0007
Revises: 0006
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_SEEN = (
    "EXISTS (SELECT 1 FROM camera c WHERE c.status = 'online' AND ST_Intersects(c.view_geom, {g}))"
)
# the views of an update's cameras, before and after
_BOTH_VIEWS = "(SELECT view_geom FROM old_rows UNION ALL SELECT view_geom FROM new_rows)"
# Setting ``watched`` fires the incident's own trigger, which recomputes it: only rows that differ.
# S608 below: the migration's constant SQL
_REWATCH = (
    "UPDATE incident i SET watched = NOT i.watched WHERE i.code IN "  # noqa: S608
    "(SELECT DISTINCT i2.code FROM {views} r"
    " JOIN incident i2 ON ST_Intersects(r.view_geom, i2.geom)) "
    "AND i.watched <> " + _SEEN.format(g="i.geom")
)


def upgrade() -> None:
    op.execute(f"""
ALTER TABLE incident ADD COLUMN watched boolean NOT NULL DEFAULT false;
UPDATE incident i SET watched = true WHERE {_SEEN.format(g="i.geom")};

CREATE FUNCTION gs_incident_watched() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.watched := {_SEEN.format(g="NEW.geom")};
    RETURN NEW;
END $$;
CREATE TRIGGER incident_watched BEFORE INSERT OR UPDATE OF geom, watched ON incident
    FOR EACH ROW EXECUTE FUNCTION gs_incident_watched();

-- The incidents under the changed cameras' views (before and after the change) are looked at again.
CREATE FUNCTION gs_camera_rewatch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE incident SET watched = false WHERE watched;
    ELSIF TG_OP = 'INSERT' THEN
        {_REWATCH.format(views="new_rows")};
    ELSIF TG_OP = 'DELETE' THEN
        {_REWATCH.format(views="old_rows")};
    ELSE
        {_REWATCH.format(views=_BOTH_VIEWS)};
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER camera_rewatch_insert AFTER INSERT ON camera REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_camera_rewatch();
CREATE TRIGGER camera_rewatch_update AFTER UPDATE ON camera
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_camera_rewatch();
CREATE TRIGGER camera_rewatch_delete AFTER DELETE ON camera REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_camera_rewatch();
CREATE TRIGGER camera_rewatch_truncate AFTER TRUNCATE ON camera
    FOR EACH STATEMENT EXECUTE FUNCTION gs_camera_rewatch();
""")  # noqa: S608 (the migration's constant SQL)


def downgrade() -> None:
    op.execute("""
DROP TRIGGER camera_rewatch_insert ON camera;
DROP TRIGGER camera_rewatch_update ON camera;
DROP TRIGGER camera_rewatch_delete ON camera;
DROP TRIGGER camera_rewatch_truncate ON camera;
DROP FUNCTION gs_camera_rewatch();
DROP TRIGGER incident_watched ON incident;
DROP FUNCTION gs_incident_watched();
ALTER TABLE incident DROP COLUMN watched;
""")
