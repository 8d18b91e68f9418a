"""alert mail pacing: one mail per person per incident and step, rate limit, group-update window, digest

Revision ID: 722df4d27e26
Revises: 08a6cfb66227
Create Date: 2026-11-30 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "722df4d27e26"
down_revision: str | None = "08a6cfb66227"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALERT_MAIL_ROWS = sa.text("mail_key IS NOT NULL")


def upgrade() -> None:
    # rows written before this revision have no mail key: each goes as its own mail, as it always did
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("mail_key", sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column("exempt", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("hold", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.add_column(
            sa.Column("carried_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.create_index(
            "ix_deliveries_alert_mail",
            ["address", "mail_key"],
            unique=False,
            postgresql_where=ALERT_MAIL_ROWS,
            sqlite_where=ALERT_MAIL_ROWS,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_alert_mail")
        batch_op.drop_column("carried_by")
        batch_op.drop_column("note")
        batch_op.drop_column("hold")
        batch_op.drop_column("exempt")
        batch_op.drop_column("mail_key")
