"""Scenario e: end to end, intake → Kafka → escalation → Kafka → notifier → SMTP, at a fixed rate.

intake (`--workers <cores>`), escalation and notifier as processes on fresh databases, their consumer
groups new (PIDESK_CONSUMER_GROUP_SUFFIX) and positioned at the end of every topic they read, so
events of earlier scenarios are not replayed; an SMTP sink process (bench/smtp_sink.py) writes each
message's arrival time and X-Pidesk-Reference. After a short warm-up (a few reports, until their
alerts arrive), bench.loadgen posts reports open-loop at `e2e_rate` for `e2e_seconds`, keeping every
answer. Per accepted report (202 → its reference): from its scheduled send time to the first internal
alert for that reference accepted by the SMTP server, and to escalation's row (`incidents.created_at`).
A report with no alert when the drain time is up counts as infinitely late. Every `sample_every`
seconds: consumer lag of both groups (end offsets minus committed offsets over the topics each
subscribes to), each outbox's unpublished rows, and the resident memory of every service process
(intake's workers included). The outbox and
processed_events tables of each database are measured after the warm-up and at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import loadgen
from bench.cpu import measuring, profile
from bench.scenarios.common import (
    REPO_ROOT,
    Context,
    Service,
    asyncpg_dsn,
    base_env,
    cpu_components,
    lag_is_flat,
    last_json_line,
    log,
    migrated_database,
    percentiles,
    run_process,
    slope,
    table_counts,
)
from bench.scenarios.kafka import LagProbe, end_offsets, ensure_bench_topics, position_group, service_topics
from pidesk.shared.messaging.wiring import consumer_group_ids
from tests.support.infra import free_port

SERVICES = ("intake", "escalation", "notifier")
OUTBOX_BACKLOG = (
    "SELECT count(*) FILTER (WHERE published_at IS NULL) AS unpublished, coalesce(max(id), 0) AS written FROM outbox"
)


class Arrivals:
    """The sink's arrivals file, read as it grows: the first arrival per reference, and every arrival."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0
        self.first: dict[str, float] = {}
        self.times: list[float] = []

    def poll(self) -> None:
        if not self.path.exists():
            return
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            chunk = handle.read()
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self.offset += len(complete)
        for line in complete.decode().splitlines():
            at_text, reference, _ = line.split("\t")
            at = float(at_text)
            self.times.append(at)
            if reference and reference not in self.first:
                self.first[reference] = at


