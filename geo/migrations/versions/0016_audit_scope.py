"""The audit log under row-level security: an administrator limited to a unit reads only its events.

Each event gets ``unit_code``: the jurisdiction of the account that acted, looked up in ``account``
when the row is written (a trigger, so every writer fills it: the web app, the command line,
the refusal summaries of migration 0015); an event whose actor is no account of the deployment
(a refused sign-in under an unknown name, the command line's ``cli:<user>``) or an account of the
whole deployment has none, and only the whole deployment sees it. Rows already there are filled
the same way.

Policies, forced like the other tables' (migration 0013_jurisdiction): the owner (the command
line's ``python -m geo audit``) reads every row; any other role reads the rows whose unit is under
its session's scope (``gridsight.scope``), and may insert any row (a sign-in is recorded before
the session has a scope); the append-only trigger still refuses UPDATE, DELETE and TRUNCATE.

Revision ID: 0016_audit_scope
Revises: 0015_audit_throttle
"""

from alembic import op

revision = "0016_audit_scope"
down_revision = "0015_audit_throttle"
branch_labels = None
depends_on = None

_IN = "gs_code_in(unit_code, (SELECT gs_scope_prefix()), (SELECT gs_scope_counties()))"


def upgrade() -> None:
    op.execute(f"""
ALTER TABLE audit ADD COLUMN unit_code text COLLATE "C";
ALTER TABLE audit DISABLE TRIGGER audit_append_only;
UPDATE audit e SET unit_code = a.unit_code FROM account a WHERE a.name = e.account;
ALTER TABLE audit ENABLE TRIGGER audit_append_only;
CREATE INDEX audit_unit_at ON audit (unit_code, at);

-- SECURITY DEFINER: the account table stays readable only as the app's grants say
CREATE FUNCTION gs_audit_unit() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
    NEW.unit_code := (SELECT a.unit_code FROM account a WHERE a.name = NEW.account);
    RETURN NEW;
END $$;
CREATE TRIGGER audit_unit BEFORE INSERT ON audit FOR EACH ROW EXECUTE FUNCTION gs_audit_unit();

ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit FORCE ROW LEVEL SECURITY;
CREATE POLICY gs_owner ON audit TO CURRENT_USER USING (true) WITH CHECK (true);
CREATE POLICY gs_scope ON audit FOR SELECT TO PUBLIC USING ((SELECT gs_scope_all()) OR {_IN});
CREATE POLICY gs_append ON audit FOR INSERT TO PUBLIC WITH CHECK (true);
""")  # noqa: S608 (a constant fragment)


def downgrade() -> None:
    op.execute("""
DROP POLICY gs_append ON audit; DROP POLICY gs_scope ON audit; DROP POLICY gs_owner ON audit;
ALTER TABLE audit NO FORCE ROW LEVEL SECURITY; ALTER TABLE audit DISABLE ROW LEVEL SECURITY;
DROP TRIGGER audit_unit ON audit; DROP FUNCTION gs_audit_unit();
DROP INDEX audit_unit_at;
ALTER TABLE audit DROP COLUMN unit_code;
""")
