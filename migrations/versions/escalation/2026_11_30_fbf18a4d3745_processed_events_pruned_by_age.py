"""processed events pruned by age: an index on processed_at for the retention pruner

Revision ID: fbf18a4d3745
Revises: 4318bde8fcf2
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "fbf18a4d3745"
down_revision: str | None = "4318bde8fcf2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_processed_events_processed_at"), "processed_events", ["processed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_events_processed_at"), table_name="processed_events")
