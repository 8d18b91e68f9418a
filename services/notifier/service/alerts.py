"""Internal alerts: each routed role's people told at once, one alert per person per step."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.adapters.rendering import render_notice
from pidesk.services.notifier.domain.context import alert_context
from pidesk.services.notifier.domain.plan import CHANNEL, INTERNAL, LANGUAGES
from pidesk.services.notifier.domain.priority import alert_priority
from pidesk.services.notifier.service.drafting import notice_id
from pidesk.services.notifier.service.issuing import add_recipients, complete_if_done, locked_notice
from pidesk.shared.events import EscalationRequested


def alert_variant(event: EscalationRequested) -> str:
    """One alert per (target, step); an obligation reminder per (target, obligation, its due time)."""
    if event.reason == "obligation_reminder":
        due = event.nearest_obligation.due_at.isoformat() if event.nearest_obligation else ""
        return f"{event.target}.reminder.{event.obligation_code}.{due}"[:80]
    return f"{event.target}.step{event.step}"


@dataclass(frozen=True)
class PlannedAlert:
    """One internal notice of an escalation request: a language, its people and (first language only)
    the role's chat webhooks."""

    notice_id: uuid.UUID
    variant: str
    language: str
    link: str
    priority: int
    people: list[tuple[str, str, str]]
    chats: list[tuple[str, str, str]]


def plan_alerts(incident_id: uuid.UUID, event: EscalationRequested, desk_url: str) -> list[PlannedAlert]:
    by_language: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for person in event.recipients:
        language = person.language if person.language in LANGUAGES else "en"
        by_language[language].append((person.email, person.name, language))
    webhooks = sorted({p.chat_webhook for p in event.recipients if p.chat_webhook})
    if webhooks and not by_language:
        by_language["ja"] = []
    variant = alert_variant(event)
    link = f"{desk_url.rstrip('/')}/incidents/{incident_id}"
    priority = alert_priority(event.risk_level)  # ahead of data-subject mail, riskiest first
    return [
        PlannedAlert(
            notice_id=notice_id(incident_id, INTERNAL, variant, language),
            variant=variant,
            language=language,
            link=link,
            priority=priority,
            people=people,
            # a role's chat channel hears once, with the first language's alert
            chats=[(url, "", language) for url in webhooks] if number == 0 else [],
        )
        for number, (language, people) in enumerate(sorted(by_language.items()))
    ]


def new_alert_notice(incident_id: uuid.UUID, event: EscalationRequested, alert: PlannedAlert) -> Notice:
    """The internal notice, rendered in its language and approved at once (status `sending`)."""
    now: datetime = event.requested_at
    context = alert_context(event.model_dump(mode="json"), alert.language, alert.link)
    rendered = render_notice("internal_alert", alert.language, context)
    return Notice(
        id=alert.notice_id,
        incident_id=incident_id,
        reference=event.reference,
        kind=INTERNAL,
        variant=alert.variant,
        language=alert.language,
        channel=CHANNEL[INTERNAL],
        status="sending",
        subject=rendered.subject,
        body=rendered.body,
        obligations=[event.obligation_code] if event.obligation_code else [],
        context=context,
        approvals={now.isoformat(): {"by": "pidesk", "batches": 1, "seen": [1]}},
        approved_by="pidesk",
        approved_at=now,
        total=0,
    )


async def record_alert(
    session: AsyncSession, incident_id: uuid.UUID, event: EscalationRequested, desk_url: str, mail_domain: str
) -> None:
    """An internal notice per language of the role's people, approved at once; mail and chat deliveries queued."""
    now: datetime = event.requested_at
    for alert in plan_alerts(incident_id, event, desk_url):
        notice = await locked_notice(session, alert.notice_id)
        if notice is None:
            notice = new_alert_notice(incident_id, event, alert)
            session.add(notice)
            await session.flush()
        added = await add_recipients(
            session, notice, alert.people, channel="email", now=now, mail_domain=mail_domain, priority=alert.priority
        )
        if alert.chats:
            added += await add_recipients(
                session, notice, alert.chats, channel="chat", now=now, mail_domain=mail_domain, priority=alert.priority
            )
        notice.total += added
        if added:
            notice.status = "sending"
        await complete_if_done(session, notice, incident_id, now, open_rows=added or None)  # new rows: open
