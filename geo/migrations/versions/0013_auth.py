"""Accounts, sign-in throttling, kiosk tokens and the append-only audit log.

``account``: one person (or wall display) who signs in: a role (``wall`` < ``viewer`` < ``leader``
< ``planner`` < ``data`` < ``admin``), an optional jurisdiction ``unit_code`` (NULL = the whole
deployment), an Argon2 password hash, and ``session_epoch``, bumped to end every session of the
account at once (password reset, disabling). ``auth_failure``: failed sign-ins by account name and
by address, read by every web worker to slow guessing down. ``kiosk_token``: a wall display's
long-lived sign-in link (only its SHA-256 is kept), revocable. ``audit``: who did what, when, from
where, with what outcome; a trigger refuses UPDATE, DELETE and TRUNCATE, so the application can
only append.

Revision ID: 0013_auth
Revises: 0012
"""

from alembic import op

revision = "0013_auth"
down_revision = "0013_jurisdiction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE account (
    id serial PRIMARY KEY,
    name text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    role text NOT NULL CHECK (role IN ('wall', 'viewer', 'leader', 'planner', 'data', 'admin')),
    unit_code text CHECK (unit_code ~ '^[0-9]{6}([0-9]{3}([0-9]{3}([0-9]{3})?)?)?$'),
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    session_epoch integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE account IS 'people and wall displays who sign in (geo/accounts.py)';

CREATE TABLE auth_failure (
    id bigserial PRIMARY KEY,
    key text NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX auth_failure_key_at ON auth_failure (key, at);
COMMENT ON TABLE auth_failure IS
    'failed sign-ins by ''account:NAME'' and ''address:IP'', for throttling';

CREATE TABLE kiosk_token (
    id serial PRIMARY KEY,
    account_id integer NOT NULL REFERENCES account(id) ON DELETE CASCADE,
    token_sha256 text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
COMMENT ON TABLE kiosk_token IS 'long-lived sign-in links of wall displays; only the hash is kept';

CREATE TABLE audit (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    account text,
    address text,
    kind text NOT NULL,
    target text NOT NULL DEFAULT '',
    outcome text NOT NULL DEFAULT 'ok',
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_account_at ON audit (account, at);
CREATE INDEX audit_kind_at ON audit (kind, at);
COMMENT ON TABLE audit IS
    'append-only record of sign-ins, writes, exports and personal data views (geo/audit.py)';

CREATE FUNCTION gs_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% refused)', TG_OP;
END $$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION gs_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION gs_audit_append_only();
""")


def downgrade() -> None:
    op.execute("""
DROP TABLE audit;
DROP FUNCTION gs_audit_append_only();
DROP TABLE kiosk_token;
DROP TABLE auth_failure;
DROP TABLE account;
""")
