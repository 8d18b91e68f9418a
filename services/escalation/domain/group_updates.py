"""When the people on a growing group of alerts are told again (issue 11, "less noise, nothing hidden").

At most one group update per incident per window: the first growth after a quiet window is told at
once; growth within a window is folded into a single update sent when the window ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class Telling:
    now: bool = False  # tell at once
    fold_until: datetime | None = None  # fold into one update due then


TELL_NOW = Telling(now=True)
ALREADY_FOLDED = Telling()


def when_to_tell(*, last_told: datetime | None, folding: bool, now: datetime, window: timedelta) -> Telling:
    """`last_told`: when the last group update went out (None: never); `folding`: one is already
    waiting for the end of the current window."""
    if folding:
        return ALREADY_FOLDED
    if last_told is None or now >= last_told + window:
        return TELL_NOW
    return Telling(fold_until=last_told + window)
