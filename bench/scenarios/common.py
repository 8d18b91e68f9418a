"""What the scenarios share: the plan (full or BENCH_QUICK), service processes and their memory, fresh
databases, percentiles and trends (Kafka: bench/scenarios/kafka.py).

Everything talks to 127.0.0.1 only: the services bind there, the broker and PostgreSQL are the private
ones `deploy/with-infra.sh` exports (KAFKA_BOOTSTRAP_SERVERS, TEST_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from bench.cpu import Pids, listener_tree
from bench.scenarios.kafka import BENCH_PARTITIONS
from pidesk.migrations import runner
from tests.support.infra import free_port, fresh_postgres_database

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Plan:
    """Durations and counts of one run; `quick_plan()` is BENCH_QUICK=1 (a ~3 minute smoke run)."""

    quick: bool = False
    wrk_connections: int = 32
    wrk_seconds: float = 20.0
    warmup_seconds: float = 3.0
    fixed_rate: float = 500.0
    fixed_seconds: float = 20.0
    escalation_events: int = 20_000
    e2e_rate: float = 200.0
    e2e_seconds: float = 60.0
    e2e_drain_seconds: float = 60.0
    e2e_steady_rate: float = 10.0  # a rate this machine sustains end to end: the fast path and the CPU profile
    e2e_steady_seconds: float = 30.0
    storm_alerts: int = 10_000  # DLP alerts posted in storm_seconds (issue 11)
    storm_seconds: float = 60.0
    storm_connections: int = 64
    storm_probe_tail: float = 10.0  # the probe goes on this long after the storm
    storm_drain_seconds: float = 240.0  # how long after the storm the bench waits for every alert's assessment
    sample_every: float = 5.0
    drain_timeout: float = 90.0
    notice_args: tuple[str, ...] = ()  # bench.notice_delivery's defaults

    @classmethod
    def quick_plan(cls) -> Plan:
        return cls(
            quick=True,
            wrk_seconds=4.0,
            warmup_seconds=1.0,
            fixed_seconds=4.0,
            escalation_events=2_000,
            e2e_seconds=15.0,
            e2e_steady_seconds=10.0,
            e2e_drain_seconds=30.0,
            storm_alerts=2_000,
            storm_seconds=20.0,
            storm_drain_seconds=150.0,
            sample_every=3.0,
            drain_timeout=30.0,
            notice_args=("--alerts", "400", "--recipients", "400", "--instances", "1", "--connections", "16"),
        )

    @classmethod
    def from_env(cls) -> Plan:
        plan = cls.quick_plan() if os.environ.get("BENCH_QUICK", "") not in ("", "0") else cls()
        if os.environ.get("BENCH_E2E_RATE"):  # e.g. the rate this machine sustains, to see the fast path
            plan = dataclasses.replace(plan, e2e_rate=float(os.environ["BENCH_E2E_RATE"]))
        if os.environ.get("BENCH_E2E_STEADY_RATE"):
            plan = dataclasses.replace(plan, e2e_steady_rate=float(os.environ["BENCH_E2E_STEADY_RATE"]))
        return plan


@dataclass
class Context:
    plan: Plan
    run_id: str
    database_url: str  # the server's maintenance URL (TEST_DATABASE_URL); scenarios make their own databases
    bootstrap: str
    workdir: Path
    cores: int


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def base_env(ctx: Context) -> dict[str, str]:
    """The environment every service process of the bench gets (plus its own database URL)."""
    return {
        "PIDESK_ENV": "test",
        "PIDESK_VAR_DIR": str(ctx.workdir / "var"),
        "PIDESK_LOG_LEVEL": "WARNING",
        "KAFKA_BOOTSTRAP_SERVERS": ctx.bootstrap,
        "PIDESK_KAFKA_TOPIC_PARTITIONS": str(BENCH_PARTITIONS),
    }


# ---------------------------------------------------------------- statistics


def percentiles(samples: Sequence[float], scale: float = 1000.0) -> dict[str, float | None]:
    """Nearest-rank p50/p95/p99, max and mean (seconds in, milliseconds out); None for no samples."""
    ordered = sorted(samples)
    if not ordered:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None, "mean_ms": None}

    def at(q: float) -> float:
        value = ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]
        return round(value * scale, 3) if math.isfinite(value) else math.inf

    finite = [s for s in ordered if math.isfinite(s)]
    return {
        "p50_ms": at(0.50),
        "p95_ms": at(0.95),
        "p99_ms": at(0.99),
        "max_ms": at(1.0),
        "mean_ms": round(statistics.fmean(finite) * scale, 3) if finite else None,
    }


def slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of y over x (0 for fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def lag_is_flat(samples: Sequence[tuple[float, float]], inflow_per_s: float, seconds: float) -> bool:
    """The lag did not grow: its fitted growth over the run stays below one second of inflow (at least
    50 messages), so batching jitter is not growth, while a consumer that falls behind by a steady
    fraction of the input is."""
    return slope(samples) * seconds < max(50.0, inflow_per_s)


# ---------------------------------------------------------------- databases


def asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def pg_value(url: str, query: str, *args: Any) -> Any:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await connection.fetchval(query, *args)
    finally:
        await connection.close()


@asynccontextmanager
async def migrated_database(prefix: str, service: str) -> AsyncIterator[str]:
    """A fresh database on the bench's PostgreSQL, migrated for `service`, dropped afterwards."""
    async with fresh_postgres_database(prefix) as url:
        await runner.upgrade(url, service)  # type: ignore[arg-type]
        yield url


