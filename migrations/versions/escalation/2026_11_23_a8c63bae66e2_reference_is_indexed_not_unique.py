"""reference is indexed, not unique

Revision ID: a8c63bae66e2
Revises: a8fcb4d08b1f
Create Date: 2026-11-23 12:01:14.383143
"""

from collections.abc import Sequence

from alembic import op

revision: str = "a8c63bae66e2"
down_revision: str | None = "a8fcb4d08b1f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_incidents_reference"), type_="unique")
        batch_op.create_index(batch_op.f("ix_incidents_reference"), ["reference"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_reference"))
        batch_op.create_unique_constraint(batch_op.f("uq_incidents_reference"), ["reference"])
