"""Issue 17's desk API on PostgreSQL: government requests and privacy complaints as the consumer records
them, listed and read (every read in the case log, every call in the audit log), acknowledged up the
seeds' path, assessed and decided only by the roles the case policy allows (403 in the one error shape),
a confidential request hidden from the roles that may not see it, documents sealed, and a complaint
opening a linked incident."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.escalation.adapters.case_policy_files import load_case_policy
from pidesk.services.escalation.adapters.orm import (
    CaseDocument,
    GovernmentRequestRecord,
    OutboxMessage,
    PrivacyComplaintRecord,
)
from pidesk.services.escalation.adapters.policy_files import load_directory
from pidesk.services.escalation.service.case_timers import escalate_overdue
from pidesk.services.escalation.service.cases import record_complaint, record_government_request
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import ComplaintReceived, Envelope, GovernmentRequestReceived
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import ComplainantKind, ComplaintRequestKind, DataCategory, LegalInstrument, Role
from tests.support.apps import escalation_app

SECRET = "case-desk-test-secret-0123456789abcdef"
POLICY = load_case_policy()
DIRECTORY = load_directory()


def token(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, name=f'{role.value}-tester', role=role)}"}


OPERATOR, AUDITOR, OFFICER, PI_ADMIN, BUREAU = (
    token(Role.DESK_OPERATOR),
    token(Role.AUDITOR),
    token(Role.OFFICER),
    token(Role.PI_ADMINISTRATOR),
    token(Role.PROMOTION_BUREAU),
)


class Desk:
    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client = client
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)

    async def request(self, n: int, **fields: Any) -> str:
        case_id = uuid.uuid4()
        event = GovernmentRequestReceived(
            reference=f"GR-2026-{n:06d}",
            authority=fields.pop("authority", "Federal Bureau of Examples"),
            authority_country=fields.pop("authority_country", "US"),
            instrument=fields.pop("instrument", LegalInstrument.WARRANT),
            deadline_at=datetime.now(UTC) + timedelta(days=10),
            received_at=fields.pop("received_at", datetime.now(UTC) - timedelta(minutes=n)),
            data_categories=[DataCategory.EMAIL, DataCategory.LOCATION],
            subject_regions=fields.pop("subject_regions", ["EU", "JP"]),
            people_count=2,
            assets=fields.pop("assets", ["crm-prod"]),
            division="Sales",
            company="Head office",
            submitted_by="Sato Hanako",
            **fields,
        )
        async with self.sessions() as session, session.begin():
            assert await record_government_request(session, POLICY, DIRECTORY, case_id, event, datetime.now(UTC))
            assert not await record_government_request(session, POLICY, DIRECTORY, case_id, event, datetime.now(UTC))
        return str(case_id)

    async def complaint(self, n: int, kind: ComplaintRequestKind, **fields: Any) -> str:
        case_id = uuid.uuid4()
        event = ComplaintReceived(
            reference=f"PC-2026-{n:06d}",
            complainant_kind=fields.pop("complainant_kind", ComplainantKind.INDIVIDUAL),
            request_kind=kind,
            received_at=datetime.now(UTC) - timedelta(minutes=n),
            data_categories=[DataCategory.EMAIL],
            subject_regions=["DE"],
            alleges_leak=True,
            division="Customer Support",
            company="Head office",
            submitted_by="Suzuki Ichiro",
            **fields,
        )
        async with self.sessions() as session, session.begin():
            assert await record_complaint(session, POLICY, DIRECTORY, case_id, event, datetime.now(UTC))
        return str(case_id)

    async def told(self, case_id: str) -> list[dict[str, Any]]:
        """The escalation requests about the case in the outbox (the payloads, in order)."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.topic == topics.ESCALATION_REQUESTED, OutboxMessage.message_key == case_id)
                .order_by(OutboxMessage.id)
            )
            return [Envelope.model_validate_json(r.value).payload for r in rows]

    async def get(self, path: str, headers: dict[str, str]) -> dict[str, Any]:
        response = await self.client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def post(self, path: str, headers: dict[str, str], body: Any = None, status: int = 200) -> dict[str, Any]:
        response = await self.client.post(path, headers=headers, json=body)
        assert response.status_code == status, response.text
        answer: dict[str, Any] = response.json()
        return answer


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[Desk]:
    async with escalation_app(tmp_path, "casedesk", SECRET) as (client, url):
        running = Desk(client, url)
        yield running
        await running.engine.dispose()