class Sink:
    """bench/smtp_sink.py as a process; `addresses`: each line's third column lists the recipients."""

    def __init__(self, out: Path, *, addresses: bool = False) -> None:
        self.port, self.out, self.addresses = free_port(), out, addresses
        self.process: subprocess.Popen[bytes] | None = None

    def launch(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "bench.smtp_sink", "--port", str(self.port), "--out", str(self.out)]
        command += ["--addresses"] if self.addresses else []
        self.process = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE)
        return self.process

    async def start(self) -> Sink:
        process = self.launch()
        assert process.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(process.stdout.readline), 30)
        if line.strip() != b"ready":
            raise RuntimeError(f"the SMTP sink did not start: {line!r}")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def wait_for_alerts(
    arrivals: Arrivals, references: set[str], services: list[Service], within: float
) -> float | None:
    """Seconds until every reference had an alert; None when `within` ran out first."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        await asyncio.to_thread(arrivals.poll)
        if references <= arrivals.first.keys():
            return round(time.monotonic() - started, 2)
        for service in services:
            service.check_alive()
        await asyncio.sleep(0.2)
    return None


async def warm_up(url: str, arrivals: Arrivals, services: list[Service], count: int = 10) -> dict[str, Any]:
    """A few reports through the whole path: consumers have joined their groups and got partitions."""
    make = loadgen.report_requests()
    references = set()
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        for n in range(count):
            request = make(n)
            answer = await client.post(request.path, content=request.body, headers=dict(request.headers))
            if answer.status_code != 202:
                raise RuntimeError(f"warm-up report answered {answer.status_code}: {answer.text[:300]}")
            references.add(answer.json()["reference"])
    seconds = await wait_for_alerts(arrivals, references, services, 120)
    if seconds is None:
        missing = len(references - arrivals.first.keys())
        tails = "\n".join(f"--- {s.name}\n{s.log_tail(800)}" for s in services)
        raise RuntimeError(f"warm-up: {missing}/{count} reports got no alert within 120 s\n{tails}")
    return {"reports": count, "alerts_after_s": seconds}


async def sampler(
    ctx: Context,
    services: dict[str, Service],
    groups: dict[str, str],
    samples: list[dict[str, Any]],
    subscribed: dict[str, list[str]],
    urls: dict[str, str],
    t0: float,
) -> None:
    """Every `sample_every` s: each process's memory, each group's lag, each outbox's unpublished rows."""
    async with LagProbe(ctx.bootstrap) as probe, AsyncExitStack() as stack:
        databases = {}
        for service, url in urls.items():
            databases[service] = await asyncpg.connect(asyncpg_dsn(url))
            stack.push_async_callback(databases[service].close)
        while True:
            sample: dict[str, Any] = {"t": round(time.time() - t0, 2), "memory": {}, "lag": {}, "outbox": {}}
            for name, service in services.items():
                sample["memory"][name] = service.memory()
            for service, group in groups.items():
                try:
                    sample["lag"][service] = await probe.lag(group)
                except Exception as exc:  # noqa: BLE001 - one missed sample is recorded, not fatal
                    sample["lag"][service] = {"error": repr(exc)[:200]}
            for service, database in databases.items():
                row = await database.fetchrow(OUTBOX_BACKLOG)
                sample["outbox"][service] = {"lag": int(row["unpublished"]), "end": int(row["written"])}
            samples.append(sample)
            subscribed.update({service: probe.subscribed.get(group, []) for service, group in groups.items()})
            await asyncio.sleep(ctx.plan.sample_every)


def lag_summary(samples: list[dict[str, Any]], kind: str, service: str, seconds: float) -> dict[str, Any]:
    """A queue's samples during the load (kind "lag": a consumer group's; "outbox": unpublished rows),
    its maximum, trend and inflow, and whether it stayed flat."""
    points = [(s["t"], s[kind][service]) for s in samples if "lag" in s.get(kind, {}).get(service, {})]
    lags = [(t, float(v["lag"])) for t, v in points]
    ends = [(t, float(v["end"])) for t, v in points]
    spread = ends[-1][0] - ends[0][0] if ends else 0.0
    inflow = (ends[-1][1] - ends[0][1]) / spread if spread > 0 else 0.0
    return {
        "samples": [int(v) for _, v in lags],
        "max": int(max((v for _, v in lags), default=0)),
        "growth_per_s": round(slope(lags), 2),
        "inflow_per_s": round(inflow, 1),
        "flat": lag_is_flat(lags, inflow, seconds) if lags else None,
    }


# when each stage of the path had an incident: its report committed by intake, stored by escalation,
# its first internal alert recorded by the notifier (the SMTP sink gives the last stage)
STAGES = {
    "intake": "SELECT id::text AS id, extract(epoch FROM created_at) AS at FROM reports",
    "escalation": "SELECT id::text AS id, extract(epoch FROM created_at) AS at FROM incidents",
    "notifier": "SELECT incident_id::text AS id, extract(epoch FROM min(created_at)) AS at FROM notices"
    " WHERE kind = 'internal' GROUP BY incident_id",
}


async def stamps(url: str, query: str) -> dict[str, float]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return {row["id"]: float(row["at"]) for row in await connection.fetch(query)}
    finally:
        await connection.close()


async def stage_stamps(urls: dict[str, str]) -> dict[str, dict[str, float]]:
    """Per stage (STAGES), when each incident reached it."""
    return {stage: await stamps(urls[stage], query) for stage, query in STAGES.items()}


