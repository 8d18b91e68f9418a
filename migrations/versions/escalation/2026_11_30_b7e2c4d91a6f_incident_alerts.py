"""incident alerts: the DLP alerts an incident groups, the group's count and last alert, and the links
between incidents (follows, merged into)

Revision ID: b7e2c4d91a6f
Revises: fbf18a4d3745
Create Date: 2026-11-30 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b7e2c4d91a6f"
down_revision: str | None = "fbf18a4d3745"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_alerts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("alert_id", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=300), nullable=True),
        sa.Column("asset", sa.String(length=500), nullable=True),
        sa.Column("actor", sa.String(length=300), nullable=True),
        sa.Column("detections", sa.JSON(), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("affected_count", sa.BigInteger(), nullable=True),
        sa.Column("vendor_state", sa.String(length=30), nullable=True),
        sa.Column("detected_count", sa.BigInteger(), nullable=True),
        sa.Column("grouped_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_alerts_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_alerts")),
        sa.UniqueConstraint("source", "alert_id", name="uq_incident_alerts_source_alert_id"),
    )
    with op.batch_alter_table("incident_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incident_alerts_incident_received", ["incident_id", "received_at", "id"], unique=False
        )

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("alert_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("follows_incident_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("merged_into", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_incidents_follows_incident_id"), ["follows_incident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_follows_incident_id"))
        batch_op.drop_column("merged_into")
        batch_op.drop_column("follows_incident_id")
        batch_op.drop_column("last_alert_at")
        batch_op.drop_column("alert_count")

    with op.batch_alter_table("incident_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_alerts_incident_received")

    op.drop_table("incident_alerts")
