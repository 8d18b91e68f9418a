"""The real notifier beside a desk under test: its HTTP API served by uvicorn on a migrated PostgreSQL database
of its own, fed the desk's incidents through its own event handlers, its events handed to the desk's handlers.

Kafka is what carries events between the two services; here they are carried in the test's own order, each
to the handler its consumer would call, so that the notifier the desk asks has drafted what the test needs."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import OutboxMessage as DeskOutbox
from pidesk.services.escalation.entrypoints.kafka_handlers import kafka_handlers as desk_handlers
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.adapters.orm import OutboxMessage as NotifierOutbox
from pidesk.services.notifier.bootstrap import build_app
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.domain.approval import covers_every_language, hash_of
from pidesk.services.notifier.entrypoints.kafka_handlers import kafka_handlers as notifier_handlers
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.services.notifier.service.drafting import notice_id
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, IncidentAssessed, IncidentReported, ObligationRef, parse_payload
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.support.mail import MailSink
from tests.support.served import Served, served

# the duty that makes the notifier draft a notice of each kind the desk approves, and that notice's variant
DUTY = {"data_subject": "appi.notify_individuals", "public": "appi.public_announcement"}
VARIANT = {"data_subject": "subjects", "public": "public"}


class NotifierOfTheDesk:
    def __init__(
        self, url: str, desk_url: str, settings: NotifierSettings, server: Served, rules: RoutingRules
    ) -> None:
        self.server, self.url, self.settings = server, server.url, settings
        self.engine, self.desk_engine = create_engine(url), create_engine(desk_url)
        self.sessions, self.desk_sessions = session_factory(self.engine), session_factory(self.desk_engine)
        self.own_handlers, self.desk_handlers = notifier_handlers(settings), desk_handlers(rules)
        self.duties: dict[uuid.UUID, set[str]] = {}
        self.assessments = 0  # versions rise across incidents: each incident's still rise
        self.carried = {"desk": 0, "notifier": 0}  # the last outbox id carried from each
        self.exits = AsyncExitStack()

    async def draft(self, incident_id: uuid.UUID, reported: IncidentReported, kind: str, *, current: bool) -> uuid.UUID:
        """The Japanese notice of `kind` the notifier drafts for the incident, known to the desk by the notifier's
        own events. Not `current`: drafted, then no longer called for by a new assessment."""
        if incident_id not in self.duties:
            self.duties[incident_id] = set()
            await self._handle(reported.envelope(incident_id=incident_id, producer="intake"))
        duties = self.duties[incident_id]
        if DUTY[kind] not in duties:
            duties.add(DUTY[kind])
            await self._assess(incident_id, reported.reference, duties)
        if not current:
            duties.discard(DUTY[kind])
            await self._assess(incident_id, reported.reference, duties)
        await self.carry_to_desk()
        return notice_id(incident_id, kind, VARIANT[kind], "ja")

    async def alert(self, incident_id: uuid.UUID) -> uuid.UUID:
        """The internal alert the notifier sends for the desk's first routing of the incident, delivered (to a
        real SMTP server) and known to the desk by the notifier's notice.issued event."""
        async with self.desk_sessions() as session:
            rows = (await session.scalars(select(DeskOutbox).where(DeskOutbox.id > self.carried["desk"]))).all()
        for row in rows:
            self.carried["desk"] = row.id
            envelope = Envelope.from_bytes(row.value.encode())
            if envelope.topic == topics.ESCALATION_REQUESTED and envelope.incident_id == incident_id:
                await self._handle(envelope)
        sink = self.exits.enter_context(MailSink())
        delivery = DeliveryService(
            self.engine, self.sessions, self.settings.model_copy(update={"smtp_port": sink.port})
        )
        for _ in range(50):
            await delivery.deliver_due(200)
            async with self.sessions() as session:
                statement = select(Notice).where(Notice.incident_id == incident_id, Notice.kind == "internal")
                alerts = (await session.scalars(statement)).all()
            if alerts and all(a.status == "sent" for a in alerts):
                break
            await asyncio.sleep(0.1)
        await self.carry_to_desk()
        assert alerts, "the desk's routing raised no internal alert"
        return alerts[0].id

    async def carry_to_desk(self) -> None:
        """The notifier's events since the last call, each to the desk's handler for its topic."""
        async with self.sessions() as session:
            statement = select(NotifierOutbox).where(NotifierOutbox.id > self.carried["notifier"])
            rows = (await session.scalars(statement.order_by(NotifierOutbox.id))).all()
        for row in rows:
            self.carried["notifier"] = row.id
            envelope = Envelope.from_bytes(row.value.encode())
            if handler := self.desk_handlers.get(envelope.topic):
                async with self.desk_sessions() as session, session.begin():
                    await handler(session, envelope, parse_payload(envelope))

    async def covers(self, notice: uuid.UUID) -> dict[str, str]:
        """The hashes of the wording an approval of `notice` approves, read from the notifier's own drafts."""
        async with self.sessions() as session:
            approved = await session.get(Notice, notice)
            assert approved is not None
            statement = select(Notice).where(
                Notice.incident_id == approved.incident_id,
                Notice.kind == approved.kind,
                Notice.variant == approved.variant,
            )
            drafts = (await session.scalars(statement)).all()
        return {n.language: hash_of(n) for n in drafts if n.id == notice or covers_every_language(n.kind)}

    async def stops(self) -> None:
        """The notifier goes down: its URL is a closed port from now on."""
        await asyncio.to_thread(self.server.stop)

    async def _assess(self, incident_id: uuid.UUID, reference: str, duties: Iterable[str]) -> None:
        self.assessments += 1
        version = self.assessments
        now = datetime.now(UTC)
        obligations = [
            ObligationRef(code=code, due_at=now + timedelta(days=3), status="pending", basis="APPI Art. 26(2)")
            for code in sorted(duties)
        ]
        assessed = IncidentAssessed(
            reference=reference,
            version=version,
            reason="reported" if version == 1 else "facts_added",
            risk_level="high",
            severity_score=3.5,
            enisa={"dpc": 3, "ei": 1.0, "cb": 0.5},
            legal_triggers=["appi.financial_misuse"],
            obligations=obligations,
            assessed_at=now,
        )
        await self._handle(assessed.envelope(incident_id=incident_id, producer="escalation"))

    async def _handle(self, envelope: Envelope) -> None:
        async with self.sessions() as session, session.begin():
            await self.own_handlers[envelope.topic](session, envelope, parse_payload(envelope))

    async def close(self) -> None:
        await self.exits.aclose()
        await self.engine.dispose()
        await self.desk_engine.dispose()


@asynccontextmanager
async def notifier_of_the_desk(
    tmp_path: Path, desk_url: str, token_secret: str, rules: RoutingRules
) -> AsyncIterator[NotifierOfTheDesk]:
    """The notifier on a fresh, migrated database, served at `.url` for the desk's ESCALATION_NOTIFIER_URL."""
    async with fresh_postgres_database("desk_notifier") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test",
            var_dir=tmp_path / "notifier",
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            NOTIFIER_DATABASE_URL=url,
            token_secret=token_secret,
        )
        with served(build_app(settings)) as server:
            notifier = NotifierOfTheDesk(url, desk_url, settings, server, rules)
            try:
                yield notifier
            finally:
                await notifier.close()
