"""Units and roads ask for a full coverage refresh only when a statement really changed rows.

The statement triggers of 0002 fired for every INSERT/UPDATE/DELETE, even one that touched no row
(an import of an unchanged file upserts nothing), and forced a full refresh. These read the
statement's transition table and note a change only when it holds rows.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("admin_unit", "grid_cell", "road")


def upgrade() -> None:
    op.execute("""
CREATE FUNCTION gs_note_full_change_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_rows) THEN
        INSERT INTO coverage_change (layer, region) VALUES (TG_TABLE_NAME, NULL);
    END IF;
    RETURN NULL;
END $$;
""")
    for table in _TABLES:
        op.execute(f"""
DROP TRIGGER {table}_coverage_change ON {table};
CREATE TRIGGER {table}_coverage_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change_rows();
CREATE TRIGGER {table}_coverage_update AFTER UPDATE ON {table} REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change_rows();
CREATE TRIGGER {table}_coverage_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change_rows();
CREATE TRIGGER {table}_coverage_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION gs_note_full_change();
""")
