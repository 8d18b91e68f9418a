"""alert mails by time: the rate limit reads a person's latest mails through an index, not all of them

Revision ID: c9e1a3b5d7f9
Revises: b8d0f2a4c6e8
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c9e1a3b5d7f9"
down_revision: str | None = "b8d0f2a4c6e8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALERT_MAIL_ROWS = sa.text("mail_key IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_alert_mail_sent",
            ["address", "sent_at"],
            unique=False,
            postgresql_where=ALERT_MAIL_ROWS,
            sqlite_where=ALERT_MAIL_ROWS,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deliveries_alert_mail_sent", postgresql_where=ALERT_MAIL_ROWS, sqlite_where=ALERT_MAIL_ROWS
        )
