"""The desk's use cases on a unit of work whose repositories live in memory: what each action records
on the incident, its timeline and the outbox, what it refuses, and that it commits only what it did.

The incident is made the way the consumer makes one (service/incidents.py), into the fake store."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

import pytest

from pidesk.services.escalation.adapters.alerts import AlertKey
from pidesk.services.escalation.adapters.orm import EscalationTimer, Incident, IncidentAlert, NoticeRecord
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import OBLIGATION_REMINDER
from pidesk.services.escalation.domain.snoozes import SnoozeWindow
from pidesk.services.escalation.service import desk
from pidesk.services.escalation.service.desk import DeskError
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.routing import ACK_DEADLINE, RoutingRules
from pidesk.shared.events import Envelope, NoticeRecipient
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import IncidentStatus, NoticeKind, NoticeStatus, Role
from tests.unit.factories import reported_incident

RULES = RoutingRules(load_policy(), load_directory())
T0 = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=30)
OPERATOR = Principal(name="Aki", role=Role.DESK_OPERATOR, token_id="t-operator")
OFFICER = Principal(name="Ren", role=Role.OFFICER, token_id="t-officer")
BUREAU = Principal(name="Mio", role=Role.PROMOTION_BUREAU, token_id="t-bureau")


class FakeIncidents:
    """The incident repository in memory: incidents by id, the other records staged, the outbox."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, Incident] = {}
        self.records: list[object] = []
        self.outbox: list[Envelope] = []

    async def get(self, incident_id: uuid.UUID) -> Incident | None:
        return self.rows.get(incident_id)

    async def locked(self, incident_id: uuid.UUID, *, for_update: bool = True) -> Incident | None:
        return self.rows.get(incident_id)

    async def references(self, incident_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {i: self.rows[i].reference for i in incident_ids if i in self.rows}

    def add(self, record: object) -> None:
        if isinstance(record, Incident):
            self.rows[record.id] = record
        else:
            self.records.append(record)

    def publish(self, envelope: Envelope) -> None:
        self.outbox.append(envelope)

    def timers(self, incident: Incident) -> list[EscalationTimer]:
        return [t for t in self.records if isinstance(t, EscalationTimer) and t.incident is incident]

    async def pending_timers(self, incident: Incident) -> list[EscalationTimer]:
        return [t for t in self.timers(incident) if t.fired_at is None]

    async def fired_reminders(self, incident: Incident) -> set[tuple[str | None, datetime]]:
        fired = (t for t in self.timers(incident) if t.kind == OBLIGATION_REMINDER and t.fired_at is not None)
        return {(t.obligation_code, t.due_at) for t in fired}

    async def alert_owners(self, keys: Collection[AlertKey]) -> dict[AlertKey, uuid.UUID]:
        return {}

    async def running_snoozes(self, now: datetime) -> list[SnoozeWindow]:
        return []

    def staged_alerts(self, incident: Incident) -> list[IncidentAlert]:
        return []


class FakeNotices:
    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, NoticeRecord] = {}

    async def get(self, notice_id: uuid.UUID) -> NoticeRecord | None:
        return self.rows.get(notice_id)

    async def add_if_absent(self, values: dict[str, Any]) -> NoticeRecord | None:
        return self.rows.setdefault(values["id"], NoticeRecord(**values))


class FakeUnitOfWork:
    """Named repositories in memory and a record of commits; it has no session, so a use case that
    reaches past its repositories fails here."""

    def __init__(self) -> None:
        self.incidents = FakeIncidents()
        self.notices = FakeNotices()
        self.commits = 0
        self.open = False

    async def __aenter__(self) -> FakeUnitOfWork:
        self.open = True
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.open = False

    async def commit(self) -> None:
        assert self.open, "committed outside the unit of work"
        self.commits += 1


