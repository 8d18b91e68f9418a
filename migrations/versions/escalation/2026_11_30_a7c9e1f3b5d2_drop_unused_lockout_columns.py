"""drop desk_users.failed_attempts and locked_until: the sign-in throttle per (name, address) replaced them

Revision ID: a7c9e1f3b5d2
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c9e1f3b5d2"
down_revision: str | None = "f1a2b3c4d5e6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("desk_users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_attempts")


def downgrade() -> None:
    with op.batch_alter_table("desk_users", schema=None) as batch_op:
        # existing accounts start with no failures, as `pidesk user add` made them
        batch_op.add_column(sa.Column("failed_attempts", sa.Integer(), nullable=False, server_default=sa.text("0")))
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("desk_users", schema=None) as batch_op:
        batch_op.alter_column("failed_attempts", server_default=None)
