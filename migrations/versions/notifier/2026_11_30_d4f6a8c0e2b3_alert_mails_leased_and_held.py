"""alert mails leased and held: a person's mails on their way, and those the rate limit holds, read
through small partial indexes

The rate limit and the group window count a person's alert mails claimed or `sending`, and each claim
reads the rows the rate limit holds back for the people it mails (mailings.py); through the
(address, mail_key) index both read every alert row the person ever had (the pending rows' index: the
whole backlog). Rows some instance holds, and rows held back, are few beside that history.

ix_deliveries_notice_id goes: the unique (notice_id, channel, address) index finds a notice's rows, and
every change of a row's status wrote an entry into both.

Revision ID: d4f6a8c0e2b3
Revises: e2a4c6f8b0d1
Create Date: 2026-11-30 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d4f6a8c0e2b3"
down_revision: str | None = "e2a4c6f8b0d1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASED = sa.text("mail_key IS NOT NULL AND lease_until IS NOT NULL AND status IN ('pending', 'sending')")
HELD = sa.text("mail_key IS NOT NULL AND status = 'pending' AND hold = 'rate_limit'")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_notice_id")
        batch_op.create_index(
            "ix_deliveries_alert_mail_leased", ["address"], unique=False, postgresql_where=LEASED, sqlite_where=LEASED
        )
        batch_op.create_index(
            "ix_deliveries_alert_mail_held", ["address"], unique=False, postgresql_where=HELD, sqlite_where=HELD
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_notice_id", ["notice_id"], unique=False)
        batch_op.drop_index("ix_deliveries_alert_mail_held", postgresql_where=HELD, sqlite_where=HELD)
        batch_op.drop_index("ix_deliveries_alert_mail_leased", postgresql_where=LEASED, sqlite_where=LEASED)
