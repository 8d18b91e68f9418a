"""How long to wait before reconnecting to the broker (or the database) after a failure: 0.5 s, doubling
up to 30 s, back to 0.5 s after a success. The relay, the consumers and topic provisioning share it."""

from __future__ import annotations

import asyncio

FIRST_SECONDS, MAX_SECONDS = 0.5, 30.0


class Backoff:
    def __init__(self, first: float = FIRST_SECONDS, ceiling: float = MAX_SECONDS) -> None:
        self.first, self.ceiling = first, ceiling
        self.seconds = first

    def reset(self) -> None:
        """A success: the next failure waits the shortest time again."""
        self.seconds = self.first

    async def wait(self) -> None:
        """Sleep the current delay, then double it (up to the ceiling)."""
        await asyncio.sleep(self.seconds)
        self.seconds = min(self.seconds * 2, self.ceiling)
