"""Camera ranges bounded in the database too: ``range_m`` at most 20 km (``geo.limits``).

The application refuses larger ranges at every entry point; the constraints keep a row written by
anything else (another program, an older version) out of the real camera layer and saved plans.
``NOT VALID``: rows already there are not checked (a database may hold one from before), new and
changed rows are.

Revision ID: 0013_limits
Revises: 0012
"""

from alembic import op

revision = "0013_limits"
down_revision = "0013_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
ALTER TABLE camera ADD CONSTRAINT camera_range_max CHECK (range_m <= 20000) NOT VALID;
ALTER TABLE plan_item ADD CONSTRAINT plan_item_range_max CHECK (range_m <= 20000) NOT VALID;
""")


def downgrade() -> None:
    op.execute("""
ALTER TABLE camera DROP CONSTRAINT camera_range_max;
ALTER TABLE plan_item DROP CONSTRAINT plan_item_range_max;
""")
