"""Alembic environment: runs on the connection `pidesk.migrations.runner` hands it (SQLite or PostgreSQL)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from pidesk.shared.db.base import UTCDateTime

config = context.config


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=True,  # SQLite rebuilds tables for ALTERs it lacks
        render_item=render_item,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:  # invoked by the plain `alembic` command: make our own connection
    from pidesk.shared.db.engine import create_engine

    async def _run() -> None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "", poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.run_sync(run_on)
        await engine.dispose()

    asyncio.run(_run())
