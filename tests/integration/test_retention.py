"""Retention on PostgreSQL: published outbox rows and processed-events records past it are deleted;
unpublished rows and recent records stay, whatever their age."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select, update

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import OutboxMessage, ProcessedEvent
from pidesk.shared.db.base import utcnow
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.messaging.retention import RetentionPruner
from tests.support.infra import fresh_postgres_database


async def test_old_published_rows_and_records_are_pruned_in_chunks() -> None:
    now = utcnow()
    async with fresh_postgres_database("retention") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            for n in range(30):
                age = timedelta(days=20 if n < 20 else 1)
                published = now - age if n % 5 else None  # every fifth row never made it to the broker
                session.add(
                    OutboxMessage(
                        event_id=uuid.uuid4(),
                        topic="t",
                        message_key="k",
                        value="{}",
                        created_at=now - age,
                        published_at=published,
                    )
                )
                session.add(
                    ProcessedEvent(consumer="escalation", event_id=uuid.uuid4(), topic="t", processed_at=now - age)
                )
        pruner = RetentionPruner(
            sessions, OutboxMessage, ProcessedEvent, retention=timedelta(days=14), chunk=7
        )  # several rounds
        assert await pruner.prune() == (16, 20)
        async with sessions() as session:
            left = (await session.execute(select(OutboxMessage.published_at))).scalars().all()
            assert len(left) == 14 and sum(p is None for p in left) == 6  # unpublished rows are never pruned
            assert await session.scalar(select(func.count()).select_from(ProcessedEvent)) == 10
        async with sessions() as session, session.begin():  # once published and old, they go too
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.published_at.is_(None))
                .values(published_at=now - timedelta(days=30))
            )
        assert await pruner.prune() == (6, 0)
        await engine.dispose()