async def reported(uow: FakeUnitOfWork, **facts: Any) -> Incident:
    """An incident reported at T0, assessed and routed as the consumer does it, in the fake store."""
    incident_id = uuid.uuid4()
    await record_reported_incident(
        uow.incidents,  # type: ignore[arg-type]  # the fake stands in for the repository
        RULES,
        incident_id=incident_id,
        event=reported_incident(at=T0, **facts),
        now=T0,
    )
    uow.incidents.outbox.clear()
    return uow.incidents.rows[incident_id]


def kinds(incident: Incident) -> list[str]:
    return [entry.kind for entry in incident.timeline]


def events(uow: FakeUnitOfWork) -> list[str]:
    return [envelope.event_type for envelope in uow.incidents.outbox]


async def test_acknowledge_records_who_and_when_and_stops_the_ack_clock() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    assert any(t.kind == ACK_DEADLINE and t.fired_at is None for t in uow.incidents.timers(incident))

    answered = await desk.acknowledge(uow, RULES, incident.id, OPERATOR, NOW)  # type: ignore[arg-type]

    assert answered == incident.id
    assert (incident.acknowledged_at, incident.acknowledged_by) == (NOW, "desk_operator:Aki")
    assert kinds(incident)[-1] == "acknowledged"
    desk_routes = [r for r in incident.routes if r.target == "security_contact_desk"]
    assert desk_routes and all(r.acknowledged_by == "desk_operator:Aki" for r in desk_routes)
    ack = [t for t in uow.incidents.timers(incident) if t.kind == ACK_DEADLINE]
    assert ack and all(t.fired_at == NOW and t.outcome == "acknowledged" for t in ack)
    assert uow.commits == 1


async def test_a_second_acknowledgement_keeps_the_first() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    await desk.acknowledge(uow, RULES, incident.id, OPERATOR, NOW)  # type: ignore[arg-type]
    await desk.acknowledge(uow, RULES, incident.id, OFFICER, NOW + timedelta(minutes=5))  # type: ignore[arg-type]
    assert (incident.acknowledged_at, incident.acknowledged_by) == (NOW, "desk_operator:Aki")


async def test_nothing_is_done_to_an_unknown_or_closed_incident() -> None:
    uow = FakeUnitOfWork()
    with pytest.raises(DeskError) as unknown:
        await desk.acknowledge(uow, RULES, uuid.uuid4(), OPERATOR, NOW)  # type: ignore[arg-type]
    assert unknown.value.code == "not_found"
    incident = await reported(uow)
    incident.closed_at, incident.status = NOW, IncidentStatus.CLOSED
    for action in (
        desk.acknowledge(uow, RULES, incident.id, OPERATOR, NOW),  # type: ignore[arg-type]
        desk.escalate(uow, RULES, incident.id, OPERATOR, NOW),  # type: ignore[arg-type]
        desk.add_facts(uow, RULES, incident.id, {"affected_count": 3}, OPERATOR, NOW),  # type: ignore[arg-type]
    ):
        with pytest.raises(DeskError) as closed:
            await action
        assert closed.value.code == "incident_closed"
    assert incident.acknowledged_at is None and uow.commits == 0


async def test_escalate_tells_the_next_tier_and_names_who_asked() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    told = {r.target for r in incident.routes}
    steps = max(r.step for r in incident.routes)

    await desk.escalate(uow, RULES, incident.id, OFFICER, NOW)  # type: ignore[arg-type]

    route = incident.routes[-1]
    assert route.target not in told and route.reason == "manual" and route.step == steps + 1
    assert route.target == RULES.policy.next_tier(told)
    assert incident.timeline[-1].kind == "escalated" and incident.timeline[-1].by == "officer:Ren"
    assert events(uow) == ["pidesk.escalation.requested"]
    assert uow.commits == 1


async def test_escalate_to_a_chosen_target() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    await desk.escalate(uow, RULES, incident.id, OFFICER, NOW, target="pi_administrator")  # type: ignore[arg-type]
    assert incident.routes[-1].target == "pi_administrator"


async def test_a_snoozed_incident_is_not_escalated() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    incident.status = IncidentStatus.SNOOZED
    routes = len(incident.routes)
    with pytest.raises(DeskError) as refused:
        await desk.escalate(uow, RULES, incident.id, OFFICER, NOW)  # type: ignore[arg-type]
    assert refused.value.code == "incident_snoozed"
    assert len(incident.routes) == routes and uow.incidents.outbox == [] and uow.commits == 0


