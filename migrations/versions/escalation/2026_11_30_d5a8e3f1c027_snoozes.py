"""snoozes: the desk silencing alerts it knows to be noise; which snooze covered each alert, and which
one an incident matched (and what it did: snoozed, overridden by a statutory obligation, opened later)

Revision ID: d5a8e3f1c027
Revises: c41d7e9a2b85
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d5a8e3f1c027"
down_revision: str | None = "c41d7e9a2b85"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "snoozes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=True),
        sa.Column("rule", sa.String(length=300), nullable=True),
        sa.Column("asset", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=300), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snoozes")),
    )
    with op.batch_alter_table("snoozes", schema=None) as batch_op:
        batch_op.create_index("ix_snoozes_ended_at_expires_at", ["ended_at", "expires_at"], unique=False)

    with op.batch_alter_table("incident_alerts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("snooze_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True))
        batch_op.create_index(batch_op.f("ix_incident_alerts_snooze_id"), ["snooze_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_incident_alerts_snooze_id_snoozes"), "snoozes", ["snooze_id"], ["id"]
        )

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("matched_snooze_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True)
        )
        batch_op.add_column(sa.Column("snooze_state", sa.String(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_incidents_matched_snooze_id"), ["matched_snooze_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_matched_snooze_id_snoozes"), "snoozes", ["matched_snooze_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incidents_matched_snooze_id_snoozes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incidents_matched_snooze_id"))
        batch_op.drop_column("snooze_state")
        batch_op.drop_column("matched_snooze_id")

    with op.batch_alter_table("incident_alerts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_incident_alerts_snooze_id_snoozes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_incident_alerts_snooze_id"))
        batch_op.drop_column("snooze_id")

    with op.batch_alter_table("snoozes", schema=None) as batch_op:
        batch_op.drop_index("ix_snoozes_ended_at_expires_at")

    op.drop_table("snoozes")
