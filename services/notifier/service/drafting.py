"""Facts and assessments arrive by event; the notices they call for are drafted (and re-drafted) here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.notifier.adapters.orm import IncidentRecord, Notice, OutboxMessage
from pidesk.services.notifier.adapters.rendering import render_notice
from pidesk.services.notifier.adapters.repository import NoticeRepository
from pidesk.services.notifier.domain.context import TO_COMPLETE, Contact, notice_context
from pidesk.services.notifier.domain.plan import LANGUAGES, NoticePlan, plan_notices
from pidesk.services.notifier.service.issuing import PRODUCER
from pidesk.shared.events import Envelope, IncidentAssessed, IncidentReported, IncidentUpdated, NoticeDrafted
from pidesk.shared.messaging.records import add_to_outbox
from pidesk.shared.vocabulary import NoticeKind, NoticeStatus

DRAFTED = NoticeStatus.DRAFTED
T = TypeVar("T")
NAMESPACE = uuid.UUID("8f5c2a4e-3a0b-4c61-9d55-6b8f2f0e7a11")


def notice_id(incident_id: uuid.UUID, kind: str, variant: str, language: str) -> uuid.UUID:
    """Stable per (incident, kind, variant, language): a redelivered event drafts the same notice."""
    return uuid.uuid5(NAMESPACE, f"{incident_id}/{kind}/{variant}/{language}")


PRELOADED = "notifier.incidents"  # session.info key: incidents a consumer batch loaded at once (None: absent)


async def load_incidents(session: AsyncSession, incident_ids: set[uuid.UUID]) -> None:
    """Look up a consumer batch's incidents with one query; the handlers after it then find theirs (or
    learn it is not here yet) without a query each. Kept in the session until `forget_incidents`."""
    found = (await session.scalars(select(IncidentRecord).where(IncidentRecord.id.in_(incident_ids)))).all()
    known: dict[uuid.UUID, IncidentRecord | None] = dict.fromkeys(incident_ids)
    known.update((incident.id, incident) for incident in found)
    session.info[PRELOADED] = known


def forget_incidents(session: AsyncSession) -> None:
    session.info.pop(PRELOADED, None)


async def _incident(session: AsyncSession, incident_id: uuid.UUID) -> IncidentRecord | None:
    known: dict[uuid.UUID, IncidentRecord | None] | None = session.info.get(PRELOADED)
    if known is not None and incident_id in known:
        return known[incident_id]
    return await session.get(IncidentRecord, incident_id)


def _new_incident(session: AsyncSession, incident: IncidentRecord) -> IncidentRecord:
    session.add(incident)
    known: dict[uuid.UUID, IncidentRecord | None] | None = session.info.get(PRELOADED)
    if known is not None:
        known[incident.id] = incident  # the batch's next event for it finds it
    return incident


async def record_reported(
    session: AsyncSession, incident_id: uuid.UUID, event: IncidentReported, contact: Contact
) -> None:
    """Keep the incident's facts; when its assessment came first (a backlog replayed), draft now."""
    # never the reporter nor the alerts (their `actor` names a person): no notice uses them
    facts = event.model_dump(mode="json", exclude={"reference", "reporter", "source", "source_alert_id", "alerts"})
    incident = await _incident(session, incident_id)
    if incident is not None and incident.facts:
        return
    if incident is None:
        incident = _new_incident(
            session, IncidentRecord(id=incident_id, reference=event.reference, assessment_version=0)
        )
    incident.entity, incident.entity_country = event.reporter.entity, event.reporter.entity_country
    incident.facts = facts
    if incident.assessment is not None:
        await draft_notices(session, incident, contact, event.received_at)


async def record_updated(
    session: AsyncSession, incident_id: uuid.UUID, event: IncidentUpdated, contact: Contact
) -> bool:
    """Apply new facts; drafts not yet approved are re-drafted. False when the incident is unknown here."""
    incident = await _incident(session, incident_id)
    if incident is None or not incident.facts:
        return False
    incident.facts = {**incident.facts, **_json(event.changes)}
    if incident.assessment is not None:
        await draft_notices(session, incident, contact, event.updated_at)
    return True


