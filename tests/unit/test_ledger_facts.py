"""Issue 16, phase 2: the assets each webhook source names (from the vendors' own payload formats), and the
pure rules by which the ledger fills the facts a report lacks (services/escalation/domain/ledger_facts.py)."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from pidesk.services.escalation.domain.ledger import covering, read_entry
from pidesk.services.escalation.domain.ledger_assets import AlertAsset, AssetKind
from pidesk.services.escalation.domain.ledger_facts import HeldEntry, LedgerIndex, fill, look_up, named_assets
from pidesk.services.escalation.domain.ledger_files import read_yaml
from pidesk.services.intake.webhooks.registry import load_sources
from pidesk.shared.events import AssetRef, IncidentReported
from tests.support.webhooks import fixture_bytes

SOURCES = load_sources()
ROOT = Path(__file__).resolve().parents[2]


def typed(source: str, name: str, payload: Any = None) -> list[list[str]]:
    body = payload if payload is not None else json.loads(fixture_bytes(source, name))
    alerts = SOURCES[source].parse(body, {})
    assert isinstance(alerts, list)
    return [[f"{a.type.value}:{a.id}" for a in alert.assets if isinstance(a, AssetRef)] for alert in alerts]


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("aws-macie", "finding_policy_public.json", [["s3:acme-crm-exports-apne1"]]),
        (
            "aws-macie",
            "finding_personal.json",
            [["s3:acme-crm-exports-apne1/exports/2026-09/customers_20260913.csv"]],
        ),
        ("github", "secret_scanning_alert_created.json", [["github:acme-retail/loyalty-api"]]),
        (
            "ms-purview",
            "dlp_records_array.json",
            [
                ["sharepoint:https://contoso-my.sharepoint.com/personal/kenji_ito_contoso_co_jp"],
                ["mailbox:misaki.kobayashi@contoso.co.jp"],
            ],
        ),
        ("ms-purview", "dlp_rule_match_single.json", [["mailbox:hanako.sato@contoso.co.jp"]]),
        ("netskope", "dlp_alert.json", [["app:Dropbox"]]),
        (
            "netskope",
            "dlp_alerts_array.json",
            [
                ["app:Google Drive/gmail.com"],
                ["app:Microsoft Office 365 OneDrive for Business/contoso-my.sharepoint.com"],
            ],
        ),
        ("code42", "alert_open.json", [[]]),  # files taken from an endpoint: a device, not a holding
        (
            "google-dlp",
            "pubsub_data_profile.json",
            [["other://bigquery.googleapis.com/projects/pidesk-data-prod/datasets/crm/tables/customers"]],
        ),
    ],
)
def test_each_source_names_its_assets_typed(source: str, name: str, expected: list[list[str]]) -> None:
    assert typed(source, name) == expected


def test_alert_center_names_the_drive_file_or_the_senders_mailbox() -> None:
    envelope = json.loads(fixture_bytes("google-dlp", "pubsub_alert_center_dlp.json"))
    assert typed("google-dlp", "", envelope) == [["google_drive:1qZ3xW8vK0pLmN4oR7sT2uYbC5dE6fGhI9jA"]]
    alert = json.loads(base64.b64decode(envelope["message"]["data"]))
    alert["data"]["ruleViolationInfo"]["dataSource"] = "GMAIL"
    envelope["message"]["data"] = base64.b64encode(json.dumps(alert).encode()).decode()
    [[mailbox]] = typed("google-dlp", "", envelope)
    assert mailbox.startswith("mailbox:")


def test_code42_names_the_cloud_service_files_left_from() -> None:
    payload = json.loads(fixture_bytes("code42", "alert_open.json"))
    text = json.dumps(payload).replace('\\"sources\\":[\\"Endpoint\\"]', '\\"sources\\":[\\"OneDrive\\"]')
    assert typed("code42", "", json.loads(text)) == [["app:OneDrive"]]


def test_old_events_stay_valid_and_typed_assets_are_optional() -> None:
    base = {
        "reference": "PI-2026-000001",
        "source": "api",
        "reporter": {"name": "A", "email": "a@example.com", "division": "D", "entity": "E", "entity_country": "JP"},
        "incident_kind": "loss",
        "aware_at": "2026-11-20T01:00:00+00:00",
        "received_at": "2026-11-20T01:00:00+00:00",
        "data_categories": ["name"],
    }
    assert IncidentReported.model_validate(base).assets == []
    old = IncidentReported.model_validate({**base, "assets": ["laptop-123"]})
    assert old.assets == ["laptop-123"]
    new = IncidentReported.model_validate({**base, "assets": [{"type": "s3", "id": "b"}, "laptop-123"]})
    assert new.model_dump(mode="json")["assets"] == [{"type": "s3", "id": "b"}, "laptop-123"]
    with pytest.raises(ValueError, match="type"):
        IncidentReported.model_validate({**base, "assets": [{"type": "floppy", "id": "b"}]})
    with pytest.raises(ValueError, match="200"):
        IncidentReported.model_validate({**base, "assets": [f"a{n}" for n in range(201)]})


ENTRY = {
    "id": "L-0009",
    "name": "Members",
    "company": "Example Holdings",
    "division": "Retail Sales",
    "assets": ["s3:members", "sharepoint:https://example.sharepoint.com/sites/members"],
    "data_categories": ["name", "credit_card"],
    "people_count": 1200,
    "counted_on": "2026-10-01",
    "subject_regions": {"JP": 900, "EU": 300},
    "purpose": "p",
    "legal_basis": "b",
    "retention": "r",
    "storage_location": "s",
    "encryption": "standard",
    "entity_role": "processor",
    "on_behalf_of": "Client KK",
    "responsible": "x",
}
HELD = [HeldEntry(read_entry(ENTRY), 4)]


def lookup(source: str, assets: list[Any]) -> dict[str, Any]:
    return look_up(HELD, named_assets(source, assets)).record()


def test_an_alert_lacking_facts_takes_them_from_its_entry_each_named() -> None:
    record = lookup("aws-macie", [{"type": "s3", "id": "arn:aws:s3:::members/x.csv"}, {"type": "s3", "id": "other"}])
    assert record["unknown_assets"] == ["s3:other"]
    result = fill(
        {"data_categories": ["other"], "affected_count": None, "encryption": "none"}, record, source="aws-macie"
    )
    assert result.facts["affected_count"] == 1200
    assert result.facts["data_categories"] == ["name", "credit_card"]
    assert result.facts["subject_regions"] == {"EU": 300, "JP": 900}
    assert (result.facts["encryption"], result.facts["entity_role"]) == ("standard", "processor")
    assert result.owner == ("Example Holdings", "Retail Sales")
    assert result.summary(record)["matched_entries"][0]["on_behalf_of"] == "Client KK"
    assert {(f.entry_id, f.version) for f in result.filled} == {("L-0009", 4)}
    assert "affected_count 1200 from ledger entry L-0009 version 4" in result.explanation()[0]


def test_the_reports_facts_win() -> None:
    record = lookup("form", ["https://example.sharepoint.com/sites/members/Shared Documents/a.xlsx"])
    given = {"data_categories": ["name"], "affected_count": 10, "encryption": "none", "entity_role": "controller"}
    result = fill(given, record, source="form")
    assert result.facts["affected_count"] == 10 and result.facts["data_categories"] == ["name"]
    assert result.facts["subject_regions"] == {"EU": 3, "JP": 8}  # the holding's spread, scaled up to the 10
    # a person states the encryption and the role (and reports for their own company)
    assert (result.facts["encryption"], result.facts["entity_role"], result.owner) == ("none", "controller", None)


def test_free_text_places_count_only_when_their_shape_tells_their_type() -> None:
    assert named_assets("form", ["my laptop", "arn:aws:s3:::members", "hr@example.co.jp"]) == named_assets(
        "form", ["arn:aws:s3:::members", "hr@example.co.jp"]
    )
    assert lookup("form", ["my laptop"]) == {"named": [], "matches": [], "unknown_assets": []}


def test_an_object_beside_its_unknown_bucket_is_one_finding() -> None:
    record = lookup("aws-macie", [{"type": "s3", "id": "nobody/a/b.csv"}, {"type": "s3", "id": "arn:aws:s3:::nobody"}])
    assert record["unknown_assets"] == ["s3:nobody"]


def test_unknown_assets_under_another_unknown_one_are_left_out_however_many() -> None:
    # a storm's incident: thousands of objects, their bucket named too, and a wildcard a report gave
    objects = [AlertAsset(f"Nobody/exports/{n}/file.csv", AssetKind.S3) for n in range(3_000)]
    record = look_up(HELD, [*objects, AlertAsset("arn:aws:s3:::nobody", AssetKind.S3)]).record()
    assert record["unknown_assets"] == ["s3:nobody"]  # bucket names compared case-insensitively
    record = lookup("aws-macie", [{"type": "s3", "id": "other-x/a.csv"}, {"type": "s3", "id": "other-*"}])
    assert record["unknown_assets"] == ["s3:other-*"]
    assert len(look_up(HELD, objects[:2_000]).unknown) == 2_000


def test_the_index_finds_what_covering_finds_in_the_same_order() -> None:
    example = read_yaml((ROOT / "services/escalation/policy/example_ledger.yaml").read_text(encoding="utf-8"))
    extra = read_entry({**ENTRY, "id": "L-0010", "assets": ["s3:example-shop-*", "github:example-holdings/shop-*"]})
    entries = [*example, extra]
    index = LedgerIndex(HeldEntry(e, 1) for e in entries)
    probes = [
        AlertAsset("example-shop-customers-prod", AssetKind.S3),
        AlertAsset("arn:aws:s3:::example-shop-customers-prod/2026/a.csv", AssetKind.S3),
        AlertAsset("s3://EXAMPLE-SHOP-TEST-eu/x"),
        AlertAsset("example-holdings/shop-crm", AssetKind.GITHUB),
        AlertAsset("https://github.com/Example-Holdings/shop-crm/blob/main/README.md"),
        AlertAsset("https://exampleholdings.sharepoint.com/sites/hr/Shared Documents/a.xlsx"),
        AlertAsset("HR@example-holdings.example.com"),
        AlertAsset("someone@members.example-korea.example.com"),
        AlertAsset("Example Route Planner/tenant-1", AssetKind.APP),
        AlertAsset("unlisted"),
        AlertAsset("unlisted", AssetKind.S3),
    ]
    for probe in probes:
        slow = [(m.entry.id, m.match.asset, m.match.fit) for m in covering(entries, probe)]
        fast = [(held.entry.id, match.asset, match.fit) for held, match in index.covering(probe)]
        assert fast == slow, probe
    assert sum(1 for probe in probes if index.covering(probe)) == 9
