"""Pooled PostgreSQL connections on the real server: what happens when the server closes one.

A connection idle for a while is pinged before use and replaced if dead; one used a moment ago is
trusted (no ping: three round trips on every transaction), so its death costs one failed statement,
which an HTTP caller sees as 503 `unavailable` with Retry-After, and the next request works.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pidesk.shared.db import engine as engines
from pidesk.shared.http.errors import install_error_handlers
from tests.support.infra import fresh_postgres_database


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    async with fresh_postgres_database("pool") as url:
        made = engines.create_engine(url, pool_size=1, max_overflow=0)
        yield made
        await made.dispose()


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def terminate(engine: AsyncEngine, pid: int) -> None:
    """Close `pid`'s connection from the server side, as a restart would (on a connection of its own)."""
    other = engines.create_engine(engine.url.render_as_string(hide_password=False), poolclass=None)
    try:
        async with other.connect() as connection:
            assert (await connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})).scalar_one()
    finally:
        await other.dispose()


async def test_an_idle_connection_the_server_closed_is_replaced_before_use(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await backend_pid(engine)
    await terminate(engine, first)
    monkeypatch.setattr(engines, "IDLE_PING_SECONDS", 0.0)  # the pooled connection counts as idle
    assert await backend_pid(engine) != first  # no error: pinged, found dead, replaced


async def test_a_connection_closed_just_after_use_fails_once_as_503_then_the_pool_recovers(
    engine: AsyncEngine,
) -> None:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/pid")
    async def pid() -> dict[str, int]:
        return {"pid": await backend_pid(engine)}

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        first = (await client.get("/pid")).json()["pid"]
        await terminate(engine, first)
        failed = await client.get("/pid")
        assert failed.status_code == 503, failed.text
        assert failed.headers["retry-after"] == "2"
        assert failed.json()["error"]["code"] == "unavailable"
        again = await client.get("/pid")
        assert again.status_code == 200 and again.json()["pid"] != first
