"""Issue 17, phase 2, in-process on PostgreSQL: the fiscal-year disclosure. The statistics page and its CSV
count the year's privacy complaints (by complainant, kind of request, outcome) and government requests (by
the authority's country, instrument, decision); the one-page bilingual summary and its CSV give the three
figures with their breakdowns; a year with none shows zeros; a request under a confidentiality order is
counted only in aggregate and its authority, reference and country are on no page and in no file; the
fiscal year turns at 00:00 JST on 1 April; and every read is in the audit log."""

from __future__ import annotations

import csv
import io
import os
import re
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from pidesk.services.escalation.adapters.orm import AuditEntry
from pidesk.services.escalation.adapters.repository import IncidentRepository
from pidesk.services.escalation.service.cases import record_complaint, record_government_request
from pidesk.services.escalation.service.incidents import record_reported_incident
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import ComplaintReceived, GovernmentRequestReceived
from pidesk.shared.japan_time import JST
from pidesk.shared.vocabulary import ComplainantKind, ComplaintRequestKind, LegalInstrument, Role
from tests.integration.test_case_desk import DIRECTORY, POLICY, SECRET, token
from tests.integration.test_dashboard_auth import PASSWORD, sign_in
from tests.integration.test_desk_api import RULES
from tests.support.apps import escalation_app
from tests.unit.factories import reported_incident

OFFICER = token(Role.OFFICER)
PI_ADMIN = token(Role.PI_ADMINISTRATOR)

# FY2025 runs from 1 April 2025 00:00 JST (31 March 2025 15:00 UTC) to 31 March 2026 23:59:59 JST
FY2025_FIRST = datetime(2025, 4, 1, 0, 0, tzinfo=JST)
FY2025_LAST = datetime(2026, 3, 31, 23, 59, 59, tzinfo=JST)
FY2024_LAST = datetime(2025, 3, 31, 23, 59, 59, tzinfo=JST)
FY2026_FIRST = datetime(2026, 4, 1, 0, 0, tzinfo=JST)
MIDYEAR = datetime(2025, 9, 1, 10, 0, tzinfo=JST)

SECRET_AUTHORITY = "GAG Agency of Examples"
SECRET_REFERENCE = "GR-2025-000005"
AUTHORITIES = ("Federal Bureau of Examples", "Bundesamt fuer Beispiele", "Tokyo Examples Police", SECRET_AUTHORITY)


class Cases:
    """Cases recorded as escalation's consumer records them; decisions and outcomes through the desk API."""

    def __init__(self, client: httpx.AsyncClient, url: str) -> None:
        self.client = client
        self.engine = create_engine(url)
        self.sessions = session_factory(self.engine)

    async def request(
        self,
        reference: str,
        authority: str,
        country: str,
        instrument: LegalInstrument,
        received_at: datetime,
        decision: str | None = None,
        *,
        confidential: bool = False,
    ) -> str:
        case_id = uuid.uuid4()
        event = GovernmentRequestReceived(
            reference=reference,
            authority=authority,
            authority_country=country,
            instrument=instrument,
            received_at=received_at,
            data_categories=["email"],
            subject_regions=["JP"],
            people_count=1,
            division="Sales",
            company="Head office",
            submitted_by="Sato Hanako",
            confidential=confidential,
        )
        async with self.sessions() as session, session.begin():
            assert await record_government_request(session, POLICY, DIRECTORY, case_id, event, received_at)
        if decision is not None:
            path = f"/v1/government-requests/{case_id}"
            assessment = {
                "legal_basis_checked": True,
                "necessary_and_proportionate": True,
                "rights_of_person_considered": True,
            }
            await self._post(f"{path}/assessment", PI_ADMIN, assessment)
            body = {"decision": decision, "reason": "as the instrument allows", "scope": "the e-mail address"}
            await self._post(f"{path}/decision", PI_ADMIN, body)
        return str(case_id)

    async def complaint(
        self,
        reference: str,
        kind: ComplainantKind,
        request_kind: ComplaintRequestKind,
        received_at: datetime,
        outcome: str | None = None,
    ) -> str:
        case_id = uuid.uuid4()
        authority = {"authority": "Personal Information Protection Commission", "authority_country": "JP"}
        event = ComplaintReceived(
            reference=reference,
            complainant_kind=kind,
            request_kind=request_kind,
            received_at=received_at,
            data_categories=["email"],
            subject_regions=["JP"],
            division="Customer Support",
            company="Head office",
            submitted_by="Suzuki Ichiro",
            **(authority if kind == ComplainantKind.AUTHORITY else {}),
        )
        async with self.sessions() as session, session.begin():
            assert await record_complaint(session, POLICY, DIRECTORY, case_id, event, received_at)
        if outcome is not None:
            body = {"outcome": outcome, "reply": "answered", "replied_at": received_at.isoformat()}
            await self._post(f"/v1/complaints/{case_id}/outcome", OFFICER, body)
        return str(case_id)

    async def incident(self, n: int, at: datetime, kind: str) -> None:
        async with self.sessions() as session, session.begin():
            event = reported_incident(n, at=at, incident_kind=kind)
            await record_reported_incident(IncidentRepository(session), RULES, incident_id=uuid.uuid4(), event=event)

    async def _post(self, path: str, headers: dict[str, str], body: Any) -> None:
        response = await self.client.post(path, headers=headers, json=body)
        assert response.status_code == 200, response.text


