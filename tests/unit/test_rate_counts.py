"""Rate-limit counting in slots, alone and shared between processes through a store (pure)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.ratecount import Limit, SlotCount, WindowCounts
from pidesk.shared.http.ratelimit import RateLimits, storage_of
from pidesk.shared.settings import CommonSettings, SettingsError

THREE = Limit(3, 60)
T0 = 1_800_000_000.0  # a slot boundary (10-s slots)


@dataclass
class FakeStore:
    """The shared store's contract in memory: each instance writes its own rows; it reads back the
    others' rows written since its previous read."""

    rows: dict[tuple[str, str, int], tuple[int, SlotCount]] = field(default_factory=dict)
    writes: int = 0
    fail: bool = False

    def of(self, instance: str) -> InstanceStore:
        return InstanceStore(self, instance)


@dataclass
class InstanceStore:
    shared: FakeStore
    instance: str
    read_up_to: int = 0

    async def exchange(self, rows: list[SlotCount], now: float) -> list[SlotCount]:
        if self.shared.fail:
            raise ConnectionError("database unreachable")
        for row in rows:
            self.shared.writes += 1
            self.shared.rows[(self.instance, row.key, row.slot)] = (
                self.shared.writes,
                replace(row, instance=self.instance),
            )
        others = [
            row
            for (instance, _key, _slot), (written, row) in self.shared.rows.items()
            if instance != self.instance and written > self.read_up_to and row.expires > now
        ]
        self.read_up_to = self.shared.writes
        return others

    async def prune(self, now: float) -> int:
        return 0


def test_a_limit_admits_its_amount_then_refuses_until_its_last_admission_leaves_the_window() -> None:
    counts = WindowCounts()
    assert [counts.hit("c", THREE, T0 + t) for t in (0, 1, 2)] == [None, None, None]
    assert counts.hit("c", THREE, T0 + 3) == pytest.approx(59.0)  # the slot's last admission was at +2
    assert counts.hit("c", THREE, T0 + 61.9) == pytest.approx(0.1)
    assert counts.hit("c", THREE, T0 + 62.01) is None
    assert counts.hit("other client", THREE, T0 + 3) is None  # one bucket per key


def test_the_oldest_slot_leaves_first_and_the_retry_time_says_when() -> None:
    counts, two = WindowCounts(), Limit(2, 60)
    assert counts.hit("c", two, T0 + 5) is None  # slot 0
    assert counts.hit("c", two, T0 + 15) is None  # slot 1
    assert counts.hit("c", two, T0 + 30) == pytest.approx(35.0)  # when +5 leaves
    assert counts.hit("c", two, T0 + 65.01) is None
    assert counts.hit("c", two, T0 + 66) == pytest.approx(9.0)  # +15 leaves at +75


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(1, 8),
    gaps=st.lists(st.floats(0, 30, allow_nan=False), min_size=1, max_size=120),
)
def test_no_window_ever_holds_more_admissions_than_the_limit(amount: int, gaps: list[float]) -> None:
    counts, limit, now, admitted = WindowCounts(), Limit(amount, 60), T0, []
    for gap in gaps:
        now += gap
        wait = counts.hit("c", limit, now)
        if wait is not None:
            assert 0 <= wait <= 60
            now += wait + 1e-6
            assert counts.hit("c", limit, now) is None  # the promised time is enough
        admitted.append(now)
        assert sum(1 for t in admitted if t > now - 60) <= amount