async def test_a_request_climbs_the_path_and_only_the_policy_roles_decide(desk: Desk) -> None:
    case_id = await desk.request(1)
    path = f"/v1/government-requests/{case_id}"
    detail = await desk.get(path, OPERATOR)
    assert detail["reference"] == "GR-2026-000001" and detail["status"] == "open"
    assert [c["code"] for c in detail["conflicts_of_law"]] == ["gdpr_art48"]
    assert [(r["step"], r["target"]) for r in detail["routes"]] == [(1, "division_manager")]
    told = datetime.fromisoformat(detail["routes"][0]["told_at"])
    assert datetime.fromisoformat(detail["routes"][0]["ack_due_at"]) - told == timedelta(hours=4)

    await desk.post(f"{path}/acknowledge", OPERATOR)
    detail = await desk.post(f"{path}/acknowledge", OPERATOR)
    assert [(r["step"], r["target"], r["acknowledged_by"] is not None) for r in detail["routes"]] == [
        (1, "division_manager", True),
        (2, "pi_administrator", True),
        (3, "officer_in_charge", False),
    ]
    step3 = detail["routes"][2]
    gap = datetime.fromisoformat(step3["ack_due_at"]) - datetime.fromisoformat(step3["told_at"])
    assert gap == timedelta(hours=24)
    await desk.post(f"{path}/acknowledge", OFFICER)
    refused = await desk.post(f"{path}/acknowledge", OFFICER, status=409)
    assert refused["error"]["code"] == "already_acknowledged"

    decision = {"decision": "provide_in_part", "reason": "a warrant; only what it names", "scope": "log-ins, March"}
    early = await desk.post(f"{path}/decision", OFFICER, decision, status=409)
    assert early["error"]["code"] == "not_assessed"
    assessment = {
        "legal_basis_checked": True,
        "necessary_and_proportionate": True,
        "rights_of_person_considered": True,
        "notes": "MLAT route asked for the EU subjects",
    }
    detail = await desk.post(f"{path}/assessment", OPERATOR, assessment)
    assert detail["assessment"]["notes"] == "MLAT route asked for the EU subjects"
    assert detail["assessment"]["conflicts_of_law"] == ["gdpr_art48"]

    for role in (Role.DESK_OPERATOR, Role.PROMOTION_BUREAU):
        response = await desk.client.post(f"{path}/decision", headers=token(role), json=decision)
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "not_a_decider" and set(error) == {"code", "message", "details"}
    auditor = await desk.client.post(f"{path}/decision", headers=AUDITOR, json=decision)
    assert auditor.status_code == 403 and auditor.json()["error"]["code"] == "forbidden"
    assert (await desk.get(path, OPERATOR))["decision"] is None

    detail = await desk.post(f"{path}/decision", PI_ADMIN, decision)
    assert detail["decision"] == "provide_in_part" and detail["status"] == "decided"
    assert detail["decided_by"] == "pi_administrator:token:pi_administrator-tester"
    assert detail["decision_reason"] == decision["reason"] and detail["provided_scope"] == "log-ins, March"
    again = await desk.post(f"{path}/decision", OFFICER, {**decision, "decision": "refuse"}, status=409)
    assert again["error"]["code"] == "case_decided"

    provided_at = datetime(2026, 4, 3, 10, 0, tzinfo=UTC).isoformat()
    detail = await desk.post(f"{path}/provision", OFFICER, {"provided": "CSV of log-ins", "provided_at": provided_at})
    assert detail["status"] == "closed" and detail["provided"] == "CSV of log-ins"
    assert datetime.fromisoformat(detail["provided_at"]) == datetime.fromisoformat(provided_at)

    async with desk.sessions() as session:  # the desk's words are sealed at rest
        row = await session.get(GovernmentRequestRecord, uuid.UUID(case_id))
        assert row is not None and row.decision_reason_encrypted is not None
        assert "warrant" not in row.decision_reason_encrypted and row.decision_reason_encrypted.startswith("v1.")


