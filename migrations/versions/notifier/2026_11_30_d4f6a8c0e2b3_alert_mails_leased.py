"""alert mails leased: the mails on their way to a person read through a small partial index

The rate limit and the group window count a person's alert mails claimed or `sending` (mailings.py);
through the (address, mail_key) index that read every alert row the person ever had, and through the
pending rows' index the whole backlog. Rows some instance holds are a handful at any time.

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


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_deliveries_alert_mail_leased", ["address"], unique=False, postgresql_where=LEASED, sqlite_where=LEASED
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_alert_mail_leased", postgresql_where=LEASED, sqlite_where=LEASED)
