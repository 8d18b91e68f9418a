"""shared rate-limit counts: each process's admissions (and refusals) per client key and time slot

Revision ID: a4b6c8d0e2f4
Revises: 3c9e5b7a1f20
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a4b6c8d0e2f4"
down_revision: str | None = "3c9e5b7a1f20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # UNLOGGED on PostgreSQL: no WAL for counts rewritten every second; a crash empties the table,
    # which only lets the limits start afresh
    prefixes = ["UNLOGGED"] if op.get_bind().dialect.name == "postgresql" else []
    op.create_table(
        "rate_limit_counts",
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("slot", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("instance", sa.String(32), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("last_hit_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key_hash", "slot", "instance", name=op.f("pk_rate_limit_counts")),
        prefixes=prefixes,
    )
    op.create_index(op.f("ix_rate_limit_counts_expires_at"), "rate_limit_counts", ["expires_at"])
    op.create_index(op.f("ix_rate_limit_counts_written_at"), "rate_limit_counts", ["written_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_counts_written_at"), table_name="rate_limit_counts")
    op.drop_index(op.f("ix_rate_limit_counts_expires_at"), table_name="rate_limit_counts")
    op.drop_table("rate_limit_counts")