async def test_every_read_of_a_request_is_in_its_case_log_and_the_audit_log(desk: Desk) -> None:
    case_id = await desk.request(2)
    listed = await desk.get("/v1/government-requests?authority_country=US", OPERATOR)
    assert [i["id"] for i in listed["items"]] == [case_id]
    await desk.get(f"/v1/government-requests/{case_id}", OPERATOR)
    detail = await desk.get(f"/v1/government-requests/{case_id}", AUDITOR)
    assert [(e["actor"], e["role"], e["action"]) for e in detail["log"]] == [
        ("system", None, "received"),
        ("token:desk_operator-tester", "desk_operator", "listed"),
        ("token:desk_operator-tester", "desk_operator", "read"),
        ("token:auditor-tester", "auditor", "read"),
    ]
    audit = await desk.get("/v1/audit?limit=500", AUDITOR)
    reads = [(e["actor"], e["method"], e["status"]) for e in audit["items"] if e["path"].endswith(case_id)]
    assert ("token:desk_operator-tester", "GET", 200) in reads and ("token:auditor-tester", "GET", 200) in reads


async def test_a_confidential_request_is_shown_only_to_those_who_may_see_it(desk: Desk) -> None:
    hidden = await desk.request(3, confidential=True, authority="Secret Service of Examples")
    shown = await desk.request(4)
    for headers in (OPERATOR, BUREAU):
        listed = await desk.get("/v1/government-requests", headers)
        assert [i["id"] for i in listed["items"]] == [shown]
        response = await desk.client.get(f"/v1/government-requests/{hidden}", headers=headers)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assessment = {"legal_basis_checked": True, "necessary_and_proportionate": True, "rights_of_person_considered": True}
    document = {"name": "order.pdf", "media_type": "application/pdf", "content_base64": "JVBERg=="}
    for path, body in (("acknowledge", None), ("assessment", assessment), ("documents", document)):
        acted = await desk.client.post(f"/v1/government-requests/{hidden}/{path}", headers=OPERATOR, json=body)
        assert acted.status_code == 404 and acted.json()["error"]["code"] == "not_found", path  # nor acts on it
    await desk.post(f"/v1/government-requests/{hidden}/acknowledge", PI_ADMIN)
    for headers in (PI_ADMIN, OFFICER, AUDITOR):
        listed = await desk.get("/v1/government-requests", headers)
        assert {i["id"] for i in listed["items"]} == {hidden, shown}
    # no page of the desk names it (the board and statistics are for every role)
    for page in ("/desk", "/desk/stats"):
        response = await desk.client.get(page, headers=OPERATOR)
        assert "Secret Service of Examples" not in response.text and "GR-2026-000003" not in response.text


async def test_assets_named_are_matched_against_the_ledger(desk: Desk) -> None:
    entry = {
        "name": "CRM",
        "company": "Head office",
        "division": "Sales",
        "assets": ["s3:crm-prod"],
        "data_categories": ["email"],
        "purpose": "customer management",
        "legal_basis": "contract",
        "retention": "5 years",
        "storage_location": "JP",
        "responsible": "Tanaka",
    }
    response = await desk.client.post("/v1/ledger", headers=PI_ADMIN, json=entry)
    assert response.status_code == 201, response.text
    entry_id = response.json()["id"]
    named = ["s3://crm-prod/exports/2026.csv", "s3:crm-prod", "s3://elsewhere", "the CRM"]
    case_id = await desk.request(5, assets=named)
    detail = await desk.get(f"/v1/government-requests/{case_id}", OPERATOR)
    assert detail["ledger_matches"] == dict(zip(named, [[entry_id], [entry_id], [], []], strict=True))


