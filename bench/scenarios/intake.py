"""Scenarios a, b and c: intake capacity (wrk), the Alerta peer, and intake latency at a fixed rate.

a. `pidesk intake --workers <cores>` on a fresh database; wrk, 32 connections: reports, then signed
   generic webhooks. Durability: the report rows the run added are counted against the 2xx answers.
b. `bench/peer_alerta.sh` (Alerta 9.1 under gunicorn) on the same PostgreSQL, the same wrk load.
c. The same intake process, open loop at 500 requests/s (bench.loadgen fixed-rate, its own process):
   reports, then webhooks; latency from each request's scheduled time.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from bench import loadgen
from bench.cpu import measuring, profile
from bench.scenarios.common import (
    REPO_ROOT,
    Context,
    Service,
    base_env,
    cpu_components,
    last_json_line,
    log,
    migrated_database,
    pg_value,
    run_process,
    wait_outbox_drained,
)

UNLIMITED = "100000000"
INTAKE_RATE = 1_500  # issue 10's target: the CPU profile says how many cores it takes at this cost


def accepted(result: dict[str, Any]) -> int:
    return sum(n for status, n in result.get("status_counts", {}).items() if 200 <= int(status) <= 299)


async def step(results: dict[str, Any], name: str, job: Callable[[], Awaitable[dict[str, Any]]]) -> None:
    """One measurement; a failure is recorded under its name and the next one still runs."""
    log(f"intake: {name}")
    try:
        results[name] = await job()
    except Exception as exc:  # noqa: BLE001 - recorded in the table, the run goes on
        traceback.print_exc(file=sys.stderr)
        results[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    secret = secrets.token_hex(32)
    results: dict[str, Any] = {
        "workers": ctx.cores,
        "connections": plan.wrk_connections,
        "wrk_seconds": plan.wrk_seconds,
        "fixed_rate": plan.fixed_rate,
        "fixed_seconds": plan.fixed_seconds,
    }
    async with migrated_database("bench_intake", "intake") as url:
        env = {
            **base_env(ctx),
            "INTAKE_DATABASE_URL": url,
            "INTAKE_WEBHOOK_SECRET_GENERIC": secret,
            "INTAKE_REPORTS_PER_MINUTE": UNLIMITED,
            "INTAKE_WEBHOOKS_PER_MINUTE": UNLIMITED,
        }
        intake = Service("intake", env, ctx.workdir / "logs", workers=ctx.cores)
        try:
            await intake.start()
            results["processes"] = intake.memory()["processes"]

            async def reports_count() -> int:
                return int(await pg_value(url, "SELECT count(*) FROM reports"))

            async def measured(load: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
                """Run a load with the outbox drained before and after; count the rows it added."""
                await wait_outbox_drained(url, plan.drain_timeout)
                before = await reports_count()
                async with measuring(cpu_components(ctx, {"intake": intake})) as meter:
                    result = await load()
                intake.check_alive()
                result["rows_added"] = await reports_count() - before
                result["accepted"] = accepted(result)
                result["cpu"] = profile(meter.result(), result["accepted"], INTAKE_RATE)
                result["outbox_drain_s"] = await wait_outbox_drained(url, plan.drain_timeout)
                return result

            def wrk(script: str, connections: int, seconds: float) -> Awaitable[dict[str, Any]]:
                return asyncio.to_thread(loadgen.run_wrk, intake.url, script, connections, seconds)

            connections, seconds = plan.wrk_connections, plan.wrk_seconds
            await wrk("report", connections, plan.warmup_seconds)  # connections, caches, the relay's producer
            await step(results, "reports_wrk", lambda: measured(lambda: wrk("report", connections, seconds)))
            await step(
                results,
                "webhooks_wrk",
                lambda: measured(
                    lambda: asyncio.to_thread(loadgen.run_wrk_webhooks, intake.url, secret, connections, seconds)
                ),
            )
            for kind, name in (("report", "reports_fixed"), ("webhook", "webhooks_fixed")):
                await step(results, name, lambda kind=kind: measured(lambda: fixed_rate(ctx, intake.url, kind, secret)))
        finally:
            intake.stop()
    return results


async def fixed_rate(ctx: Context, url: str, kind: str, secret: str) -> dict[str, Any]:
    """bench.loadgen fixed-rate as its own process (the client gets its own core and event loop)."""
    plan = ctx.plan
    command = [sys.executable, "-m", "bench.loadgen", "fixed-rate", "--url", url, "--kind", kind]
    command += ["--rate", str(plan.fixed_rate), "-d", str(plan.fixed_seconds)]
    out = await run_process(
        command,
        env={"INTAKE_WEBHOOK_SECRET_GENERIC": secret},
        limit_s=plan.fixed_seconds + 120,
        log_path=ctx.workdir / "logs" / f"fixed-{kind}.log",
    )
    return last_json_line(out)  # type: ignore[no-any-return]


async def run_peer(ctx: Context) -> dict[str, Any]:
    """bench/peer_alerta.sh: Alerta on the same PostgreSQL, wrk with the same connections, threads and time."""
    plan = ctx.plan
    threads = max(1, min(plan.wrk_connections, os.cpu_count() or 2))  # as loadgen.run_wrk picks them
    env = {
        "PEER_DATABASE_URL": ctx.database_url,
        "BENCH_SECONDS": str(round(plan.wrk_seconds)),
        "PEER_CONNECTIONS": str(plan.wrk_connections),
        "PEER_THREADS": str(threads),
        "PEER_WARMUP_SECONDS": str(round(plan.warmup_seconds)),
    }
    out = await run_process(
        ["bash", str(REPO_ROOT / "bench" / "peer_alerta.sh")],
        env=env,
        limit_s=900 + plan.wrk_seconds,  # the first run installs Alerta into var/bench/alerta-venv
        log_path=ctx.workdir / "logs" / "peer_alerta.log",
    )
    result = last_json_line(out)
    result["accepted"] = accepted(result)
    return result  # type: ignore[no-any-return]
