"""`make bench`: every benchmark of issue 10 in one run, one table (target, measured, met).

    deploy/with-infra.sh .venv/bin/python -m bench.pipeline [--only intake,peer,...] [--write-docs]
    BENCH_QUICK=1 ...   a ~3 minute smoke run (short loads, small counts); leaves docs/performance.md alone
    python -m bench.pipeline --render bench/results/<id>.json [--write-docs]   the table again, nothing run

Needs TEST_DATABASE_URL (a PostgreSQL where the user may create databases; `make bench` starts a private
one with fsync on) and KAFKA_BOOTSTRAP_SERVERS (`make bench`: a fresh broker), both on 127.0.0.1.
Scenarios, in order (bench/scenarios/*.py): intake (capacity with wrk, durability, latency at a fixed
rate; reports and signed webhooks), peer (Alerta, bench/peer_alerta.sh), escalation (one and two
instances), end_to_end (200 reports/s through the three services to SMTP; lag, memory, table growth),
storm (issue 11: 10,000 signed DLP alerts in vendor formats in 60 s and a very-high-risk report a
second through them: its first alert; every alert assessed), notifier (bench/notice_delivery.py). Each
is bounded in time, stops what it started, and a failure is recorded in the table while the run goes on.
Writes bench/results/<UTC time>.json; a run of every scenario also bench/results/latest.md and, unless
BENCH_QUICK, the figures section of docs/performance.md (--write-docs: also after a quick or partial
run; --no-docs: never). Logs of every process: var/bench/run-<id>/. Exit status 1 only when a scenario
failed; a target missed is a figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import platform
import re
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import report
from bench.scenarios import end_to_end, escalation, intake, notifier, storm
from bench.scenarios.common import (
    REPO_ROOT,
    Context,
    Plan,
    asyncpg_dsn,
    log,
)
from bench.scenarios.kafka import ensure_bench_topics

RESULTS = REPO_ROOT / "bench" / "results"
DOCS = REPO_ROOT / "docs" / "performance.md"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# name → (run, time budget in seconds for a full run, for a quick run)
SCENARIOS: dict[str, tuple[Callable[[Context], Awaitable[dict[str, Any]]], float, float]] = {
    "intake": (intake.run, 900, 300),
    "peer": (intake.run_peer, 1200, 600),  # the first run installs Alerta
    "escalation": (escalation.run, 900, 300),
    "end_to_end": (end_to_end.run, 600, 300),
    "storm": (storm.run, 720, 420),
    "notifier": (notifier.run, 2400, 900),
}


# ---------------------------------------------------------------- the machine


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return ((done.stdout or done.stderr).strip().splitlines() or ["?"])[0]


def proc_value(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


async def describe_machine(database_url: str, bootstrap: str) -> dict[str, Any]:
    import asyncpg

    version, settings = "?", dict.fromkeys(("fsync", "synchronous_commit", "shared_buffers", "max_connections"), "?")
    try:
        connection = await asyncpg.connect(asyncpg_dsn(database_url), timeout=30)
        try:
            version = str(await connection.fetchval("SELECT version()"))
            settings = {name: str(await connection.fetchval(f"SHOW {name}")) for name in settings}
        finally:
            await connection.close()
    except (OSError, asyncpg.PostgresError) as exc:
        log(f"PostgreSQL: {exc!r}")  # every scenario will fail and say why; the table is still made
    mem_kb = proc_value("/proc/meminfo", "MemTotal").split()[0]
    pom = (REPO_ROOT / "deploy" / "local-kafka" / "pom.xml").read_text()
    found = re.search(r"<kafka.version>(.*?)</kafka.version>", pom)
    kafka_version = found.group(1) if found else "?"
    try:
        partitions = await asyncio.wait_for(ensure_bench_topics(bootstrap), 120)
    except Exception as exc:  # noqa: BLE001 - as above
        log(f"Kafka: {exc!r}")
        partitions = {}
    return {
        "cpu": proc_value("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory": f"{int(mem_kb) / 1048576:.1f} GiB" if mem_kb.isdigit() else "?",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgres": " ".join(version.split()[:2]),
        "postgres_fsync": settings["fsync"],
        "postgres_synchronous_commit": settings["synchronous_commit"],
        "postgres_shared_buffers": settings["shared_buffers"],
        "postgres_max_connections": settings["max_connections"],
        "kafka": f"Apache Kafka {kafka_version} (deploy/local-kafka) at {bootstrap}",
        "kafka_partitions": partitions.get("pidesk.incident.reported.v1", "?"),
        "wrk": first_line(["wrk", "-v"]),
    }


def loopback_only(database_url: str, bootstrap: str) -> None:
    hosts = {urlsplit(database_url.replace("+asyncpg", "")).hostname or ""}
    hosts |= {server.rsplit(":", 1)[0].strip("[]") for server in bootstrap.split(",")}
    if not hosts <= LOOPBACK:
        raise SystemExit(f"bench: PostgreSQL and Kafka must be on 127.0.0.1 (got {sorted(hosts)})")


# ---------------------------------------------------------------- the run


async def run_all(ctx: Context, names: list[str]) -> dict[str, Any]:
    scenarios: dict[str, Any] = {}
    for name in names:
        job, full_budget, quick_budget = SCENARIOS[name]
        budget = quick_budget if ctx.plan.quick else full_budget
        log(f"=== {name} (at most {budget:.0f} s)")
        started = time.monotonic()
        try:
            scenarios[name] = await asyncio.wait_for(job(ctx), budget)
        except TimeoutError:
            scenarios[name] = {"error": f"did not finish within {budget:.0f} s"}
        except Exception as exc:  # noqa: BLE001 - recorded in the table; the next scenario runs
            traceback.print_exc(file=sys.stderr)
            scenarios[name] = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
        scenarios[name]["elapsed_s"] = round(time.monotonic() - started, 1)
        log(f"=== {name}: {'error: ' + scenarios[name]['error'][:300] if 'error' in scenarios[name] else 'done'}")
    return scenarios


def write_outputs(result: dict[str, Any], write_latest: bool, write_docs: bool) -> list[Path]:
    """The run's JSON always; latest.md for a run of every scenario; docs/performance.md when asked."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    written = [RESULTS / f"{result['run']['id']}.json"]
    written[0].write_text(json.dumps(result, indent=2, default=str) + "\n")
    if write_latest or write_docs:
        written.append(RESULTS / "latest.md")
        written[1].write_text("# Latest `make bench` run\n\n" + report.render_markdown(result))
    if write_docs:
        figures = report.render_markdown(result) + "\n" + report.render_details(result)
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        current = DOCS.read_text() if DOCS.exists() else "# Performance\n"
        DOCS.write_text(report.replace_figures(current, figures))
        written.append(DOCS)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(SCENARIOS), help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md after a quick run too")
    parser.add_argument("--no-docs", action="store_true", help="leave docs/performance.md alone")
    parser.add_argument("--render", type=Path, help="run nothing: the table again from a results JSON")
    args = parser.parse_args(argv)
    if args.render:
        result = json.loads(args.render.read_text())
        result["rows"] = report.build_rows(result["scenarios"])
        print(report.render_text(result))
        if args.write_docs:
            write_outputs(result, write_latest=True, write_docs=True)
        return 0
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    if unknown := [n for n in names if n not in SCENARIOS]:
        parser.error(f"unknown scenarios {unknown}")
    database_url, bootstrap = os.environ.get("TEST_DATABASE_URL"), os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not database_url or not bootstrap:
        parser.error("TEST_DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS must be set (`make bench` sets both)")
    loopback_only(database_url, bootstrap)
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # its retries while a new group's coordinator loads
    plan = Plan.from_env()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    workdir = REPO_ROOT / "var" / "bench" / f"run-{run_id}"
    workdir.mkdir(parents=True, exist_ok=True)
    ctx = Context(
        plan, f"{run_id.lower()}-{uuid.uuid4().hex[:4]}", database_url, bootstrap, workdir, os.cpu_count() or 1
    )
    started, began = datetime.now(UTC), time.monotonic()
    machine = asyncio.run(describe_machine(database_url, bootstrap))
    log(f"PostgreSQL fsync={machine['postgres_fsync']}; {machine['kafka']}; logs in {workdir}")
    if machine["postgres_fsync"] != "on":
        log("WARNING: fsync is off; `make bench` restarts the private cluster with PG_FSYNC=on")
    scenarios: dict[str, Any] = {}
    try:
        scenarios = asyncio.run(run_all(ctx, names))
    finally:
        result = {
            "schema": 1,
            "run": {
                "id": run_id,
                "started_at": started.isoformat(timespec="seconds"),
                "seconds": round(time.monotonic() - began),
                "quick": plan.quick,
                "scenarios": names,
                "plan": plan.__dict__,
                "logs": str(workdir.relative_to(REPO_ROOT)),
            },
            "machine": machine,
            "scenarios": scenarios,
        }
        result["rows"] = report.build_rows(scenarios)
        everything = names == list(SCENARIOS)
        write_docs = not args.no_docs and (args.write_docs or (not plan.quick and everything))
        written = write_outputs(result, everything, write_docs)
        print(report.render_text(result), flush=True)
        log("written: " + ", ".join(str(p.relative_to(REPO_ROOT)) for p in written))
    return 1 if any(row["met"] == report.ERROR for row in result["rows"]) else 0


if __name__ == "__main__":
    raise SystemExit(main())
