"""Approval, delivery bookkeeping and issue: recipients recorded once, counts kept, notice.issued.v1 once done."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.mail import message_id_for
from pidesk.services.notifier.adapters.orm import Delivery, Notice, OutboxMessage
from pidesk.services.notifier.adapters.people import RecipientCipher, normalised
from pidesk.services.notifier.domain.approval import covers_every_language, hash_of, mismatch
from pidesk.services.notifier.domain.pacing import AlertMailing
from pidesk.services.notifier.domain.plan import DATA_SUBJECT, INTERNAL
from pidesk.services.notifier.domain.priority import NOTICE_PRIORITY
from pidesk.shared.db.bulk import table_of
from pidesk.shared.db.engine import conflict_insert
from pidesk.shared.events import NoticeIssued, NoticeRequested, RecipientCounts
from pidesk.shared.messaging.records import add_to_outbox
from pidesk.shared.vocabulary import DeliveryChannel, DeliveryStatus, NoticeStatus

PRODUCER = "notifier"
PENDING, SENDING, SENT, FAILED, UNCONFIRMED = (
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.SENT,
    DeliveryStatus.FAILED,
    DeliveryStatus.UNCONFIRMED,
)
OPEN = (PENDING, SENDING)


class NoticeRefused(LookupError):
    """The approval names a notice this notifier did not draft, or one that cannot be approved."""


async def locked_notice(session: AsyncSession, notice_id: uuid.UUID) -> Notice | None:
    """The notice, row-locked on PostgreSQL so approvals and completions of one notice take turns."""
    statement = select(Notice).where(Notice.id == notice_id).with_for_update().execution_options(populate_existing=True)
    return (await session.scalars(statement)).first()


async def approve(
    session: AsyncSession, incident_id: uuid.UUID, event: NoticeRequested, mail_domain: str, *, people: RecipientCipher
) -> None:
    """Record one batch of an approval: the notice approved, its recipients each recorded once; the language
    drafts it covers locked at the approved wording. An approval of another wording than the notifier's is
    refused visibly (the notice failed, with its reason, and notice.issued.v1 saying so)."""
    found = await session.get(Notice, event.notice_id)
    if found is None or found.incident_id != incident_id:
        raise NoticeRefused(f"notice {event.notice_id} of incident {incident_id} was not drafted here")
    if found.kind == INTERNAL:
        raise NoticeRefused(f"notice {found.id} is an internal alert: it needs no approval")
    covered = await covered_drafts(session, found)
    notice = next(n for n in covered if n.id == found.id)
    key = event.approved_at.isoformat()
    if event.wording_hashes is not None:
        wrong = mismatch({n.language: hash_of(n) for n in covered}, event.wording_hashes)
        if wrong:
            refuse(session, notice, incident_id, event, wrong)
            return
    for draft in covered:  # locked: neither edited nor re-drafted from now on (drafting.py)
        draft.approved_wording = draft.approved_wording or hash_of(draft)
    notice.failed_reason = None
    approvals = dict(notice.approvals)
    seen = set(approvals.get(key, {}).get("seen", []))
    seen.add(event.batch)
    approvals[key] = {"by": event.approved_by, "batches": event.batches, "seen": sorted(seen)}
    notice.approvals = approvals
    if notice.approved_at is None:
        notice.approved_at, notice.approved_by = event.approved_at, event.approved_by
    notice.current = True
    if notice.kind == DATA_SUBJECT:
        added = await add_recipients(
            session,
            notice,
            [(r.email, r.name, r.language) for r in event.recipients],
            channel="email",
            now=event.approved_at,
            mail_domain=mail_domain,
            priority=NOTICE_PRIORITY,
            people=people,
        )
        notice.total += added
        if notice.total > notice.sent + notice.failed + notice.unconfirmed:
            notice.status = NoticeStatus.SENDING
        elif notice.status == NoticeStatus.DRAFTED:
            notice.status = NoticeStatus.APPROVED
        await complete_if_done(session, notice, incident_id, event.approved_at)
    elif notice.status != NoticeStatus.SENT:  # the public notice is published, a regulator draft released, on approval
        notice.status = NoticeStatus.APPROVED
        await complete_if_done(session, notice, incident_id, event.approved_at)


async def covered_drafts(session: AsyncSession, notice: Notice, *, lock: bool = True) -> list[Notice]:
    """The language drafts an approval of `notice` covers, row-locked on PostgreSQL (`lock`) in one statement
    (in id order: two approvals of sibling drafts take turns, never deadlock)."""
    statement = select(Notice).where(Notice.id == notice.id)
    if covers_every_language(notice.kind):
        statement = select(Notice).where(
            Notice.incident_id == notice.incident_id, Notice.kind == notice.kind, Notice.variant == notice.variant
        )
    statement = statement.order_by(Notice.id)
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return list((await session.scalars(statement)).all())


def refuse(
    session: AsyncSession, notice: Notice, incident_id: uuid.UUID, event: NoticeRequested, languages: list[str]
) -> None:
    """The approval names another wording than the drafts' (changed since, or a draft it did not cover): nothing
    is sent, the notice fails with the reason and notice.issued.v1 tells the desk (once per approval)."""
    key = event.approved_at.isoformat()
    if notice.approvals.get(key, {}).get("refused"):
        return  # a later batch of the same approval
    reason = (
        "the approved wording is not the notice's: the "
        + ", ".join(languages)
        + " draft changed after the desk's approval or was not covered by it; approve again"
    )
    batches = list(range(1, event.batches + 1))  # nothing more of it is awaited
    refused = {"by": event.approved_by, "batches": event.batches, "seen": batches, "refused": reason}
    notice.approvals = {**notice.approvals, key: refused}
    if notice.status != NoticeStatus.SENDING:  # an earlier approval still delivering goes on, announced when done
        notice.status, notice.issued_at = NoticeStatus.FAILED, event.approved_at
    notice.failed_reason = reason
    _announce_issued(session, notice, incident_id, event.approved_at, reason, status=NoticeStatus.FAILED)


async def add_recipients(
    session: AsyncSession,
    notice: Notice,
    recipients: list[tuple[str, str, str]],
    *,
    channel: str,
    now: datetime,
    mail_domain: str,
    priority: int,
    people: RecipientCipher,
    mailing: AlertMailing | None = None,
) -> int:
    """Insert the (notice, channel, address) rows not already there, to be sent in `priority` order (lower
    first); returns how many were new."""
    rows = recipient_rows(notice.id, recipients, channel, now, mail_domain, priority, people, mailing)
    if not rows:
        return 0
    statement = (  # one statement whatever the count (batched by SQLAlchemy), compiled once
        conflict_insert(session, table_of(Delivery))
        .on_conflict_do_nothing(index_elements=["notice_id", "channel", "address"])
        .returning(table_of(Delivery).c.id)
    )
    return len((await session.execute(statement, rows)).all())


def recipient_rows(
    notice_id: uuid.UUID,
    recipients: list[tuple[str, str, str]],
    channel: str,
    now: datetime,
    mail_domain: str,
    priority: int,
    people: RecipientCipher,
    mailing: AlertMailing | None = None,
) -> list[dict[str, object]]:
    """The delivery rows of (address, name, language) recipients, address and name sealed and the address's
    blind index the row's key (adapters/people.py). An alert's mail rows (`mailing`) also carry how they are
    paced; every row has every column (one multi-row insert)."""
    rows: list[dict[str, object]] = []
    for address, name, language in recipients:
        clear = normalised(channel, address)
        index = people.blind_index(channel, clear)
        key = f"{notice_id}.{uuid.uuid5(notice_id, index)}"  # from the index: no unkeyed hash of the address
        row: dict[str, object] = {
            "notice_id": notice_id,
            "channel": channel,
            "address": index,
            "address_sealed": people.seal_address(clear, notice_id=notice_id, index=index),
            "name": people.seal_name(name, notice_id=notice_id, index=index),
            "language": language,
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "priority": priority,
            "message_id": message_id_for(key, mail_domain),
            "mail_key": None,
            "exempt": False,
            "hold": None,
            "note": None,
        }
        if mailing is not None and channel == DeliveryChannel.EMAIL:
            row |= mailing.row_values(clear, now)
        rows.append(row)
    return rows


async def complete_if_done(
    session: AsyncSession, notice: Notice, incident_id: uuid.UUID, now: datetime, open_rows: int | None = None
) -> bool:
    """Mark the notice issued and announce it when every announced batch arrived and no recipient is open
    (`open_rows`: how many are, when the caller knows; else counted here)."""
    if notice.status == NoticeStatus.DRAFTED or not notice.approvals:
        return False
    if any(len(a["seen"]) < a["batches"] for a in notice.approvals.values()):
        return False
    still_open = open_rows
    if still_open is None:
        still_open = await session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.notice_id == notice.id, Delivery.status.in_(OPEN))
        )
    if still_open:
        return False
    if (
        notice.status in (NoticeStatus.SENT, NoticeStatus.FAILED)
        and notice.issued_at is not None
        and notice.issued_at >= _last(notice)
    ):
        return False  # already announced for the latest approval
    delivered = notice.sent + notice.unconfirmed
    notice.status = NoticeStatus.FAILED if notice.total and not delivered else NoticeStatus.SENT
    notice.issued_at = now
    _announce_issued(session, notice, incident_id, now)
    return True


def _announce_issued(
    session: AsyncSession,
    notice: Notice,
    incident_id: uuid.UUID,
    now: datetime,
    reason: str | None = None,
    *,
    status: str | None = None,
) -> None:
    delivered = notice.sent + notice.unconfirmed
    event = NoticeIssued(
        notice_id=notice.id,
        reference=notice.reference,
        kind=notice.kind,
        variant=notice.variant,
        language=notice.language,
        channel=notice.channel,
        status=status or notice.status,
        recipients=RecipientCounts(
            total=notice.total, sent=delivered, failed=notice.failed, unconfirmed=notice.unconfirmed
        ),
        obligations=list(notice.obligations),
        issued_at=now,
        reason=reason,
    )
    add_to_outbox(session, OutboxMessage, event.envelope(incident_id=incident_id, producer=PRODUCER, occurred_at=now))


def _last(notice: Notice) -> datetime:
    return max(datetime.fromisoformat(key) for key in notice.approvals)
