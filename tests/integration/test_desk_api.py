"""The desk API on PostgreSQL, beside the real notifier it asks about notices: authentication, roles, each
action's effect, paging, and the audit log."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import EscalationTimer, OutboxMessage
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.bootstrap import build_app
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import IncidentReported
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.support.desk_notifier import NotifierOfTheDesk, notifier_of_the_desk
from tests.support.infra import fresh_postgres_database, kafka_bootstrap
from tests.unit.factories import reported_incident

SECRET = "desk-api-test-secret-0123456789abcdef"
RULES = RoutingRules(load_policy(), load_directory())


def token(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, name=f'{role.value}-tester', role=role)}"}


class Desk:
    def __init__(self, client: httpx.AsyncClient, url: str, notifier: NotifierOfTheDesk | None = None) -> None:
        self.client, self.url = client, url
        self.notifier = notifier  # the real notifier the desk asks about notices (at its notifier URL)
        self.reported: dict[str, IncidentReported] = {}

    async def incident(self, n: int = 1, **facts: Any) -> str:
        incident_id = uuid.uuid4()
        now = datetime.now(UTC) - timedelta(minutes=n)
        event = reported_incident(n, at=now, entity="Example Holdings", **facts)
        engine = create_engine(self.url)
        async with session_factory(engine)() as session, session.begin():
            await record_reported_incident(IncidentRepository(session), RULES, incident_id=incident_id, event=event)
        await engine.dispose()
        self.reported[str(incident_id)] = event
        return str(incident_id)

    async def notice(self, incident_id: str, kind: str = "data_subject", *, current: bool = True) -> uuid.UUID:
        """A notice the notifier drafted for the incident (an internal one: the alert it sent), known to the desk
        by the notifier's own pidesk.notice.drafted.v1 (pidesk.notice.issued.v1) event."""
        assert self.notifier is not None, "this desk has no notifier"
        if kind == "internal":
            return await self.notifier.alert(uuid.UUID(incident_id))
        reported = self.reported[incident_id]
        return await self.notifier.draft(uuid.UUID(incident_id), reported, kind, current=current)

    async def outbox(self, event_type: str) -> list[dict[str, Any]]:
        engine = create_engine(self.url)
        async with session_factory(engine)() as session:
            values = (await session.scalars(select(OutboxMessage.value).order_by(OutboxMessage.id))).all()
        await engine.dispose()
        return [e for e in map(json.loads, values) if e["event_type"] == event_type]


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with (
        fresh_postgres_database("desk") as url,
        notifier_of_the_desk(tmp_path, url, SECRET, RULES) as notifier,
    ):
        await runner.upgrade(url, "escalation")
        settings = EscalationSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            ESCALATION_DATABASE_URL=url,
            token_secret=SECRET,
            ESCALATION_NOTIFIER_URL=notifier.url,
        )
        transport = httpx.ASGITransport(app=build_app(settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            yield Desk(client, url, notifier)


def actions(incident_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    notice = uuid.uuid4()
    return [
        ("POST", f"/v1/incidents/{incident_id}/acknowledge", {}),
        ("POST", f"/v1/incidents/{incident_id}/escalate", {}),
        ("POST", f"/v1/incidents/{incident_id}/facts", {"json": {"affected_count": 20}}),
        ("POST", f"/v1/incidents/{incident_id}/obligations/internal.report_to_desk/done", {}),
        ("POST", f"/v1/incidents/{incident_id}/close", {}),
        (
            "POST",
            f"/v1/incidents/{incident_id}/notices/{notice}/approve",
            {"json": {"recipients": [{"email": "x@example.com", "name": "X", "language": "ja"}]}},
        ),
    ]


async def test_every_call_needs_a_token_and_the_auditor_acts_on_nothing(desk: Desk) -> None:
    incident_id = await desk.incident()
    reads = [("GET", "/v1/incidents", {}), ("GET", f"/v1/incidents/{incident_id}", {}), ("GET", "/v1/audit", {})]
    for method, path, kwargs in reads + actions(incident_id):
        response = await desk.client.request(method, path, **kwargs)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthenticated", path
    for method, path, kwargs in reads:
        assert (await desk.client.request(method, path, headers=token(Role.AUDITOR), **kwargs)).status_code == 200
    for method, path, kwargs in actions(incident_id):
        response = await desk.client.request(method, path, headers=token(Role.AUDITOR), **kwargs)
        assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden", path


async def test_roles_per_action(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice = f"/v1/incidents/{incident_id}/notices/{await desk.notice(incident_id, 'public')}/approve"
    body: dict[str, Any] = {}
    assert (await desk.client.post(notice, headers=token(Role.DESK_OPERATOR), **body)).status_code == 403
    assert (await desk.client.post(notice, headers=token(Role.PI_ADMINISTRATOR), **body)).status_code == 200
    assert (await desk.client.get("/v1/audit", headers=token(Role.DESK_OPERATOR))).status_code == 403


async def test_acknowledging_stops_the_escalation_clock(desk: Desk) -> None:
    incident_id = await desk.incident()
    response = await desk.client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=token(Role.DESK_OPERATOR))
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged_by"] == "desk_operator:token:desk_operator-tester"
    desk_route = next(r for r in body["routes"] if r["target"] == "security_contact_desk")
    assert desk_route["acknowledged_at"] is not None
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session:
        pending = (
            await session.scalars(
                select(EscalationTimer).where(
                    EscalationTimer.kind == "ack_deadline", EscalationTimer.fired_at.is_(None)
                )
            )
        ).all()
    await engine.dispose()
    assert pending == []


async def test_new_facts_reassess_and_are_announced(desk: Desk) -> None:
    incident_id = await desk.incident()
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/facts",
        headers=token(Role.PROMOTION_BUREAU),
        json={"data_categories": ["name", "health"]},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["assessment"]["risk_level"] == "very_high" and "appi.sensitive" in body["assessment"]["legal_triggers"]
    assert {"appi.ppc_preliminary_report", "appi.ppc_final_report"} <= {o["code"] for o in body["obligations"]}
    assert "officer_in_charge" in {r["target"] for r in body["routes"]}  # newly routed for the higher risk
    updates = await desk.outbox("pidesk.incident.updated")
    assert updates[-1]["producer"] == "escalation"
    assert updates[-1]["payload"]["changes"] == {"data_categories": ["name", "health"]}
    empty = await desk.client.post(f"/v1/incidents/{incident_id}/facts", headers=token(Role.PROMOTION_BUREAU), json={})
    assert empty.status_code == 422
    bad = await desk.client.post(
        f"/v1/incidents/{incident_id}/facts", headers=token(Role.PROMOTION_BUREAU), json={"incident_kind": "volcano"}
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["loc"] == ["incident_kind"]


async def test_close_waits_for_statutory_obligations(desk: Desk) -> None:
    incident_id = await desk.incident(malicious=True)  # wrongful purpose: APPI reports are due
    headers = token(Role.PI_ADMINISTRATOR)
    refused = await desk.client.post(f"/v1/incidents/{incident_id}/close", headers=headers)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "obligations_pending"
    for detail in refused.json()["error"]["details"]:
        done = await desk.client.post(f"/v1/incidents/{incident_id}/obligations/{detail['code']}/done", headers=headers)
        assert done.status_code == 200
    closed = await desk.client.post(f"/v1/incidents/{incident_id}/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    again = await desk.client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "incident_closed"


async def test_notice_approval_takes_json_or_csv_and_goes_out_in_batches(desk: Desk) -> None:
    incident_id = await desk.incident()
    notice_id = await desk.notice(incident_id)
    rows = "\n".join(f"person{i}@example.com,Person {i},{'ja' if i % 2 else 'en'}" for i in range(2500))
    response = await desk.client.post(
        f"/v1/incidents/{incident_id}/notices/{notice_id}/approve",
        headers={**token(Role.PROMOTION_BUREAU), "content-type": "text/csv"},
        content=f"email,name,language\n{rows}\n".encode(),
    )
    assert response.status_code == 200 and response.json()["batches"] == 3
    requested = await desk.outbox("pidesk.notice.requested")
    assert [(e["payload"]["batch"], len(e["payload"]["recipients"])) for e in requested] == [
        (1, 1000),
        (2, 1000),
        (3, 500),
    ]
    assert all(e["payload"]["notice_id"] == str(notice_id) for e in requested)
    bad = await desk.client.post(
        f"/v1/incidents/{incident_id}/notices/{notice_id}/approve",
        headers={**token(Role.PROMOTION_BUREAU), "content-type": "text/csv"},
        content=b"name\nX\n",
    )
    assert bad.status_code == 422


async def test_list_filters_and_cursor_pagination(desk: Desk) -> None:
    ids = [await desk.incident(n) for n in range(1, 6)]  # n minutes ago: ids[0] is the newest
    await desk.incident(6, data_categories=["name", "health"])
    headers = token(Role.AUDITOR)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, "risk_level": "medium", **({"cursor": cursor} if cursor else {})}
        page = (await desk.client.get("/v1/incidents", headers=headers, params=params)).json()
        seen += [i["incident_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids
    very_high = (await desk.client.get("/v1/incidents", headers=headers, params={"risk_level": "very_high"})).json()
    assert len(very_high["items"]) == 1 and very_high["items"][0]["next_obligation"]["code"]
    assert (await desk.client.get("/v1/incidents", headers=headers, params={"cursor": "garbage"})).status_code == 400


async def test_every_read_and_write_is_audited(desk: Desk) -> None:
    incident_id = await desk.incident()
    await desk.client.get(f"/v1/incidents/{incident_id}")  # refused: no token
    await desk.client.get(f"/v1/incidents/{incident_id}", headers=token(Role.OFFICER))
    await desk.client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=token(Role.AUDITOR))  # 403
    await desk.client.post(f"/v1/incidents/{incident_id}/acknowledge", headers=token(Role.OFFICER))
    log = (await desk.client.get("/v1/audit", headers=token(Role.AUDITOR), params={"incident_id": incident_id})).json()[
        "items"
    ]
    assert [(e["actor"], e["method"], e["status"]) for e in reversed(log)] == [
        ("anonymous", "GET", 401),
        ("token:officer-tester", "GET", 200),
        ("token:auditor-tester", "POST", 403),
        ("token:officer-tester", "POST", 200),
    ]
    assert all(e["client"] and e["at"] for e in log)


async def test_approval_needs_a_drafted_notice_of_this_incident(desk: Desk) -> None:
    incident_id, other = await desk.incident(1), await desk.incident(2)
    headers = token(Role.PROMOTION_BUREAU)
    people = {"recipients": [{"email": "x@example.com", "name": "X", "language": "ja"}]}

    async def approve(notice_id: uuid.UUID, body: dict[str, Any]) -> httpx.Response:
        url = f"/v1/incidents/{incident_id}/notices/{notice_id}/approve"
        return await desk.client.post(url, headers=headers, json=body)

    another_incidents = await desk.notice(other)
    assert (await approve(another_incidents, people)).json()["error"]["code"] == "notice_not_found"
    internal = await desk.notice(incident_id, "internal")
    assert (await approve(internal, {})).status_code == 409
    superseded = await desk.notice(incident_id, current=False)
    assert (await approve(superseded, people)).json()["error"]["code"] == "notice_superseded"
    subject = await desk.notice(incident_id)  # the same draft, called for again by a newer assessment
    missing = await approve(subject, {"recipients": []})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "recipients_required"
    assert (await approve(subject, people)).status_code == 200
    public = await desk.notice(incident_id, "public")
    assert (await approve(public, {})).json()["recipients"] == 0
    # a notice the desk has not heard of: the notifier is asked; it has none such, or it does not answer
    unknown = await approve(uuid.uuid4(), people)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "notice_not_found"
    assert desk.notifier is not None
    await desk.notifier.stops()
    unknown = await approve(uuid.uuid4(), people)
    assert unknown.status_code == 503 and unknown.json()["error"]["code"] == "notifier_unavailable"
    assert len(await desk.outbox("pidesk.notice.requested")) == 2


async def test_an_approval_names_the_wording_it_approves(desk: Desk) -> None:
    """Issue 12, item 2: the hashes of every language draft the approval covers, as the notifier has them
    when the desk approves, go in each batch of pidesk.notice.requested.v1; unseen, nothing is approved."""
    incident_id = await desk.incident(1)
    notice_id = await desk.notice(incident_id)
    url = f"/v1/incidents/{incident_id}/notices/{notice_id}/approve"
    people = [{"email": f"p{i}@example.com", "language": "en"} for i in range(1001)]
    headers = token(Role.PROMOTION_BUREAU)
    assert (await desk.client.post(url, headers=headers, json={"recipients": people})).status_code == 200
    events = await desk.outbox("pidesk.notice.requested")
    assert [e["payload"]["batch"] for e in events] == [1, 2]
    assert desk.notifier is not None
    covers = await desk.notifier.covers(notice_id)
    assert set(covers) == {"ja", "en"}  # a data-subject notice goes out in both languages: both are approved
    assert all(e["payload"]["wording_hashes"] == covers for e in events)

    other = await desk.incident(2)
    unseen = await desk.notice(other)
    await desk.notifier.stops()  # the notifier does not answer: the desk cannot know what it would approve
    answer = await desk.client.post(
        f"/v1/incidents/{other}/notices/{unseen}/approve", headers=headers, json={"recipients": people[:1]}
    )
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "notifier_unavailable"
    assert len(await desk.outbox("pidesk.notice.requested")) == 2