async def record_assessed(
    session: AsyncSession, incident_id: uuid.UUID, event: IncidentAssessed, contact: Contact
) -> None:
    """Keep the newest assessment and draft what its obligations call for (once the facts are here)."""
    incident = await _incident(session, incident_id)
    if incident is None:  # the reported event is still behind in its partition: draft when it arrives
        incident = _new_incident(
            session,
            IncidentRecord(
                id=incident_id, reference=event.reference, entity="", entity_country="", facts={}, assessment_version=0
            ),
        )
    if event.version < incident.assessment_version:
        return  # an older assessment arriving late changes nothing
    incident.assessment = event.model_dump(mode="json")
    incident.assessment_version = event.version
    if incident.facts:
        await draft_notices(session, incident, contact, event.assessed_at)


async def draft_notices(session: AsyncSession, incident: IncidentRecord, contact: Contact, now: datetime) -> None:
    """Create or refresh the drafts the obligations call for; drafts no longer called for stop being current."""
    assert incident.assessment is not None
    existing = {
        (n.kind, n.variant, n.language): n
        for n in (await session.scalars(_drafts_of(incident.id))).all()
        if n.kind != NoticeKind.INTERNAL
    }
    wanted: set[tuple[str, str, str]] = set()
    for plan in plan_notices(incident.assessment.get("obligations", [])):
        for language in LANGUAGES:
            wanted.add((plan.kind, plan.variant, language))
            _draft(session, incident, plan, language, existing.get((plan.kind, plan.variant, language)), contact, now)
    for key, notice in existing.items():
        if key not in wanted and notice.status == DRAFTED and notice.current and notice.approved_wording is None:
            notice.current = False
            _announce(session, incident.id, notice, now)


def _drafts_of(incident_id: uuid.UUID) -> Select[Notice]:
    """The incident's drafts (its internal alerts left alone: the delivery loop counts on them), row-locked on
    PostgreSQL: a re-draft and an approval take turns."""
    mine = (Notice.incident_id == incident_id, Notice.kind != NoticeKind.INTERNAL)
    statement = select(Notice).where(*mine).order_by(Notice.id).with_for_update()
    return statement.execution_options(populate_existing=True)


def drafted_facts(incident: IncidentRecord) -> dict[str, Any]:
    """The facts a notice states: the reported ones, overlaid by those the newest assessment used (a
    group of DLP alerts decides the categories, the count and the regions, not its first alert)."""
    assessed = (incident.assessment or {}).get("facts") or {}
    return {**incident.facts, **assessed}


def _draft(
    session: AsyncSession,
    incident: IncidentRecord,
    plan: NoticePlan,
    language: str,
    notice: Notice | None,
    contact: Contact,
    now: datetime,
) -> None:
    assert incident.assessment is not None
    if notice is not None and (notice.status != DRAFTED or notice.approved_wording is not None):
        return  # approved, issued, or locked by the approval of its other language: what was approved goes out
    context = notice_context(
        plan=plan,
        language=language,
        reference=incident.reference,
        company=contact.companies.name_for(incident.entity, language),  # never the reporter's free text
        facts=drafted_facts(incident),
        assessment=incident.assessment,
        contact=contact,
        now=now,
    )
    rendered = render_notice(plan.template, language, context)
    if notice is None:
        notice = Notice(
            id=notice_id(incident.id, plan.kind, plan.variant, language),
            incident_id=incident.id,
            reference=incident.reference,
            kind=plan.kind,
            variant=plan.variant,
            language=language,
            channel=plan.channel,
            status=DRAFTED,
            approvals={},
        )
        session.add(notice)
    elif notice.edited_at is not None:  # the desk's wording stands; flag that the facts moved under it
        if _without_date(notice.context) != _without_date(context):
            notice.facts_changed_since_edit, notice.context = True, context
            notice.obligations, notice.current = list(plan.obligations), True
            _announce(session, incident.id, notice, now)
        return
    elif (notice.subject, notice.body, notice.current) == (rendered.subject, rendered.body, True):
        return  # nothing changed: no event
    notice.subject, notice.body = rendered.subject, rendered.body
    notice.context, notice.obligations, notice.current = context, list(plan.obligations), True
    _announce(session, incident.id, notice, now)