@pytest.fixture
async def cases(tmp_path: Path) -> AsyncIterator[Cases]:
    users = [("operator", "desk_operator", PASSWORD)]
    async with escalation_app(tmp_path, "disclosure", SECRET, users) as (client, url):
        running = Cases(client, url)
        yield running
        await running.engine.dispose()


async def a_year_of_cases(cases: Cases) -> str:
    """FY2025's cases and incidents, and their neighbours one second either side of the year: the id of
    the request under a confidentiality order."""
    individual, body, authority = ComplainantKind.INDIVIDUAL, ComplainantKind.CONSUMER_BODY, ComplainantKind.AUTHORITY
    kinds = ComplaintRequestKind
    await cases.complaint("PC-2025-000001", individual, kinds.GDPR_DATA_SUBJECT_REQUEST, FY2025_FIRST, "upheld")
    await cases.complaint("PC-2025-000002", individual, kinds.APPI_DISCLOSURE_REQUEST, MIDYEAR)  # no outcome yet
    await cases.complaint("PC-2025-000003", body, kinds.GENERAL, MIDYEAR, "rejected")
    await cases.complaint("PC-2025-000004", authority, kinds.GENERAL, FY2025_LAST, "partly_upheld")
    await cases.complaint("PC-2024-000009", individual, kinds.GENERAL, FY2024_LAST)  # FY2024
    await cases.complaint("PC-2026-000001", authority, kinds.GENERAL, FY2026_FIRST)  # FY2026

    us, de, jp = AUTHORITIES[:3]
    await cases.request("GR-2025-000001", us, "US", LegalInstrument.WARRANT, FY2025_FIRST, "provide_in_part")
    await cases.request("GR-2025-000002", us, "US", LegalInstrument.COURT_ORDER, MIDYEAR, "refuse")
    await cases.request("GR-2025-000003", de, "DE", LegalInstrument.STATUTORY_REQUEST, MIDYEAR)  # pending
    await cases.request("GR-2025-000004", jp, "JP", LegalInstrument.INFORMAL, FY2025_LAST, "refuse")
    hidden = await cases.request(
        SECRET_REFERENCE, SECRET_AUTHORITY, "SG", LegalInstrument.COURT_ORDER, MIDYEAR, "provide", confidential=True
    )
    await cases.request("GR-2024-000009", us, "GB", LegalInstrument.WARRANT, FY2024_LAST)  # FY2024
    await cases.request("GR-2026-000001", jp, "KR", LegalInstrument.INFORMAL, FY2026_FIRST)  # FY2026

    await cases.incident(1, MIDYEAR, "misdelivery")
    await cases.incident(2, FY2025_LAST, "loss")
    await cases.incident(3, FY2026_FIRST, "theft")  # FY2026
    await cases.incident(4, FY2024_LAST, "theft")  # FY2024
    return hidden


def cells(html: str, table_id: str) -> dict[str, int]:
    """A statistics table's cells by code (data-cell), the total among them."""
    table = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S)
    assert table, table_id
    found = re.findall(r'<tr data-cell="([^"]+)"><th scope="row">[^<]*</th><td>(\d+)</td></tr>', table.group(1))
    return {code: int(n) for code, n in found}


