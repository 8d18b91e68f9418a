"""early updates: incident.updated events kept until their incident is recorded

Revision ID: c41d7e9a2b85
Revises: b7e2c4d91a6f
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c41d7e9a2b85"
down_revision: str | None = "b7e2c4d91a6f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_updates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_updates")),
    )
    op.create_index(op.f("ix_early_updates_incident_id"), "early_updates", ["incident_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_early_updates_incident_id"), table_name="early_updates")
    op.drop_table("early_updates")
