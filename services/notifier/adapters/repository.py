"""Notifier persistence for the notices API: notices and their deliveries. Never commits (the unit of work does)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.orm import Delivery, Notice, OutboxMessage
from pidesk.services.notifier.domain.approval import covers_every_language
from pidesk.services.notifier.domain.plan import PUBLIC
from pidesk.shared.db.uow import UnitOfWork
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import add_to_outbox
from pidesk.shared.vocabulary import DeliveryStatus, NoticeStatus

PUBLISHED_SHOWN = 200  # the public page and its feed show the newest ones only


class NoticeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, notice_id: uuid.UUID) -> Notice | None:
        return await self.session.get(Notice, notice_id)

    async def locked(self, notice_id: uuid.UUID) -> Notice | None:
        """The notice row-locked on PostgreSQL: an edit, a re-draft and an approval of it take turns."""
        return await self.session.get(Notice, notice_id, with_for_update=True)

    async def listing(
        self, *, incident_id: uuid.UUID | None, kind: str | None, status: str | None, limit: int
    ) -> list[Notice]:
        """Newest first; each filter only when given."""
        statement = select(Notice).order_by(Notice.created_at.desc(), Notice.id).limit(limit)
        if incident_id:
            statement = statement.where(Notice.incident_id == incident_id)
        if kind:
            statement = statement.where(Notice.kind == kind)
        if status:
            statement = statement.where(Notice.status == status)
        return list((await self.session.scalars(statement)).all())

    async def covered_by_approval(self, notice: Notice) -> list[Notice]:
        """The language drafts an approval of `notice` covers, read without a lock (what the desk is shown)."""
        statement = select(Notice).where(Notice.id == notice.id)
        if covers_every_language(notice.kind):
            statement = select(Notice).where(
                Notice.incident_id == notice.incident_id, Notice.kind == notice.kind, Notice.variant == notice.variant
            )
        return list((await self.session.scalars(statement.order_by(Notice.id))).all())

    async def published(self, limit: int = PUBLISHED_SHOWN) -> list[Notice]:
        """Public notices issued, newest first."""
        statement = (
            select(Notice)
            .where(Notice.kind == PUBLIC, Notice.status == NoticeStatus.SENT)
            .order_by(Notice.issued_at.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(statement)).all())

    def publish(self, envelope: Envelope) -> None:
        add_to_outbox(self.session, OutboxMessage, envelope)


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def held_counts(self, notice_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
        """Per notice, its recipients whose alert waits (pending with a `hold`); notices with none left out."""
        if not notice_ids:
            return {}
        statement = (
            select(Delivery.notice_id, func.count())
            .where(
                Delivery.notice_id.in_(notice_ids),
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.hold.is_not(None),
            )
            .group_by(Delivery.notice_id)
        )
        return {notice_id: count for notice_id, count in (await self.session.execute(statement)).all()}

    async def page(self, notice_id: uuid.UUID, *, status: str | None, after: int, limit: int) -> list[Delivery]:
        """A notice's recipients with an id above `after`, in id order (keyset paging)."""
        statement = (
            select(Delivery)
            .where(Delivery.notice_id == notice_id, Delivery.id > after)
            .order_by(Delivery.id)
            .limit(limit)
        )
        if status:
            statement = statement.where(Delivery.status == status)
        return list((await self.session.scalars(statement)).all())


class NotifierUnitOfWork(UnitOfWork):
    """The unit of work of the notices API's use cases: `uow.notices` and `uow.deliveries` on its session."""

    async def __aenter__(self) -> NotifierUnitOfWork:
        await super().__aenter__()
        return self

    @property
    def notices(self) -> NoticeRepository:
        return NoticeRepository(self.session)

    @property
    def deliveries(self) -> DeliveryRepository:
        return DeliveryRepository(self.session)