async def stage_latencies(urls: dict[str, str], sent: dict[str, tuple[float, str]]) -> dict[str, Any]:
    """Per stage, from the report's scheduled send time: where the time to the first alert goes."""
    found = await stage_stamps(urls)
    return {
        f"to_{stage}": percentiles([at[i] - due if i in at else math.inf for due, i in sent.values()])
        for stage, at in found.items()
    }


def stage_throughput(
    found: dict[str, dict[str, float]],
    sent: dict[str, tuple[float, str]],
    first_alerts: dict[str, float],
    load_start: float,
) -> dict[str, dict[str, float | int | None]]:
    """How many of the run's reports each stage handled and at what rate — from the first report's due time
    to the stage's last stamp for them (`found`: stage_stamps). Under a load the pipeline cannot sustain, the
    stage with the lowest rate is the one that falls behind (where the next profile belongs)."""
    ids = [incident_id for _, incident_id in sent.values()]
    reached = {stage: [at[i] for i in ids if i in at] for stage, at in found.items()}
    reached["smtp"] = [first_alerts[ref] for ref in sent if ref in first_alerts]
    return {stage: _rate(times, load_start) for stage, times in reached.items()}


def _rate(times: list[float], since: float) -> dict[str, float | int | None]:
    span = max(times) - since if times else 0.0
    return {"reports": len(times), "per_s": round(len(times) / span, 1) if span > 0 else None}


@dataclass
class Pipeline:
    """intake, escalation and notifier on fresh databases, their consumer groups at the end of their
    topics, the notifier mailing an SMTP sink; what a scenario needs of them."""

    services: dict[str, Service]
    urls: dict[str, str]  # each service's database
    groups: dict[str, str]  # label ("escalation", "notifier", "notifier-alerts") → consumer group id
    sink: Sink
    arrivals: Arrivals
    out: Path  # the scenario's files (the sink's arrivals, the clients' answers)

    @property
    def running(self) -> list[Service]:
        return list(self.services.values())


def group_labels(suffix: str) -> dict[str, str]:
    """Every consumer group of escalation and the notifier (lanes included), by a short label."""
    return {
        group.removeprefix("pidesk-").replace(suffix, ""): group
        for service in ("escalation", "notifier")
        for group in consumer_group_ids(service, suffix)
    }


async def start_pipeline(
    ctx: Context, stack: AsyncExitStack, tag: str, env: dict[str, str] | None = None, *, addresses: bool = False
) -> Pipeline:
    """Start the three services and the sink for the scenario `tag` (its groups, databases, log names
    and directory carry the tag); all of it is stopped, and the databases dropped, when `stack` closes."""
    await ensure_bench_topics(ctx.bootstrap)
    suffix = f"-bench-{ctx.run_id}-{tag}"
    groups = group_labels(suffix)
    for service in ("escalation", "notifier"):
        offsets = await end_offsets(ctx.bootstrap, service_topics(service))
        for group in consumer_group_ids(service, suffix):
            await position_group(ctx.bootstrap, group, offsets)
    out = ctx.workdir / tag
    out.mkdir(parents=True, exist_ok=True)
    arrivals = Arrivals(out / "arrivals.tsv")
    urls = {
        service: await stack.enter_async_context(migrated_database(f"bench_{tag}_{service[:3]}", service))
        for service in SERVICES
    }
    sink = Sink(arrivals.path, addresses=addresses)
    stack.callback(sink.stop)
    await sink.start()
    env = {
        **base_env(ctx),
        **{f"{service.upper()}_DATABASE_URL": url for service, url in urls.items()},
        "PIDESK_CONSUMER_GROUP_SUFFIX": suffix,
        "NOTIFIER_SMTP_HOST": "127.0.0.1",
        "NOTIFIER_SMTP_PORT": str(sink.port),
        "INTAKE_REPORTS_PER_MINUTE": "100000000",
        **(env or {}),
    }
    services = {
        "intake": Service("intake", env, ctx.workdir / "logs", workers=ctx.cores, tag=f"-{tag}"),
        "escalation": Service("escalation", env, ctx.workdir / "logs", tag=f"-{tag}"),
        "notifier": Service("notifier", env, ctx.workdir / "logs", tag=f"-{tag}"),
    }
    links = {
        "ESCALATION_NOTIFIER_URL": services["notifier"].url,
        "NOTIFIER_PUBLIC_URL": services["notifier"].url,
        "NOTIFIER_DESK_URL": f"{services['escalation'].url}/desk",
    }
    for service in services.values():
        service.env.update(links)
        stack.callback(service.stop)
        service.launch()
    for service in services.values():
        await service.ready()
    return Pipeline(services, urls, groups, sink, arrivals, out)


