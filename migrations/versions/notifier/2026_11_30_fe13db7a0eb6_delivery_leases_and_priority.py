"""delivery leases and priority: several notifier instances deliver at once, riskiest first

Revision ID: fe13db7a0eb6
Revises: 10a0da92c90e
Create Date: 2026-11-30 02:26:37.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fe13db7a0eb6"
down_revision: str | None = "10a0da92c90e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_ROWS = sa.text("status = 'pending'")
SENDING_ROWS = sa.text("status = 'sending'")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("priority", sa.SmallInteger(), server_default=sa.text("5"), nullable=False))
        batch_op.add_column(sa.Column("lease_owner", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_deliveries_status_due")
        batch_op.create_index(
            "ix_deliveries_pending_due",
            ["priority", "next_attempt_at", "id"],
            unique=False,
            postgresql_where=PENDING_ROWS,
            sqlite_where=PENDING_ROWS,
        )
        batch_op.create_index(
            "ix_deliveries_sending_lease",
            ["lease_until"],
            unique=False,
            postgresql_where=SENDING_ROWS,
            sqlite_where=SENDING_ROWS,
        )
    # alerts still open at the upgrade: ahead of data-subject mail (their risk level was not kept)
    op.execute(
        "UPDATE deliveries SET priority = 2 WHERE status IN ('pending', 'sending') "
        "AND notice_id IN (SELECT id FROM notices WHERE kind = 'internal')"
    )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_sending_lease")
        batch_op.drop_index("ix_deliveries_pending_due")
        batch_op.create_index("ix_deliveries_status_due", ["status", "next_attempt_at"], unique=False)
        batch_op.drop_column("lease_until")
        batch_op.drop_column("lease_owner")
        batch_op.drop_column("priority")
