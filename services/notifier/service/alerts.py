"""Internal alerts: each routed role's people told at once, one alert per person per step."""

from __future__ import annotations

import uuid
from collections import defaultdict
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


async def record_alert(
    session: AsyncSession, incident_id: uuid.UUID, event: EscalationRequested, desk_url: str, mail_domain: str
) -> None:
    """An internal notice per language of the role's people, approved at once; mail and chat deliveries queued."""
    by_language: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for person in event.recipients:
        language = person.language if person.language in LANGUAGES else "en"
        by_language[language].append((person.email, person.name, language))
    webhooks = sorted({p.chat_webhook for p in event.recipients if p.chat_webhook})
    if webhooks and not by_language:
        by_language["ja"] = []
    variant = alert_variant(event)
    link = f"{desk_url.rstrip('/')}/incidents/{incident_id}"
    now: datetime = event.requested_at
    priority = alert_priority(event.risk_level)  # ahead of data-subject mail, riskiest first
    for number, (language, people) in enumerate(sorted(by_language.items())):
        ident = notice_id(incident_id, INTERNAL, variant, language)
        notice = await locked_notice(session, ident)
        if notice is None:
            context = alert_context(event.model_dump(mode="json"), language, link)
            rendered = render_notice("internal_alert", language, context)
            notice = Notice(
                id=ident,
                incident_id=incident_id,
                reference=event.reference,
                kind=INTERNAL,
                variant=variant,
                language=language,
                channel=CHANNEL[INTERNAL],
                status="sending",
                subject=rendered.subject,
                body=rendered.body,
                obligations=[event.obligation_code] if event.obligation_code else [],
                context=context,
                approvals={now.isoformat(): {"by": "pidesk", "batches": 1, "seen": [1]}},
                approved_by="pidesk",
                approved_at=now,
            )
            session.add(notice)
            await session.flush()
        added = await add_recipients(
            session, notice, people, channel="email", now=now, mail_domain=mail_domain, priority=priority
        )
        if number == 0 and webhooks:  # a role's chat channel hears once, with the first language's alert
            chat = [(url, "", language) for url in webhooks]
            added += await add_recipients(
                session, notice, chat, channel="chat", now=now, mail_domain=mail_domain, priority=priority
            )
        notice.total += added
        if added:
            notice.status = "sending"
        await complete_if_done(session, notice, incident_id, now, open_rows=added or None)  # new rows: open
