"""government requests and privacy complaints (issue 17): the cases, their routes, documents and case log

Revision ID: d17b3c9e5a14
Revises: b16e4f7a2c91
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d17b3c9e5a14"
down_revision: str | None = "b16e4f7a2c91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_documents",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("name_encrypted", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_encrypted", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_documents")),
    )
    with op.batch_alter_table("case_documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_documents_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_log")),
    )
    with op.batch_alter_table("case_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_log_case_id"), ["case_id"], unique=False)

    op.create_table(
        "case_routes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("case_kind", sa.String(length=30), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=50), nullable=False),
        sa.Column("told_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_routes")),
        sa.UniqueConstraint("case_id", "step", "target", name="uq_case_routes_case_id_step_target"),
    )
    with op.batch_alter_table("case_routes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_routes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "government_requests",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=False),
        sa.Column("authority_country", sa.String(length=2), nullable=False),
        sa.Column("instrument", sa.String(length=30), nullable=False),
        sa.Column("deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("subject_regions", sa.JSON(), nullable=False),
        sa.Column("people_count", sa.Integer(), nullable=False),
        sa.Column("assets", sa.JSON(), nullable=False),
        sa.Column("ledger_matches", sa.JSON(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("division", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=True),
        sa.Column("assessment_notes_encrypted", sa.Text(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assessed_by", sa.String(length=200), nullable=True),
        sa.Column("decision", sa.String(length=30), nullable=True),
        sa.Column("decision_reason_encrypted", sa.Text(), nullable=True),
        sa.Column("provided_scope_encrypted", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("provided_encrypted", sa.Text(), nullable=True),
        sa.Column("provided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("provided_recorded_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_government_requests")),
    )
    with op.batch_alter_table("government_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_government_requests_authority_country"), ["authority_country"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_government_requests_reference"), ["reference"], unique=False)
        batch_op.create_index("ix_government_requests_status_received_at", ["status", "received_at"], unique=False)

    op.create_table(
        "privacy_complaints",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("complainant_kind", sa.String(length=30), nullable=False),
        sa.Column("authority", sa.String(length=200), nullable=True),
        sa.Column("authority_country", sa.String(length=2), nullable=True),
        sa.Column("request_kind", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("subject_regions", sa.JSON(), nullable=False),
        sa.Column("alleges_leak", sa.Boolean(), nullable=False),
        sa.Column("division", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("clock_basis", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extended_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("without_delay", sa.Boolean(), nullable=False),
        sa.Column("extended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("extension_reason_encrypted", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=30), nullable=True),
        sa.Column("reply_encrypted", sa.Text(), nullable=True),
        sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_by", sa.String(length=200), nullable=True),
        sa.Column("incident_id", sa.Uuid(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_complaints")),
    )
    with op.batch_alter_table("privacy_complaints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privacy_complaints_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_privacy_complaints_reference"), ["reference"], unique=False)
        batch_op.create_index("ix_privacy_complaints_status_received_at", ["status", "received_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("privacy_complaints", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_complaints_status_received_at")
        batch_op.drop_index(batch_op.f("ix_privacy_complaints_reference"))
        batch_op.drop_index(batch_op.f("ix_privacy_complaints_incident_id"))

    op.drop_table("privacy_complaints")
    with op.batch_alter_table("government_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_government_requests_status_received_at")
        batch_op.drop_index(batch_op.f("ix_government_requests_reference"))
        batch_op.drop_index(batch_op.f("ix_government_requests_authority_country"))

    op.drop_table("government_requests")
    with op.batch_alter_table("case_routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_routes_case_id"))

    op.drop_table("case_routes")
    with op.batch_alter_table("case_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_log_case_id"))

    op.drop_table("case_log")
    with op.batch_alter_table("case_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_documents_case_id"))

    op.drop_table("case_documents")
