"""delivery priority: within a risk level a person's report before a tool's alert; notices at 10

Revision ID: 5e8a0c3d7b14
Revises: 722df4d27e26
Create Date: 2026-11-30 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e8a0c3d7b14"
down_revision: str | None = "722df4d27e26"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # alerts were 0-3 by risk, notices 5: alerts become 2 * rank + 1 (a tool's, not knowing better),
    # notices 10 and after
    op.execute("UPDATE deliveries SET priority = CASE WHEN priority >= 5 THEN priority + 5 ELSE 2 * priority + 1 END")
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("priority", existing_type=sa.SmallInteger(), server_default=sa.text("10"))


def downgrade() -> None:
    op.execute("UPDATE deliveries SET priority = CASE WHEN priority >= 10 THEN priority - 5 ELSE priority / 2 END")
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("priority", existing_type=sa.SmallInteger(), server_default=sa.text("5"))
