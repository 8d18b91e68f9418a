"""Where the CPU went during a load: per component (each service, PostgreSQL, Kafka, the load generator
and SMTP sink, everything else), from /proc — the profile behind a target the 2-core machine misses.

    async with measuring(components(ctx, services)) as meter:
        ...load...
    use = meter.result()          # {"wall_s", "machine_busy_s", "components": {name: cpu seconds}}
    profile(use, items=12_000)    # CPU ms per item per component, and the cores a rate needs

A process is charged from the first time it is seen (its CPU before that, when it was running at the
start, is subtracted); one that appears during the load (a new PostgreSQL backend) is charged from 0.
Samples every second keep the CPU of processes that exit before the end (wrk, a loadgen process).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")
LISTEN = "0A"  # /proc/net/tcp state of a listening socket

Pids = Callable[[], Iterable[int]]


def process_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of one process (all its threads), None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def machine_busy_s() -> float:
    """CPU seconds every core spent not idle since boot (/proc/stat: all but idle and iowait)."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / TICKS


def tree(pid: int) -> list[int]:
    """`pid` and every descendant of it."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [pid], [pid]
    while todo:
        children = parents.get(todo.pop(), [])
        found += children
        todo += children
    return found


def listener(port: int) -> int | None:
    """The process listening on TCP `port` (any address), from /proc/net/tcp{,6} and the fd links."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                parts = line.split()
                if parts[3] == LISTEN and int(parts[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(f"socket:[{parts[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) in inodes:
                        return int(entry.name)
    return None


def listener_tree(port: int) -> Pids:
    """The pids of whatever listens on `port` and its children (PostgreSQL: the postmaster and backends)."""
    root: list[int | None] = [None]

    def pids() -> list[int]:
        if root[0] is None or not Path(f"/proc/{root[0]}").exists():
            root[0] = listener(port)
        return tree(root[0]) if root[0] is not None else []

    return pids


class CpuMeter:
    """CPU seconds per component between `start` and the last `sample`; `rest` is charged with the
    processes of this one's tree that no other component claims (the load generator, the SMTP sink)."""

    def __init__(self, components: dict[str, Pids], rest: str = "load generator and sink") -> None:
        self.components, self.rest = components, rest
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.owner: dict[int, str] = {}
        self.busy = (0.0, 0.0)
        self.wall = (0.0, 0.0)

    def sample(self, *, first: bool = False) -> None:
        claimed: dict[int, str] = {}
        for name, pids in self.components.items():
            for pid in pids():
                claimed.setdefault(pid, name)
        for pid in tree(os.getpid()):
            claimed.setdefault(pid, self.rest)
        for pid, name in claimed.items():
            used = process_cpu_s(pid)
            if used is None:
                continue
            self.owner.setdefault(pid, name)
            self.base.setdefault(pid, used if first else 0.0)
            self.last[pid] = max(used, self.last.get(pid, 0.0))
        now, busy = asyncio.get_running_loop().time(), machine_busy_s()
        self.wall = (now, now) if first else (self.wall[0], now)
        self.busy = (busy, busy) if first else (self.busy[0], busy)

    def result(self) -> dict[str, Any]:
        spent: dict[str, float] = dict.fromkeys([*self.components, self.rest], 0.0)
        for pid, used in self.last.items():
            spent[self.owner[pid]] += max(0.0, used - self.base[pid])
        busy = self.busy[1] - self.busy[0]
        spent["everything else"] = max(0.0, busy - sum(spent.values()))
        return {
            "wall_s": round(self.wall[1] - self.wall[0], 2),
            "machine_busy_s": round(busy, 2),
            "cores": os.cpu_count(),
            "components": {name: round(seconds, 2) for name, seconds in spent.items()},
        }


@asynccontextmanager
async def measuring(components: dict[str, Pids], every: float = 1.0) -> AsyncIterator[CpuMeter]:
    meter = CpuMeter(components)
    meter.sample(first=True)

    async def keep_sampling() -> None:
        while True:
            await asyncio.sleep(every)
            meter.sample()

    task = asyncio.create_task(keep_sampling())
    try:
        yield meter
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        meter.sample()


def profile(use: dict[str, Any], items: int, rate: float | None = None) -> dict[str, Any]:
    """CPU ms per item per component and in all; with `rate`, the cores that rate needs at this cost."""
    per_item = {name: round(1000 * seconds / items, 3) for name, seconds in use["components"].items()} if items else {}
    total = round(sum(per_item.values()), 3)
    found: dict[str, Any] = {
        "items": items,
        "cpu_ms_per_item": per_item,
        "cpu_ms_per_item_total": total,
        "busy_cores": round(use["machine_busy_s"] / use["wall_s"], 2) if use["wall_s"] else None,
        "cores": use.get("cores"),
    }
    if rate is not None:
        found["rate"] = rate
        found["cores_needed"] = round(total * rate / 1000, 2)
    return found
