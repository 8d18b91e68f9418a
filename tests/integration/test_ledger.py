"""Issue 16, phase 1: the personal-information ledger on PostgreSQL — `pidesk ledger import|export` (a round
trip changes nothing; a bad file is refused line by line and changes nothing; every change a version,
audited), and the desk API (every role reads, only promotion_bureau and pi_administrator write; history
kept per version; retiring keeps it; every call in the audit log)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from pidesk import cli
from pidesk.services.escalation.adapters.orm import AuditEntry, LedgerRecord, LedgerVersion
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.support.apps import escalation_app

SECRET = "ledger-test-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "services/escalation/policy/example_ledger.yaml"


def token(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(SECRET, name=f'{role.value}-tester', role=role)}"}


ADMIN, BUREAU = token(Role.PI_ADMINISTRATOR), token(Role.PROMOTION_BUREAU)
OPERATOR, OFFICER, AUDITOR = token(Role.DESK_OPERATOR), token(Role.OFFICER), token(Role.AUDITOR)


class Ledger:
    def __init__(self, client: httpx.AsyncClient, url: str, tmp_path: Path) -> None:
        self.client, self.url, self.tmp_path = client, url, tmp_path

    async def rows(self) -> dict[str, tuple[int, dict[str, Any]]]:
        """Every entry as stored: id -> (version, record)."""
        engine = create_engine(self.url)
        try:
            async with session_factory(engine)() as session:
                found = (await session.scalars(select(LedgerRecord))).all()
                return {r.id: (r.version, r.record) for r in found}
        finally:
            await engine.dispose()

    async def count(self, model: type[Any], *where: Any) -> int:
        engine = create_engine(self.url)
        try:
            async with session_factory(engine)() as session:
                return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
        finally:
            await engine.dispose()

    async def cli_audit(self) -> list[str]:
        page = await self.client.get("/v1/audit", headers=AUDITOR, params={"limit": 500})
        assert page.status_code == 200, page.text
        return [item["path"] for item in reversed(page.json()["items"]) if item["method"] == "CLI"]


@pytest.fixture
async def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Ledger]:
    async with escalation_app(tmp_path, "ledger", SECRET) as (client, url):
        for name, value in {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(tmp_path),
            "PIDESK_TOKEN_SECRET": SECRET,
            "ESCALATION_DATABASE_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        yield Ledger(client, url, tmp_path)


async def pidesk(*arguments: str) -> int:
    return await asyncio.to_thread(cli.main, list(arguments))


# ------------------------------------------------------------------------------------------------ CLI


async def test_the_example_ledger_imports_and_a_round_trip_changes_nothing(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await pidesk("ledger", "import", str(EXAMPLE), "--dry-run") == 0
    assert "would be: 12 created" in capsys.readouterr().out
    assert await ledger.rows() == {} and await ledger.cli_audit() == []  # a dry run changes nothing

    assert await pidesk("ledger", "import", str(EXAMPLE), "--by", "Naoko Yamamoto") == 0
    assert "12 created, 0 updated" in capsys.readouterr().out
    stored = await ledger.rows()
    assert len(stored) == 12 and {v for v, _ in stored.values()} == {1}
    assert stored["L-0001"][1]["people_count"] == 48000 and "my_number" in stored["L-0001"][1]["data_categories"]
    assert stored["L-0012"][1]["retired"] is True
    assert await ledger.count(LedgerVersion) == 12
    assert await ledger.count(LedgerVersion, LedgerVersion.by == "Naoko Yamamoto") == 12

    for fmt in ("yaml", "csv"):
        exported = ledger.tmp_path / f"ledger.{fmt}"
        assert await pidesk("ledger", "export", "-o", str(exported)) == 0
        assert await pidesk("ledger", "import", str(exported)) == 0
        assert "0 created, 0 updated, 0 retired, 0 restored, 12 unchanged" in capsys.readouterr().out
        assert await ledger.rows() == stored  # identical entries, no new version
        again = ledger.tmp_path / f"again.{fmt}"
        assert await pidesk("ledger", "export", "--format", fmt, "-o", str(again)) == 0
        assert again.read_text() == exported.read_text()
    assert await ledger.count(LedgerVersion) == 12

    audit = await ledger.cli_audit()
    assert audit[0] == (
        "pidesk ledger import example_ledger.yaml by Naoko Yamamoto: "
        "12 created, 0 updated, 0 retired, 0 restored, 0 unchanged"
    )
    assert sum(1 for a in audit if a.startswith("pidesk ledger export (12 entries)")) == 4
    assert sum(1 for a in audit if a.startswith("pidesk ledger import")) == 3


async def test_an_import_writes_a_version_only_for_what_changed(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await pidesk("ledger", "import", str(EXAMPLE)) == 0
    changed = ledger.tmp_path / "changed.yaml"
    text = EXAMPLE.read_text().replace("people_count: 48000", "people_count: 52000")
    changed.write_text(text.replace("  retired: true\n", ""))  # L-0012 in force again
    assert await pidesk("ledger", "import", str(changed), "--by", "Ken Sasaki") == 0
    assert "0 created, 1 updated, 0 retired, 1 restored, 10 unchanged" in capsys.readouterr().out
    stored = await ledger.rows()
    assert stored["L-0001"][0] == 2 and stored["L-0001"][1]["people_count"] == 52000
    assert stored["L-0012"][0] == 2 and stored["L-0012"][1]["retired"] is False
    assert stored["L-0002"][0] == 1

    history = (await ledger.client.get("/v1/ledger/L-0001/history", headers=AUDITOR)).json()
    newest, first = history["versions"]
    assert (newest["version"], newest["by"], newest["via"], newest["change"]) == (2, "Ken Sasaki", "import", "updated")
    assert newest["changed_fields"] == ["people_count"] and newest["entry"]["people_count"] == 52000
    assert first["version"] == 1 and first["change"] == "created" and first["entry"]["people_count"] == 48000
    assert first["by"].startswith("cli:")  # the default: the operating-system user


async def test_a_bad_file_is_refused_line_by_line_and_changes_nothing(
    ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await pidesk("ledger", "import", str(EXAMPLE)) == 0
    before, audit = await ledger.rows(), await ledger.cli_audit()
    capsys.readouterr()

    bad_yaml = ledger.tmp_path / "bad.yaml"
    bad_yaml.write_text(
        EXAMPLE.read_text()
        .replace("people_count: 48000", "people_count: 50000")  # a good change, not applied either
        .replace("people_count: 3\n", "people_count: three\n")
        .replace("    - s3:example-korea-members", "    - s4:example-korea-members")
        .replace("company: Example UK", "company: Example Nowhere")
    )
    assert await pidesk("ledger", "import", str(bad_yaml)) == 1
    err = capsys.readouterr().err
    lines = EXAMPLE.read_text().splitlines()
    count_line = lines.index("  people_count: 3") + 1
    asset_line = lines.index("  assets:", lines.index("- id: L-0010")) + 1
    assert f"bad.yaml: entry 2, line {count_line}: people_count: must be a whole number, not 'three'" in err
    assert f"bad.yaml: entry 10, line {asset_line}: assets: 's4:example-korea-members': unknown asset type" in err
    company_line = lines.index("  company: Example UK") + 1
    assert f"entry 11, line {company_line}: company: 'Example Nowhere' is not a group company of the directory" in err
    assert "refused (3 problem(s)); nothing changed" in err

    exported = ledger.tmp_path / "ledger.csv"
    assert await pidesk("ledger", "export", "-o", str(exported)) == 0
    rows = exported.read_text().splitlines()
    rows[1] = rows[1].replace(",48000,", ",50000,")
    rows[3] = rows[3].replace(",controller,", ",owner,")
    bad_csv = ledger.tmp_path / "bad.csv"
    bad_csv.write_text("\n".join([*rows, rows[5]]) + "\n")
    assert await pidesk("ledger", "import", str(bad_csv), "--by", "someone") == 1
    err = capsys.readouterr().err
    assert "bad.csv: line 4: entity_role: unknown value 'owner'; one of controller, processor" in err
    assert "bad.csv: line 14: id: the id 'L-0005' is given twice (first on line 6)" in err

    assert await ledger.rows() == before  # nothing changed, not even the good rows
    assert await ledger.count(LedgerVersion) == 12
    imports = [a for a in await ledger.cli_audit() if a.startswith("pidesk ledger import")]
    assert imports == audit and len(audit) == 1  # a refused import is not a change: nothing to audit
    assert await pidesk("ledger", "import", str(ledger.tmp_path / "missing.yaml")) == 2


# ------------------------------------------------------------------------------------------ desk API

ENTRY: dict[str, Any] = {
    "name": "Campaign entrants",
    "company": "Example Holdings",
    "division": "Retail Sales",
    "assets": [
        "s3:arn:aws:s3:::Example-Campaign-2026",
        "sharepoint:https://ExampleHoldings.sharepoint.com/sites/Campaign/",
    ],
    "data_categories": ["name", "email", "address"],
    "people_count": 1200,
    "counted_on": "2026-11-01",
    "subject_regions": {"JP": 1200},
    "purpose": "Prize draw and delivery of prizes",
    "legal_basis": "Consent on the entry form",
    "retention": "6 months after the draw",
    "storage_location": "AWS ap-northeast-1 (Tokyo)",
    "encryption": "standard",
    "responsible": "Satoshi Nakamura",
}


async def test_every_role_reads_and_only_the_ledgers_keepers_write(ledger: Ledger) -> None:
    client = ledger.client
    for reader in (OPERATOR, OFFICER, AUDITOR):
        refused = [
            await client.post("/v1/ledger", headers=reader, json=ENTRY),
            await client.put("/v1/ledger/L-0001", headers=reader, json=ENTRY),
            await client.delete("/v1/ledger/L-0001", headers=reader),
        ]
        for response in refused:
            assert response.status_code == 403, response.text
            assert response.json()["error"]["code"] == "forbidden" and response.json()["error"]["message"]
    assert (await client.post("/v1/ledger", json=ENTRY)).status_code == 401
    assert await ledger.rows() == {}

    made = await client.post("/v1/ledger", headers=ADMIN, json=ENTRY)
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["id"], body["version"], body["change"]) == ("L-0001", 1, "created")
    assert body["assets"] == [
        "s3:example-campaign-2026",
        "sharepoint:https://exampleholdings.sharepoint.com/sites/Campaign",
    ]
    assert body["updated_by"] == "pi_administrator:token:pi_administrator-tester"
    for reader in (OPERATOR, OFFICER, AUDITOR, ADMIN, BUREAU):
        got = await client.get("/v1/ledger/L-0001", headers=reader)
        assert got.status_code == 200 and got.json()["people_count"] == 1200
        assert (await client.get("/v1/ledger", headers=reader)).json()["items"][0]["id"] == "L-0001"
        assert (await client.get("/v1/ledger/L-0001/history", headers=reader)).status_code == 200

    corrected = await client.put("/v1/ledger/L-0001", headers=BUREAU, json={**ENTRY, "people_count": 1300})
    assert corrected.status_code == 200 and corrected.json()["change"] == "updated"
    assert corrected.json()["version"] == 2 and corrected.json()["updated_by"].startswith("promotion_bureau:")
    same = await client.put("/v1/ledger/L-0001", headers=BUREAU, json={**ENTRY, "people_count": 1300})
    assert same.json()["change"] == "unchanged" and same.json()["version"] == 2
    retired = await client.delete("/v1/ledger/L-0001", headers=ADMIN)
    assert retired.status_code == 200 and retired.json()["retired"] is True and retired.json()["version"] == 3
    assert (await client.delete("/v1/ledger/L-0001", headers=ADMIN)).json()["error"]["code"] == "entry_retired"
    assert (await client.get("/v1/ledger", headers=AUDITOR)).json()["items"] == []
    assert (await client.get("/v1/ledger/L-0001", headers=AUDITOR)).json()["retired"] is True
    restored = await client.put("/v1/ledger/L-0001", headers=ADMIN, json={**ENTRY, "people_count": 1300})
    assert restored.json()["change"] == "restored" and restored.json()["version"] == 4

    history = (await client.get("/v1/ledger/L-0001/history", headers=AUDITOR)).json()["versions"]
    assert [(v["version"], v["change"]) for v in history] == [
        (4, "restored"),
        (3, "retired"),
        (2, "updated"),
        (1, "created"),
    ]
    assert history[2]["changed_fields"] == ["people_count"] and history[2]["entry"]["people_count"] == 1300
    assert history[3]["entry"]["people_count"] == 1200 and history[3]["via"] == "api"
    assert await ledger.count(LedgerVersion, LedgerVersion.entry_id == "L-0001") == 4

    log = (await client.get("/v1/audit", headers=AUDITOR, params={"limit": 500})).json()["items"]
    writes = [(e["method"], e["path"], e["role"], e["status"]) for e in reversed(log) if e["method"] != "GET"]
    assert ("POST", "/v1/ledger", "desk_operator", 403) in writes
    assert [w for w in writes if w[3] < 400] == [
        ("POST", "/v1/ledger", "pi_administrator", 201),
        ("PUT", "/v1/ledger/L-0001", "promotion_bureau", 200),
        ("PUT", "/v1/ledger/L-0001", "promotion_bureau", 200),
        ("DELETE", "/v1/ledger/L-0001", "pi_administrator", 200),
        ("PUT", "/v1/ledger/L-0001", "pi_administrator", 200),
    ]
    assert await ledger.count(AuditEntry, AuditEntry.path.like("/v1/ledger%")) == len(
        [e for e in log if e["path"].startswith("/v1/ledger")]
    )


async def test_the_desk_api_validates_field_by_field(ledger: Ledger) -> None:
    client = ledger.client

    async def refused(body: dict[str, Any], status: int = 422) -> list[list[str]]:
        response = await client.post("/v1/ledger", headers=ADMIN, json=body)
        assert response.status_code == status, (body, response.text)
        return [d["loc"] for d in response.json()["error"]["details"]]

    assert await refused({**ENTRY, "assets": ["ftp:x"]}) == [["assets"]]
    assert await refused({**ENTRY, "data_categories": ["shoe_size"]}) == [["data_categories", "0"]]
    assert await refused({**ENTRY, "subject_regions": {"Japan": 3}}) == [["subject_regions"]]
    assert await refused({**ENTRY, "people_count": 100, "subject_regions": {"JP": 101}}) == [["subject_regions"]]
    assert await refused({**ENTRY, "entity_role": "processor"}) == [["on_behalf_of"]]
    assert await refused({**ENTRY, "name": "x" * 201}) == [["name"]]
    assert await refused({**ENTRY, "colour": "red"}) == [["colour"]]
    assert await refused({k: v for k, v in ENTRY.items() if k != "purpose"}) == [["purpose"]]
    assert await refused({**ENTRY, "id": "bad id"}) == [["id"]]
    assert await refused({**ENTRY, "company": "Example Nowhere"}) == [["company"]]  # not in the directory
    assert await ledger.rows() == {}

    assert (await client.post("/v1/ledger", headers=ADMIN, json={**ENTRY, "id": "campaign-2026"})).status_code == 201
    taken = await client.post("/v1/ledger", headers=ADMIN, json={**ENTRY, "id": "campaign-2026"})
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "entry_exists"
    other = await client.put("/v1/ledger/campaign-2026", headers=ADMIN, json={**ENTRY, "id": "other"})
    assert other.status_code == 422 and other.json()["error"]["details"][0]["loc"] == ["id"]
    assert (await client.put("/v1/ledger/nothing", headers=ADMIN, json=ENTRY)).status_code == 404
    assert (await client.get("/v1/ledger/nothing", headers=AUDITOR)).status_code == 404
    assert (await client.get("/v1/ledger/nothing/history", headers=AUDITOR)).status_code == 404
    assert (await client.get("/v1/ledger", headers=AUDITOR, params={"cursor": "%%%"})).status_code == 400


async def test_the_list_searches_filters_and_pages(ledger: Ledger) -> None:
    assert await pidesk("ledger", "import", str(EXAMPLE)) == 0
    client = ledger.client

    async def ids(**params: Any) -> list[str]:
        response = await client.get("/v1/ledger", headers=OPERATOR, params=params)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert len(await ids()) == 11  # the retired L-0012 is left out
    assert await ids(status="retired") == ["L-0012"] and len(await ids(status="all")) == 12
    assert await ids(company="example holdings") == ["L-0001", "L-0002", "L-0003", "L-0004"]
    assert await ids(category="my_number") == ["L-0001", "L-0003"]
    assert await ids(asset_type="sharepoint") == ["L-0003", "L-0009"]
    assert await ids(asset_type="github", company="Example Holdings") == ["L-0001", "L-0004"]
    assert await ids(search="LOYALTY") == ["L-0007"]
    assert await ids(search="example-shop-test") == ["L-0002"]
    assert await ids(search="100%_") == []
    assert (await client.get("/v1/ledger", headers=OPERATOR, params={"category": "shoe"})).status_code == 422
    assert (await client.get("/v1/ledger", headers=OPERATOR, params={"search": "a\x00b"})).status_code == 422

    seen, cursor = [], None
    while True:
        page = (
            await client.get(
                "/v1/ledger", headers=OPERATOR, params={"limit": 4, **({"cursor": cursor} if cursor else {})}
            )
        ).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == await ids(limit=200)
