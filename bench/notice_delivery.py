"""Benchmark: notifier delivery over SMTP with 1 and 2 instances and several SMTP pool sizes.

Each scenario runs on a fresh PostgreSQL database (TEST_DATABASE_URL; its fsync setting is reported)
against a real SMTP server (`pidesk mailsink`, its own process, keeping each message as a file). The
notifier instances are real processes running the real delivery loop (`DeliveryService.run`, on uvloop
as `pidesk notifier` runs), each with its own SMTP pool (`--connections`).

- `internal_alerts`: escalation alerts (10 people each, risk levels mixed) recorded by the Kafka
  handler's code, all committed before the instances start: the delivery throughput of a burst;
  waits are counted from the start of delivery.
- `alerts_live`: the same alerts committed by the first instance while it delivers (it plays the Kafka
  consumer's part: records, commits, wakes its loop): the pipeline; waits are counted from each commit.
- `alerts_paced`: alerts committed one event at a time at a steady `--paced-rate` (messages/s) below
  capacity: how long an alert waits when delivery keeps up.
- `data_subject`: one data-subject notice approved for `--recipients` people (batches of 1,000).
- `alert_behind_notice`: a very_high alert committed while that notice is being delivered (risk first).

Reported per scenario: messages accepted by the SMTP server per second, each recipient's wait until the
server accepted their message (p50, p95, p99, max), and duplicates (must be 0).

    python -m bench.notice_delivery [--alerts 3000] [--recipients 3000] [--instances 1 2]
                                    [--connections 8 16 32] [--json PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.notifier.adapters.orm import Notice
from pidesk.services.notifier.config import NotifierSettings
from pidesk.services.notifier.service import alerts, drafting, issuing
from pidesk.services.notifier.service.delivery import DeliveryService
from pidesk.shared.db.engine import create_engine, ping, session_factory
from pidesk.shared.events import (
    EscalationRequested,
    IncidentAssessed,
    IncidentReported,
    NoticeRecipient,
    NoticeRequested,
    ObligationRef,
    Recipient,
    ReporterRef,
)
from tests.support.infra import free_port, fresh_postgres_database

PEOPLE_PER_ALERT = 10
EVENTS_PER_TRANSACTION = 5  # as the consumer applies a fetched batch of events in one transaction
RISKS = ("low", "medium", "high", "very_high")
INCIDENT = uuid.UUID("5b1e6c0e-0000-4000-8000-00000000b001")
REFERENCE = "PI-2026-900001"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": at(1.0)}


def settings_for(url: str, smtp_port: int, connections: int, tmp: Path) -> NotifierSettings:
    return NotifierSettings(
        env="test",
        var_dir=tmp,
        NOTIFIER_DATABASE_URL=url,
        NOTIFIER_SMTP_PORT=smtp_port,
        NOTIFIER_SMTP_CONNECTIONS=connections,
    )


# --- the work: what the Kafka handlers record -------------------------------------------------------


def alert(event: int, risk: str, now: datetime) -> EscalationRequested:
    people = [
        Recipient(
            name=f"担当者 {event}-{p}", email=f"e{event:05d}.p{p:02d}@example.net", language="ja" if p % 2 else "en"
        )
        for p in range(PEOPLE_PER_ALERT)
    ]
    return EscalationRequested(
        reference=REFERENCE,
        target="promotion_bureau",
        step=event + 1,
        reason="escalated",
        risk_level=risk,
        recipients=people,
        ack_due_at=now + timedelta(hours=1),
        requested_at=now,
    )


async def produce(
    work: dict[str, Any],
    sessions: async_sessionmaker[AsyncSession],
    settings: NotifierSettings,
    wake: Callable[[], None],
) -> dict[str, float]:
    """Commit the scenario's work as the consumer would, waking delivery after each commit.
    Returns each recipient's address → the time their alert or approval was committed."""
    committed: dict[str, float] = {}
    now = datetime.now(UTC)
    people = settings.recipient_cipher()

    async def alerts_from(count: int, risk: str | None) -> None:
        for start in range(0, count, EVENTS_PER_TRANSACTION):
            events = [alert(e, risk or RISKS[e % 4], now) for e in range(start, min(start + 5, count))]
            async with sessions() as session, session.begin():
                for event in events:
                    await alerts.record_alert(
                        session, INCIDENT, event, settings.desk_url, settings.mail_domain, people=people
                    )
            wake()
            at = time.time()
            committed.update({p.email: at for event in events for p in event.recipients})

    async def approve(notice_id: str, recipients: int) -> None:
        subjects = [
            NoticeRecipient(email=f"p{i:06d}@example.net", name=f"受信者 {i}", language="ja" if i % 4 else "en")
            for i in range(recipients)
        ]
        batches = [subjects[i : i + 1000] for i in range(0, len(subjects), 1000)]
        for number, batch in enumerate(batches, start=1):
            event = NoticeRequested(
                notice_id=uuid.UUID(notice_id),
                reference=REFERENCE,
                approved_by="bench",
                approved_at=now,
                batch=number,
                batches=len(batches),
                total_recipients=recipients,
                recipients=batch,
            )
            async with sessions() as session, session.begin():
                await issuing.approve(session, INCIDENT, event, settings.mail_domain, people=people)
            wake()
            at = time.time()
            committed.update({p.email: at for p in batch})

    if work["kind"] in ("internal_alerts", "alerts_live"):
        await alerts_from(work["size"] // PEOPLE_PER_ALERT, None)
    elif work["kind"] == "alerts_paced":  # one event at a time, at a steady rate (open loop)
        loop, gap = asyncio.get_running_loop(), PEOPLE_PER_ALERT / work["rate"]
        begin = loop.time()
        for number in range(work["size"] // PEOPLE_PER_ALERT):
            await asyncio.sleep(max(0.0, begin + number * gap - loop.time()))
            event = alert(number, RISKS[number % 4], now)
            async with sessions() as session, session.begin():
                await alerts.record_alert(
                    session, INCIDENT, event, settings.desk_url, settings.mail_domain, people=people
                )
            wake()
            committed.update(dict.fromkeys((p.email for p in event.recipients), time.time()))
    else:
        await approve(work["notice_id"], work["size"])
        if work["kind"] == "alert_behind_notice":
            await asyncio.sleep(0.5)  # the notice's delivery is under way
            await alerts_from(1, "very_high")
    return committed


# --- a notifier instance (a child process; lines on stdin and stdout) -------------------------------


async def instance(spec: dict[str, Any]) -> None:
    """`ready` once connected; delivers from `go` (a backlog) or from the start, and then, if it is the
    producer, commits the work and prints the commit times; runs until SIGTERM."""
    loop = asyncio.get_running_loop()
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(spec["url"], spec["smtp_port"], spec["connections"], Path(tmp))
        engine = create_engine(spec["url"])
        sessions = session_factory(engine)
        delivery = DeliveryService(engine, sessions, settings)
        stop = asyncio.Event()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        await ping(engine)  # connected before the clock starts
        running = None if spec["backlog"] else asyncio.ensure_future(delivery.run())
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)  # go
        running = running or asyncio.ensure_future(delivery.run())
        if spec.get("produce"):
            committed = await produce(spec["produce"], sessions, settings, delivery.wake)
            print(json.dumps(committed), flush=True)
        await stop.wait()
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await engine.dispose()


# --- a scenario (the parent process) ----------------------------------------------------------------


async def prepare(url: str, kind: str) -> str | None:
    """Migrate; for a notice scenario, the incident and its drafts. Returns the Japanese notice's id."""
    await runner.upgrade(url, "notifier")
    if kind in ("internal_alerts", "alerts_live", "alerts_paced"):
        return None
    now = datetime.now(UTC)
    settings = NotifierSettings(env="test", NOTIFIER_DATABASE_URL=url)
    reported = IncidentReported(
        reference=REFERENCE,
        source="api",
        reporter=ReporterRef(
            name="B", email="b@example.co.jp", division="Sales", entity="Example Holdings", entity_country="JP"
        ),
        incident_kind="unauthorized_access",
        aware_at=now - timedelta(hours=3),
        received_at=now,
        data_categories=["name", "email", "credit_card"],
        affected_count=10_000,
        subject_regions={"JP": 10_000},
    )
    assessed = IncidentAssessed(
        reference=REFERENCE,
        version=1,
        reason="reported",
        risk_level="very_high",
        severity_score=4.0,
        enisa={"dpc": 4, "ei": 1.0, "cb": 0.0},
        legal_triggers=["appi.financial_misuse"],
        obligations=[ObligationRef(code="appi.notify_individuals", due_at=now, status="pending", basis="APPI")],
        assessed_at=now,
    )
    engine = create_engine(url)
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await drafting.record_reported(session, INCIDENT, reported, settings.contact)
        await drafting.record_assessed(session, INCIDENT, assessed, settings.contact)
    async with sessions() as session:
        japanese = select(Notice.id).where(Notice.kind == "data_subject", Notice.language == "ja")
        notice_id = (await session.scalars(japanese)).one()
    await engine.dispose()
    return str(notice_id)


def arrivals(mailbox: Path) -> list[tuple[str, float]]:
    """(envelope recipient, when the sink had written it) per message received."""
    found = []
    for path in mailbox.glob("*.eml"):
        with path.open("rb") as file:
            file.readline()
            to = file.readline().decode().split(":", 1)[1].strip()
        found.append((to, path.stat().st_mtime))
    return found


def received(mailbox: Path) -> int:
    return len(os.listdir(mailbox)) if mailbox.exists() else 0


async def stop(children: list[asyncio.subprocess.Process]) -> None:
    for child in children:
        if child.returncode is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            await asyncio.wait_for(child.wait(), 30)
        except TimeoutError:
            child.kill()
            await child.wait()


async def measure(
    name: str,
    kind: str,
    instances: int,
    connections: int,
    size: int,
    rate: float,
    url: str,
    port: int,
    tmp: Path,
    children: list[asyncio.subprocess.Process],
) -> tuple[list[tuple[str, float]], dict[str, float], float, bool]:
    """Start the instances on the prepared database, let them deliver everything; returns the arrivals,
    the commit times, when delivery started and whether it was a backlog."""
    mailbox = tmp / "mail"
    notice_id = await prepare(url, kind)
    work = {"kind": kind, "size": size, "notice_id": notice_id, "rate": rate}
    backlog = kind == "internal_alerts"
    committed: dict[str, float] = {}
    if backlog:  # recorded before any instance runs: the instances start on a full queue
        engine = create_engine(url)
        settings = settings_for(url, port, connections, tmp)
        committed = await produce(work, session_factory(engine), settings, lambda: None)
        await engine.dispose()
    for number in range(instances):
        spec = {"url": url, "smtp_port": port, "connections": connections, "backlog": backlog}
        if number == 0 and not backlog:
            spec["produce"] = work
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.notice_delivery", "--instance", json.dumps(spec),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 24,
        )  # fmt: skip
        children.append(child)
    for child in children:
        assert child.stdout is not None
        assert (await child.stdout.readline()).strip() == b"ready", f"{name}: an instance did not start"
    await asyncio.sleep(0.5)  # every instance connected (and idle, unless it has a backlog)
    started = time.time()
    for child in children:
        assert child.stdin is not None
        child.stdin.write(b"go\n")
        await child.stdin.drain()
    if not backlog:
        assert children[0].stdout is not None
        committed = json.loads(await children[0].stdout.readline())
    deadline = time.monotonic() + 300
    while received(mailbox) < len(committed):
        if time.monotonic() > deadline or any(c.returncode is not None for c in children):
            raise RuntimeError(f"{name}: not delivered ({received(mailbox)}/{len(committed)})")
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.3)  # anything extra (a duplicate) would have arrived by now
    return arrivals(mailbox), committed, started, backlog


