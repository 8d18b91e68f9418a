"""received government requests and complaints (issue 17): their sealed words and reference counters

Revision ID: e17c4a8b2d65
Revises: d7f1a3c5e9b2
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e17c4a8b2d65"
down_revision: str | None = "d7f1a3c5e9b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_counters",
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_case_counters")),
    )
    op.create_table(
        "received_cases",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("sealed", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_received_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_received_cases_reference")),
    )
    with op.batch_alter_table("received_cases", schema=None) as batch_op:
        batch_op.create_index("ix_received_cases_kind_received_at", ["kind", "received_at"], unique=False)

    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column(
            "affected_count", existing_type=sa.INTEGER(), type_=sa.BigInteger(), existing_nullable=True
        )


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.alter_column(
            "affected_count", existing_type=sa.BigInteger(), type_=sa.INTEGER(), existing_nullable=True
        )

    with op.batch_alter_table("received_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_received_cases_kind_received_at")

    op.drop_table("received_cases")
    op.drop_table("case_counters")
