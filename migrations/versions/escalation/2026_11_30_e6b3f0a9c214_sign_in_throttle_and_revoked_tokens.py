"""sign-in throttle per (name, address) and the deny-list of revoked bearer tokens

Revision ID: e6b3f0a9c214
Revises: d5a8e3f1c027
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6b3f0a9c214"
down_revision: str | None = "d5a8e3f1c027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key_hash", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(op.f("ix_sign_in_throttle_last_failure_at"), "sign_in_throttle", ["last_failure_at"])
    op.create_table(
        "revoked_tokens",
        sa.Column("jti", sa.String(64), primary_key=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(200), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("revoked_tokens")
    op.drop_index(op.f("ix_sign_in_throttle_last_failure_at"), table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
