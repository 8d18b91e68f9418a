"""Request counts per client in time slots: this process's own, and the other processes' as last read.

A limit of `amount` requests per `window` seconds is counted in fixed slots of `window / SLOTS` (10 s
for a minute). A slot's admissions count for as long as its *last* admission is inside the window: as
if every admission of the slot had happened at that moment, i.e. later than it did. The count is thus
never below the true number of admissions in the last window, so counting alone never lets more than
`amount` through in any window; a refused client may wait up to one slot longer than with an exact
moving window, never beyond the window after its last admission (Retry-After ≤ the window).

Several processes (workers, instances): at every sync each hands its changed slots to a shared store
and takes back the others' changed slots (`outgoing`, `absorb`), per instance, so reading a slot again
is harmless. A decision is the others' admissions as last read plus this process's own, which it knows
exactly. An admission elsewhere reaches this process within two sync intervals (the next sync of the
process that made it writes it, this process's next sync after that reads it).

So between syncs each process could hand out the whole remaining budget, and a client that floods
several processes at once would get it several times over. Once a client has been refused somewhere
(it wants more than its limit), each process it reaches therefore takes only its share of the budget
left at the last sync — split evenly between the instances it used in the window — until the next
sync. A client within its limit is never refused, so it never meets a share: its bursts are admitted
in full wherever they land. One process alone is exact.

Pure: no I/O and no clock; `now` is seconds since the epoch; keys are opaque strings (hashes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

SLOTS = 6  # slots per window: more is finer (a refused client waits less), but more rows to share


@dataclass(frozen=True)
class Limit:
    amount: int
    window: int = 60  # seconds

    def __post_init__(self) -> None:
        if self.amount < 1 or self.window < SLOTS:
            raise ValueError(f"a limit needs amount ≥ 1 and window ≥ {SLOTS} s")

    @property
    def slot_seconds(self) -> float:
        return self.window / SLOTS


@dataclass(frozen=True)
class SlotCount:
    """One process's admissions in one slot of one key: `hits` in all, the latest at `last_hit`, its
    latest refusal in the slot at `refused` (0: none); the slot can no longer count from `expires` on.
    `instance`: whose (empty for this process's own)."""

    key: str
    slot: int
    hits: int
    last_hit: float
    expires: float
    instance: str = ""
    refused: float = 0.0


@dataclass
class _Slot:
    expires: float
    own: int = 0  # admitted by this process
    own_last: float = 0.0
    own_refused: float = 0.0
    written: tuple[int, float] = (0, 0.0)  # (own, own_refused) as the shared store has them
    others: dict[str, SlotCount] = field(default_factory=dict)  # by instance, as last read
    others_hits: int = 0
    others_last: float = 0.0
    others_refused: float = 0.0

    def hits(self) -> int:
        return self.own + self.others_hits

    def last(self) -> float:
        return max(self.own_last, self.others_last)


class WindowCounts:
    """Admissions per (key, slot) in this process, and the other processes' as of the last sync.

    `instance`: this process's name in the shared store; `share_wait`: the Retry-After of a request
    refused for want of a share (the sync interval: a share is renewed at every sync)."""

    def __init__(self, instance: str = "", share_wait: float = 1.0) -> None:
        self.instance, self._share_wait = instance, share_wait
        self._keys: dict[str, dict[int, _Slot]] = {}
        self._unwritten: set[tuple[str, int]] = set()  # slots changed since the store last had them
        self._since_sync: dict[str, int] = {}  # admissions per key since the last `outgoing`
        self._swept_at = 0.0

    def hit(self, key: str, limit: Limit, now: float) -> float | None:
        """Admit one request under `key` (None), or refuse it: the seconds until one would be admitted.

        A key is counted in one window: put the window in the key."""
        if now - self._swept_at >= limit.slot_seconds:
            self.forget_expired(now)
        slots = self._keys.setdefault(key, {})
        start = now - limit.window
        total = sum(s.hits() for s in slots.values() if s.last() > start)
        index = int(now // limit.slot_seconds)
        if total < limit.amount:
            if self._within_share(key, slots, total, limit, now):
                slot = self._slot(key, slots, index, limit)
                slot.own += 1
                slot.own_last = max(slot.own_last, now)
                self._since_sync[key] = self._since_sync.get(key, 0) + 1
                return None
            wait = self._share_wait
        else:
            wait = retry_after(slots, limit, now)
        self._slot(key, slots, index, limit).own_refused = now  # the others learn the client wants more
        return wait

    def _slot(self, key: str, slots: dict[int, _Slot], index: int, limit: Limit) -> _Slot:
        slot = slots.get(index)
        if slot is None:
            slot = slots[index] = _Slot(expires=(index + SLOTS + 1) * limit.slot_seconds)
        self._unwritten.add((key, index))
        return slot

    def _within_share(self, key: str, slots: dict[int, _Slot], total: int, limit: Limit, now: float) -> bool:
        """Whether this process may admit one more: always, unless the client was refused somewhere in
        the window and other instances serve it too; then only its share of what the last sync left."""
        start = now - limit.window
        if not any(max(s.own_refused, s.others_refused) > start for s in slots.values()):
            return True
        peers = {self.instance}.union(*(slot.others for slot in slots.values()))
        if len(peers) == 1:
            return True
        since = self._since_sync.get(key, 0)
        budget = limit.amount - (total - since)  # what was left at the last sync, slots since expired freed
        rank = sorted(peers).index(self.instance)  # the remainder goes to the first instances by name
        share = budget // len(peers) + (1 if rank < budget % len(peers) else 0)
        return since < share

    def outgoing(self, now: float) -> list[SlotCount]:
        """This process's slots that changed since they were last written (whole counts: a write that
        is repeated counts nothing twice); the shares start afresh."""
        self._since_sync = {}
        rows = []
        for key, index in self._unwritten:
            slot = self._keys.get(key, {}).get(index)
            if slot is not None and slot.expires > now:
                rows.append(SlotCount(key, index, slot.own, slot.own_last, slot.expires, "", slot.own_refused))
        return rows

    def written(self, rows: Iterable[SlotCount]) -> None:
        """The store has these rows (what changed meanwhile is still to be written)."""
        for row in rows:
            slot = self._keys.get(row.key, {}).get(row.slot)
            if slot is not None:
                slot.written = (row.hits, row.refused)
            if slot is None or slot.written == (slot.own, slot.own_refused):
                self._unwritten.discard((row.key, row.slot))

    def absorb(self, others: Iterable[SlotCount], now: float) -> None:
        """Other processes' slots read from the shared store (each the whole count of one instance)."""
        for row in others:
            if row.expires <= now or row.instance == self.instance:
                continue
            slots = self._keys.setdefault(row.key, {})
            slot = slots.get(row.slot)
            if slot is None:
                slot = slots[row.slot] = _Slot(expires=row.expires)
            slot.others[row.instance] = row
            slot.others_hits = sum(count.hits for count in slot.others.values())
            slot.others_last = max(count.last_hit for count in slot.others.values())
            slot.others_refused = max(count.refused for count in slot.others.values())

    def forget_expired(self, now: float) -> None:
        """Drop the slots that can no longer count (past their window), and keys left with none."""
        self._swept_at = now
        for key in list(self._keys):
            slots = self._keys[key]
            for index in [i for i, slot in slots.items() if slot.expires <= now]:
                del slots[index]
                self._unwritten.discard((key, index))
            if not slots:
                del self._keys[key]
                self._since_sync.pop(key, None)

    def __len__(self) -> int:
        return sum(len(slots) for slots in self._keys.values())


def retry_after(slots: dict[int, _Slot], limit: Limit, now: float) -> float:
    """Seconds until the oldest counting slots have left the window and one more request fits."""
    start = now - limit.window
    live = [slots[i] for i in sorted(slots) if slots[i].hits() and slots[i].last() > start]
    remaining = sum(s.hits() for s in live)
    for slot in live:
        remaining -= slot.hits()
        if remaining < limit.amount:
            return max(0.0, slot.last() + limit.window - now)
    return float(limit.window)  # not reached: once every slot has left, nothing is counted


def retry_after_header(seconds: float) -> int:
    """Whole seconds for a Retry-After header: at least 1."""
    return max(1, math.ceil(seconds))
