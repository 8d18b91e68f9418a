"""Per-row leases: which notifier instance holds which delivery, and until when.

An instance claims due `pending` rows in batches (`FOR UPDATE SKIP LOCKED`: instances never wait for
each other nor take the same row), stamping `lease_owner` and `lease_until`, and renews the leases of
the rows it still holds. Every later write of a row it makes is guarded by `lease_owner`, so a row
whose lease ran out and was claimed by another instance is never sent by both. A row left `sending`
with its lease run out belonged to an instance that died between `sending` and the outcome: it is
recorded `unconfirmed` (see ledger.py). A `pending` row claimed by a dead instance simply becomes
claimable again when its lease runs out: never attempted, never in doubt.
"""

from __future__ import annotations

import functools
import os
import secrets
import socket
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ARRAY, ColumnElement, any_, bindparam, case, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from pidesk.services.notifier.adapters.orm import PENDING_ROWS, SENDING_ROWS, Delivery
from pidesk.services.notifier.service.issuing import OPEN, PENDING, SENDING
from pidesk.shared.db.bulk import table_of

if TYPE_CHECKING:
    from pidesk.services.notifier.adapters.letters import Letter


DELIVERIES = table_of(Delivery)  # Core statements on the connection: the ORM's machinery costs more than the query
COLUMNS = DELIVERIES.c