async def test_documents_are_sealed_and_bounded(desk: Desk) -> None:
    case_id = await desk.request(6)
    content = b"%PDF-1.7 the warrant"
    body = {
        "name": "warrant.pdf",
        "media_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
    }
    added = await desk.post(f"/v1/government-requests/{case_id}/documents", OPERATOR, body, status=201)
    assert added["size"] == len(content) and added["sha256"] == hashlib.sha256(content).hexdigest()
    detail = await desk.get(f"/v1/government-requests/{case_id}", OPERATOR)
    assert [(d["name"], d["size"]) for d in detail["documents"]] == [("warrant.pdf", len(content))]
    async with desk.sessions() as session:
        stored = (await session.scalars(select(CaseDocument))).one()
        assert "warrant" not in stored.name_encrypted and b"warrant" not in stored.content_encrypted.encode()
    big = {**body, "content_base64": base64.b64encode(b"x" * (512 * 1024 + 1)).decode()}
    refused = await desk.client.post(f"/v1/government-requests/{case_id}/documents", headers=OPERATOR, json=big)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "document_too_large"
    bigger = {**body, "content_base64": base64.b64encode(b"x" * (512 * 1024 + 3)).decode()}
    refused = await desk.client.post(f"/v1/government-requests/{case_id}/documents", headers=OPERATOR, json=bigger)
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["loc"] == ["content_base64"]
    not_b64 = await desk.client.post(
        f"/v1/government-requests/{case_id}/documents", headers=OPERATOR, json={**body, "content_base64": "*"}
    )
    assert not_b64.status_code == 422 and not_b64.json()["error"]["details"][0]["loc"] == ["content_base64"]
    auditor = await desk.client.post(f"/v1/government-requests/{case_id}/documents", headers=AUDITOR, json=body)
    assert auditor.status_code == 403


async def test_a_complaint_has_its_clock_its_outcome_and_opens_a_linked_incident(desk: Desk) -> None:
    gdpr = await desk.complaint(1, ComplaintRequestKind.GDPR_DATA_SUBJECT_REQUEST)
    appi = await desk.complaint(2, ComplaintRequestKind.APPI_DISCLOSURE_REQUEST)
    detail = await desk.get(f"/v1/complaints/{gdpr}", OPERATOR)
    received = datetime.fromisoformat(detail["received_at"])
    assert detail["clock"]["due_at"] is not None and "Art. 12(3)" in detail["clock"]["basis"]
    assert 28 <= (datetime.fromisoformat(detail["clock"]["due_at"]) - received).days <= 31
    assert sorted(r["target"] for r in detail["routes"]) == ["promotion_bureau", "security_contact_desk"]
    appi_detail = await desk.get(f"/v1/complaints/{appi}", OPERATOR)
    assert appi_detail["clock"]["without_delay"] and appi_detail["clock"]["due_at"] is None
    listed = await desk.get("/v1/complaints?request_kind=appi_disclosure_request", OPERATOR)
    assert [i["id"] for i in listed["items"]] == [appi]

    extended = await desk.post(f"/v1/complaints/{gdpr}/extension", OPERATOR, {"reason": "many requests at once"})
    assert extended["clock"]["extended_at"] and extended["clock"]["extension_reason"] == "many requests at once"
    assert extended["due_at"] == extended["clock"]["extended_due_at"]  # the date that counts now
    for case, why in ((gdpr, "twice"), (appi, "no such clock")):
        refused = await desk.post(f"/v1/complaints/{case}/extension", OPERATOR, {"reason": "r"}, status=409)
        assert refused["error"]["code"] == "not_extendable", why
    linked = await desk.post(f"/v1/complaints/{gdpr}/incident", OPERATOR, {"incident_kind": "misdelivery"}, status=201)
    incident = await desk.get(f"/v1/incidents/{linked['incident_id']}", OPERATOR)
    assert incident["reference"] == "PC-2026-000001-I"
    assert any(e["kind"] == "linked_complaint" and e["detail"]["complaint_id"] == gdpr for e in incident["timeline"])
    assert (await desk.get(f"/v1/complaints/{gdpr}", OPERATOR))["incident_id"] == linked["incident_id"]
    again = await desk.post(f"/v1/complaints/{gdpr}/incident", OPERATOR, status=409)
    assert again["error"]["code"] == "already_linked"

    replied = datetime(2026, 4, 20, tzinfo=UTC).isoformat()
    detail = await desk.post(
        f"/v1/complaints/{gdpr}/outcome", BUREAU, {"outcome": "upheld", "reply": "We erased it.", "replied_at": replied}
    )
    assert detail["status"] == "closed" and detail["outcome"] == "upheld" and detail["reply"] == "We erased it."
    async with desk.sessions() as session:
        row = await session.get(PrivacyComplaintRecord, uuid.UUID(gdpr))
        assert row is not None and row.reply_encrypted is not None and "erased" not in row.reply_encrypted


