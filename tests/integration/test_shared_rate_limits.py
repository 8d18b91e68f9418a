"""Rate limits shared through PostgreSQL by a service's processes: each test plays two processes with
two engines (or two apps) on one database and runs their syncs by hand, so no test waits on a timer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import RateLimitCount as EscalationCounts
from pidesk.services.escalation.bootstrap import build_app as build_escalation
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.intake.adapters.orm import RateLimitCount
from pidesk.services.intake.bootstrap import build_app as build_intake
from pidesk.services.intake.config import IntakeSettings
from pidesk.shared.db.engine import create_engine
from pidesk.shared.http.errors import ApiError
from pidesk.shared.http.ratelimit import RateLimits
from pidesk.shared.http.ratestore import DatabaseSlots
from tests.support.infra import _asyncpg_dsn, free_port, fresh_postgres_database, kafka_bootstrap
from tests.unit.factories import report_body

CLIENT = "203.0.113.7"


@pytest.fixture
async def intake_db() -> AsyncIterator[str]:
    async with fresh_postgres_database("rate") as url:
        await runner.upgrade(url, "intake")
        yield url


@asynccontextmanager
async def processes(url: str, count: int = 2) -> AsyncIterator[list[RateLimits]]:
    """`count` processes' rate limits: each its own engine and instance, on one database."""
    engines = [create_engine(url) for _ in range(count)]
    try:
        yield [RateLimits(DatabaseSlots(engine, RateLimitCount)) for engine in engines]
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_client_at_its_limit_on_one_process_is_refused_on_the_other_after_a_sync(intake_db: str) -> None:
    async with processes(intake_db) as (first, second):
        on_first, on_second = first.per_minute(3), second.per_minute(3)
        for _ in range(3):
            await on_first.hit("reports", CLIENT)
        await second.per_minute(3).hit("reports", "198.51.100.1")  # the other process has its own clients
        await first.sync()
        await second.sync()
        with pytest.raises(ApiError) as refused:
            await on_second.hit("reports", CLIENT)  # counted in memory alone, this process would admit it
        assert refused.value.status == 429 and 1 <= int((refused.value.headers or {})["Retry-After"]) <= 60
        await on_second.hit("reports", "198.51.100.2")  # only that client
        with pytest.raises(ApiError):
            await on_first.hit("reports", CLIENT)


async def test_each_process_adds_its_own_admissions_and_the_sum_is_the_limit(intake_db: str) -> None:
    async with processes(intake_db, 3) as (first, second, third):
        for process in (first, second, third):
            await process.per_minute(3).hit("webhook", "github", CLIENT)
        for process in (first, second, third):
            await process.sync()
        for process in (first, second, third):
            await process.sync()  # twice: the first process reads what the last one wrote
            with pytest.raises(ApiError):
                await process.per_minute(3).hit("webhook", "github", CLIENT)
        engine = create_engine(intake_db)
        async with engine.connect() as connection:
            rows = (await connection.execute(select(RateLimitCount.instance, RateLimitCount.hits))).all()
        await engine.dispose()
        assert sorted(hits for _instance, hits in rows) == [1, 1, 1] and len({i for i, _h in rows}) == 3


async def test_slots_past_their_window_are_pruned_and_live_ones_kept(intake_db: str) -> None:
    engine = create_engine(intake_db)
    try:
        now = time.time()
        old = RateLimits(DatabaseSlots(engine, RateLimitCount), clock=lambda: now - 75)
        await old.per_minute(5).hit("reports", CLIENT)
        await old.sync()
        live = RateLimits(DatabaseSlots(engine, RateLimitCount), clock=lambda: now)
        await live.per_minute(5).hit("reports", CLIENT)
        await live.sync()
        assert live.store is not None and await live.store.prune(now) == 1
        async with engine.connect() as connection:
            assert await connection.scalar(select(func.count()).select_from(RateLimitCount)) == 1
    finally:
        await engine.dispose()


async def test_the_sync_loop_shares_the_counts_by_itself(intake_db: str) -> None:
    engine = create_engine(intake_db)
    rates = RateLimits(DatabaseSlots(engine, RateLimitCount), sync_seconds=0.05)
    await rates.per_minute(5).hit("reports", CLIENT)
    loop = asyncio.create_task(rates.run())
    try:
        async with asyncio.timeout(30):  # a condition awaited, not a time: the loop syncs every 0.05 s
            while True:
                async with engine.connect() as connection:
                    if await connection.scalar(select(func.count()).select_from(RateLimitCount)):
                        break
                await asyncio.sleep(0.05)
    finally:
        loop.cancel()
        await engine.dispose()