async def test_add_facts_changes_the_report_reassesses_and_tells_intake() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    version = incident.assessment_version

    await desk.add_facts(uow, RULES, incident.id, {"affected_count": 20, "incident_kind": "misdelivery"}, OPERATOR, NOW)  # type: ignore[arg-type]

    assert incident.facts["affected_count"] == 20
    updated = next(e for e in incident.timeline if e.kind == "updated" and e.by == "desk_operator:Aki")
    assert updated.detail == {"reason": "facts_added", "changes": {"affected_count": 20}}  # only what changed
    assert incident.assessment_version == version + 1
    sent = [e for e in uow.incidents.outbox if e.event_type == "pidesk.incident.updated"]
    assert len(sent) == 1 and sent[0].payload["changes"] == {"affected_count": 20}
    assert sent[0].payload["reason"] == "facts_added"
    assert uow.commits == 1


async def test_facts_as_they_were_change_nothing() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    timeline, version = len(incident.timeline), incident.assessment_version
    await desk.add_facts(uow, RULES, incident.id, {"affected_count": 10}, OPERATOR, NOW)  # type: ignore[arg-type]
    assert len(incident.timeline) == timeline and incident.assessment_version == version
    assert uow.incidents.outbox == [] and uow.commits == 1


async def test_a_new_awareness_time_moves_the_incident_clock() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    earlier = T0 - timedelta(hours=5)
    await desk.add_facts(uow, RULES, incident.id, {"aware_at": earlier.isoformat()}, OPERATOR, NOW)  # type: ignore[arg-type]
    assert incident.aware_at == earlier


async def test_complete_obligation_marks_it_done_once() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow, affected_count=1500, subject_regions={"JP": 1500})
    obligation = next(o for o in incident.obligations if o.status == "pending")

    await desk.complete_obligation(uow, RULES, incident.id, obligation.code, OFFICER, NOW)  # type: ignore[arg-type]
    await desk.complete_obligation(uow, RULES, incident.id, obligation.code, OPERATOR, NOW + timedelta(hours=1))  # type: ignore[arg-type]

    assert (obligation.status, obligation.done_at, obligation.done_by) == ("done", NOW, "officer:Ren")
    done = [e for e in incident.timeline if e.kind == "obligation_done"]
    assert [e.detail for e in done] == [{"code": obligation.code}]
    reminders = [t for t in uow.incidents.timers(incident) if t.obligation_code == obligation.code]
    assert all(t.fired_at is not None for t in reminders)
    with pytest.raises(DeskError) as unknown:
        await desk.complete_obligation(uow, RULES, incident.id, "no_such_duty", OFFICER, NOW)  # type: ignore[arg-type]
    assert unknown.value.code == "not_found"


async def test_close_waits_for_the_statutory_obligations() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow, affected_count=1500, subject_regions={"JP": 1500})
    pending = [o.code for o in incident.obligations if o.status == "pending" and o.regime != "internal"]
    assert pending

    with pytest.raises(DeskError) as refused:
        await desk.close(uow, RULES, incident.id, OFFICER, NOW)  # type: ignore[arg-type]
    assert refused.value.code == "obligations_pending"
    assert refused.value.details == [{"code": c} for c in pending]
    assert incident.closed_at is None and uow.commits == 0

    for code in pending:
        await desk.complete_obligation(uow, RULES, incident.id, code, OFFICER, NOW)  # type: ignore[arg-type]
    uow.incidents.outbox.clear()
    await desk.close(uow, RULES, incident.id, OFFICER, NOW)  # type: ignore[arg-type]

    assert (incident.closed_at, incident.status) == (NOW, IncidentStatus.CLOSED)
    assert kinds(incident)[-1] == "closed"
    assert all(t.fired_at is not None for t in uow.incidents.timers(incident))
    closing = [e for e in uow.incidents.outbox if e.event_type == "pidesk.incident.updated"]
    assert len(closing) == 1 and closing[0].payload["reason"] == "closed"


