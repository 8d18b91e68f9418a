"""alert groups: correlated webhook alerts, one incident per open group

Revision ID: 3c9e5b7a1f20
Revises: d536f1ace03e
Create Date: 2026-11-30 05:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3c9e5b7a1f20"
down_revision: str | None = "d536f1ace03e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("key_values", sa.JSON(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_groups")),
    )
    op.create_index("ix_alert_groups_key_opened", "alert_groups", ["group_key", "opened_at"])
    op.create_index(op.f("ix_alert_groups_incident_id"), "alert_groups", ["incident_id"])
    op.create_table(
        "grouped_alerts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("alert_id", sa.String(length=300), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("vendor_state", sa.String(length=30), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"], ["alert_groups.id"], name=op.f("fk_grouped_alerts_group_id_alert_groups")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grouped_alerts")),
        sa.UniqueConstraint("source", "alert_id", name="uq_grouped_alerts_source_alert"),
    )
    op.create_index(op.f("ix_grouped_alerts_group_id"), "grouped_alerts", ["group_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_grouped_alerts_group_id"), table_name="grouped_alerts")
    op.drop_table("grouped_alerts")
    op.drop_index(op.f("ix_alert_groups_incident_id"), table_name="alert_groups")
    op.drop_index("ix_alert_groups_key_opened", table_name="alert_groups")
    op.drop_table("alert_groups")
