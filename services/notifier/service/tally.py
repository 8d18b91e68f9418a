"""Each notice's tally: finished recipients added to its counts; the last one issues the notice.

Every delivery row is counted once, in the transaction that takes it out of `pending` or `sending`, so
when a notice's counts reach its total no row of it is open.
"""

from __future__ import annotations

import functools
import uuid
from collections import Counter
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from pidesk.services.notifier.adapters.mail import FAILED, SENT, UNCONFIRMED
from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.service import issuing, leases
from pidesk.services.notifier.service.leases import among, dialect_of, ids_in
from pidesk.shared.db.bulk import table_of

IN_DOUBT = "the notifier stopped while sending; not sent again (at most once)"
NOTICES = table_of(Notice)
COUNT = (  # executemany: each notice's new counts, the row locked beforehand
    update(NOTICES)
    .where(NOTICES.c.id == bindparam("notice"))
    .values(
        sent=bindparam("new_sent"),
        failed=bindparam("new_failed"),
        unconfirmed=bindparam("new_unconfirmed"),
        updated_at=bindparam("at"),
    )
)


@functools.cache
def _locked_counts(dialect: str) -> Any:
    counts = NOTICES.c
    found = select(counts.id, counts.total, counts.sent, counts.failed, counts.unconfirmed)
    return found.where(ids_in(counts.id, dialect)).order_by(counts.id).with_for_update()


# what issuing reads of a notice (not its wording)
COUNTED = (
    Notice.incident_id,
    Notice.reference,
    Notice.kind,
    Notice.variant,
    Notice.language,
    Notice.channel,
    Notice.status,
    Notice.obligations,
    Notice.approvals,
    Notice.issued_at,
    Notice.total,
    Notice.sent,
    Notice.failed,
    Notice.unconfirmed,
)


async def count_finished(session: AsyncSession, finished: Counter[tuple[uuid.UUID, str]], now: datetime) -> bool:
    """Add finished recipients to their notices (locked in id order: instances never deadlock), and issue
    those now done. True when a notice was issued (an event is in the outbox)."""
    ids = sorted({notice for notice, _ in finished})
    if not ids:
        return False
    db = await session.connection()
    changes, done = [], []
    for row in (await db.execute(_locked_counts(dialect_of(db)), {"ids": ids})).all():
        new = {status: getattr(row, status) + finished[row.id, status] for status in (SENT, FAILED, UNCONFIRMED)}
        changes.append({"notice": row.id, "at": now, **{f"new_{k}": v for k, v in new.items()}})
        if sum(new.values()) >= row.total:  # each row is counted once, as it leaves pending or sending
            done.append(row.id)
    await db.execute(COUNT, changes)
    if not done:
        return False
    statement = (
        select(Notice)
        .options(load_only(*COUNTED))
        .where(among(session, Notice.id, done))
        .order_by(Notice.id)
        .execution_options(populate_existing=True)
    )
    issued = False
    for notice in (await session.scalars(statement)).all():
        issued = await issuing.complete_if_done(session, notice, notice.incident_id, now, open_rows=0) or issued
    return issued


async def record_lapsed(
    session: AsyncSession, now: datetime, *, everyone: bool = False, in_hand: Collection[int] = ()
) -> tuple[int, bool]:
    """Rows left `sending` by an instance that died in flight: `unconfirmed`, never sent again (at most once;
    in practice they had arrived). Returns how many, and whether a notice was issued. `in_hand`: the asking
    instance's own rows still in flight, left alone (leases.lapsed)."""
    rows = await leases.lapsed(session, now, limit=500, everyone=everyone, in_hand=in_hand)
    if not rows:
        return 0, False
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_([r.id for r in rows]))
        .values(status=UNCONFIRMED, last_error=IN_DOUBT, lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    finished = Counter((r.notice_id, UNCONFIRMED) for r in rows)
    return len(rows), await count_finished(session, finished, now)
