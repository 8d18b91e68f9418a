"""Benchmark: a data-subject notice approved for N recipients, delivered over SMTP.

Runs the notifier's real drafting, approval and delivery code in-process on a fresh PostgreSQL
database against a real SMTP server (`pidesk mailsink`, aiosmtpd in its own process, keeping each
message as a file), and reports:

- throughput: messages accepted by the SMTP server per second, from the approval's commit;
- per-recipient latency from the approval's commit to the SMTP server accepting that person's
  message (what a data subject waits, queueing included), percentiles.

    python -m bench.notice_delivery [--recipients 2000] [--connections 1 4]

Run through `make bench`, which provides PostgreSQL. Results are also written under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.thin_path import percentiles
from pidesk.migrations import runner
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import drafting, issuing
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.events import (
    IncidentAssessed,
    IncidentReported,
    NoticeRecipient,
    NoticeRequested,
    ObligationRef,
    ReporterRef,
)
from tests.support.infra import free_port, fresh_postgres_database


def run(recipients: int, connections: int) -> dict[str, Any]:
    """One measurement against a fresh mail sink process."""
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        port, mailbox = free_port(), Path(tmp) / "mail"
        sink = subprocess.Popen(
            [sys.executable, "-m", "pidesk", "mailsink", "--port", str(port), "--dir", str(mailbox)],
            stdout=subprocess.DEVNULL,
        )
        try:
            return asyncio.run(_run(recipients, connections, now, Path(tmp), port, mailbox))
        finally:
            sink.terminate()
            sink.wait()


def _arrivals(mailbox: Path) -> list[Path]:
    return list(mailbox.glob("*.eml")) if mailbox.exists() else []


async def _run(recipients: int, connections: int, now: datetime, tmp: Path, port: int, mailbox: Path) -> dict[str, Any]:
    async with fresh_postgres_database("bench_notify") as url:
        await runner.upgrade(url, "notifier")
        settings = NotifierSettings(
            env="test",
            var_dir=tmp,
            NOTIFIER_DATABASE_URL=url,
            NOTIFIER_SMTP_PORT=port,
            NOTIFIER_SMTP_CONNECTIONS=connections,
        )
        engine = create_engine(url)
        sessions = session_factory(engine)
        incident_id = uuid.uuid4()
        reported = IncidentReported(
            reference="PI-2026-900001",
            source="api",
            reporter=ReporterRef(
                name="B", email="b@example.co.jp", division="Sales", entity="Example Holdings", entity_country="JP"
            ),
            incident_kind="unauthorized_access",
            aware_at=now - timedelta(hours=3),
            received_at=now,
            data_categories=["name", "email", "credit_card"],
            affected_count=recipients,
            subject_regions={"JP": recipients},
        )
        assessed = IncidentAssessed(
            reference="PI-2026-900001",
            version=1,
            reason="reported",
            risk_level="very_high",
            severity_score=4.0,
            enisa={"dpc": 4, "ei": 1.0, "cb": 0.0},
            legal_triggers=["appi.financial_misuse"],
            obligations=[
                ObligationRef(code="appi.notify_individuals", due_at=now, status="pending", basis="APPI Art. 26(2)")
            ],
            assessed_at=now,
        )
        async with sessions() as session, session.begin():
            await drafting.record_reported(session, incident_id, reported, settings.contact)
            await drafting.record_assessed(session, incident_id, assessed, settings.contact)
        async with sessions() as session:
            notice = (
                await session.scalars(select(Notice).where(Notice.kind == "data_subject", Notice.language == "ja"))
            ).one()
        people = [
            NoticeRecipient(email=f"p{i:06d}@example.net", name=f"受信者 {i}", language="ja" if i % 4 else "en")
            for i in range(recipients)
        ]
        batches = [people[i : i + 1000] for i in range(0, len(people), 1000)]
        approved = time.time()
        for number, batch in enumerate(batches, start=1):
            event = NoticeRequested(
                notice_id=notice.id,
                reference=notice.reference,
                approved_by="bench",
                approved_at=now,
                batch=number,
                batches=len(batches),
                total_recipients=recipients,
                recipients=batch,
            )
            async with sessions() as session, session.begin():
                await issuing.approve(session, incident_id, event, "example.com")
        committed = time.time()
        delivery = DeliveryService(engine, sessions, settings)
        task = asyncio.create_task(delivery.run())
        while len(_arrivals(mailbox)) < recipients:
            await asyncio.sleep(0.05)
            if task.done():
                task.result()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.dispose()
        files = _arrivals(mailbox)
        arrivals = [f.stat().st_mtime - committed for f in files]
        last = committed + max(arrivals)
        addressed = {f.read_text(errors="replace").splitlines()[1] for f in files}
        return {
            "recipients": recipients,
            "connections": connections,
            "approval_seconds": committed - approved,
            "messages_per_second": recipients / (last - committed),
            "duplicates": len(files) - len(addressed),
            **percentiles(arrivals),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args()
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    ok = True
    for connections in args.connections:
        result = run(args.recipients, connections)
        (out / f"notice_delivery-{uuid.uuid4().hex[:8]}.json").write_text(json.dumps(result, indent=2))
        print(
            f"{result['recipients']} recipients, {connections} SMTP connection(s): "
            f"{result['messages_per_second']:7.1f} messages/s, "
            f"approval recorded in {result['approval_seconds']:.2f} s; "
            f"latency from approval p50 {result['p50_ms'] / 1000:.1f} s p95 {result['p95_ms'] / 1000:.1f} s "
            f"max {result['max_ms'] / 1000:.1f} s; duplicates {result['duplicates']}",
            flush=True,
        )
        ok = ok and result["duplicates"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
