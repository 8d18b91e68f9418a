"""What the notifier's HTTP entry points are handed: sessions, the recipient cipher and a unit-of-work factory."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.adapters.repository import NotifierUnitOfWork
from pidesk.shared.messaging.relay import OutboxRelay


@dataclass
class NotifierContext:
    sessions: async_sessionmaker[AsyncSession]
    people: RecipientCipher  # opens recipients' addresses and names for the desk's readers
    relay: OutboxRelay
    public_url: str  # the Atom feed's links: the configured address, never the Host header

    def uow(self) -> NotifierUnitOfWork:
        """A committed edit wakes the relay: its notice.drafted.v1 goes out at once."""
        return NotifierUnitOfWork(self.sessions, after_commit=self.relay.wake)
