"""Work tables of the parallel full coverage refresh (schema ``coverage_work``).

A full refresh run by several database sessions at once (``geo/coverage_parallel.py``) hands its
intermediate results from one session to the next through these tables: the tiled views and
buffers, the mosaic pieces, the covered road lines, each unit's sums and, when the units are
rebuilt, the new units and road pieces. Nothing reads them but that refresh, which empties them
first and holds the refresh lock throughout; they are unlogged (lost in a crash, and then simply
rebuilt by the next refresh).

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
CREATE SCHEMA coverage_work;
COMMENT ON SCHEMA coverage_work IS
    'scratch tables of a parallel full coverage refresh (geo/coverage_parallel.py)';
-- units and roads, when a refresh rebuilds them (copied into the live tables at its end); a later
-- migration adding a column to unit_coverage adds it here too (tested)
CREATE UNLOGGED TABLE coverage_work.unit (LIKE unit_coverage INCLUDING DEFAULTS);
CREATE INDEX ON coverage_work.unit (code);
CREATE INDEX ON coverage_work.unit (parent_code);
CREATE INDEX ON coverage_work.unit USING gist (geom_m);
CREATE UNLOGGED TABLE coverage_work.unit_piece (code text NOT NULL, geom geometry NOT NULL);
CREATE UNLOGGED TABLE coverage_work.road_piece (id bigserial PRIMARY KEY, geom geometry NOT NULL);
CREATE INDEX ON coverage_work.road_piece USING gist (geom);
-- the views and patrol buffers cut along the union tiles (tx, ty), and the mosaic built from them
CREATE UNLOGGED TABLE coverage_work.source (kind text NOT NULL, tx integer NOT NULL,
                                            ty integer NOT NULL, g geometry NOT NULL);
-- which chunk of the mosaic step builds each tile (balanced by the tiles' vertex counts)
CREATE UNLOGGED TABLE coverage_work.tile (tx integer NOT NULL, ty integer NOT NULL,
                                          chunk integer NOT NULL, PRIMARY KEY (tx, ty));
CREATE UNLOGGED TABLE coverage_work.piece (kind text NOT NULL, geom geometry NOT NULL);
CREATE UNLOGGED TABLE coverage_work.covered_road (kind text NOT NULL, geom geometry NOT NULL);
-- each unit's sums
CREATE UNLOGGED TABLE coverage_work.area (code text NOT NULL, working double precision,
    installed double precision, patrol double precision, combined double precision);
CREATE UNLOGGED TABLE coverage_work.road (code text NOT NULL, working double precision,
    installed double precision);
CREATE UNLOGGED TABLE coverage_work.cameras (code text NOT NULL, n integer NOT NULL,
    online integer NOT NULL);
""")


def downgrade() -> None:
    op.execute("DROP SCHEMA coverage_work CASCADE")
