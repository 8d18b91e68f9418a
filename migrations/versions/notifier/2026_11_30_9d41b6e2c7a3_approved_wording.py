"""notices: the wording an approval covered (its hash) and why an approval was refused

Revision ID: 9d41b6e2c7a3
Revises: 5e8a0c3d7b14
Create Date: 2026-11-30 06:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9d41b6e2c7a3"
down_revision: str | None = "5e8a0c3d7b14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.add_column(sa.Column("approved_wording", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("failed_reason", sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notices") as batch:
        batch.drop_column("failed_reason")
        batch.drop_column("approved_wording")
