"""Which parents their children tile, kept with the units.

The columns are ``unit_coverage.tiled`` and ``roads_tiled``.

A full refresh sums a tiled parent's covered areas (and, when no road runs along a child's border,
its covered road lengths) from its children instead of measuring it (see ``geo/_coverage_sql.py``,
``TILING``). The facts depend on the units and roads only, so they are kept with the units and
rebuilt with them, not on every full refresh.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE unit_coverage ADD COLUMN tiled boolean NOT NULL DEFAULT false,
                          ADD COLUMN roads_tiled boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN unit_coverage.tiled IS 'its children tile it: its covered areas are their sums';
COMMENT ON COLUMN unit_coverage.roads_tiled IS
    'tiled, and its children''s road lengths add up to its own';
""")


def downgrade() -> None:
    op.execute("ALTER TABLE unit_coverage DROP COLUMN tiled, DROP COLUMN roads_tiled")
