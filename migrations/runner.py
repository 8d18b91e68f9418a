"""Programmatic Alembic: `pidesk db upgrade` and the tests call these, never a request handler."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from pidesk.shared.db.engine import create_engine

HERE = Path(__file__).resolve().parent
Service = Literal["intake", "escalation", "notifier"]
SERVICES: tuple[Service, ...] = ("intake", "escalation", "notifier")
METADATA = {
    "intake": ("pidesk.services.intake.adapters.orm", "IntakeBase"),
    "escalation": ("pidesk.services.escalation.adapters.orm", "EscalationBase"),
    "notifier": ("pidesk.services.notifier.adapters.orm", "NotifierBase"),
}


def metadata_of(service: Service) -> MetaData:
    module, base = METADATA[service]
    metadata: MetaData = getattr(importlib.import_module(module), base).metadata
    return metadata


def alembic_config(service: Service, url: str = "") -> Config:
    cfg = Config()
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("version_locations", str(HERE / "versions" / service))
    cfg.set_main_option("file_template", "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s")
    cfg.set_main_option("sqlalchemy.url", url)
    cfg.attributes["target_metadata"] = metadata_of(service)
    return cfg


async def _on_connection(url: str, service: Service, action: Callable[[Config], None]) -> None:
    """Runs an Alembic command on a connection of ours (SQLite and PostgreSQL alike)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:

            def run(sync_connection: Connection) -> None:
                cfg = alembic_config(service, url)
                cfg.attributes["connection"] = sync_connection
                action(cfg)

            await connection.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade(url: str, service: Service, revision: str = "head") -> None:
    await _on_connection(url, service, lambda cfg: command.upgrade(cfg, revision))


async def downgrade(url: str, service: Service, revision: str = "base") -> None:
    await _on_connection(url, service, lambda cfg: command.downgrade(cfg, revision))


async def current_revision(url: str) -> str | None:
    engine = create_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


def head_revision(service: Service) -> str | None:
    return ScriptDirectory.from_config(alembic_config(service)).get_current_head()


async def autogenerate(url: str, service: Service, message: str) -> None:
    """Write a new revision from the difference between the models and the database at `url`."""

    def revision(cfg: Config) -> None:
        command.revision(cfg, message=message, autogenerate=True)

    await _on_connection(url, service, revision)
