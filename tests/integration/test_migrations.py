"""Migrations from empty, up and down, on SQLite and PostgreSQL, matching the models exactly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.pool import NullPool

from pidesk.migrations import runner
from pidesk.shared.db.engine import create_engine
from tests.support.infra import fresh_postgres_database

SERVICES = runner.SERVICES


async def tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        names = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def drift(url: str, service: runner.Service) -> list[object]:
    engine = create_engine(url, poolclass=NullPool)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": False}), runner.metadata_of(service)
            )
        )
    await engine.dispose()
    return diff


async def check_round_trip(url: str, service: runner.Service) -> None:
    assert await tables(url) == set()
    await runner.upgrade(url, service)
    assert await runner.current_revision(url) == runner.head_revision(service)
    assert await tables(url) == set(runner.metadata_of(service).tables)
    assert await drift(url, service) == [], "the migrations and the models disagree"
    await runner.downgrade(url, service, "base")
    assert await tables(url) == set()
    await runner.upgrade(url, service)
    assert await runner.current_revision(url) == runner.head_revision(service)


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_from_empty_on_sqlite(service: runner.Service, tmp_path: Path) -> None:
    await check_round_trip(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", service)


@pytest.mark.parametrize("service", SERVICES)
async def test_migrations_from_empty_on_postgresql(service: runner.Service) -> None:
    async with fresh_postgres_database("migr") as url:
        await check_round_trip(url, service)


async def test_sign_in_codes_already_in_the_audit_log_are_redacted_by_the_upgrade() -> None:
    async with fresh_postgres_database("migr") as url:
        await runner.upgrade(url, "escalation", "d17b3c9e5a14")
        engine = create_engine(url, poolclass=NullPool)
        callback = "/desk/login/oidc/callback?code=one-time-secret&state=s-42"
        async with engine.begin() as connection:
            for path in (callback, "/desk/stats/summary.csv?fy=2025", "/v1/incidents"):
                await connection.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, method, path, status, client)"
                        " VALUES (now(), 'oidc:alice', 'GET', :path, 200, '127.0.0.1')"
                    ),
                    {"path": path},
                )
        await runner.upgrade(url, "escalation")
        async with engine.connect() as connection:
            paths = (await connection.execute(text("SELECT path FROM audit_log ORDER BY id"))).scalars().all()
        await engine.dispose()
    assert paths == [
        "/desk/login/oidc/callback?code=[redacted]&state=[redacted]",
        "/desk/stats/summary.csv?fy=2025",
        "/v1/incidents",
    ]
