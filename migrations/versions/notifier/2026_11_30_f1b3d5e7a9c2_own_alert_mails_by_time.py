"""own alert mails by time: the rate limit's read of a person's hour skips the rows that rode in others' mails

The rate limit reads a person's latest alert mails of the hour (mailings.py). Through the (address,
sent_at) index of every alert row, that read went over each row that rode in another row's mail
(`carried_by`) as well: a storm folded into a few mails leaves thousands of them in a person's hour (12 ms a
claim at 10,000 each for six people). Only the mails that went as their own count; on PostgreSQL the read now
goes down this index per person, newest first, and stops after `per_hour`.

Revision ID: f1b3d5e7a9c2
Revises: d4f6a8c0e2b3
Create Date: 2026-11-30 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f1b3d5e7a9c2"
down_revision: str | None = "d4f6a8c0e2b3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ALERT_MAIL_ROWS = sa.text("mail_key IS NOT NULL")
OWN_ALERT_MAIL_ROWS = sa.text("mail_key IS NOT NULL AND carried_by IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deliveries_alert_mail_sent", postgresql_where=ALERT_MAIL_ROWS, sqlite_where=ALERT_MAIL_ROWS
        )
        batch_op.create_index(
            "ix_deliveries_own_alert_mail_sent",
            ["address", "sent_at", "id"],
            unique=False,
            postgresql_where=OWN_ALERT_MAIL_ROWS,
            sqlite_where=OWN_ALERT_MAIL_ROWS,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_deliveries_own_alert_mail_sent", postgresql_where=OWN_ALERT_MAIL_ROWS, sqlite_where=OWN_ALERT_MAIL_ROWS
        )
        batch_op.create_index(
            "ix_deliveries_alert_mail_sent",
            ["address", "sent_at"],
            unique=False,
            postgresql_where=ALERT_MAIL_ROWS,
            sqlite_where=ALERT_MAIL_ROWS,
        )
