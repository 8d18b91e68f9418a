"""Benchmark: reports through the thin path, intake API → Kafka → escalation database.

Starts a real intake and a real escalation process on fresh PostgreSQL databases and the broker in
KAFKA_BOOTSTRAP_SERVERS, posts reports with a fixed concurrency, and reports:

- intake acceptance: POST /v1/reports latency percentiles and requests per second;
- end to end: from the moment a POST was sent to the moment escalation stored the incident
  (escalation's `created_at`; one machine, one clock), percentiles and incidents per second.

    python -m bench.thin_path [--reports 500] [--concurrency 20]

Run through `make bench`, which provides the broker and PostgreSQL. Results are also written as
JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from pidesk.services.escalation.adapters.orm import Incident
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.services import ServiceProcess, pidesk_cli
from tests.unit.factories import report_body


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "p50_ms": at(0.50) * 1000,
        "p95_ms": at(0.95) * 1000,
        "p99_ms": at(0.99) * 1000,
        "max_ms": ordered[-1] * 1000,
        "mean_ms": statistics.fmean(ordered) * 1000,
    }


async def post_reports(url: str, count: int, concurrency: int) -> tuple[dict[str, float], list[float], float]:
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            queue.get_nowait()
            started_wall, started = time.time(), time.perf_counter()
            response = await client.post(f"{url}/v1/reports", json=report_body())
            latencies.append(time.perf_counter() - started)
            if response.status_code != 202:
                raise RuntimeError(f"intake answered {response.status_code}: {response.text[:200]}")
            sent_at[response.json()["incident_id"]] = started_wall

    began = time.perf_counter()
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return sent_at, latencies, time.perf_counter() - began


async def stored_times(database_url: str, expected: int, give_up_after: float = 300.0) -> dict[str, float]:
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    deadline = time.monotonic() + give_up_after
    try:
        while True:
            async with sessions() as session:
                rows = (await session.execute(select(Incident.id, Incident.created_at))).all()
            if len(rows) >= expected or time.monotonic() > deadline:
                return {str(i): created.timestamp() for i, created in rows}
            print(f"\r  stored by escalation: {len(rows)}/{expected}", end="", file=sys.stderr, flush=True)
            await asyncio.sleep(0.5)
    finally:
        print(file=sys.stderr)
        await engine.dispose()


async def run(count: int, concurrency: int) -> dict[str, object]:
    async with fresh_postgres_database("bench_in") as intake_db, fresh_postgres_database("bench_esc") as esc_db:
        workdir = Path(tempfile.mkdtemp(prefix="pidesk-bench-"))
        env = {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(workdir / "var"),
            "PIDESK_LOG_LEVEL": "WARNING",
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            "INTAKE_DATABASE_URL": intake_db,
            "ESCALATION_DATABASE_URL": esc_db,
            "INTAKE_REPORTS_PER_MINUTE": "1000000",  # one client posting on purpose; not rate-limited here
        }
        pidesk_cli("db", "upgrade", "--service", "intake", env=env)
        pidesk_cli("db", "upgrade", "--service", "escalation", env=env)
        intake, escalation = ServiceProcess("intake", env, workdir), ServiceProcess("escalation", env, workdir)
        try:
            intake.start()
            escalation.start()
            await post_reports(intake.url, 20, 5)  # warm-up: connections, consumer group, JIT-free paths
            warm = await stored_times(esc_db, 20)
            print(f"  posting {count} reports with concurrency {concurrency}", file=sys.stderr)
            sent_at, latencies, posting_seconds = await post_reports(intake.url, count, concurrency)
            stored = await stored_times(esc_db, count + len(warm))
        finally:
            intake.stop()
            escalation.stop()
    end_to_end = [stored[i] - sent for i, sent in sent_at.items() if i in stored]
    first_sent, last_stored = min(sent_at.values()), max(stored[i] for i in sent_at if i in stored)
    return {
        "benchmark": "thin_path",
        "at": datetime.now(UTC).isoformat(),
        "reports": count,
        "concurrency": concurrency,
        "delivered": len(end_to_end),
        "intake_accept": {"requests_per_second": count / posting_seconds, **percentiles(latencies)},
        "end_to_end": {
            "incidents_per_second": len(end_to_end) / (last_stored - first_sent),
            **percentiles(end_to_end),
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=20)
    args = parser.parse_args()
    result = asyncio.run(run(args.reports, args.concurrency))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"thin_path-{uuid.uuid4().hex[:8]}.json").write_text(json.dumps(result, indent=2))
    accept, e2e = result["intake_accept"], result["end_to_end"]
    print(f"reports {result['reports']} (concurrency {result['concurrency']}), delivered {result['delivered']}")
    for label, block, rate in (
        ("intake accept", accept, "requests_per_second"),
        ("end to end", e2e, "incidents_per_second"),
    ):
        print(
            f"{label:<14} {block[rate]:8.1f}/s  p50 {block['p50_ms']:7.1f} ms  p95 {block['p95_ms']:7.1f} ms  "
            f"p99 {block['p99_ms']:7.1f} ms  max {block['max_ms']:7.1f} ms"
        )
    return 0 if result["delivered"] == result["reports"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
