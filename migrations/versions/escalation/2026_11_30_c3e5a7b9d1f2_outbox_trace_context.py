"""outbox trace context: the W3C trace context of the span that wrote each outbox row

The relay sends it as Kafka headers (traceparent, tracestate), so one report can be followed from intake
through escalation to the notifier. NULL when tracing is off (PIDESK_OTEL_ENABLED=false, the default).

Revision ID: c3e5a7b9d1f2
Revises: a7c9e1f3b5d2
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3e5a7b9d1f2"
down_revision: str | None = "a7c9e1f3b5d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("trace_context", sa.String(length=1024), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("trace_context")
