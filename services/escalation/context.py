"""What escalation's entry points are handed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.escalation.adapters.notifier_client import NotifierClient
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.domain.case_policy import CasePolicy
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared.cipher import FieldCipher
from pidesk.shared.messaging.relay import OutboxRelay


@dataclass
class EscalationContext:
    settings: EscalationSettings
    sessions: async_sessionmaker[AsyncSession]
    relay: OutboxRelay
    rules: RoutingRules
    notifier: NotifierClient | None = None  # where approvals check notices the desk has not heard of yet
    case_policy: CasePolicy | None = None  # government requests and complaints (issue 17)
    case_cipher: FieldCipher | None = None  # the desk's free text on cases, sealed at rest

    @property
    def token_secret(self) -> str:
        return self.settings.token_master

    def uow(self) -> EscalationUnitOfWork:
        return EscalationUnitOfWork(self.sessions, after_commit=self.relay.wake)