async def test_the_shared_counts_table_is_unlogged_on_postgresql() -> None:
    for service in ("intake", "escalation"):
        async with fresh_postgres_database("unlog") as url:
            await runner.upgrade(url, service)
            connection = await asyncpg.connect(_asyncpg_dsn(url))
            try:
                kind = await connection.fetchval(
                    "SELECT relpersistence::text FROM pg_class WHERE relname = 'rate_limit_counts'"
                )
            finally:
                await connection.close()
            assert kind == "u", service


def intake_settings(url: str, tmp_path: Path, **values: object) -> IntakeSettings:
    return IntakeSettings(
        env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(), INTAKE_DATABASE_URL=url, **values
    )


async def test_two_intake_workers_answer_429_with_retry_after_once_their_shared_limit_is_crossed(
    intake_db: str, tmp_path: Path
) -> None:
    """Two intake apps on one database, as `--workers 2` runs them (no lifespan: the syncs by hand)."""
    apps = [build_intake(intake_settings(intake_db, tmp_path, reports_per_minute=4)) for _ in range(2)]
    async with AsyncExitStack() as stack:
        first, second = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i")
            )
            for app in apps
        ]
        statuses = [
            (await client.post("/v1/reports", json=report_body())).status_code for client in (first, second) * 2
        ]
        assert statuses == [202] * 4
        for app in (*apps, *apps):
            await app.state.rate_limits.sync()
        for client in (first, second):
            limited = await client.post("/v1/reports", json=report_body())
            assert limited.status_code == 429, "each worker counted only its own two reports"
            assert limited.json()["error"]["code"] == "rate_limited"
            assert 1 <= int(limited.headers["Retry-After"]) <= 60


async def test_rate_limit_storage_memory_keeps_each_process_to_its_own_counts(intake_db: str, tmp_path: Path) -> None:
    apps = [
        build_intake(intake_settings(intake_db, tmp_path, reports_per_minute=2, rate_limit_storage="memory"))
        for _ in range(2)
    ]
    assert all(app.state.rate_limits.store is None for app in apps)
    async with AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://i")
            )
            for app in apps
        ]
        assert [(await c.post("/v1/reports", json=report_body())).status_code for c in clients] == [202, 202]
        for app in apps:
            await app.state.rate_limits.sync()
        assert [(await c.post("/v1/reports", json=report_body())).status_code for c in clients] == [202, 202]


def sync_job_of(app: FastAPI) -> bool:
    return app.state.rate_limits.run in app.state.runtime.background


async def test_two_escalation_instances_share_the_dashboard_sign_in_limit(tmp_path: Path) -> None:
    async with fresh_postgres_database("rate_esc") as url:
        await runner.upgrade(url, "escalation")
        settings = EscalationSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            ESCALATION_DATABASE_URL=url,
            token_secret="rate-limit-test-secret-0123456789abcdef",
            ESCALATION_NOTIFIER_URL=f"http://127.0.0.1:{free_port()}",
        )
        apps = [build_escalation(settings) for _ in range(2)]
        assert all(sync_job_of(app) for app in apps)  # the lifespan starts the sync loop
        async with AsyncExitStack() as stack:
            first, second = [
                await stack.enter_async_context(
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk")
                )
                for app in apps
            ]
            form = {"username": "nobody", "password": "wrong", "csrf_token": "not the token"}
            answers = [(await first.post("/desk/login", data=form)).status_code for _ in range(29)]
            answers.append((await second.post("/desk/login", data=form)).status_code)
            assert answers == [400] * 30  # the expired-form answer: counted, but no password checked
            for app in (*apps, *apps):
                await app.state.rate_limits.sync()
            refused = await second.post("/desk/login", data=form)
            assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
            engine = create_engine(url)
            async with engine.connect() as connection:
                total = await connection.scalar(select(func.sum(EscalationCounts.hits)))
            await engine.dispose()
            assert total == 30


def test_intake_starts_the_sync_loop_in_its_lifespan(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://pidesk@127.0.0.1:1/unused"  # built, never connected
    assert sync_job_of(build_intake(intake_settings(url, tmp_path)))