async def quiet(arrivals: Arrivals, for_s: float = 2.0, within: float = 30.0) -> None:
    """Until no mail has arrived for `for_s` (the other recipients' alerts of the last reports)."""
    started = time.monotonic()
    count, since = -1, time.monotonic()
    while time.monotonic() - started < within:
        await asyncio.to_thread(arrivals.poll)
        if len(arrivals.times) != count:
            count, since = len(arrivals.times), time.monotonic()
        elif time.monotonic() - since >= for_s:
            return
        await asyncio.sleep(0.2)


async def post_reports(ctx: Context, pipeline: Pipeline, name: str, rate: float, seconds: float) -> dict[str, Any]:
    """bench.loadgen posting reports open-loop at `rate` for `seconds`; its summary and every 202's
    reference → (scheduled send time, incident id)."""
    responses_path = pipeline.out / f"{name}-responses.jsonl"
    command = [sys.executable, "-m", "bench.loadgen", "fixed-rate", "--url", pipeline.services["intake"].url]
    command += ["--kind", "report", "--rate", str(rate), "-d", str(seconds), "--responses", str(responses_path)]
    client = last_json_line(
        await run_process(command, limit_s=seconds + 120, log_path=ctx.workdir / "logs" / f"e2e-{name}-client.log")
    )
    responses = [json.loads(line) for line in (await asyncio.to_thread(responses_path.read_text)).splitlines()]
    sent = {}
    for record in responses:
        if record.get("status") == 202:
            body = json.loads(record["body"])
            sent[body["reference"]] = (record["due_at"], body["incident_id"])
    client["load_start"] = min((r["due_at"] for r in responses), default=time.time())
    return {"client": client, "sent": sent}


