"""Limits on the dashboard's live streams (`/desk/events`): so many per session, so many per process.

Each open stream costs a connection and a database query a second; without a cap, one signed-in
browser (or a script holding a session cookie) could open thousands. A slot is released when its
stream ends, however it ends (finished, the client gone, or never started at all).
"""

from __future__ import annotations

import weakref
from collections import Counter
from typing import Any

MAX_STREAMS = 200  # per escalation process
MAX_STREAMS_PER_SESSION = 4  # a few tabs: the board and some incidents


class StreamSlot:
    def __init__(self, streams: EventStreams, owner: str) -> None:
        self._streams, self._owner, self._held = streams, owner, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._streams.release(self._owner)

    def bind(self, stream: Any) -> None:
        """Release when `stream` (the response's async generator) is gone, even if it never ran."""
        weakref.finalize(stream, self.release)


class EventStreams:
    def __init__(self) -> None:
        self._open: Counter[str] = Counter()

    @property
    def open(self) -> int:
        return sum(self._open.values())

    def acquire(self, owner: str) -> StreamSlot | None:
        """A slot for one more stream of `owner` (a session), or None past either cap."""
        if self.open >= MAX_STREAMS or self._open[owner] >= MAX_STREAMS_PER_SESSION:
            return None
        self._open[owner] += 1
        return StreamSlot(self, owner)

    def release(self, owner: str) -> None:
        self._open[owner] -= 1
        if self._open[owner] <= 0:
            del self._open[owner]
