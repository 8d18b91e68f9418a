"""report counts beyond int32: reports.affected_count as BIGINT

The report schema accepts up to 10**10 people (MAX_SUBJECTS); an INTEGER column refused anything over
2**31 - 1 with a database error, a 500 (found by fuzzing, issue 12 item 20). SQLite's INTEGER already
holds 64 bits.

Revision ID: 9e4f2a7c1b38
Revises: a4b6c8d0e2f4
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9e4f2a7c1b38"
down_revision: str | None = "a4b6c8d0e2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "reports", "affected_count", type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=True
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.alter_column(
        "reports", "affected_count", type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=True
    )