def drafted(incident: Incident, kind: str = NoticeKind.DATA_SUBJECT, **values: Any) -> NoticeRecord:
    return NoticeRecord(
        **{
            "id": uuid.uuid4(),
            "incident_id": incident.id,
            "kind": kind,
            "variant": "subjects",
            "language": "ja",
            "status": NoticeStatus.DRAFTED,
            "current": True,
            "subject": "",
            "obligations": [],
            "recipients": {},
            "updated_at": NOW,
            **values,
        }
    )


def people(n: int) -> list[NoticeRecipient]:
    return [NoticeRecipient(email=f"person{i}@example.com") for i in range(n)]


async def test_approve_notice_sends_the_recipients_in_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(desk, "NOTICE_BATCH", 2)
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    notice = drafted(incident)
    uow.notices.rows[notice.id] = notice

    batches, count = await desk.approve_notice(uow, incident.id, notice.id, people(5), BUREAU, NOW)  # type: ignore[arg-type]

    assert (batches, count) == (3, 5)
    assert notice.status == NoticeStatus.APPROVED
    requested = [e for e in uow.incidents.outbox if e.event_type == "pidesk.notice.requested"]
    assert [(e.payload["batch"], e.payload["batches"], len(e.payload["recipients"])) for e in requested] == [
        (1, 3, 2),
        (2, 3, 2),
        (3, 3, 1),
    ]
    assert all(e.payload["approved_by"] == "promotion_bureau:Mio" for e in requested)
    approved = incident.timeline[-1]
    assert approved.kind == "notice_approved"
    assert approved.detail == {"notice_id": str(notice.id), "recipients": 5, "wording": None}
    assert uow.commits == 1


async def test_approve_notice_refusals() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    other = await reported(uow)
    subjects, internal = drafted(incident), drafted(incident, NoticeKind.INTERNAL)
    stale, foreign = drafted(incident, current=False), drafted(other)
    issued = drafted(incident, NoticeKind.PUBLIC, status=NoticeStatus.SENT)
    for notice in (subjects, internal, stale, foreign, issued):
        uow.notices.rows[notice.id] = notice
    cases = [
        (uuid.uuid4(), people(1), "notice_not_found"),
        (foreign.id, people(1), "notice_not_found"),
        (internal.id, people(1), "not_approvable"),
        (subjects.id, [], "recipients_required"),
        (stale.id, people(1), "notice_superseded"),
        (issued.id, [], "already_issued"),
    ]
    for notice_id, recipients, code in cases:
        with pytest.raises(DeskError) as refused:
            await desk.approve_notice(uow, incident.id, notice_id, recipients, BUREAU, NOW)  # type: ignore[arg-type]
        assert refused.value.code == code
    assert uow.incidents.outbox == [] and uow.commits == 0
    assert subjects.status == NoticeStatus.DRAFTED


async def test_a_notice_still_in_flight_is_learnt_from_the_notifier() -> None:
    uow = FakeUnitOfWork()
    incident = await reported(uow)
    notice_id = uuid.uuid4()
    answer = {
        "incident_id": str(incident.id),
        "kind": NoticeKind.PUBLIC,
        "language": "ja",
        "status": NoticeStatus.DRAFTED,
        "created_at": NOW.isoformat(),
        "approval_covers": {"ja": "abc123"},
    }

    async def lookup(asked: uuid.UUID) -> dict[str, Any] | None:
        return answer if asked == notice_id else None

    await desk.approve_notice(uow, incident.id, notice_id, [], BUREAU, NOW, lookup)  # type: ignore[arg-type]

    assert uow.notices.rows[notice_id].status == NoticeStatus.APPROVED
    requested = [e for e in uow.incidents.outbox if e.event_type == "pidesk.notice.requested"]
    assert len(requested) == 1 and requested[0].payload["wording_hashes"] == {"ja": "abc123"}
    assert requested[0].payload["recipients"] == []
