"""Issue 17's closing example: one government request and one privacy complaint as the desk API returns
them. Both are filed through intake's API, escalation receives them over the real broker (real intake and
escalation processes, PostgreSQL), and the desk works them through its API: the request — from a foreign
authority, under a confidentiality order, naming people in the EU, so the GDPR Art. 48 conflict shows — is
acknowledged up its path, assessed, decided and its provision recorded; the complaint acknowledged and its
outcome recorded. The test asserts on the JSON of GET /v1/government-requests/{id} and
GET /v1/complaints/{id}.

With PIDESK_CASE_EXAMPLE=path the two answers are written there in full as
{"government_request": …, "complaint": …}."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_cases_thin_path import shown
from tests.e2e.test_notices import bearer
from tests.support.apps import service_stack
from tests.support.services import ServiceProcess

RECEIVED = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
WORDS = "The bureau asks for the mailbox contents of two customers between 1 and 30 September."
REQUEST = {
    "submitted_by": {
        "name": "Sato Hanako",
        "email": "sato@example.co.jp",
        "division": "Retail Sales",
        "entity": "Example Holdings",
        "entity_country": "JP",
    },
    "authority": "Federal Bureau of Examples",
    "authority_country": "US",
    "instrument": "court_order",
    "authority_reference": "EX-2026-0412",
    "received_at": RECEIVED.isoformat(),
    "deadline_at": (RECEIVED + timedelta(days=14)).isoformat(),
    "data_categories": ["email", "communications_content"],
    "subject_regions": ["EU", "JP"],
    "people": ["Tanaka Taro", "Müller Anna"],
    "assets": ["s3:crm-prod"],
    "confidential": True,
    "summary": WORDS,
}
COMPLAINT = {
    "submitted_by": {
        "name": "Suzuki Ichiro",
        "email": "suzuki@example.co.jp",
        "division": "Customer Support",
        "entity": "Example Holdings",
        "entity_country": "JP",
    },
    "complainant_kind": "individual",
    "complainant_name": "Anna Müller",
    "complainant_contact": "anna.mueller@example.de",
    "request_kind": "gdpr_data_subject_request",
    "received_at": RECEIVED.isoformat(),
    "data_categories": ["email", "purchase_history"],
    "subject_regions": ["DE"],
    "alleges_leak": False,
    "summary": "Please tell me what you hold about me and erase my purchase history.",
}


@pytest.fixture
async def system(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with service_stack(tmp_path, ("intake", "escalation")) as stack:
        yield stack


async def call(client: httpx.AsyncClient, url: str, headers: dict[str, str], body: Any = None) -> dict[str, Any]:
    answer = await client.post(url, headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


async def test_a_request_and_a_complaint_as_the_desk_api_returns_them(system: dict[str, Any]) -> None:
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    env = system["env"]
    manager, administrator, officer = (bearer(env, r) for r in ("desk_operator", "pi_administrator", "officer"))
    bureau = bearer(env, "promotion_bureau")
    async with httpx.AsyncClient(timeout=30) as client:
        filed = await client.post(f"{intake.url}/v1/government-requests", json=REQUEST)
        assert filed.status_code == 202, filed.text
        request_id, request_ref = filed.json()["case_id"], filed.json()["reference"]
        filed = await client.post(f"{intake.url}/v1/complaints", json=COMPLAINT)
        assert filed.status_code == 202, filed.text
        complaint_id, complaint_ref = filed.json()["case_id"], filed.json()["reference"]

        # escalation received both over the broker; the confidential request exists only for its tiers
        request_url = f"{escalation.url}/v1/government-requests/{request_id}"
        complaint_url = f"{escalation.url}/v1/complaints/{complaint_id}"
        assert (await shown(client, request_url, administrator))["reference"] == request_ref
        assert (await client.get(request_url, headers=manager)).status_code == 404
        assert (await shown(client, complaint_url, bureau))["reference"] == complaint_ref

        # the request: acknowledged up the path, assessed, decided by a decider, its provision recorded
        await call(client, f"{request_url}/acknowledge", administrator)  # the division manager's tier
        await call(client, f"{request_url}/acknowledge", administrator)  # the PI administrator's
        await call(
            client,
            f"{request_url}/assessment",
            administrator,
            {
                "legal_basis_checked": True,
                "necessary_and_proportionate": True,
                "rights_of_person_considered": True,
                "notes": "A US court order; the EU resident's data only through the MLAT (GDPR Art. 48).",
            },
        )
        await call(
            client,
            f"{request_url}/decision",
            officer,
            {
                "decision": "provide_in_part",
                "reason": "The order binds us for the Japanese customer; the EU resident's data only under the MLAT.",
                "scope": "Mailbox headers of the Japanese customer, 1-30 September 2026",
            },
        )
        provided_at = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)  # whole seconds, not before now
        await call(
            client,
            f"{request_url}/provision",
            officer,
            {"provided": "Headers of 214 mails, by the bureau's secure portal", "provided_at": provided_at.isoformat()},
        )
        # the complaint: acknowledged by its targets, its outcome and reply recorded
        await call(client, f"{complaint_url}/acknowledge", bureau)
        replied_at = (datetime.now(UTC) + timedelta(seconds=1)).replace(microsecond=0)  # whole seconds, not before now
        await call(
            client,
            f"{complaint_url}/outcome",
            bureau,
            {
                "outcome": "upheld",
                "reply": "We sent you a copy of your data and erased your purchase history.",
                "replied_at": replied_at.isoformat(),
            },
        )

        request = await shown(client, request_url, officer)
        complaint = await shown(client, complaint_url, bureau)

    assert request["reference"].startswith("GR-") and request["status"] == "closed"
    assert (request["authority"], request["authority_country"], request["instrument"]) == (
        "Federal Bureau of Examples",
        "US",
        "court_order",
    )
    assert request["confidential"] is True and request["people_count"] == 2
    assert [c["code"] for c in request["conflicts_of_law"]] == ["gdpr_art48"]
    assert request["conflicts_of_law"][0]["basis"].startswith("GDPR Art. 48")
    assessment = request["assessment"]
    assert {k: v for k, v in assessment.items() if k not in ("assessed_at",)} == {
        "legal_basis_checked": True,
        "necessary_and_proportionate": True,
        "rights_of_person_considered": True,
        "conflicts_of_law": ["gdpr_art48"],
        "notes": "A US court order; the EU resident's data only through the MLAT (GDPR Art. 48).",
        "assessed_by": "pi_administrator:token:e2e-pi_administrator",
    }
    assert request["decision_reason"].startswith("The order binds us for the Japanese customer")
    assert request["decision"] == "provide_in_part" and request["decided_by"] == "officer:token:e2e-officer"
    assert request["provided_scope"] == "Mailbox headers of the Japanese customer, 1-30 September 2026"
    assert request["provided"] == "Headers of 214 mails, by the bureau's secure portal"
    assert datetime.fromisoformat(request["provided_at"]) == provided_at
    assert [(r["step"], r["target"], r["reason"], r["acknowledged_at"] is not None) for r in request["routes"]] == [
        (1, "division_manager", "routed", True),
        (2, "pi_administrator", "routed", True),
        (3, "officer_in_charge", "routed", False),
    ]
    actions = [e["action"] for e in request["log"]]
    assert actions[0] == "received" and {"assessed", "decided", "provision_recorded"} <= set(actions)
    assert WORDS not in json.dumps(request) and "Tanaka" not in json.dumps(request)  # stay in intake

    assert complaint["reference"].startswith("PC-") and complaint["status"] == "closed"
    assert (complaint["request_kind"], complaint["outcome"]) == ("gdpr_data_subject_request", "upheld")
    assert complaint["reply"] == "We sent you a copy of your data and erased your purchase history."
    clock = complaint["clock"]
    assert clock["basis"].startswith("GDPR Art. 12(3)") and clock["due_at"] == complaint["due_at"]
    month = datetime.fromisoformat(clock["due_at"]) - RECEIVED
    assert timedelta(days=28) <= month <= timedelta(days=31) and clock["extended_due_at"] > clock["due_at"]
    assert complaint["outcome_by"] == "promotion_bureau:token:e2e-promotion_bureau"
    assert datetime.fromisoformat(complaint["replied_at"]) == replied_at
    assert sorted((r["target"], r["acknowledged_at"] is not None) for r in complaint["routes"]) == [
        ("promotion_bureau", True),
        ("security_contact_desk", True),
    ]
    assert "Anna" not in json.dumps(complaint) and "anna.mueller" not in json.dumps(complaint)

    if target := os.environ.get("PIDESK_CASE_EXAMPLE"):
        Path(target).write_text(
            json.dumps({"government_request": request, "complaint": complaint}, ensure_ascii=False, indent=2)
        )
