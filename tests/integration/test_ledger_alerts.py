"""Issue 16, phase 2: alerts meet the personal-information ledger, on PostgreSQL.

A Macie-style alert on a bucket in the ledger is assessed on the entry's count and categories (and the
obligations they imply), each filled fact naming its entry and version; the same alert before the bucket
was in the ledger is assessed at its worst and flagged "not in the ledger"; the report's own count wins;
the owner routes; a change of an entry re-assesses its open incidents, durably, the timeline saying why;
the batch path reads the ledger once per batch."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import Incident, IncidentAsset, LedgerChange, OutboxMessage
from pidesk.services.escalation.adapters.policy_files import load_directory, load_policy
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.services.escalation.service.desk import add_facts
from pidesk.services.escalation.service.incidents import (
    record_incident_update,
    record_reported_incident,
    record_reported_incidents,
)
from pidesk.services.escalation.service.ledger import create_entry, retire_entry, update_entry
from pidesk.services.escalation.service.ledger_changes import handle_next_ledger_change
from pidesk.services.escalation.service.routing import RoutingRules
from pidesk.services.escalation.views.incidents import incident as incident_view
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import AlertRecord, IncidentReported, IncidentUpdated, ReporterRef
from pidesk.shared.http.auth import Principal
from pidesk.shared.vocabulary import Role
from tests.support.infra import fresh_postgres_database

AWARE = datetime(2026, 11, 20, 1, 15, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
RULES = RoutingRules(load_policy(), load_directory())
WEBHOOK = ReporterRef(
    name="DLP alerts",
    email="dlp-alerts@example.com",
    division="Information Security",
    entity="Example Holdings",
    entity_country="JP",
)
APPI = {"appi.ppc_preliminary_report", "appi.ppc_final_report"}
MY_NUMBER = {"mynumber.ppc_preliminary_report", "mynumber.ppc_final_report"}


def customers(**overrides: Any) -> dict[str, Any]:
    entry = {
        "id": "L-0001",
        "name": "Online shop customers",
        "company": "Example Holdings",
        "division": "Retail Sales",
        "assets": ["s3:example-shop-customers-prod"],
        "data_categories": ["name", "address", "email", "my_number"],
        "people_count": 48000,
        "counted_on": "2026-10-01",
        "subject_regions": {"JP": 48000},
        "purpose": "Delivering orders",
        "legal_basis": "Purpose notified at sign-up",
        "retention": "7 years",
        "storage_location": "AWS Tokyo",
        "encryption": "standard",
        "responsible": "Nakamura",
    }
    return {**entry, **overrides}


def dummy_bucket(**overrides: Any) -> dict[str, Any]:
    return customers(
        id="L-0002",
        name="Shop test data",
        division="Information Security",
        assets=["s3:example-shop-test-*"],
        data_categories=["name", "email"],
        people_count=3,
        subject_regions={"JP": 3},
        **overrides,
    )


def macie(
    bucket: str, reference: str, *, count: int | None = None, categories: list[str] | None = None
) -> IncidentReported:
    """A Macie policy finding (the bucket made public): no count, no data identifiers."""
    alert = AlertRecord(
        source="aws-macie",
        alert_id=f"finding-{reference}",
        received_at=AWARE,
        aware_at=AWARE,
        rule="Policy:IAMUser/S3BucketPublic",
        asset=f"arn:aws:s3:::{bucket}",
        data_categories=categories or ["other"],
        affected_count=count,
    )
    return IncidentReported(
        reference=reference,
        source="aws-macie",
        source_alert_id=alert.alert_id,
        reporter=WEBHOOK,
        incident_kind="public_exposure",
        aware_at=AWARE,
        received_at=AWARE,
        data_categories=categories or ["other"],
        affected_count=count,
        assets=[f"arn:aws:s3:::{bucket}", {"type": "s3", "id": bucket}],
        alerts=[alert],
    )


@dataclass
class Desk:
    sessions: async_sessionmaker[AsyncSession]

    async def report(self, event: IncidentReported) -> uuid.UUID:
        incident_id = uuid.uuid4()
        async with self.sessions() as session, session.begin():
            assert await record_reported_incident(
                IncidentRepository(session), RULES, incident_id=incident_id, event=event, now=NOW
            )
        return incident_id

    async def answer(self, incident_id: uuid.UUID) -> dict[str, Any]:
        """The incident as the desk API answers GET /v1/incidents/{id}."""
        return (await incident_view(EscalationUnitOfWork(self.sessions), incident_id)).model_dump(mode="json")

    async def ledger(self, raw: dict[str, Any]) -> None:
        await create_entry(EscalationUnitOfWork(self.sessions), raw, by="bureau:sato", now=NOW)

    async def handle_changes(self) -> list[LedgerChange]:
        handled = []
        while (change := await handle_next_ledger_change(self.sessions, RULES, now=NOW)) is not None:
            handled.append(change)
        return handled


@pytest.fixture
async def desk() -> AsyncIterator[Desk]:
    async with fresh_postgres_database("ledger_alerts") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        try:
            yield Desk(session_factory(engine))
        finally:
            await engine.dispose()


def codes(answer: dict[str, Any]) -> set[str]:
    return {o["code"] for o in answer["obligations"] if o["status"] == "pending"}


async def test_an_alert_on_a_bucket_in_the_ledger_is_assessed_on_its_facts(desk: Desk) -> None:
    before = await desk.answer(await desk.report(macie("example-shop-test-eu", "PI-2026-000001")))
    assert before["ledger"]["matched_entries"] == [] and before["ledger"]["not_in_ledger"]
    assert before["ledger"]["unknown_assets"] == ["s3:example-shop-test-eu"]
    assert before["assessment"]["risk_level"] == "very_high"  # an unknown count exceeds every threshold
    assert codes(before) >= APPI

    await desk.ledger(customers())
    await desk.ledger(dummy_bucket())
    assert [c.entry_id for c in await desk.handle_changes()] == ["L-0001", "L-0002"]

    # the same alert, now that the bucket is in the ledger: three dummy people, names and mail addresses
    after = await desk.answer(await desk.report(macie("example-shop-test-eu", "PI-2026-000002")))
    assert after["ledger"]["not_in_ledger"] is False and after["ledger"]["unknown_assets"] == []
    matched = after["ledger"]["matched_entries"][0]
    assert (matched["entry_id"], matched["version"], matched["asset"]) == ("L-0002", 1, "s3:example-shop-test-eu")
    assert matched["fit"] == "pattern" and "affected_count" in matched["filled"]
    filled = {f["fact"]: f["value"] for f in after["ledger"]["filled"]}
    assert filled["affected_count"] == 3 and filled["data_categories"] == ["name", "email"]
    assert not APPI & codes(after)
    assert after["assessment"]["risk_level"] != "very_high"
    assert any("from ledger entry L-0002 version 1" in line for line in after["assessment"]["explanation"])

    # a bucket of 48,000 customers with My Numbers: the entry's count and categories, and what they imply
    shop = await desk.answer(await desk.report(macie("example-shop-customers-prod", "PI-2026-000003")))
    filled = {f["fact"]: f for f in shop["ledger"]["filled"]}
    assert filled["affected_count"]["value"] == 48000 and "my_number" in filled["data_categories"]["value"]
    assert filled["affected_count"]["text"]["ja"].startswith("affected_count 48000 は個人情報管理台帳 L-0001 第1版")
    assert codes(shop) >= APPI | MY_NUMBER
    assert shop["report"]["affected_count"] is None  # the report as received: the ledger fills the assessment


async def test_the_reports_own_count_wins_and_the_owner_routes(desk: Desk) -> None:
    await desk.ledger(customers(company="Example GmbH", division="Vertrieb", subject_regions={"DE": 48000}))
    answer = await desk.answer(
        await desk.report(macie("example-shop-customers-prod", "PI-2026-000010", count=12, categories=["name"]))
    )
    filled = {f["fact"]: f["value"] for f in answer["ledger"]["filled"]}
    assert "affected_count" not in filled and "data_categories" not in filled  # the report gave them
    assert filled["subject_regions"] == {"DE": 12}  # the holding's regions, scaled to the report's count
    assert answer["ledger"]["owner"] == {"company": "Example GmbH", "division": "Vertrieb"}
    assert (answer["entity"], answer["division"]) == ("Example GmbH", "Vertrieb")
    assert answer["reporter"]["entity"] == "Example Holdings"  # who reported is kept
    assert any(o["code"].startswith("gdpr.") for o in answer["obligations"])  # a German holding: GDPR
    managers = [r["recipients"] for r in answer["routes"] if r["target"] == "division_manager"]
    assert managers == [[{"name": "Jonas Weber", "email": "jonas.weber@example-gmbh.example.com"}]]
    unlisted = await desk.answer(await desk.report(macie("unlisted-bucket", "PI-2026-000012")))
    assert (unlisted["entity"], unlisted["division"]) == ("Example Holdings", "Information Security")
    assert not any("example-gmbh" in str(r["recipients"]) for r in unlisted["routes"])

    # the desk's own count is never replaced by the ledger's
    incident_id = await desk.report(macie("example-shop-customers-prod", "PI-2026-000011"))
    assert {f["fact"] for f in (await desk.answer(incident_id))["ledger"]["filled"]} >= {"affected_count"}
    desk_operator = Principal(name="alice", role=Role.DESK_OPERATOR, token_id="t")
    await add_facts(EscalationUnitOfWork(desk.sessions), RULES, incident_id, {"affected_count": 7}, desk_operator, NOW)
    answer = await desk.answer(incident_id)
    assert "affected_count" not in {f["fact"] for f in answer["ledger"]["filled"]}
    assert answer["assessment"]["ledger"]["matched_entries"][0]["entry_id"] == "L-0001"


async def test_changing_an_entry_reassesses_its_open_incidents(desk: Desk) -> None:
    unknown = await desk.report(macie("example-shop-customers-prod", "PI-2026-000020"))
    await desk.ledger(dummy_bucket())
    await desk.handle_changes()
    await desk.ledger(customers(people_count=800, subject_regions={"JP": 800}))
    covered = await desk.report(macie("example-shop-customers-prod", "PI-2026-000021"))

    # the unknown bucket's incident, re-assessed by the change that put the bucket in the ledger
    handled = await desk.handle_changes()
    assert [(c.entry_id, c.reassessed) for c in handled] == [("L-0001", 1)]
    answer = await desk.answer(unknown)
    assert answer["ledger"]["matched_entries"][0]["entry_id"] == "L-0001"
    why = [t for t in answer["timeline"] if t["kind"] == "ledger_changed"]
    assert why[-1]["detail"] == {"entry_id": "L-0001", "version": 1, "change": "created"}
    assessed = [t for t in answer["timeline"] if t["kind"] == "assessed"]
    assert assessed[-1]["detail"]["reason"] == "ledger_changed"
    # the holding's owner (Retail Sales) now: its division manager is told as well
    managers = [r["recipients"][0]["email"] for r in answer["routes"] if r["target"] == "division_manager"]
    assert managers == [
        "megumi.kobayashi@example-holdings.example.com",
        "satoshi.nakamura@example-holdings.example.com",
    ]
    assert (answer["entity"], answer["division"]) == ("Example Holdings", "Retail Sales")

    # the count is corrected: both open incidents follow (800 -> 48,000: now above APPI's 1,000)
    assert not APPI & codes(await desk.answer(covered))  # 800 people, no My Number: below APPI's threshold
    await update_entry(EscalationUnitOfWork(desk.sessions), "L-0001", customers(), by="bureau:sato", now=NOW)
    assert [(c.entry_id, c.version, c.reassessed) for c in await desk.handle_changes()] == [("L-0001", 2, 2)]
    for incident_id in (unknown, covered):
        answer = await desk.answer(incident_id)
        assert answer["ledger"]["matched_entries"][0]["version"] == 2
        assert {f["fact"]: f["value"] for f in answer["ledger"]["filled"]}["affected_count"] == 48000
        assert [t["detail"] for t in answer["timeline"] if t["kind"] == "ledger_changed"][-1] == {
            "entry_id": "L-0001",
            "version": 2,
            "change": "updated",
        }
        assert answer["assessment"]["ledger"]["filled"][0]["entry_id"] == "L-0001"
    # a closed incident is left as it was; retiring the entry leaves the open one's asset not in the ledger
    await retire_entry(EscalationUnitOfWork(desk.sessions), "L-0001", by="bureau:sato", now=NOW)
    assert [c.reassessed for c in await desk.handle_changes()] == [2]
    answer = await desk.answer(covered)
    assert answer["ledger"]["unknown_assets"] == ["s3:example-shop-customers-prod"]
    assert answer["ledger"]["filled"] == [] and answer["assessment"]["risk_level"] == "very_high"


async def test_a_change_is_handled_once_and_survives_a_stop(desk: Desk, monkeypatch: pytest.MonkeyPatch) -> None:
    """The change is a row written with the entry: until a tick handles it, it waits (a restart included);
    a tick that fails half-way changes nothing, and the next one does it all."""
    incident_id = await desk.report(macie("example-shop-customers-prod", "PI-2026-000030"))
    await desk.ledger(customers())
    async with desk.sessions() as session:
        pending = (await session.scalars(select(LedgerChange).where(LedgerChange.done_at.is_(None)))).all()
        assert [(c.entry_id, c.version, c.change) for c in pending] == [("L-0001", 1, "created")]

    def crash(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the process died")

    monkeypatch.setattr("pidesk.services.escalation.service.ledger_changes.reassess", crash)
    with pytest.raises(RuntimeError):
        await desk.handle_changes()
    answer = await desk.answer(incident_id)
    assert answer["ledger"]["unknown_assets"] == ["s3:example-shop-customers-prod"]  # nothing half-done
    monkeypatch.undo()
    assert [c.reassessed for c in await desk.handle_changes()] == [1]
    assert (await desk.answer(incident_id))["ledger"]["matched_entries"][0]["entry_id"] == "L-0001"
    assert await desk.handle_changes() == []


async def test_the_batch_path_reads_the_ledger_once_per_batch(desk: Desk) -> None:
    await desk.ledger(customers())
    await desk.ledger(dummy_bucket())
    await desk.handle_changes()
    reported = [
        (uuid.uuid4(), macie("example-shop-customers-prod" if n % 2 else "unlisted-bucket", f"PI-2026-0001{n:02d}"))
        for n in range(20)
    ]
    reads = 0

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal reads
        reads += "FROM ledger_entries" in statement

    async with desk.sessions() as session, session.begin():
        sync_engine = session.bind.sync_engine  # type: ignore[union-attr]
        event.listen(sync_engine, "before_cursor_execute", count)
        try:
            assert await record_reported_incidents(session, RULES, reported) == 20
        finally:
            event.remove(sync_engine, "before_cursor_execute", count)
    assert reads == 1
    async with desk.sessions() as session:
        rows = (await session.scalars(select(IncidentAsset))).all()
        assert sum(1 for r in rows if r.entry_id == "L-0001") == 10
        assert sum(1 for r in rows if r.entry_id is None) == 10
        incidents = (await session.scalars(select(Incident))).all()
        assert sum(1 for i in incidents if i.assessment and i.assessment["ledger"]["filled"]) == 10
        assessed = (await session.scalars(select(OutboxMessage).where(OutboxMessage.topic.like("%assessed%")))).all()
        counts = [json.loads(m.value)["payload"]["facts"].get("affected_count") for m in assessed]
        assert counts.count(48000) == 10  # the assessed event carries the facts the assessment read


async def test_an_update_naming_a_new_asset_is_looked_up(desk: Desk) -> None:
    await desk.ledger(customers())
    await desk.handle_changes()
    incident_id = await desk.report(macie("unlisted-bucket", "PI-2026-000040"))
    assert (await desk.answer(incident_id))["ledger"]["unknown_assets"] == ["s3:unlisted-bucket"]
    before = await _asset_rows(desk, incident_id)
    assets = [*macie("unlisted-bucket", "x").model_dump(mode="json")["assets"]]
    assets.append({"type": "s3", "id": "example-shop-customers-prod/exports/2026.csv"})
    update = IncidentUpdated(
        reference="PI-2026-000040",
        source="aws-macie",
        reason="vendor_update",
        changes={"assets": assets},
        updated_at=NOW,
        updated_by="webhook:aws-macie",
    )
    async with desk.sessions() as session, session.begin():
        await record_incident_update(IncidentRepository(session), RULES, incident_id=incident_id, event=update, now=NOW)
    answer = await desk.answer(incident_id)
    assert [(m["entry_id"], m["asset"], m["fit"]) for m in answer["ledger"]["matched_entries"]] == [
        ("L-0001", "s3:example-shop-customers-prod/exports/2026.csv", "under")
    ]
    assert answer["ledger"]["unknown_assets"] == ["s3:unlisted-bucket"]
    assert {f["fact"]: f["value"] for f in answer["ledger"]["filled"]}["affected_count"] == 48000
    # only the difference is written: the asset the ledger still answers the same for keeps its row
    after = await _asset_rows(desk, incident_id)
    assert sorted(after.values()) == ["s3:example-shop-customers-prod/exports/2026.csv", "s3:unlisted-bucket"]
    assert {row_id for row_id, asset in before.items() if asset == "s3:unlisted-bucket"} <= set(after)


async def _asset_rows(desk: Desk, incident_id: uuid.UUID) -> dict[int, str]:
    async with desk.sessions() as session:
        rows = await session.execute(
            select(IncidentAsset.id, IncidentAsset.asset).where(IncidentAsset.incident_id == incident_id)
        )
        return {row_id: asset for row_id, asset in rows.all()}


async def test_an_incident_is_looked_up_by_at_most_200_assets_however_it_grows(desk: Desk) -> None:
    incident_id = await desk.report(macie("unlisted-bucket", "PI-2026-000041"))
    for batch in range(3):  # each update names 150 more buckets (none in the ledger)
        buckets = [{"type": "s3", "id": f"storm-{batch}-{n}"} for n in range(150)]
        update = IncidentUpdated(
            reference="PI-2026-000041",
            source="aws-macie",
            reason="vendor_update",
            changes={"assets": buckets},
            updated_at=NOW,
            updated_by="webhook:aws-macie",
        )
        async with desk.sessions() as session, session.begin():
            repository = IncidentRepository(session)
            await record_incident_update(repository, RULES, incident_id=incident_id, event=update, now=NOW)
    async with desk.sessions() as session:
        incident = await session.get(Incident, incident_id)
        assert incident is not None and incident.ledger is not None
        assert len(incident.ledger["named"]) == 200
        # the latest update's assets first, then those named before
        assert incident.ledger["named"][0]["id"] == "storm-2-0"
    assert len(await _asset_rows(desk, incident_id)) == 200
