"""audit log without sign-in codes: the values of credentials in audited query strings redacted

The desk's audit log kept each OIDC sign-in callback's path with its query string, the provider's
one-time authorisation `code` and the sign-in's `state` included. New entries name those parameters
with `[redacted]` values (shared/http/audit.py); this rewrites the entries written before.

Revision ID: e5b7c9d1f3a2
Revises: d17b3c9e5a14
Create Date: 2026-11-30 19:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pidesk.shared.http.audit import redacted_query

revision: str = "e5b7c9d1f3a2"
down_revision: str | None = "d17b3c9e5a14"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, path FROM audit_log WHERE path LIKE '%?%'")).all()
    for ident, path in rows:
        route, query = path.split("?", 1)
        kept = f"{route}?{redacted_query(query)}"
        if kept != path:
            connection.execute(sa.text("UPDATE audit_log SET path = :path WHERE id = :id"), {"path": kept, "id": ident})


def downgrade() -> None:
    pass  # what was redacted is gone