def summary_cells(html: str, breakdown: str) -> dict[str, int]:
    section = re.search(rf'data-breakdown="{breakdown}">(.*?)</section>', html, re.S)
    assert section, breakdown
    found = re.findall(r'<tr data-cell="([^"]+)">.*?<td class="n">(\d+)</td></tr>', section.group(1))
    return {code: int(n) for code, n in found}


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


COMPLAINTS_FY2025 = {
    "complainant-kind": {"individual": 2, "consumer_body": 1, "authority": 1, "total": 4},
    "complaint-request-kind": {
        "general": 2,
        "gdpr_data_subject_request": 1,
        "appi_disclosure_request": 1,
        "appi_correction_request": 0,
        "appi_cessation_request": 0,
        "total": 4,
    },
    "complaint-outcome": {
        "upheld": 1,
        "partly_upheld": 1,
        "rejected": 1,
        "withdrawn": 0,
        "referred": 0,
        "pending": 1,
        "total": 4,
    },
}
# the confidential request (SG, court order, provide) is in the total and the confidential cells only
REQUESTS_FY2025 = {
    "request-country": {"DE": 1, "JP": 1, "US": 2, "confidential": 1, "total": 5},
    "request-instrument": {
        "warrant": 1,
        "court_order": 1,
        "statutory_request": 1,
        "informal": 1,
        "confidential": 1,
        "total": 5,
    },
    "request-decision": {
        "provide": 0,
        "provide_in_part": 1,
        "refuse": 2,
        "challenge": 0,
        "pending": 1,
        "confidential": 1,
        "total": 5,
    },
}


async def test_a_year_with_cases_on_the_page_the_csv_and_the_summary(cases: Cases) -> None:
    await a_year_of_cases(cases)
    client = cases.client
    assert (await sign_in(client, "operator")).status_code == 303

    page = await client.get("/desk/stats?fy=2025&lang=en")
    assert page.status_code == 200 and "Privacy complaints" in page.text
    assert '<span id="total-incidents">2</span>' in page.text
    assert '<span id="total-complaints">4</span>' in page.text and '<span id="total-requests">5</span>' in page.text
    for table, expected in {**COMPLAINTS_FY2025, **REQUESTS_FY2025}.items():
        assert cells(page.text, table) == expected, table
    assert "United States (US)" in page.text and "under a confidentiality order (not broken down)" in page.text
    japanese = await client.get("/desk/stats?fy=2025&lang=ja")
    assert "個人情報に関する苦情" in japanese.text and "守秘命令の対象（内訳非開示）" in japanese.text

    rows = [row[1:] for row in csv_rows((await client.get("/desk/stats.csv?fy=2025")).text)]
    assert ["incidents", "total", "2"] in rows
    assert ["complaints", "total", "4"] in rows and ["government_requests", "total", "5"] in rows
    for dimension, table in (
        ("complainant_kind", "complainant-kind"),
        ("complaint_request_kind", "complaint-request-kind"),
        ("complaint_outcome", "complaint-outcome"),
        ("request_authority_country", "request-country"),
        ("request_instrument", "request-instrument"),
        ("request_decision", "request-decision"),
    ):
        expected = {**COMPLAINTS_FY2025, **REQUESTS_FY2025}[table]
        got = {value: int(n) for name, value, n in rows if name == dimension}
        assert got == {k: v for k, v in expected.items() if k != "total"}, dimension

    summary = await client.get("/desk/stats/summary?fy=2025")
    assert summary.status_code == 200
    text = summary.text
    assert "2025年度 個人情報の取扱いに関する報告" in text and "FY2025 report on personal information" in text
    assert "2025年4月1日〜2026年3月31日" in text and "1 April 2025 – 31 March 2026" in text
    headline = re.findall(r'<tr data-figure="(\w+)">.*?<td class="n">(\d+)</td>', text)
    assert headline == [("incidents", "2"), ("complaints", "4"), ("government_requests", "5")]
    assert "個人情報の漏えい等の事案" in text and "Personal-information incidents" in text  # side by side
    assert summary_cells(text, "incident_kind") == {"misdelivery": 1, "loss": 1, "total": 2}
    for breakdown, table in (
        ("complainant_kind", "complainant-kind"),
        ("complaint_request_kind", "complaint-request-kind"),
        ("complaint_outcome", "complaint-outcome"),
        ("request_authority_country", "request-country"),
        ("request_instrument", "request-instrument"),
        ("request_decision", "request-decision"),
    ):
        assert summary_cells(text, breakdown) == {**COMPLAINTS_FY2025, **REQUESTS_FY2025}[table], breakdown

    exported = await client.get("/desk/stats/summary.csv?fy=2025")
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="pidesk-summary-FY2025.csv"' in exported.headers["content-disposition"]
    if target := os.environ.get("PIDESK_SUMMARY_EXAMPLE"):  # the summary of a year with data, for a reader
        Path(target).write_text(exported.text, encoding="utf-8")
    lines = csv_rows(exported.text)
    assert lines[0] == ["fiscal_year", "figure", "breakdown", "value", "label_ja", "label_en", "count"]
    assert lines[1:4] == [
        ["2025", "incidents", "total", "total", "個人情報の漏えい等の事案", "Personal-information incidents", "2"],
        [
            "2025",
            "complaints",
            "total",
            "total",
            "外部からの個人情報に関する苦情（本人・行政機関等から）",
            "External complaints about privacy (from individuals and from authorities)",
            "4",
        ],
        [
            "2025",
            "government_requests",
            "total",
            "total",
            "政府・捜査機関等からの個人情報の提供要請",
            "Requests from governments or law-enforcement agencies to provide personal information",
            "5",
        ],
    ]
    by_decision = {row[3]: int(row[6]) for row in lines[1:] if row[2] == "request_decision"}
    assert by_decision == {k: v for k, v in REQUESTS_FY2025["request-decision"].items() if k != "total"}
    assert [
        "2025",
        "government_requests",
        "request_authority_country",
        "US",
        "米国 (US)",
        "United States (US)",
        "2",
    ] in lines


