"""processed events pruned by age: an index on processed_at for the retention pruner

Revision ID: 08a6cfb66227
Revises: fe13db7a0eb6
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "08a6cfb66227"
down_revision: str | None = "fe13db7a0eb6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_processed_events_processed_at"), "processed_events", ["processed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_events_processed_at"), table_name="processed_events")
