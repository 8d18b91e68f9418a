"""What intake's entry points are handed: settings, the cipher, a unit-of-work factory, the webhook
sources and the form's CSRF protector. bootstrap.py builds one per app and keeps it on `app.state`."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.services.intake.adapters.cipher import FieldCipher
from pidesk.services.intake.adapters.references import CaseNumbers, ReferenceNumbers
from pidesk.services.intake.adapters.repository import IntakeUnitOfWork
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.intake.service.alerts import AlertReporter
from pidesk.services.intake.service.correlation import AlertCorrelator
from pidesk.services.intake.service.report_batches import ReportBatcher
from pidesk.services.intake.webhooks.model import WebhookSource
from pidesk.shared.http.csrf import CsrfProtector
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
    case_numbers: CaseNumbers  # government requests' and complaints' (issue 17)
    csrf: CsrfProtector  # the report form's tokens
    sources: Mapping[str, WebhookSource]  # the webhook sources by the name in their URL
    batcher: ReportBatcher | None = None  # group commit of new reports (None: one transaction each)
    correlator: AlertCorrelator | None = None  # webhook alerts into their groups' incidents (None: no grouping)

    def uow(self) -> IntakeUnitOfWork:
        return IntakeUnitOfWork(self.sessions, self.numbers, after_commit=self.relay.wake)

    @cached_property
    def reporter(self) -> AlertReporter:
        """Who stands as reporter of a webhook incident: built once, not on every delivery."""
        settings = self.settings
        return AlertReporter(
            email=settings.webhook_reporter_email,
            division=settings.webhook_division,
            entity=settings.webhook_entity,
            entity_country=settings.webhook_entity_country,
        )

    def status_url(self, incident_id: uuid.UUID) -> str:
        """Where the reporter reads the state of a report (GET /v1/reports/{incident_id})."""
        return f"{self.settings.public_url.rstrip('/')}/v1/reports/{incident_id}"
