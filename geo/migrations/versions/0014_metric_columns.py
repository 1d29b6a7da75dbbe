"""The parallel refresh's sums named after the metrics' columns (``geo/metrics.py``).

``coverage_work.area`` and ``coverage_work.road`` hold each unit's covered areas (m²) and covered
road lengths (m) between the steps of a parallel full refresh; their columns now carry the names
of the ``unit_coverage`` columns they fill, so that the refresh's SQL is generated from the metrics'
table. A migration adding a coverage metric adds its column to ``unit_coverage``,
``coverage_work.unit`` and one of these two (tested).

Revision ID: 0014_metric_columns
Revises: 0013_levels
"""

from alembic import op

revision = "0014_metric_columns"
down_revision = "0013_levels"
branch_labels = None
depends_on = None

_RENAMES = (
    ("area", "working", "camera_area_m2"),
    ("area", "installed", "camera_area_installed_m2"),
    ("area", "patrol", "patrol_area_m2"),
    ("area", "combined", "combined_area_m2"),
    ("road", "working", "camera_road_m"),
    ("road", "installed", "camera_road_installed_m"),
)


def upgrade() -> None:
    for table, old, new in _RENAMES:
        op.execute(f"ALTER TABLE coverage_work.{table} RENAME COLUMN {old} TO {new}")


def downgrade() -> None:
    for table, old, new in _RENAMES:
        op.execute(f"ALTER TABLE coverage_work.{table} RENAME COLUMN {new} TO {old}")
