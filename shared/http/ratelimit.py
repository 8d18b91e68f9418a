"""Per-client request rates (moving window, the `limits` library): 429 with Retry-After past them."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from pidesk.shared.http.errors import ApiError


class ClientRateLimiter:
    """In-process counts: each instance limits on its own (put a shared limit at the proxy as well)."""

    def __init__(self, per_minute: int) -> None:
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def hit(self, *identifiers: str) -> None:
        if await self._limiter.hit(self._item, *identifiers):
            return
        reset_at, _remaining = await self._limiter.get_window_stats(self._item, *identifiers)
        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests: at most {self._item.amount} a minute; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )
