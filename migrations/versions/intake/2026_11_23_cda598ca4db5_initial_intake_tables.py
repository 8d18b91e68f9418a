"""initial intake tables

Revision ID: cda598ca4db5
Revises:
Create Date: 2026-11-23 11:26:59.577089
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cda598ca4db5"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("message_key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_published_at"), ["published_at"], unique=False)

    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_events")),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_reference_counters")),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=30), nullable=False),
        sa.Column("source_alert_id", sa.String(length=300), nullable=True),
        sa.Column("reporter", sa.JSON(), nullable=False),
        sa.Column("title_encrypted", sa.Text(), nullable=False),
        sa.Column("description_encrypted", sa.Text(), nullable=False),
        sa.Column("incident_kind", sa.String(length=50), nullable=False),
        sa.Column("aware_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("affected_count", sa.Integer(), nullable=True),
        sa.Column("subject_regions", sa.JSON(), nullable=False),
        sa.Column("encryption", sa.String(length=20), nullable=False),
        sa.Column("recovered_before_access", sa.Boolean(), nullable=False),
        sa.Column("malicious", sa.Boolean(), nullable=True),
        sa.Column("publicly_viewable", sa.Boolean(), nullable=False),
        sa.Column("entity_role", sa.String(length=20), nullable=False),
        sa.Column("contact_info_available", sa.Boolean(), nullable=False),
        sa.Column("assets", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint("reference", name=op.f("uq_reports_reference")),
        sa.UniqueConstraint("source", "source_alert_id", name="uq_reports_source_alert"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("ix_reports_received_at", ["received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_received_at")

    op.drop_table("reports")
    op.drop_table("reference_counters")
    op.drop_table("processed_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_published_at"))

    op.drop_table("outbox")