async def table_counts(url: str, tables: Sequence[str] = ("outbox", "processed_events")) -> dict[str, Any]:
    """Rows and on-disk size (table + indexes) of each table; for the outbox also the rows not yet published."""
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        found: dict[str, Any] = {}
        for table in tables:
            rows = await connection.fetchval(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - fixed names
            size = await connection.fetchval("SELECT pg_total_relation_size($1::regclass)", table)
            found[table] = {"rows": int(rows), "bytes": int(size)}
            if table == "outbox":
                unpublished = await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                found[table]["unpublished"] = int(unpublished)
        return found
    finally:
        await connection.close()


async def wait_outbox_drained(url: str, within: float) -> float | None:
    """Seconds until no outbox row is left unpublished; None if some still are after `within` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        if not await pg_value(url, "SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            return round(time.monotonic() - started, 2)
        await asyncio.sleep(0.25)
    return None


# ---------------------------------------------------------------- processes


def children_of(pid: int) -> list[int]:
    """Every descendant of `pid` (from /proc), e.g. the worker processes of `pidesk intake --workers N`."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_mb(pid: int) -> float | None:
    """Resident memory of one process in MB (VmRSS), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Service:
    """One `pidesk <service>` process (with its worker processes, if any) on a free 127.0.0.1 port."""

    def __init__(self, service: str, env: dict[str, str], log_dir: Path, *, workers: int = 1, tag: str = "") -> None:
        self.service, self.workers = service, workers
        self.name = f"{service}{tag}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{self.name}.log"
        self.env = {**os.environ, **env}
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> Service:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pidesk", self.service, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(command, cwd=REPO_ROOT, env=self.env, stdout=log_file, stderr=log_file)
        return self

    async def ready(self, within: float = 90.0) -> Service:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=5) as client:
            while time.monotonic() < deadline:
                self.check_alive()
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}/readyz")).status_code == 200:
                        return self
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready in {within:.0f} s: {self.log_tail()}")

    async def start(self, within: float = 90.0) -> Service:
        return await self.launch().ready(within)

    def check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}: {self.log_tail()}")

    def pids(self) -> list[int]:
        if self.process is None or self.process.poll() is not None:
            return []
        return [self.process.pid, *children_of(self.process.pid)]

    def memory(self) -> dict[str, Any]:
        sizes = [size for pid in self.pids() if (size := rss_mb(pid)) is not None]
        return {
            "processes": len(sizes),
            "max_rss_mb": round(max(sizes, default=0.0), 1),
            "total_rss_mb": round(sum(sizes), 1),
        }

    def stop(self) -> None:
        """SIGTERM (uvicorn stops its workers), then SIGKILL to whatever of this process tree is left."""
        if self.process is None:
            return
        tree = self.pids()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(25)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pid in tree[1:]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def log_tail(self, chars: int = 2000) -> str:
        return file_tail(self.log_path, chars)


async def run_process(
    command: Sequence[str], *, env: dict[str, str] | None = None, limit_s: float, log_path: Path
) -> str:
    """Run a command in its own process group, stdout returned, stderr to `log_path`. Past `limit_s`
    the group gets SIGTERM (then SIGKILL) and TimeoutError is raised; a non-zero exit raises RuntimeError."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as err:
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=REPO_ROOT,
            env={**os.environ, **(env or {})},
            stdout=asyncio.subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
        try:
            out, _ = await asyncio.wait_for(process.communicate(), limit_s)
        except BaseException:  # a timeout, or the bench itself cancelled: stop what we started
            for sig, grace in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
                if process.returncode is not None:
                    break
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, sig)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), grace)
            raise
    if process.returncode != 0:
        tail = await asyncio.to_thread(file_tail, log_path)
        raise RuntimeError(f"{command[0:3]} exited {process.returncode}: {tail}")
    return out.decode()


def cpu_components(ctx: Context, services: dict[str, Service]) -> dict[str, Pids]:
    """The processes the CPU profile charges: each service's tree, PostgreSQL's and the broker's."""
    components: dict[str, Pids] = {name: service.pids for name, service in services.items()}
    components["PostgreSQL"] = listener_tree(make_url(ctx.database_url).port or 5432)
    components["Kafka"] = listener_tree(int(ctx.bootstrap.rsplit(":", 1)[1]))
    return components


def file_tail(path: Path, chars: int = 2000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


def last_json_line(text: str) -> Any:
    for line in reversed(text.splitlines()):
        if line.strip().startswith(("{", "[")):
            return json.loads(line)
    raise RuntimeError(f"no JSON result in: {text[-1000:]}")