def among(db: AsyncConnection | AsyncSession, column: Any, ids: list[Any]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL one array parameter, so one prepared statement whatever the count."""
    dialect = db.dialect if isinstance(db, AsyncConnection) else db.get_bind().dialect
    if dialect.name == "postgresql":
        found: ColumnElement[bool] = column == any_(literal(ids, _array_of(column.type)))
        return found
    return column.in_(ids)  # type: ignore[no-any-return]  # `column` is any Column: Any to mypy


@functools.cache
def _array_of(item: Any) -> ARRAY[Any]:
    return ARRAY(item)


def ids_in(column: Any, dialect: str, name: str = "ids") -> ColumnElement[bool]:
    """`column IN :ids` with the list bound at execution (statements built once, compiled once)."""
    if dialect == "postgresql":
        found: ColumnElement[bool] = column == any_(bindparam(name, type_=_array_of(column.type)))
        return found
    return column.in_(bindparam(name, expanding=True))  # type: ignore[no-any-return]  # as above


def dialect_of(db: AsyncConnection) -> str:
    return db.dialect.name


@functools.cache
def _mark_sending(dialect: str) -> Any:
    return (
        update(DELIVERIES)
        .where(ids_in(COLUMNS.id, dialect), COLUMNS.lease_owner == bindparam("owner"), COLUMNS.status == PENDING)
        .values(status=SENDING, attempts=COLUMNS.attempts + 1, lease_until=bindparam("until"))
        .returning(COLUMNS.id)
    )


@functools.cache
def _renew(dialect: str) -> Any:
    # rows another transaction holds are skipped, not waited for: the instance's own outcomes' commit may be
    # finishing them (their leases are renewed while their outcome waits, ledger.py), and waiting on it from
    # this transaction, which locks other rows too, could deadlock; a skipped renewal comes again next round
    # (a sweep skips locked rows as well)
    ours = (
        select(COLUMNS.id)
        .where(ids_in(COLUMNS.id, dialect), COLUMNS.lease_owner == bindparam("owner"), COLUMNS.status.in_(OPEN))
        .order_by(COLUMNS.id)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one process and one writer
    )
    return update(DELIVERIES).where(COLUMNS.id.in_(ours.scalar_subquery())).values(lease_until=bindparam("until"))


@functools.cache
def _give_back(dialect: str) -> Any:
    return (
        update(DELIVERIES)
        .where(ids_in(COLUMNS.id, dialect), COLUMNS.lease_owner == bindparam("owner"), COLUMNS.status.in_(OPEN))
        .values(
            # `sending` here was committed but its DATA never begun (the commit's answer was lost)
            attempts=case((COLUMNS.status == SENDING, COLUMNS.attempts - 1), else_=COLUMNS.attempts),
            status=PENDING,
            lease_owner=None,
            lease_until=None,
        )
    )


def instance_id() -> str:
    """Who holds a lease: host, process and a random part (a restarted process is someone new)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(eq=False)
class Claim:
    """A delivery row this instance holds, as it was when claimed."""

    id: int
    notice_id: uuid.UUID
    channel: str
    address: str  # the recipient's blind index (adapters/people.py): the person, in every comparison
    name: str  # sealed ("" when there is none)
    language: str
    attempts: int  # before this attempt
    priority: int
    due_at: datetime
    message_id: str
    mail_key: str | None = None  # an internal alert's mail row: its person's mail per incident and step
    hold: str | None = None  # why it waited (rate_limit, group_window, digest), if it did
    exempt: bool = False  # never held by the rate limit
    carried_by: int | None = None  # as last assembled (mailings.py)
    address_sealed: str = ""  # opened just before it is handed to SMTP or the chat webhook
    letter: Letter | None = field(default=None, repr=False)  # what it is sent (wording.py)
    problem: str = ""  # why there is no letter
    refused: bool = False  # the problem is for good (not the approved wording): failed, never retried
    mail: str = ""  # an assembled alert mail: alert, digest or held (mailings.py); "" its notice alone
    riders: list[Rider] = field(default_factory=list)  # other rows this one's mail carries

    @property
    def order(self) -> tuple[int, datetime, int]:
        """Risk first, then age (issue 11)."""
        return (self.priority, self.due_at, self.id)

    @property
    def ids(self) -> list[int]:
        """This row and the rows riding in its mail: sent, or not, together."""
        return [self.id, *(rider.id for rider in self.riders)]


@dataclass(frozen=True)
class Rider:
    """A row whose alert goes in another row's mail: one of its alerts, or `held` (named as held back)."""

    id: int
    notice_id: uuid.UUID
    held: bool = False


@functools.cache
def _claim() -> Any:
    due = (
        select(COLUMNS.id)
        .where(
            PENDING_ROWS,  # a literal, so the partial index serves the generic plan too
            COLUMNS.next_attempt_at <= bindparam("now"),
            or_(COLUMNS.lease_until.is_(None), COLUMNS.lease_until < bindparam("now")),
        )
        .order_by(COLUMNS.priority, COLUMNS.next_attempt_at, COLUMNS.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite has one process and one writer
    )
    return (
        update(DELIVERIES)
        .where(COLUMNS.id.in_(due.scalar_subquery()))
        .values(lease_owner=bindparam("owner"), lease_until=bindparam("until"))
        .returning(
            COLUMNS.id,
            COLUMNS.notice_id,
            COLUMNS.channel,
            COLUMNS.address,
            COLUMNS.name,
            COLUMNS.language,
            COLUMNS.attempts,
            COLUMNS.priority,
            COLUMNS.next_attempt_at,
            COLUMNS.message_id,
            COLUMNS.mail_key,
            COLUMNS.hold,
            COLUMNS.exempt,
            COLUMNS.carried_by,
            COLUMNS.address_sealed,
        )
    )


async def claim(db: AsyncConnection, owner: str, limit: int, now: datetime, until: datetime) -> list[Claim]:
    """Up to `limit` due pending rows nobody holds, in (priority, due, id) order, leased to `owner`."""
    values = {"owner": owner, "limit": limit, "now": now, "until": until}
    claims = [Claim(*row) for row in (await db.execute(_claim(), values)).all()]
    return sorted(claims, key=lambda c: c.order)


async def mark_sending(db: AsyncConnection, owner: str, ids: list[int], until: datetime) -> set[int]:
    """`sending` for the rows of `ids` this instance still holds; returns those (the others: not ours)."""
    if not ids:
        return set()
    values = {"ids": sorted(ids), "owner": owner, "until": until}
    return set((await db.scalars(_mark_sending(dialect_of(db)), values)).all())


async def renew(db: AsyncConnection, owner: str, ids: list[int], until: datetime) -> None:
    """Extend the leases of the rows this instance still holds."""
    if ids:
        await db.execute(_renew(dialect_of(db)), {"ids": sorted(ids), "owner": owner, "until": until})


async def give_back(db: AsyncConnection, owner: str, ids: list[int]) -> None:
    """Rows this instance holds but will not send (shutting down, or `sending` not recorded): pending
    again and free for anyone, as if never claimed. Only ever for rows whose DATA was not begun."""
    if ids:
        await db.execute(_give_back(dialect_of(db)), {"ids": sorted(ids), "owner": owner})


async def lapsed(
    session: AsyncSession, now: datetime, limit: int, everyone: bool = False, in_hand: Collection[int] = ()
) -> list[Delivery]:
    """Rows left `sending` whose lease ran out (their instance died in flight), locked for recording;
    `everyone`: all rows left `sending` (SQLite: one process, so a new one is the only one). `in_hand`: rows
    the asking instance is still working on, never taken for abandoned (its event loop held up past a lease,
    its renewal not committed yet: it is alive, and its outcome is on the way)."""
    statement = select(Delivery).where(SENDING_ROWS).order_by(Delivery.id).limit(limit)
    statement = statement.with_for_update(skip_locked=True)
    if not everyone:
        statement = statement.where(or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
    if in_hand:
        statement = statement.where(Delivery.id.not_in(sorted(in_hand)))
    return list((await session.scalars(statement)).all())


async def free_all(session: AsyncSession) -> None:
    """Every pending row's lease freed: the embedded database's only process starting again."""
    statement = (
        update(Delivery)
        .where(PENDING_ROWS, Delivery.lease_owner.is_not(None))
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    await session.execute(statement)
