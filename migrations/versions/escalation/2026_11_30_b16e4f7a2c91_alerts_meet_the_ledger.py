"""alerts meet the personal-information ledger: an incident's ledger lookup, the assets it names with the
entry covering each, and the ledger changes whose incidents are still to be re-assessed

Revision ID: b16e4f7a2c91
Revises: a16d9e2c4b70
Create Date: 2026-11-30 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b16e4f7a2c91"
down_revision: str | None = "a16d9e2c4b70"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ledger", sa.JSON(), nullable=True))

    op.create_table(
        "incident_assets",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("incident_id", sa.Uuid(), nullable=False),
        sa.Column("asset", sa.String(length=540), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=True),
        sa.Column("entry_version", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_incident_assets_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_assets")),
    )
    with op.batch_alter_table("incident_assets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_assets_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incident_assets_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index("ix_incident_assets_kind_entry", ["kind", "entry_id"], unique=False)

    op.create_table(
        "ledger_changes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reassessed", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_changes")),
    )
    with op.batch_alter_table("ledger_changes", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_changes_pending", ["done_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_changes_pending")
    op.drop_table("ledger_changes")
    with op.batch_alter_table("incident_assets", schema=None) as batch_op:
        batch_op.drop_index("ix_incident_assets_kind_entry")
        batch_op.drop_index(batch_op.f("ix_incident_assets_entry_id"))
        batch_op.drop_index(batch_op.f("ix_incident_assets_incident_id"))
    op.drop_table("incident_assets")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("ledger")
