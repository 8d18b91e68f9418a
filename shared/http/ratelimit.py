"""Per-client request rates: 429 with Retry-After past them, counted across a service's processes.

Each process counts in memory (`ratecount.WindowCounts`: no I/O on the request path). With the
`database` storage (PIDESK_RATE_LIMIT_STORAGE; the default on PostgreSQL) a background loop exchanges
the counts with the service's other processes and instances through its database every
PIDESK_RATE_LIMIT_SYNC_SECONDS; the accuracy that buys is in `ratecount` and the README. `memory`
counts each process on its own (SQLite's one process). A stopping process's admissions since its
last sync are not shared.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from pidesk.shared.db.engine import is_sqlite
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.ratecount import Limit, SlotCount, WindowCounts, retry_after_header
from pidesk.shared.http.ratestore import YIELD_EVERY, DatabaseSlots, RateLimitCountMixin
from pidesk.shared.settings import CommonSettings, SettingsError

log = logging.getLogger(__name__)


class SharedSlots(Protocol):
    """Takes this process's changed slots; gives back the other processes' changed since the last call."""

    instance: str  # this process's name in the store

    async def exchange(self, rows: list[SlotCount], now: float) -> list[SlotCount]: ...

    async def prune(self, now: float) -> int: ...


class RateLimits:
    """This process's rate-limit counts, shared with the other processes through `store` if given."""

    def __init__(
        self,
        store: SharedSlots | None = None,
        *,
        sync_seconds: float = 1.0,
        prune_seconds: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.counts = WindowCounts(store.instance if store else "", share_wait=sync_seconds)
        self.store = store
        self._sync_seconds, self._prune_seconds, self._clock = sync_seconds, prune_seconds, clock

    def admit(self, key: str, limit: Limit) -> float | None:
        """None: admitted and counted; else refused, and the seconds until one more would fit."""
        return self.counts.hit(key, limit, self._clock())

    def per_minute(self, amount: int) -> ClientRateLimiter:
        return ClientRateLimiter(amount, self)

    async def sync(self) -> None:
        """Write what this process admitted since the last sync; read what the others did."""
        if self.store is None:
            return
        now = self._clock()
        rows = self.counts.outgoing(now)
        others = await self.store.exchange(rows, now)  # a failure leaves the rows to the next sync
        self.counts.written(rows)
        for start in range(0, len(others), YIELD_EVERY):
            self.counts.absorb(others[start : start + YIELD_EVERY], self._clock())
            await asyncio.sleep(0)  # many changed clients: let requests in between

    async def run(self) -> None:
        """The sync loop (a background task of the service); returns at once without a shared store."""
        if self.store is None:
            return
        pruned_at = self._clock()
        while True:
            await asyncio.sleep(self._sync_seconds)
            try:
                await self.sync()
                if self._clock() - pruned_at >= self._prune_seconds:
                    pruned_at = self._clock()
                    await self.store.prune(pruned_at)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - counting goes on locally; the next round retries
                log.warning("rate-limit counts not shared", extra={"error": repr(exc)})


class ClientRateLimiter:
    """`amount` requests a minute per key (the identifiers given to `hit`, e.g. a route and a client)."""

    def __init__(self, per_minute: int, limits: RateLimits | None = None) -> None:
        self._limit = Limit(per_minute, 60)
        self._limits = limits or RateLimits()

    async def hit(self, *identifiers: str) -> None:
        key = hashlib.sha256("\x1f".join((str(self._limit.window), *identifiers)).encode()).hexdigest()
        wait = self._limits.admit(key, self._limit)
        if wait is None:
            return
        retry_after = retry_after_header(wait)
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: at most {self._limit.amount} a minute; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def storage_of(settings: CommonSettings, database_url: str) -> str:
    """PIDESK_RATE_LIMIT_STORAGE, or by default `database` on PostgreSQL and `memory` on SQLite."""
    storage = settings.rate_limit_storage or ("memory" if is_sqlite(database_url) else "database")
    if storage == "database" and is_sqlite(database_url):
        raise SettingsError("PIDESK_RATE_LIMIT_STORAGE=database needs PostgreSQL (SQLite runs one process)")
    return storage


def rate_limits(
    settings: CommonSettings, database_url: str, engine: AsyncEngine, table: type[RateLimitCountMixin]
) -> RateLimits:
    """A service's rate-limit counts, on the storage its settings name."""
    if storage_of(settings, database_url) == "memory":
        return RateLimits()
    return RateLimits(DatabaseSlots(engine, table), sync_seconds=settings.rate_limit_sync_seconds)
