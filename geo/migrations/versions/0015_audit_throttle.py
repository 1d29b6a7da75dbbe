"""Refused requests recorded at a bounded rate: a hostile client cannot fill the audit log.

Every refused request (kind ``denied``) and every refused sign-in (``sign_in_failed``) is one audit
row; a client repeating one costs a row each time. A trigger on ``audit`` now records at most
``gs_audit_refusals_per_minute()`` (30) such events per key and minute, the key being the account
and address for ``denied`` and the address alone for ``sign_in_failed`` (its account name is
whatever the client typed). Past that, events are counted in ``audit_throttle`` instead of written;
when the key's minute has closed, one row of kind ``suppressed`` says how many were left out (of
which kind, first and last time): written before the key's next recorded event, or by
``gs_audit_flush()``, which the audit's readers call first (``geo.audit.events``). The counters live
in the database, so the limit holds across every web worker. The trigger and the flush run as the
owner (SECURITY DEFINER): the web app's role gets no grant on ``audit_throttle``.

Revision ID: 0015_audit_throttle
Revises: 0014_scope_clip
"""

from alembic import op

revision = "0015_audit_throttle"
down_revision = "0014_scope_clip"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE TABLE audit_throttle (
    kind text NOT NULL,
    account text NOT NULL,
    address text NOT NULL,
    window_start timestamptz NOT NULL,
    recorded integer NOT NULL DEFAULT 0,
    suppressed integer NOT NULL DEFAULT 0,
    first_suppressed timestamptz,
    last_suppressed timestamptz,
    PRIMARY KEY (kind, account, address)
);
CREATE INDEX audit_throttle_pending ON audit_throttle (window_start) WHERE suppressed > 0;
COMMENT ON TABLE audit_throttle IS
    'refused requests and sign-ins per key and minute, beyond the recorded ones (migration 0015)';

CREATE FUNCTION gs_audit_refusals_per_minute() RETURNS integer LANGUAGE sql IMMUTABLE
AS $$ SELECT 30 $$;

-- the summary row of a closed window's suppressed events; the caller holds the key's row lock
CREATE FUNCTION gs_audit_summary(t audit_throttle) RETURNS void LANGUAGE sql
SET search_path = public, pg_temp AS $$
    INSERT INTO audit (at, account, address, kind, target, outcome, detail)
    VALUES (t.last_suppressed, nullif(t.account, ''), nullif(t.address, ''), 'suppressed', t.kind,
            t.suppressed || ' more ' || t.kind || ' events suppressed',
            jsonb_build_object('kind', t.kind, 'suppressed', t.suppressed,
                               'first', t.first_suppressed, 'last', t.last_suppressed,
                               'per_minute', gs_audit_refusals_per_minute()));
    UPDATE audit_throttle SET suppressed = 0, first_suppressed = NULL, last_suppressed = NULL
    WHERE (kind, account, address) = (t.kind, t.account, t.address);
$$;

CREATE FUNCTION gs_audit_throttle() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    now_ timestamptz := clock_timestamp();
    k_account text := CASE WHEN NEW.kind = 'denied' THEN coalesce(NEW.account, '') ELSE '' END;
    t audit_throttle;
BEGIN
    IF NEW.kind NOT IN ('denied', 'sign_in_failed') THEN
        RETURN NEW;
    END IF;
    -- one row per key, locked until the transaction ends: concurrent workers count in turn
    INSERT INTO audit_throttle AS a (kind, account, address, window_start)
    VALUES (NEW.kind, k_account, coalesce(NEW.address, ''), now_)
    ON CONFLICT (kind, account, address) DO UPDATE SET kind = a.kind
    RETURNING * INTO t;
    IF now_ >= t.window_start + interval '1 minute' THEN
        IF t.suppressed > 0 THEN
            PERFORM gs_audit_summary(t);
            NEW.id := nextval(pg_get_serial_sequence('audit', 'id'));  -- after its summary
        END IF;
        UPDATE audit_throttle SET window_start = now_, recorded = 1
        WHERE (kind, account, address) = (t.kind, t.account, t.address);
        RETURN NEW;
    ELSIF t.recorded < gs_audit_refusals_per_minute() THEN
        UPDATE audit_throttle SET recorded = recorded + 1
        WHERE (kind, account, address) = (t.kind, t.account, t.address);
        RETURN NEW;
    END IF;
    UPDATE audit_throttle SET suppressed = suppressed + 1,
        first_suppressed = coalesce(first_suppressed, now_), last_suppressed = now_
    WHERE (kind, account, address) = (t.kind, t.account, t.address);
    RETURN NULL;
END $$;
CREATE TRIGGER audit_throttle BEFORE INSERT ON audit
    FOR EACH ROW EXECUTE FUNCTION gs_audit_throttle();

-- the summaries of every closed window that suppressed events; returns how many were written
CREATE FUNCTION gs_audit_flush() RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    t audit_throttle;
    n integer := 0;
BEGIN
    FOR t IN SELECT * FROM audit_throttle
             WHERE suppressed > 0 AND window_start + interval '1 minute' <= clock_timestamp()
             ORDER BY last_suppressed FOR UPDATE SKIP LOCKED LOOP
        PERFORM gs_audit_summary(t);
        n := n + 1;
    END LOOP;
    DELETE FROM audit_throttle
    WHERE suppressed = 0 AND window_start < clock_timestamp() - interval '1 day';
    RETURN n;
END $$;
""")


def downgrade() -> None:
    op.execute("""
DROP TRIGGER audit_throttle ON audit;
DROP FUNCTION gs_audit_flush(); DROP FUNCTION gs_audit_throttle();
DROP FUNCTION gs_audit_summary(audit_throttle); DROP FUNCTION gs_audit_refusals_per_minute();
DROP TABLE audit_throttle;
""")