def _announce(session: AsyncSession, incident_id: uuid.UUID, notice: Notice, now: datetime) -> None:
    add_to_outbox(session, OutboxMessage, drafted_envelope(incident_id, notice, now))


def drafted_envelope(incident_id: uuid.UUID, notice: Notice, now: datetime) -> Envelope:
    """notice.drafted.v1 of the notice as it now stands: the desk's list follows every new wording."""
    event = NoticeDrafted(
        notice_id=notice.id,
        reference=notice.reference,
        kind=notice.kind,
        variant=notice.variant,
        language=notice.language,
        channel=notice.channel,
        status=notice.status,
        current=notice.current,
        subject=notice.subject,
        obligations=list(notice.obligations),
        drafted_at=now,
        gaps=gaps(notice.body),
    )
    return event.envelope(incident_id=incident_id, producer=PRODUCER, occurred_at=now)


def _without_date(context: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in context.items() if k != "notice_date"}


@dataclass(frozen=True)
class EditDraft:
    """The desk's wording for a draft (gaps completed, text adjusted); `subject` None keeps the drafted one."""

    notice_id: uuid.UUID
    subject: str | None
    body: str
    editor: str
    at: datetime


class DraftStore(Protocol):
    """Where drafts are found (row-locked) and their notice.drafted.v1 staged (adapters/repository.py)."""

    async def locked(self, notice_id: uuid.UUID) -> Notice | None: ...

    def publish(self, envelope: Envelope) -> None: ...


class DraftsUnit(Protocol):
    """The unit of work an edit runs in: one transaction, committed only once the edit is made."""

    @property
    def notices(self) -> DraftStore: ...

    async def __aenter__(self) -> object: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


async def edit_notice(edit: EditDraft, *, uow: DraftsUnit, answer: Callable[[Notice], T]) -> T | None:
    """Use case: reword a draft and announce it; None for an unknown notice, DraftLocked once approved.
    `answer` is taken of the notice as edited, in the transaction (what the desk is answered)."""
    async with uow:
        notice = await reword(uow.notices, edit)
        if notice is None:
            return None
        answered = answer(notice)
        await uow.commit()
    return answered


async def edit_draft(
    session: AsyncSession, notice_id: uuid.UUID, subject: str | None, body: str, editor: str, now: datetime
) -> Notice | None:
    """`reword` in the caller's transaction; None for an unknown notice."""
    return await reword(NoticeRepository(session), EditDraft(notice_id, subject, body, editor, now))


async def reword(notices: DraftStore, edit: EditDraft) -> Notice | None:
    """Only a draft no approval covers takes the desk's wording; re-drafts then leave that wording alone."""
    notice = await notices.locked(edit.notice_id)
    if notice is None:
        return None
    if notice.kind == NoticeKind.INTERNAL or notice.status != DRAFTED:
        raise DraftLocked(f"this notice is {notice.status}")
    if notice.approved_wording is not None:  # the other language draft was approved, and this one with it
        raise DraftLocked("this draft was approved with its other language draft")
    notice.body = edit.body.strip() + "\n"
    notice.subject = " ".join((edit.subject or notice.subject).split())[:500]
    notice.edited_by, notice.edited_at, notice.facts_changed_since_edit = edit.editor, edit.at, False
    notices.publish(drafted_envelope(notice.incident_id, notice, edit.at))
    return notice


class DraftLocked(Exception):
    """Only a draft no approval covers can be edited: what was approved is what goes out (an approval of a
    data-subject notice covers both its language drafts). Its message says why."""


def gaps(body: str) -> int:
    """How many places the desk still has to complete."""
    return sum(body.count(marker) for marker in TO_COMPLETE.values())


def _json(changes: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}