async def test_a_year_with_none_shows_zeros(cases: Cases) -> None:
    await a_year_of_cases(cases)  # FY2024 to FY2026 have cases: FY2023 has none
    client = cases.client
    assert (await sign_in(client, "operator")).status_code == 303
    page = (await client.get("/desk/stats?fy=2023&lang=en")).text
    assert '<span id="total-complaints">0</span>' in page and '<span id="total-requests">0</span>' in page
    assert cells(page, "complainant-kind") == {"individual": 0, "consumer_body": 0, "authority": 0, "total": 0}
    assert cells(page, "request-country") == {"confidential": 0, "total": 0}
    assert set(cells(page, "request-decision").values()) == {0} and len(cells(page, "request-decision")) == 7

    rows = [row[1:] for row in csv_rows((await client.get("/desk/stats.csv?fy=2023")).text)]
    for zero in (
        ["complaints", "total", "0"],
        ["complainant_kind", "authority", "0"],
        ["complaint_outcome", "pending", "0"],
        ["government_requests", "total", "0"],
        ["request_authority_country", "confidential", "0"],
        ["request_instrument", "warrant", "0"],
        ["request_decision", "refuse", "0"],
    ):
        assert zero in rows, zero

    summary = (await client.get("/desk/stats/summary?fy=2023")).text
    headline = re.findall(r'<tr data-figure="(\w+)">.*?<td class="n">(\d+)</td>', summary)
    assert headline == [("incidents", "0"), ("complaints", "0"), ("government_requests", "0")]
    assert summary_cells(summary, "complainant_kind") == {
        "individual": 0,
        "consumer_body": 0,
        "authority": 0,
        "total": 0,
    }
    assert summary_cells(summary, "incident_kind") == {"total": 0}
    lines = csv_rows((await client.get("/desk/stats/summary.csv?fy=2023")).text)
    assert [(row[1], row[6]) for row in lines[1:4]] == [
        ("incidents", "0"),
        ("complaints", "0"),
        ("government_requests", "0"),
    ]
    assert ["2023", "complaints", "complaint_outcome", "pending", "対応中", "in progress", "0"] in lines


