"""vendor alert state

Revision ID: eb6726bbe839
Revises: fd6414695652
Create Date: 2026-11-23 11:49:57.322191
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "eb6726bbe839"
down_revision: str | None = "fd6414695652"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vendor_state", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("last_alert_at")
        batch_op.drop_column("vendor_state")
