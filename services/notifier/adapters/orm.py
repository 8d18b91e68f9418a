"""Notifier's tables: outbox and processed events (notices arrive with the notifier issue)."""

from __future__ import annotations

from pidesk.shared.db.base import ServiceBase, new_metadata
from pidesk.shared.messaging.records import OutboxMessageMixin, ProcessedEventMixin


class NotifierBase(ServiceBase):
    __abstract__ = True
    metadata = new_metadata()


class OutboxMessage(OutboxMessageMixin, NotifierBase):
    __tablename__ = "outbox"


class ProcessedEvent(ProcessedEventMixin, NotifierBase):
    __tablename__ = "processed_events"
