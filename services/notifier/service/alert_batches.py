"""A consumer batch of escalation requests: the internal alerts of many incidents recorded at once.

The common case — alerts not seen before — is written with one multi-row INSERT of notices and one
of deliveries for the whole batch (each notice's total counted first: a person listed twice is one
delivery). An event any of whose alerts already exists (a redelivery under a new event id, a second
request for the same step) goes through `record_alert` one at a time, after the batch, so every rule
of the single path (completion, counts) applies to it unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.orm import Delivery, Notice
from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.domain.pacing import Pacing
from pidesk.services.notifier.service.alerts import (
    DEFAULT_PACING,
    PlannedAlert,
    new_alert_notice,
    plan_alerts,
    record_alert,
)
from pidesk.services.notifier.service.issuing import recipient_rows
from pidesk.shared.db.bulk import row_of, table_of
from pidesk.shared.events import EscalationRequested


async def record_alerts(
    session: AsyncSession,
    requests: Sequence[tuple[uuid.UUID, EscalationRequested]],
    desk_url: str,
    mail_domain: str,
    pacing: Pacing = DEFAULT_PACING,
    *,
    people: RecipientCipher,
) -> None:
    planned = [
        (incident_id, event, plan_alerts(incident_id, event, desk_url, pacing)) for incident_id, event in requests
    ]
    wanted = {alert.notice_id for _, _, alerts in planned for alert in alerts}
    known = set((await session.scalars(select(Notice.id).where(Notice.id.in_(wanted)))).all()) if wanted else set()
    fresh: list[tuple[uuid.UUID, EscalationRequested, list[PlannedAlert]]] = []
    later: list[tuple[uuid.UUID, EscalationRequested]] = []
    for incident_id, event, alerts in planned:
        if any(alert.notice_id in known for alert in alerts):
            later.append((incident_id, event))
        else:
            known.update(alert.notice_id for alert in alerts)  # a repeat within the batch goes later too
            fresh.append((incident_id, event, alerts))
    notices, deliveries = [], []
    for incident_id, event, alerts in fresh:
        for alert in alerts:
            notice = new_alert_notice(incident_id, event, alert)
            now = event.requested_at
            rows = recipient_rows(
                notice.id, alert.people, "email", now, mail_domain, alert.priority, people, alert.mailing
            )
            rows += recipient_rows(notice.id, alert.chats, "chat", now, mail_domain, alert.priority, people)
            # a person listed twice is one delivery; a new notice has no row yet, so its total is known here
            unique = list({(row["channel"], row["address"]): row for row in reversed(rows)}.values())[::-1]
            notice.total = len(unique)
            notices.append(row_of(notice)[1])
            deliveries += unique
    if notices:
        await session.execute(table_of(Notice).insert(), notices)
    if deliveries:
        await session.execute(table_of(Delivery).insert(), deliveries)
    for incident_id, event in later:
        await record_alert(session, incident_id, event, desk_url, mail_domain, pacing, people=people)
