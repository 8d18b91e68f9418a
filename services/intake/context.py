"""What intake's entry points are handed: settings, the cipher and a unit-of-work factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.references import ReferenceNumbers
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.intake.service.correlation import AlertCorrelator
from pidesk.services.intake.service.report_batches import ReportBatcher
from pidesk.shared.http.ratelimit import ClientRateLimiter
from pidesk.shared.messaging.relay import OutboxRelay


@dataclass
class IntakeContext:
    settings: IntakeSettings
    sessions: async_sessionmaker[AsyncSession]
    cipher: FieldCipher
    relay: OutboxRelay
    report_rate: ClientRateLimiter
    webhook_rate: ClientRateLimiter
    numbers: ReferenceNumbers
    batcher: ReportBatcher | None = None  # group commit of new reports (None: one transaction each)
    correlator: AlertCorrelator | None = None  # webhook alerts into their groups' incidents (None: no grouping)

    def uow(self) -> IntakeUnitOfWork:
        return IntakeUnitOfWork(self.sessions, self.numbers, after_commit=self.relay.wake)
