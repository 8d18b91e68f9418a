"""Group commit: what arrives while one batch is being written goes into the next batch.

Under load one transaction (one WAL flush, one round trip per table) serves many requests; an idle
service writes a lone item at once, since nothing waits for a batch to fill. Each item carries the
future its caller awaits; the writer settles it once the item's batch has committed (or failed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar


class Waiting(Protocol):
    done: asyncio.Future[Any]


Item = TypeVar("Item", bound=Waiting)


class GroupCommit(Generic[Item]):
    def __init__(
        self, write: Callable[[list[Item]], Awaitable[None]], *, max_batch: int, stopped: Callable[[], Exception]
    ) -> None:
        self._write, self._max_batch, self._stopped = write, max_batch, stopped
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self.running = False

    def put(self, item: Item) -> None:
        self._queue.put_nowait(item)

    async def run(self) -> None:
        """Write batches until cancelled; items still queued then fail with `stopped()`."""
        self.running = True
        try:
            while True:
                batch = [await self._queue.get()]
                while len(batch) < self._max_batch and not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                await self._write(batch)
        finally:
            self.running = False
            while not self._queue.empty():
                self._queue.get_nowait().done.set_exception(self._stopped())
