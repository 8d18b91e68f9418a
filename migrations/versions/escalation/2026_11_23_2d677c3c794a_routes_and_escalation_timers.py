"""routes and escalation timers

Revision ID: 2d677c3c794a
Revises: 5a02e0702aeb
Create Date: 2026-11-23 12:24:14.274747
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2d677c3c794a"
down_revision: str | None = "5a02e0702aeb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_timers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("obligation_code", sa.String(length=60), nullable=True),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_escalation_timers_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_timers")),
    )
    with op.batch_alter_table("escalation_timers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_timers_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index("ix_escalation_timers_pending", ["fired_at", "due_at"], unique=False)

    op.create_table(
        "routes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_routes_incident_id_incidents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routes")),
    )
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_routes_incident_id"), ["incident_id"], unique=False)

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")

    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routes_incident_id"))

    op.drop_table("routes")
    with op.batch_alter_table("escalation_timers", schema=None) as batch_op:
        batch_op.drop_index("ix_escalation_timers_pending")
        batch_op.drop_index(batch_op.f("ix_escalation_timers_incident_id"))

    op.drop_table("escalation_timers")