async def scenario(
    name: str, kind: str, instances: int, connections: int, size: int, rate: float = 0.0
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        mailbox, port = tmp / "mail", free_port()
        sink = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "pidesk", "mailsink", "--port", str(port), "--dir", str(mailbox),
            stdout=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        children: list[asyncio.subprocess.Process] = []
        try:
            async with fresh_postgres_database("bench_notify") as url:
                try:
                    got, committed, started, backlog = await measure(
                        name, kind, instances, connections, size, rate, url, port, tmp, children
                    )
                finally:  # before the database goes
                    await stop(children)
        finally:
            sink.terminate()
            await sink.wait()
    first = started if backlog else min(committed.values())
    waits = [at - (started if backlog else committed[to]) for to, at in got if to in committed]
    result: dict[str, Any] = {
        "name": name,
        "scenario": kind,
        "instances": instances,
        "connections": connections,
        "messages": len(got),
        "messages_per_s": round(len(got) / (max(at for _, at in got) - first), 1),
        **percentiles(waits),
        "waits_from": "start of delivery" if backlog else "commit",
        "duplicates": sum(n - 1 for n in Counter(to for to, _ in got).values()),
    }
    if kind == "alert_behind_notice":  # the alert's own wait
        alert_waits = [at - committed[to] for to, at in got if to.startswith("e")]
        result |= {f"alert_{k}": v for k, v in percentiles(alert_waits).items()}
    return result


async def fsync_setting(url: str) -> str:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return str(await connection.fetchval("SHOW fsync"))
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=3000, help="internal-alert messages per scenario")
    parser.add_argument("--recipients", type=int, default=3000, help="data-subject notice recipients")
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--connections", type=int, nargs="+", default=[8, 16, 32], help="SMTP pool sizes")
    parser.add_argument("--paced-rate", type=float, default=300.0, help="alerts_paced: messages/s offered")
    parser.add_argument("--json", type=Path, help="also write the results here (a list, one object per scenario)")
    parser.add_argument("--instance", help=argparse.SUPPRESS)  # internal: run one notifier instance
    args = parser.parse_args()
    if args.instance:  # on uvloop when installed, as `pidesk notifier` runs under uvicorn
        try:
            import uvloop
        except ImportError:
            asyncio.run(instance(json.loads(args.instance)))
        else:
            uvloop.run(instance(json.loads(args.instance)))
        return 0
    # one keyring for this process (it records the backlog) and the instances it starts (they open it)
    os.environ.setdefault("NOTIFIER_ENCRYPTION_KEYS", f"bench:{base64.b64encode(os.urandom(32)).decode()}")
    fsync = asyncio.run(fsync_setting(os.environ.get("TEST_DATABASE_URL", "")))
    if fsync != "on":
        print(f"warning: PostgreSQL runs with fsync={fsync}; commits cost less than in production", flush=True)
    default = NotifierSettings.model_fields["smtp_connections"].default
    pool = default if default in args.connections else max(args.connections)
    plan = [
        (f"internal_alerts-{i}x{c}", "internal_alerts", i, c, args.alerts)
        for i in args.instances
        for c in args.connections
    ]
    plan += [(f"alerts_live-{i}x{pool}", "alerts_live", i, pool, args.alerts) for i in args.instances]
    plan += [(f"alerts_paced-1x{pool}", "alerts_paced", 1, pool, args.alerts // 2)]
    plan += [
        (f"data_subject-1x{pool}", "data_subject", 1, pool, args.recipients),
        (f"alert_behind_notice-1x{pool}", "alert_behind_notice", 1, pool, args.recipients),
    ]
    results = []
    for name, kind, instances, connections, size in plan:
        result = asyncio.run(scenario(name, kind, instances, connections, size, args.paced_rate)) | {"fsync": fsync}
        if kind == "alerts_paced":
            result["offered_per_s"] = args.paced_rate
        results.append(result)
        line = (
            f"{name:28} {result['messages']:6d} messages {result['messages_per_s']:7.1f}/s  "
            f"wait p50 {result['p50_ms']:6.0f} ms p95 {result['p95_ms']:6.0f} p99 {result['p99_ms']:6.0f} "
            f"max {result['max_ms']:6.0f} (from {result['waits_from']})  duplicates {result['duplicates']}"
        )
        if "alert_p50_ms" in result:
            line += (
                f"\n{'':28} its very_high alert: p50 {result['alert_p50_ms']:.0f} ms, max {result['alert_max_ms']:.0f}"
            )
        print(line, flush=True)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"notice_delivery-{uuid.uuid4().hex[:8]}.json").write_text(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all(r["duplicates"] == 0 for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