async def test_a_confidential_request_is_counted_only_in_aggregate_and_named_nowhere(cases: Cases) -> None:
    hidden = await a_year_of_cases(cases)
    client = cases.client
    assert (await sign_in(client, "operator")).status_code == 303
    outputs = {}
    for year in (2024, 2025, 2026):
        for path in ("/desk/stats", "/desk/stats/summary"):
            for lang in ("ja", "en"):
                outputs[f"{path}?fy={year}&lang={lang}"] = (await client.get(f"{path}?fy={year}&lang={lang}")).text
        for path in ("/desk/stats.csv", "/desk/stats/summary.csv"):
            outputs[f"{path}?fy={year}"] = (await client.get(f"{path}?fy={year}")).text
    for where, text in outputs.items():
        for secret in (
            SECRET_AUTHORITY,
            SECRET_REFERENCE,
            hidden,
            "Singapore",
            "シンガポール",
            'data-cell="SG"',
            ",SG,",
        ):
            assert secret not in text, (where, secret)
        for authority in AUTHORITIES:  # the figures name no authority at all
            assert authority not in text, (where, authority)
    # it is in the year's totals, and in each breakdown only under "confidential"
    page = outputs["/desk/stats?fy=2025&lang=en"]
    assert '<span id="total-requests">5</span>' in page
    assert cells(page, "request-instrument")["court_order"] == 1  # the other court order only
    assert cells(page, "request-decision")["provide"] == 0  # its decision is not counted as one
    # to the PI administrator, who may see it, it is there
    listed = await client.get("/v1/government-requests", headers=PI_ADMIN)
    assert hidden in {item["id"] for item in listed.json()["items"]}


async def test_the_fiscal_year_turns_at_midnight_japan_time_on_1_april(cases: Cases) -> None:
    await a_year_of_cases(cases)
    client = cases.client
    assert (await sign_in(client, "operator")).status_code == 303
    # 31 March 2025 23:59:59 JST is FY2024; 1 April 2025 00:00 JST (still 31 March in UTC) is FY2025
    fy2024 = (await client.get("/desk/stats?fy=2024&lang=en")).text
    assert '<span id="total-complaints">1</span>' in fy2024 and '<span id="total-requests">1</span>' in fy2024
    assert cells(fy2024, "request-country") == {"GB": 1, "confidential": 0, "total": 1}
    assert '<span id="total-incidents">1</span>' in fy2024
    # 31 March 2026 23:59:59 JST is FY2025 (counted above); 1 April 2026 00:00 JST is FY2026
    fy2026 = (await client.get("/desk/stats?fy=2026&lang=en")).text
    assert cells(fy2026, "request-country") == {"KR": 1, "confidential": 0, "total": 1}
    assert cells(fy2026, "complainant-kind") == {"individual": 0, "consumer_body": 0, "authority": 1, "total": 1}
    summary = (await client.get("/desk/stats/summary?fy=2026")).text
    headline = re.findall(r'<tr data-figure="(\w+)">.*?<td class="n">(\d+)</td>', summary)
    assert headline == [("incidents", "1"), ("complaints", "1"), ("government_requests", "1")]


async def test_the_summary_needs_a_session_and_every_read_is_audited(cases: Cases) -> None:
    client = cases.client
    for path in ("/desk/stats/summary?fy=2025", "/desk/stats/summary.csv?fy=2025"):
        refused = await client.get(path)
        assert refused.status_code == 303 and refused.headers["location"].startswith("/desk/login?next=")
    assert (await sign_in(client, "operator")).status_code == 303
    for path in ("/desk/stats?fy=2025", "/desk/stats.csv?fy=2025", "/desk/stats/summary?fy=2025"):
        assert (await client.get(path)).status_code == 200
    assert (await client.get("/desk/stats/summary.csv?fy=2025")).status_code == 200
    assert (await client.get("/desk/stats/summary?fy=1999")).status_code == 422
    async with cases.sessions() as session:
        audited = (await session.execute(select(AuditEntry.actor, AuditEntry.path, AuditEntry.status))).all()
    reads = {(actor, path, status) for actor, path, status in audited if path.startswith("/desk/stats")}
    assert {
        ("anonymous", "/desk/stats/summary?fy=2025", 303),
        ("operator", "/desk/stats?fy=2025", 200),
        ("operator", "/desk/stats.csv?fy=2025", 200),
        ("operator", "/desk/stats/summary?fy=2025", 200),
        ("operator", "/desk/stats/summary.csv?fy=2025", 200),
    } <= reads
    assert any(path == "/desk/stats/summary?fy=1999" and status == 422 for _, path, status in reads)