async def steady(ctx: Context, pipeline: Pipeline) -> dict[str, Any]:
    """A rate this machine sustains: the fast path's latency without a queue, and the CPU one report
    costs in each process (measured from the first POST until the last report's mails are out)."""
    plan = ctx.plan
    log(f"end to end: {plan.e2e_steady_rate:.0f} reports/s for {plan.e2e_steady_seconds:.0f} s (steady)")
    async with measuring(cpu_components(ctx, pipeline.services)) as meter:
        load = await post_reports(ctx, pipeline, "steady", plan.e2e_steady_rate, plan.e2e_steady_seconds)
        sent = load["sent"]
        drain = await wait_for_alerts(pipeline.arrivals, set(sent), pipeline.running, plan.e2e_drain_seconds)
        await quiet(pipeline.arrivals)
    first = pipeline.arrivals.first
    to_alert = [first[ref] - due if ref in first else math.inf for ref, (due, _) in sent.items()]
    return {
        "rate": plan.e2e_steady_rate,
        "client": {k: v for k, v in load["client"].items() if k != "responses"},
        "accepted": len(sent),
        "alerted": sum(1 for ref in sent if ref in first),
        "to_first_alert": percentiles(to_alert),
        "stages": await stage_latencies(pipeline.urls, sent),
        "drain_s": drain,
        "cpu": profile(meter.result(), len(sent), plan.e2e_rate),
    }


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    samples: list[dict[str, Any]] = []
    subscribed: dict[str, list[str]] = {}
    async with AsyncExitStack() as stack:
        # the notifier's rate limit (issue 11's pacing: 30 alert mails per person an hour) would hold
        # most of these reports' alerts on purpose; the storm scenario measures the pacing, this one the path
        pipeline = await start_pipeline(ctx, stack, "e2e", {"NOTIFIER_ALERT_MAILS_PER_HOUR": "0"})
        services, urls, groups = pipeline.services, pipeline.urls, pipeline.groups
        arrivals, running = pipeline.arrivals, pipeline.running
        log("end to end: warm-up")
        warm = await warm_up(services["intake"].url, arrivals, running)
        steady_run = await steady(ctx, pipeline)
        tables_start = {service: await table_counts(url) for service, url in urls.items()}
        t0 = time.time()
        sampling = asyncio.create_task(sampler(ctx, services, groups, samples, subscribed, urls, t0))
        stack.push_async_callback(cancel, sampling)
        log(f"end to end: {plan.e2e_rate:.0f} reports/s for {plan.e2e_seconds:.0f} s")
        async with measuring(cpu_components(ctx, services)) as meter:
            load = await post_reports(ctx, pipeline, "e2e", plan.e2e_rate, plan.e2e_seconds)
        cpu_during_load = meter.result()
        client, sent = load["client"], load["sent"]
        log(f"end to end: load done ({len(sent)} accepted); waiting up to {plan.e2e_drain_seconds:.0f} s for alerts")
        drain = await wait_for_alerts(arrivals, set(sent), running, plan.e2e_drain_seconds)
        await cancel(sampling)
        tables_end = {service: await table_counts(url) for service, url in urls.items()}
        found = await stage_stamps(urls)
        stored = found["escalation"]
        throughput = stage_throughput(found, sent, arrivals.first, float(client["load_start"]))
    to_alert = [arrivals.first[ref] - due if ref in arrivals.first else math.inf for ref, (due, _) in sent.items()]
    to_stored = [stored[i] - due if i in stored else math.inf for due, i in sent.values()]
    # the load: from the first request's due time for as long as the client ran
    load_start = float(client.pop("load_start"))
    load_seconds = float(client.get("duration_s") or plan.e2e_seconds)
    load_end = load_start + load_seconds
    during = [s for s in samples if t0 + s["t"] <= load_end + 0.5]
    in_window = [at for at in arrivals.times if load_start <= at <= load_end]
    return {
        "rate": plan.e2e_rate,
        "load_seconds": round(load_seconds, 2),
        "workers": ctx.cores,
        "warm_up": warm,
        "steady": steady_run,
        "client": {k: v for k, v in client.items() if k != "responses"},
        "accepted": len(sent),
        "alerted": sum(1 for ref in sent if ref in arrivals.first),
        "to_first_alert": percentiles(to_alert),
        "to_escalation_stored": percentiles(to_stored),
        "stage_throughput": throughput,
        "alerts_per_s": round(len(in_window) / load_seconds, 1) if load_seconds else None,
        "messages": len(arrivals.times),
        "drain_s": drain,
        "cpu_during_load": profile(cpu_during_load, len(sent)),
        "lag": {service: lag_summary(during, "lag", service, load_seconds) for service in groups},
        "outbox_backlog": {service: lag_summary(during, "outbox", service, load_seconds) for service in SERVICES},
        "lag_topics": subscribed,
        "lag_after_drain": {service: samples[-1]["lag"].get(service) for service in groups} if samples else {},
        "memory": memory_summary(samples),
        "tables": {
            service: {
                table: {
                    "start": tables_start[service][table],
                    "end": tables_end[service][table],
                    "rows_added": tables_end[service][table]["rows"] - tables_start[service][table]["rows"],
                }
                for table in tables_end[service]
            }
            for service in SERVICES
        },
        "samples": samples,
    }


def memory_summary(samples: list[dict[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for sample in samples:
        for service, memory in sample["memory"].items():
            best = found.setdefault(service, {"processes": 0, "max_rss_mb": 0.0, "max_total_rss_mb": 0.0})
            best["processes"] = max(best["processes"], memory["processes"])
            best["max_rss_mb"] = max(best["max_rss_mb"], memory["max_rss_mb"])
            best["max_total_rss_mb"] = max(best["max_total_rss_mb"], memory["total_rss_mb"])
    return found


async def cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
