"""Escalation's unit of work: one transaction, and the repositories a use case talks to, by name."""

from __future__ import annotations

from pidesk.services.escalation.adapters.accounts import DeskAccounts
from pidesk.services.escalation.adapters.cases import CaseRepository
from pidesk.services.escalation.adapters.desk_snoozes import DeskSnoozes
from pidesk.services.escalation.adapters.ledger import LedgerRepository
from pidesk.services.escalation.adapters.notices import NoticeRepository
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.adapters.tokens import RevokedTokens
from pidesk.shared.db.uow import UnitOfWork


class EscalationUnitOfWork(UnitOfWork):
    """The repositories are thin views of the transaction's session, so each is made when asked for:
    whatever one stages, the others (and the commit) see."""

    @property
    def incidents(self) -> IncidentRepository:
        return IncidentRepository(self.session)

    @property
    def notices(self) -> NoticeRepository:
        return NoticeRepository(self.session)

    @property
    def snoozes(self) -> DeskSnoozes:
        return DeskSnoozes(self.session)

    @property
    def tokens(self) -> RevokedTokens:
        return RevokedTokens(self.session)

    @property
    def accounts(self) -> DeskAccounts:
        return DeskAccounts(self.session)

    @property
    def ledger(self) -> LedgerRepository:
        return LedgerRepository(self.session)

    @property
    def cases(self) -> CaseRepository:
        """Government requests and privacy complaints (issue 17)."""
        return CaseRepository(self.session)
