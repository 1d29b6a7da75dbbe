"""An index of the open incidents by unit: the "open incidents" figure without reading the closed.

The drill-down's KPI counts a unit's open incidents of all time (``geo.figures`` with the window
since 1970 and the open statuses): with only ``incident_unit_time_idx`` it read every incident the
unit ever had (thousands for a township of the demo, millions for a city) to find the few still
open. The partial index holds only the open ones (the statuses of ``geo.figures.OPEN_STATUSES``),
so the count reads those.

Revision ID: 0017_open_incidents
Revises: 0016_audit_scope
"""

from alembic import op

revision = "0017_open_incidents"
down_revision = "0016_audit_scope"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE INDEX incident_open_unit_time_idx ON incident (unit_code, occurred_at) "
        "WHERE status IN ('reported', 'dispatched', 'handling')"
    )
    op.execute("ANALYZE incident")


def downgrade() -> None:
    op.execute("DROP INDEX incident_open_unit_time_idx")