async def test_a_tier_that_lets_its_deadline_pass_is_escalated_up_the_path(desk: Desk) -> None:
    received = datetime.now(UTC) - timedelta(minutes=1)
    case_id = await desk.request(7, received_at=received)
    other = await desk.request(8, received_at=received)
    await desk.post(f"/v1/government-requests/{other}/acknowledge", OPERATOR)  # its first tier is never escalated
    assert await escalate_overdue(desk.sessions, POLICY, DIRECTORY, received + timedelta(hours=3)) == 0
    late = received + timedelta(hours=4, minutes=1)
    assert await escalate_overdue(desk.sessions, POLICY, DIRECTORY, late) == 1
    assert await escalate_overdue(desk.sessions, POLICY, DIRECTORY, late) == 0  # once per tier
    later = late + timedelta(hours=8, minutes=1)
    assert (
        await escalate_overdue(desk.sessions, POLICY, DIRECTORY, later) == 2
    )  # and the other's second tier, told on its ack
    latest = later + timedelta(hours=24, minutes=1)
    assert await escalate_overdue(desk.sessions, POLICY, DIRECTORY, latest) == 2
    acknowledged = await desk.get(f"/v1/government-requests/{other}", OPERATOR)
    assert [(r["step"], r["reason"], r["acknowledged_at"] is not None) for r in acknowledged["routes"]] == [
        (1, "routed", True),
        (2, "routed", False),
        (3, "escalated", False),
        (4, "escalated", False),
    ]
    detail = await desk.get(f"/v1/government-requests/{case_id}", OPERATOR)
    assert [(r["step"], r["target"], r["reason"]) for r in detail["routes"]] == [
        (1, "division_manager", "routed"),
        (2, "pi_administrator", "escalated"),
        (3, "officer_in_charge", "escalated"),
        (4, "officer_in_charge", "escalated"),
    ]
    assert [e["action"] for e in detail["log"]].count("escalated") == 3
    detail = await desk.post(f"/v1/government-requests/{case_id}/acknowledge", OFFICER)
    assert all(r["acknowledged_at"] for r in detail["routes"]) and len(detail["routes"]) == 4
    assert (
        await escalate_overdue(desk.sessions, POLICY, DIRECTORY, latest + timedelta(days=2)) == 1
    )  # the other's officer only
    assert len((await desk.get(f"/v1/government-requests/{case_id}", OPERATOR))["routes"]) == 4
    # each tier told was one escalation request in the outbox for the notifier, naming nothing of the request
    told = await desk.told(case_id)
    assert [(e["step"], e["target"], e["reason"]) for e in told] == [
        (1, "division_manager", "routed"),
        (2, "pi_administrator", "escalated"),
        (3, "officer_in_charge", "escalated"),
        (4, "officer_in_charge", "escalated"),
    ]
    assert {(e["case"], e["reference"], e["risk_level"]) for e in told} == {
        ("government_request", "GR-2026-000007", "none")
    }
    assert told[0]["recipients"][0]["email"] == "hiroshi.watanabe@example-holdings.example.com"  # Sales: the default
    assert "Examples" not in str(told) and "crm-prod" not in str(told) and "warrant" not in str(told)
    assert [(e["step"], e["reason"]) for e in await desk.told(other)] == [
        (1, "routed"),
        (2, "routed"),
        (3, "escalated"),
        (4, "escalated"),
        (5, "escalated"),
    ]
