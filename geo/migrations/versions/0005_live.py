"""Live changes for the wall display: a version per topic, bumped by every statement that changes
incidents or cameras, and the time each incident row was written.

``gs_live`` lets every dashboard worker poll one tiny table to learn whether anything changed,
whoever changed it (an import, another program). ``incident.created_at`` tells new incidents from
old ones for highlighting; it is metadata of the row, not of any person.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE gs_live (topic text PRIMARY KEY, version bigint NOT NULL DEFAULT 0,
                      changed_at timestamptz NOT NULL DEFAULT now());
INSERT INTO gs_live (topic) VALUES ('incident'), ('camera'), ('coverage');

CREATE FUNCTION gs_live_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE gs_live SET version = version + 1, changed_at = now() WHERE topic = TG_ARGV[0];
    RETURN NULL;
END $$;

CREATE TRIGGER incident_live AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON incident
    FOR EACH STATEMENT EXECUTE FUNCTION gs_live_bump('incident');
CREATE TRIGGER camera_live AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON camera
    FOR EACH STATEMENT EXECUTE FUNCTION gs_live_bump('camera');
CREATE TRIGGER unit_coverage_live AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON unit_coverage
    FOR EACH STATEMENT EXECUTE FUNCTION gs_live_bump('coverage');

ALTER TABLE incident ADD COLUMN created_at timestamptz NOT NULL DEFAULT clock_timestamp();
CREATE INDEX incident_created_idx ON incident (created_at);
""")
