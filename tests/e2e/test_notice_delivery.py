"""2,000 data subjects delivered by two notifier processes at once, one killed (SIGKILL) mid-batch and
restarted: each person mailed at most once and everyone who can be reached mailed; 4xx answers retried,
5xx answers recorded per recipient."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.test_notices import bearer, eventually
from tests.support.apps import service_stack
from tests.support.mail import MailSink
from tests.support.services import ServiceProcess
from tests.unit.factories import report_body

PEOPLE = 2000
TEMPORARY = [f"busy{i}@example.org" for i in range(3)]  # 451 twice, then accepted
PERMANENT = [f"gone{i}@example.org" for i in range(2)]  # 550 at RCPT TO


@pytest.fixture
def sink() -> Any:
    with MailSink() as running:
        for address in TEMPORARY:
            running.handler.temporary[address] = 2
        running.handler.permanent.update(PERMANENT)
        yield running


@pytest.fixture
async def system(tmp_path: Path, sink: MailSink) -> AsyncIterator[dict[str, Any]]:
    services = ("intake", "escalation", "notifier")
    env = {
        "NOTIFIER_SMTP_PORT": str(sink.port),
        "NOTIFIER_RETRY_BASE_SECONDS": "0.3",
        "NOTIFIER_SMTP_CONNECTIONS": "4",
        "NOTIFIER_LEASE_SECONDS": "2",  # what the killed instance held is taken over within seconds
    }
    async with service_stack(tmp_path, services, env) as stack:
        yield stack


@pytest.fixture
def other_notifier(system: dict[str, Any], tmp_path: Path) -> Iterator[ServiceProcess]:
    """A second notifier process on the same database (started by the test), stopped afterwards."""
    (tmp_path / "second").mkdir()
    process = ServiceProcess("notifier", system["env"], tmp_path / "second")
    yield process
    process.stop()


def recipients_csv() -> tuple[bytes, list[str]]:
    addresses = [f"person{i:04d}@example.net" for i in range(PEOPLE - len(TEMPORARY) - len(PERMANENT))]
    addresses += TEMPORARY + PERMANENT
    rows = [f"{a},被通知者 {i},{'ja' if i % 3 else 'en'}" for i, a in enumerate(addresses)]
    return ("email,name,language\n" + "\n".join(rows) + "\n").encode(), addresses


async def test_two_thousand_recipients_survive_a_kill_mid_batch(
    system: dict[str, Any], other_notifier: ServiceProcess, sink: MailSink, tmp_path: Path
) -> None:
    intake: ServiceProcess = system["intake"]
    escalation: ServiceProcess = system["escalation"]
    notifier: ServiceProcess = system["notifier"]
    reader, approver = bearer(system["env"], "auditor", "notifier"), bearer(system["env"], "pi_administrator")
    desk_reader = bearer(system["env"], "auditor")
    body, addresses = recipients_csv()
    async with httpx.AsyncClient(timeout=60) as client:
        posted = await client.post(f"{intake.url}/v1/reports", json=report_body(affected_count=PEOPLE))
        incident_id = posted.json()["incident_id"]

        async def draft() -> str | None:
            response = await client.get(
                f"{notifier.url}/v1/notices",
                params={"incident_id": incident_id, "kind": "data_subject"},
                headers=reader,
            )
            return next((n["notice_id"] for n in response.json() if n["language"] == "ja"), None)

        notice_id = await eventually(draft)
        assert notice_id
        internal = sink.handler.count()
        started = time.monotonic()
        approved = await client.post(
            f"{escalation.url}/v1/incidents/{incident_id}/notices/{notice_id}/approve",
            headers={**approver, "content-type": "text/csv"},
            content=body,
        )
        assert approved.status_code == 200 and approved.json() == {
            "notice_id": notice_id,
            "status": "approved",
            "recipients": PEOPLE,
            "batches": 2,
        }

        # once every batch of the approval is recorded, a second notifier joins: both deliver (its consumer
        # joining the group then delays no part of the approval)
        async def recorded() -> bool:
            response = await client.get(f"{notifier.url}/v1/notices/{notice_id}", headers=reader)
            return response.json()["recipients"]["total"] == PEOPLE

        assert await eventually(recorded)
        other_notifier.start()
        joined = sink.handler.count() - internal

        # kill one notifier outright once a few hundred have gone, in the middle of the batch; the other
        # carries on, and takes over what the killed one held once its leases run out
        assert sink.wait_for(
            lambda: sink.handler.count() - internal >= max(400, joined + 150), timeout=120, every=0.005
        )
        assert notifier.process is not None
        notifier.process.kill()
        notifier.process.wait()
        at_kill = sink.handler.count() - internal
        assert at_kill < PEOPLE - 100, "the batch finished before the kill: the test proves nothing"

        restarted = ServiceProcess("notifier", system["env"], tmp_path).start()
        assert sink.handler.count() - internal > at_kill, "the other notifier should carry on while one is down"
        try:

            async def finished() -> dict[str, Any] | None:
                response = await client.get(f"{restarted.url}/v1/notices/{notice_id}", headers=reader)
                notice = response.json()
                return notice if notice["status"] in ("sent", "failed") else None

            notice = await eventually(finished, timeout=180, every=0.5)
            elapsed = time.monotonic() - started
            assert notice, "the notice was not issued after the restart"
            counts = notice["recipients"]
            print(f"\n{PEOPLE} recipients in {elapsed:.1f} s with a kill after {at_kill}: {counts}")

            received = sink.handler.by_recipient()
            assert max(received[a] for a in addresses) == 1, "someone was mailed twice"
            missing = [a for a in addresses if received[a] == 0 and a not in PERMANENT]
            assert len(missing) <= counts["unconfirmed"], missing  # only an in-flight message can be in doubt
            assert counts["total"] == PEOPLE and counts["failed"] == len(PERMANENT)
            assert counts["sent"] == PEOPLE - len(PERMANENT) and counts["pending"] == 0
            assert all(received[a] == 1 and sink.handler.refusals[a] == 2 for a in TEMPORARY)
            assert all(received[a] == 0 for a in PERMANENT)

            failed = await client.get(
                f"{restarted.url}/v1/notices/{notice_id}/recipients", params={"status": "failed"}, headers=reader
            )
            rows = failed.json()["items"]
            assert sorted(r["address"] for r in rows) == PERMANENT
            assert all(r["last_error"].startswith("550") for r in rows)

            english = sink.handler.to(addresses[0])[0]  # i = 0: an English reader
            assert "Notice of Data Breach" in str(english.message["Subject"])
            japanese = sink.handler.to(addresses[1])[0]
            assert "お知らせ" in str(japanese.message["Subject"]) and "被通知者 1" in japanese.text()

            async def issued_on_desk() -> list[dict[str, Any]]:
                response = await client.get(f"{escalation.url}/v1/incidents/{incident_id}", headers=desk_reader)
                return [
                    e for e in response.json()["timeline"]
                    if e["kind"] == "notice_issued" and e["detail"]["notice_id"] == notice_id
                ]  # fmt: skip

            entries = await eventually(issued_on_desk)
            assert entries and entries[-1]["detail"]["recipients"]["failed"] == len(PERMANENT)
        finally:
            restarted.stop()
