"""idempotency keys

Revision ID: fd6414695652
Revises: cda598ca4db5
Create Date: 2026-11-23 11:43:20.718765
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fd6414695652"
down_revision: str | None = "cda598ca4db5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["reports.id"], name=op.f("fk_idempotency_keys_incident_id_reports")),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_idempotency_keys")),
    )


def downgrade() -> None:
    op.drop_table("idempotency_keys")
