"""Async engines and session factories for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, cast

from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
    engine = create_async_engine(url, **kwargs)
    if "poolclass" not in kwargs and not kwargs.get("pool_pre_ping"):
        event.listen(engine.sync_engine, "checkin", _note_checkin)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    return engine


# A pooled connection idle longer than this is pinged before use (a database restarted meanwhile
# would have closed it). One used more recently is trusted: the ping costs three round trips
# (BEGIN, a query, ROLLBACK), and SQLAlchemy's own pre-ping would pay them on every checkout, i.e.
# on every transaction of the consumers and the relay. A connection that died in that window fails
# its statement instead; SQLAlchemy then discards the whole pool, and the callers retry (consumers
# and relay) or answer 503 (HTTP).
IDLE_PING_SECONDS = 10.0


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    last = record.info.get("checked_in_at")
    if last is None or time.monotonic() - last < IDLE_PING_SECONDS:
        return  # just connected, or used a moment ago
    try:
        dbapi_connection.ping()
    except Exception as error:  # the pool replaces it (and retries the checkout)
        raise sa_exc.DisconnectionError() from error


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def on_postgresql(session: AsyncSession) -> bool:
    """Whether the session's database is PostgreSQL (row locks, advisory locks, COPY); else SQLite."""
    return session.get_bind().dialect.name == "postgresql"


def conflict_insert(session: AsyncSession, target: Any) -> Any:
    """An INSERT of the session's dialect, which offers ON CONFLICT (PostgreSQL and SQLite alike)."""
    dialect = postgresql if on_postgresql(session) else sqlite
    return dialect.insert(target)


def rows_affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its cursor's row count)."""
    return cast("CursorResult[Any]", result).rowcount or 0


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


async def commit_without_waiting(session: AsyncSession) -> None:
    """Let the session's current transaction commit without waiting for its WAL to reach the disk
    (PostgreSQL; nothing on SQLite). Only for writes that may be lost in a database crash because they
    are redone anyway (a lease, a mark that only repeats work the consumers deduplicate); a later
    transaction that does wait flushes this one too, the WAL being written in order."""
    if on_postgresql(session):
        await session.execute(text("SET LOCAL synchronous_commit TO OFF"))


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not be reached or dropped the connection (retry later),
    rather than refusing the statement: unreachable, closed, or a connection SQLAlchemy had to discard."""
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.DisconnectionError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
