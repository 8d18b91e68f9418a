"""Issue 16's closing example: ONE real Amazon Macie finding (the vendor's EventBridge format, a bucket made
public: no count, no data identifiers) posted to intake, its `pidesk.incident.reported.v1` recorded by
escalation, and the incident as the desk API answers it — before its bucket is in the ledger, and after an
entry for the bucket is added (the same incident, re-assessed by the ledger change).

With PIDESK_LEDGER_EXAMPLE=path the two answers are written there as {"before": …, "after": …}."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.services.escalation.service.ledger_changes import handle_next_ledger_change
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.shared import topics
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import Envelope, IncidentReported, parse_payload, payload_as
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.integration.test_ledger_alerts import NOW, RULES
from tests.support.apps import escalation_app, intake_app
from tests.support.webhooks import fixture_bytes, signed
from tests.unit.factories import report_body

SECRET = "ledger-example-secret-0123456789abcdef"
WEBHOOK_SECRET = "macie-example-secret-0123456789"
BUREAU = {"Authorization": f"Bearer {issue_token(SECRET, name='sato', role=Role.PROMOTION_BUREAU)}"}
OPERATOR = {"Authorization": f"Bearer {issue_token(SECRET, name='ito', role=Role.DESK_OPERATOR)}"}
ENTRY = {
    "id": "L-0101",
    "name": "CRM exports: customers' year-end statements",
    "company": "Example Holdings",
    "division": "Retail Sales",
    "assets": ["s3:acme-crm-exports-apne1"],
    "data_categories": ["name", "address", "my_number", "purchase_history"],
    "people_count": 48000,
    "counted_on": "2026-10-01",
    "subject_regions": {"JP": 48000},
    "purpose": "Orders, and the statutory payment records of prize winners (My Number Act Art. 9)",
    "legal_basis": "Purpose notified at sign-up (APPI Art. 21)",
    "retention": "3 years after the last purchase",
    "storage_location": "AWS ap-northeast-1 (Tokyo)",
    "encryption": "standard",
    "responsible": "Retail Sales manager",
}


async def reported_event(tmp_path: Path) -> tuple[Envelope, IncidentReported]:
    body = fixture_bytes("aws-macie", "finding_policy_public.json")
    async with intake_app(tmp_path, "example_intake", webhook_secrets={"aws-macie": WEBHOOK_SECRET}) as (client, url):
        answer = await client.post(
            "/v1/webhooks/aws-macie", content=body, headers=signed("aws-macie", WEBHOOK_SECRET, body)
        )
        assert answer.status_code == 202, answer.text
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            rows = (
                await session.scalars(select(OutboxMessage).where(OutboxMessage.topic == topics.INCIDENT_REPORTED))
            ).all()
        await engine.dispose()
    [row] = rows
    envelope = Envelope.from_bytes(row.value.encode())
    return envelope, payload_as(IncidentReported, envelope, parse_payload(envelope))


def shown(answer: dict[str, Any]) -> dict[str, Any]:
    """The answer's parts the example is about."""
    keep = ("incident_id", "reference", "entity", "division", "report", "ledger", "assessment", "obligations")
    out = {k: answer[k] for k in keep}
    out["obligations"] = [
        {"code": o["code"], "status": o["status"], "due_at": o["due_at"]} for o in answer["obligations"]
    ]
    out["timeline"] = [{"kind": t["kind"], "detail": t["detail"]} for t in answer["timeline"]]
    return out


async def test_one_macie_alert_before_and_after_its_bucket_is_in_the_ledger(tmp_path: Path) -> None:
    envelope, event = await reported_event(tmp_path)
    assert {"type": "s3", "id": "acme-crm-exports-apne1"} in event.model_dump(mode="json")["assets"]
    async with escalation_app(tmp_path, "example_desk", SECRET) as (client, url):
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session, session.begin():
            repository = IncidentRepository(session)
            assert await record_reported_incident(
                repository, RULES, incident_id=envelope.incident_id, event=event, now=NOW
            )
        before = (await client.get(f"/v1/incidents/{envelope.incident_id}", headers=OPERATOR)).json()

        made = await client.post("/v1/ledger", headers=BUREAU, json=ENTRY)
        assert made.status_code == 201, made.text
        while await handle_next_ledger_change(sessions, RULES, now=NOW) is not None:
            pass
        after = (await client.get(f"/v1/incidents/{envelope.incident_id}", headers=OPERATOR)).json()
        await engine.dispose()

    assert before["ledger"]["unknown_assets"] == ["s3:acme-crm-exports-apne1"] and before["ledger"]["not_in_ledger"]
    assert before["assessment"]["risk_level"] == "very_high"
    assert after["ledger"]["matched_entries"][0]["entry_id"] == "L-0101" and not after["ledger"]["not_in_ledger"]
    filled = {f["fact"]: f["value"] for f in after["ledger"]["filled"]}
    assert filled["affected_count"] == 48000 and filled["data_categories"] == ENTRY["data_categories"]
    kinds = [t["kind"] for t in after["timeline"]]
    assert kinds[-3:] == ["ledger_changed", "assessed", "notified"]  # the holding's division manager told
    assert after["timeline"][-3]["detail"] == {"entry_id": "L-0101", "version": 1, "change": "created"}
    assert any("from ledger entry L-0101 version 1" in line for line in after["assessment"]["explanation"])
    # unknown data read as "other" missed the My Number Act's report; the ledger's categories call for it
    pending = {o["code"] for o in after["obligations"] if o["status"] == "pending"}
    assert {"mynumber.ppc_preliminary_report", "mynumber.ppc_final_report"} <= pending
    assert not any(o["code"].startswith("mynumber.") for o in before["obligations"])
    if target := os.environ.get("PIDESK_LEDGER_EXAMPLE"):
        Path(target).write_text(
            json.dumps({"before": shown(before), "after": shown(after)}, ensure_ascii=False, indent=2)
        )


async def test_the_report_api_takes_typed_assets_and_passes_them_on(tmp_path: Path) -> None:
    assets = [{"type": "sharepoint", "id": "https://example.sharepoint.com/sites/HR/"}, "the HR laptop"]
    async with intake_app(tmp_path, "typed_assets") as (client, url):
        accepted = await client.post("/v1/reports", json=report_body(assets=assets))
        assert accepted.status_code == 202, accepted.text
        refused = await client.post("/v1/reports", json=report_body(assets=[{"type": "floppy", "id": "A:"}]))
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "validation_error"
        engine = create_engine(url)
        async with session_factory(engine)() as session:
            [row] = (await session.scalars(select(OutboxMessage))).all()
        await engine.dispose()
    envelope = Envelope.from_bytes(row.value.encode())
    assert envelope.payload["assets"] == assets