def test_only_slots_changed_since_they_were_written_go_out_each_with_its_whole_count() -> None:
    counts = WindowCounts()
    counts.hit("a", THREE, T0 + 1)
    counts.hit("a", THREE, T0 + 2)
    rows = counts.outgoing(T0 + 3)
    assert [(r.key, r.slot, r.hits, r.last_hit, r.expires) for r in rows] == [
        ("a", int(T0 // 10), 2, T0 + 2, (int(T0 // 10) + 7) * 10)
    ]
    counts.written(rows)
    assert counts.outgoing(T0 + 4) == []
    counts.hit("a", THREE, T0 + 5)
    assert [r.hits for r in counts.outgoing(T0 + 6)] == [3]  # the slot's whole count: a repeated write is harmless


def test_the_others_admissions_count_per_instance_and_reading_one_again_counts_it_once() -> None:
    counts, slot, expires = WindowCounts(), int(T0 // 10), T0 + 70
    counts.hit("a", THREE, T0 + 1)
    counts.absorb([SlotCount("a", slot, 1, T0 + 1.5, expires, "p2")], T0 + 2)
    counts.absorb([SlotCount("a", slot, 1, T0 + 1.5, expires, "p2")], T0 + 2)  # read again: the same row
    assert counts.hit("a", THREE, T0 + 2) is None  # 1 here + 1 there
    counts.absorb([SlotCount("a", slot, 1, T0 + 1.7, expires, "p3")], T0 + 3)
    assert counts.hit("a", THREE, T0 + 3) == pytest.approx(59.0)  # the slot's last admission: +2 here
    counts.absorb([SlotCount("b", slot, 3, T0 + 1, expires, "p2")], T0 + 3)
    assert counts.hit("b", THREE, T0 + 3) == pytest.approx(58.0)  # never seen here: refused at first sight


def test_expired_slots_and_idle_keys_are_forgotten() -> None:
    counts = WindowCounts()
    counts.hit("a", THREE, T0 + 1)
    counts.absorb([SlotCount("b", int(T0 // 10) + 1, 1, T0 + 11, T0 + 80, "p2")], T0 + 12)
    counts.forget_expired(T0 + 69)
    assert len(counts) == 2
    counts.forget_expired(T0 + 70)  # slot [T0, T0+10) counts until T0+70 at the latest
    assert len(counts) == 1
    counts.forget_expired(T0 + 80)
    assert len(counts) == 0
    counts.absorb([SlotCount("c", int(T0 // 10), 1, T0 + 1, T0 + 70, "p2")], T0 + 70)  # read too late: ignored
    assert len(counts) == 0


async def test_at_the_limit_on_one_process_a_client_is_refused_on_another_after_their_syncs() -> None:
    store = FakeStore()
    first, second = (
        RateLimits(store.of("first"), clock=lambda: T0 + 1),
        RateLimits(store.of("second"), clock=lambda: T0 + 1),
    )
    on_first, on_second = first.per_minute(3), second.per_minute(3)
    await on_second.hit("reports", "203.0.113.9")
    await on_first.hit("reports", "203.0.113.9")
    await on_first.hit("reports", "203.0.113.9")
    for process in (first, second, first):
        await process.sync()
    for limiter in (on_first, on_second):
        with pytest.raises(ApiError) as refused:
            await limiter.hit("reports", "203.0.113.9")
        assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "60"}


async def test_a_failed_sync_loses_nothing_the_next_one_sends_and_reads_it() -> None:
    store = FakeStore()
    first, second = (
        RateLimits(store.of("first"), clock=lambda: T0 + 1),
        RateLimits(store.of("second"), clock=lambda: T0 + 1),
    )
    on_first, on_second = first.per_minute(2), second.per_minute(2)
    await on_second.hit("k")
    await on_first.hit("k")
    store.fail = True
    with pytest.raises(ConnectionError):
        await first.sync()
    store.fail = False
    await first.sync()
    await second.sync()
    with pytest.raises(ApiError):
        await on_second.hit("k")


@dataclass
class Simulated:
    """Processes behind one port, each syncing every `interval` seconds at its own phase."""

    processes: int
    interval: float
    phases: list[float]
    store: FakeStore = field(default_factory=FakeStore)

    def __post_init__(self) -> None:
        self.counts = [WindowCounts(str(p)) for p in range(self.processes)]
        self.stores = [self.store.of(str(p)) for p in range(self.processes)]
        self.next_sync = [T0 + self.phases[p] for p in range(self.processes)]
        self.admitted: list[tuple[float, int]] = []  # (time, process)

    async def request(self, now: float, process: int, limit: Limit) -> bool:
        while min(self.next_sync) <= now:  # the syncs due before this request, in time order
            due = min(range(self.processes), key=lambda p: self.next_sync[p])
            await self.sync(due, self.next_sync[due])
            self.next_sync[due] += self.interval
        if self.counts[process].hit("c", limit, now) is not None:
            return False
        self.admitted.append((now, process))
        return True

    async def sync(self, process: int, now: float) -> None:
        counts = self.counts[process]
        rows = counts.outgoing(now)
        others = await self.stores[process].exchange(rows, now)
        counts.written(rows)
        counts.absorb(others, now)


@settings(max_examples=150, deadline=None)
@given(
    processes=st.integers(2, 4),
    amount=st.integers(1, 10),
    arrivals=st.lists(st.tuples(st.floats(0, 3, allow_nan=False), st.integers(0, 3)), min_size=1, max_size=150),
    phases=st.lists(st.floats(0, 0.99, allow_nan=False), min_size=4, max_size=4),
)
async def test_shared_counts_overshoot_by_at_most_what_the_others_admitted_in_two_sync_intervals(
    processes: int, amount: int, arrivals: list[tuple[float, int]], phases: list[float]
) -> None:
    """An admission sees everything admitted in its window except the other processes' last two sync
    intervals: the limit holds over what it sees (the README's accuracy figure)."""
    interval, limit = 1.0, Limit(amount, 60)
    world, now = Simulated(processes, interval, phases), T0
    for gap, target in arrivals:
        now += gap
        process = target % processes
        before = list(world.admitted)
        if await world.request(now, process, limit):
            seen = [t for t, p in before if t > now - 60 and (p == process or t < now - 2 * interval)]
            assert len(seen) < amount
    alone = [t for t, _p in world.admitted]
    assert all(sum(1 for t in alone if now - 60 < t <= now) <= processes * amount for now in alone)


async def test_once_refused_a_client_gets_only_a_share_of_what_is_left_on_each_process() -> None:
    world, ten = Simulated(2, 1.0, [0.5, 0.5]), Limit(10, 60)
    assert [await world.request(T0 + 1, 0, ten) for _ in range(5)] == [True] * 5
    assert [await world.request(T0 + 11, 1, ten) for _ in range(5)] == [True] * 5
    assert not await world.request(T0 + 13, 0, ten)  # at its limit: refused, and the others learn it
    # process 0's five leave the window at +61: five are free again, split between the two processes
    first = [await world.request(T0 + 61.6, 0, ten) for _ in range(5)]
    second = [await world.request(T0 + 61.6, 1, ten) for _ in range(5)]
    assert first.count(True) + second.count(True) == 5  # not five on each: each took its share
    assert first.count(True) == 3 and second.count(True) == 2
    assert world.counts[0].hit("c", ten, T0 + 61.7) == 1.0  # refused for want of a share: retry after a sync


async def test_a_client_never_refused_gets_its_whole_burst_wherever_it_lands() -> None:
    world, ten = Simulated(2, 1.0, [0.5, 0.5]), Limit(10, 60)
    assert [await world.request(T0 + 1, p, ten) for p in (0, 1, 0, 1)] == [True] * 4
    # each process knows the other serves the client too (synced at +1.5 and +2.5), yet no share applies
    assert [await world.request(T0 + 3, 0, ten) for _ in range(6)] == [True] * 6  # 10 of 10
    assert not await world.request(T0 + 4, 0, ten)


async def test_a_client_flooding_four_processes_gets_little_more_than_its_limit_once_it_was_refused() -> None:
    """100 requests a second spread over four processes against 60 a minute (counted in memory alone:
    up to 240 a minute). The first minute may give more (nobody has refused the client yet)."""
    rnd, limit = random.Random(7), Limit(60, 60)
    world, now = Simulated(4, 1.0, [rnd.random() for _ in range(4)]), T0
    while now < T0 + 240:
        now += rnd.expovariate(100)
        await world.request(now, rnd.randrange(4), limit)
    per_minute = [sum(1 for t, _p in world.admitted if T0 + 60 * m <= t < T0 + 60 * (m + 1)) for m in range(4)]
    assert per_minute[0] <= 4 * 60
    assert all(60 <= admitted <= 90 for admitted in per_minute[1:]), per_minute


def test_the_storage_is_the_database_on_postgresql_and_memory_on_sqlite(tmp_path: Path) -> None:
    default = CommonSettings(env="test", var_dir=tmp_path)
    assert storage_of(default, "postgresql+asyncpg://pidesk@db/intake") == "database"
    assert storage_of(default, f"sqlite+aiosqlite:///{tmp_path}/intake.db") == "memory"
    memory = CommonSettings(env="test", var_dir=tmp_path, rate_limit_storage="memory")
    assert storage_of(memory, "postgresql+asyncpg://pidesk@db/intake") == "memory"
    database = CommonSettings(env="test", var_dir=tmp_path, rate_limit_storage="database")
    with pytest.raises(SettingsError, match="needs PostgreSQL"):
        storage_of(database, f"sqlite+aiosqlite:///{tmp_path}/intake.db")
