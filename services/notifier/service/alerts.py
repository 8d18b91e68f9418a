"""Internal alerts: each routed role's people told at once, one alert per person per step.

Each escalation request is an internal notice per language, approved at once, with a delivery row per
person (and chat webhook). A person's mail rows carry how they are paced (`domain/pacing.py`): rows of
the same incident and step waiting together go as one mail, and the rate limit, the group-update window
and the daily digest hold rows back — decided as rows are claimed (`service/mailings.py`).
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.adapters.rendering import render_notice
from pidesk.services.notifier.domain.context import alert_context, covered_obligations, desk_link
from pidesk.services.notifier.domain.pacing import GROUP_UPDATE, REMINDER, AlertMailing, Pacing, alert_mailing
from pidesk.services.notifier.domain.plan import CHANNEL, INTERNAL, LANGUAGES
from pidesk.services.notifier.domain.priority import alert_priority
from pidesk.services.notifier.service.drafting import notice_id
from pidesk.services.notifier.service.issuing import add_recipients, complete_if_done, locked_notice
from pidesk.shared.events import EscalationRequested
from pidesk.shared.vocabulary import NoticeStatus

DEFAULT_PACING = Pacing()


def alert_variant(event: EscalationRequested) -> str:
    """One alert per (target, step); an obligation reminder per (target, obligations and their due times);
    a group update per (target, the growth it reports). The same event again is the same alert."""
    if event.reason == REMINDER and len(event.obligations) > 1:
        covered = ",".join(sorted(f"{o.code}@{o.due_at.isoformat()}" for o in event.obligations))
        return f"{event.target}.reminder.{_digest(covered)}"
    if event.reason == REMINDER:
        due = event.nearest_obligation.due_at.isoformat() if event.nearest_obligation else ""
        return f"{event.target}.reminder.{event.obligation_code}.{due}"[:80]
    if event.reason == GROUP_UPDATE:
        growth = event.group.model_dump_json() if event.group else ""
        return f"{event.target}.group.{_digest(f'{event.step}|{event.requested_at.isoformat()}|{growth}')}"
    return f"{event.target}.step{event.step}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:24]


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
    mailing: AlertMailing


def plan_alerts(
    incident_id: uuid.UUID, event: EscalationRequested, desk_url: str, pacing: Pacing = DEFAULT_PACING
) -> list[PlannedAlert]:
    by_language: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for person in event.recipients:
        language = person.language if person.language in LANGUAGES else "en"
        by_language[language].append((person.email, person.name, language))
    webhooks = sorted({p.chat_webhook for p in event.recipients if p.chat_webhook})
    if webhooks and not by_language:
        by_language["ja"] = []
    variant = alert_variant(event)
    link = desk_link(desk_url, incident_id, event.case)
    # before notices; riskiest, then people, first
    priority = alert_priority(event.risk_level, event.source, case=event.case)
    mailing = alert_mailing(incident_id, event, pacing)
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
            mailing=mailing,
        )
        for number, (language, people) in enumerate(sorted(by_language.items()))
    ]


def new_alert_notice(incident_id: uuid.UUID, event: EscalationRequested, alert: PlannedAlert) -> Notice:
    """The internal notice, rendered in its language and approved at once (status `sending`)."""
    now: datetime = event.requested_at
    context = alert_context(event.model_dump(mode="json"), alert.language, alert.link)
    rendered = render_notice("internal_alert", alert.language, context)
    codes = [o["code"] for o in covered_obligations(event.model_dump(mode="json"))]
    return Notice(
        id=alert.notice_id,
        incident_id=incident_id,
        reference=event.reference,
        kind=INTERNAL,
        variant=alert.variant,
        language=alert.language,
        channel=CHANNEL[INTERNAL],
        status=NoticeStatus.SENDING,
        subject=rendered.subject,
        body=rendered.body,
        obligations=codes or ([event.obligation_code] if event.obligation_code else []),
        context=context,
        approvals={now.isoformat(): {"by": "pidesk", "batches": 1, "seen": [1]}},
        approved_by="pidesk",
        approved_at=now,
        total=0,
    )


async def record_alert(
    session: AsyncSession,
    incident_id: uuid.UUID,
    event: EscalationRequested,
    desk_url: str,
    mail_domain: str,
    pacing: Pacing = DEFAULT_PACING,
    *,
    people: RecipientCipher,
) -> None:
    """An internal notice per language of the role's people, approved at once; mail and chat deliveries queued."""
    now: datetime = event.requested_at
    for alert in plan_alerts(incident_id, event, desk_url, pacing):
        notice = await locked_notice(session, alert.notice_id)
        if notice is None:
            notice = new_alert_notice(incident_id, event, alert)
            session.add(notice)
            await session.flush()
        added = await add_recipients(
            session,
            notice,
            alert.people,
            channel="email",
            now=now,
            mail_domain=mail_domain,
            priority=alert.priority,
            people=people,
            mailing=alert.mailing,
        )
        if alert.chats:
            added += await add_recipients(
                session,
                notice,
                alert.chats,
                channel="chat",
                now=now,
                mail_domain=mail_domain,
                priority=alert.priority,
                people=people,
            )
        notice.total += added
        if added:
            notice.status = NoticeStatus.SENDING
        await complete_if_done(session, notice, incident_id, now, open_rows=added or None)  # new rows: open
