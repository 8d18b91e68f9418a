"""deliveries: recipients' addresses and names sealed at rest, the address's blind index the row's key;
incidents' facts without the alerts (their actor names a person)

Existing rows are converted here, in the upgrade's transaction: `address` becomes the blind index,
`address_sealed` and `name` the ciphertexts (services/notifier/adapters/people.py). That needs the
notifier's keyring, so on a database holding deliveries run `pidesk db upgrade` with the notifier's
NOTIFIER_ENCRYPTION_KEYS and PIDESK_ENV (in development, the same PIDESK_VAR_DIR), and
stop every notifier first: nothing runs on a half-converted table and no older instance writes a clear
row after it. The downgrade opens them again the same way.

Revision ID: b8d0f2a4c6e8
Revises: 9d41b6e2c7a3
Create Date: 2026-11-30 08:00:00
"""

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "b8d0f2a4c6e8"
down_revision: str | None = "9d41b6e2c7a3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 1000
DELIVERIES = sa.table(
    "deliveries",
    sa.column("id", sa.BigInteger()),
    sa.column("notice_id", sa.Uuid()),
    sa.column("channel", sa.String()),
    sa.column("address", sa.String()),
    sa.column("address_sealed", sa.Text()),
    sa.column("name", sa.Text()),
)
INCIDENTS = sa.table("incidents", sa.column("id", sa.Uuid()), sa.column("facts", sa.JSON()))


def _cipher() -> Any:
    from pidesk.services.notifier.config import RecipientKeys

    return RecipientKeys().recipient_cipher()


def _chunks(which: Any) -> Iterator[Sequence[Any]]:
    """The deliveries meeting `which`, a chunk at a time in id order."""
    bind, last = op.get_bind(), -1
    columns = [DELIVERIES.c[n] for n in ("id", "notice_id", "channel", "address", "address_sealed", "name")]
    while True:
        statement = sa.select(*columns).where(which, DELIVERIES.c.id > last).order_by(DELIVERIES.c.id).limit(CHUNK)
        rows = bind.execute(statement).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _rewrite(values: list[dict[str, Any]]) -> None:
    statement = (
        DELIVERIES.update()
        .where(DELIVERIES.c.id == sa.bindparam("row"))
        .values(
            address=sa.bindparam("new_address"),
            address_sealed=sa.bindparam("new_sealed"),
            name=sa.bindparam("new_name"),
        )
    )
    op.get_bind().execute(statement, values)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("address_sealed", sa.Text(), nullable=True))
        batch.alter_column("name", existing_type=sa.String(length=200), type_=sa.Text(), existing_nullable=False)
    people = None
    for rows in _chunks(DELIVERIES.c.address_sealed.is_(None)):
        people = people or _cipher()
        values = []
        for row in rows:
            index = people.blind_index(row.channel, row.address)
            sealed = people.seal_address(row.address, notice_id=row.notice_id, index=index)
            name = people.seal_name(row.name, notice_id=row.notice_id, index=index)
            values.append({"row": row.id, "new_address": index, "new_sealed": sealed, "new_name": name})
        _rewrite(values)
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("address_sealed", existing_type=sa.Text(), nullable=False)
    bind = op.get_bind()
    for ident, facts in bind.execute(sa.select(INCIDENTS.c.id, INCIDENTS.c.facts)).all():
        if isinstance(facts, dict) and "alerts" in facts:
            kept = {k: v for k, v in facts.items() if k != "alerts"}
            bind.execute(INCIDENTS.update().where(INCIDENTS.c.id == ident).values(facts=kept))


def downgrade() -> None:
    people = None
    for rows in _chunks(DELIVERIES.c.address_sealed.is_not(None)):
        people = people or _cipher()
        values = []
        for row in rows:
            opened = {"notice_id": row.notice_id, "index": row.address}
            address = people.address(row.address_sealed, **opened)
            name = people.name(row.name, **opened)[:200]
            values.append({"row": row.id, "new_address": address, "new_sealed": row.address_sealed, "new_name": name})
        _rewrite(values)
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_column("address_sealed")
        batch.alter_column("name", existing_type=sa.Text(), type_=sa.String(length=200), existing_nullable=False)
