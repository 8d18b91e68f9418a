"""Scenario f: a DLP alert storm, and a real report posted through it (issue 11, item 2).

The services as in the end-to-end scenario (bench/scenarios/end_to_end.start_pipeline: intake with its
workers, escalation, notifier, the SMTP sink; fresh databases; consumer groups at the end of their
topics), each webhook source enabled with a random secret and the webhook rate limit lifted. After
the end-to-end warm-up, two clients run at once, each `bench.loadgen fixed-rate` in its own process:

- the storm: `storm_alerts` alerts open-loop in `storm_seconds` (10,000 in 60 s, ~167/s; at most
  `storm_connections` connections), the vendor payloads of bench/storm_alerts.py (60 % one misfiring
  Purview rule over many senders, 25 % a Macie job over one bucket, 10 % a GitHub secret-scanning
  backfill over several repositories, 5 % distinct generic alerts), each signed as its vendor signs
  and with a vendor alert id of its own. Intake answers 202 for an alert that opened an incident,
  200 with `"grouped": true` for one that joined its group's incident;
- the probe: one very-high-risk report a second through `POST /v1/reports` (the tests' report_body,
  aware now) during the storm and `storm_probe_tail` seconds beyond; per probe, from its scheduled
  send time to the first internal alert with its reference accepted by the SMTP sink (which records
  X-Pidesk-Reference, arrival time and recipients). A probe without an alert at the end is infinitely late.

After the storm (its last answer): escalation's database is polled until every accepted storm alert
is assessed, i.e. stored in escalation's alert table and its incident assessed at or after the moment
escalation stored it, or covered by the assessment in force (made on the facts the incident has now:
escalation re-assesses only when an alert changes its group's facts; COVERED_BY_UNCHANGED_FACTS), or
until `storm_drain_seconds` have passed. The time to all assessed comes from the database's own
timestamps (per alert: the first assessment of its incident at or after it was stored, else the moment
it was stored). Lost: accepted alerts escalation never stored. Mails: every message the sink accepted from the
storm's start until MAIL_TAIL_S after its end (and during the storm alone), in all and per recipient.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench import storm_alerts
from bench.scenarios.common import (
    Context,
    Service,
    asyncpg_dsn,
    last_json_line,
    log,
    percentiles,
    run_process,
)
from bench.scenarios.end_to_end import (
    cancel,
    lag_summary,
    memory_summary,
    sampler,
    start_pipeline,
    wait_for_alerts,
    warm_up,
)

UNLIMITED = "100000000"
STORM_TIMEOUT_S = 60.0  # an alert's answer is awaited this long (a later one is an error, its commit may stand)
PROBE_TIMEOUT_S = 30.0
PROBE_DRAIN_S = 30.0  # after the last probe, how long its alert is awaited at most
MAIL_TAIL_S = 60.0  # mails are counted from the storm's start until this long after its end
POLL_S = 1.0

# Escalation's tables as issue 11 builds them (services/escalation/adapters/orm.py: IncidentAlert,
# Incident, AssessmentRecord). Should they change, adjust these names: the queries below are built from them.
ALERTS_TABLE = "incident_alerts"  # one row per vendor alert escalation stored: source, alert_id, incident_id
ALERT_STORED_AT = "grouped_at"  # when escalation stored the alert into its incident's group (its own clock)
INCIDENTS_TABLE = "incidents"  # id, facts (the facts in force: they follow the group)
ASSESSMENTS_TABLE = "assessments"  # every assessment of an incident: incident_id, version, assessed_at, facts
# An alert is assessed once stored and its incident's latest assessment is at or after that moment. Escalation
# re-assesses only when an alert changes its group's facts (services/escalation/service/incidents.py), so an
# alert that changes nothing also counts as assessed when the latest assessment was made on the facts the
# incident has now (it covers the whole group, that alert included); False: only the first rule.
COVERED_BY_UNCHANGED_FACTS = True

_LATEST = f"""latest AS (
    SELECT DISTINCT ON (incident_id) incident_id, assessed_at AS at, facts::jsonb AS facts
    FROM {ASSESSMENTS_TABLE} ORDER BY incident_id, version DESC)"""  # noqa: S608 - fixed names
_REASSESSED = f"l.at >= a.{ALERT_STORED_AT}"
_COVERED = f"({_REASSESSED} OR l.facts = i.facts::jsonb)" if COVERED_BY_UNCHANGED_FACTS else _REASSESSED
_JOINS = f"""JOIN {INCIDENTS_TABLE} i ON i.id = a.incident_id
LEFT JOIN latest l ON l.incident_id = a.incident_id"""

# while waiting: of the accepted alerts ($1 sources, $2 alert ids), how many are stored, re-assessed
# since, and assessed
PROGRESS_SQL = f"""
WITH accepted AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(source, alert_id)), {_LATEST}
SELECT count(*) AS stored, count(*) FILTER (WHERE {_REASSESSED}) AS reassessed,
       count(*) FILTER (WHERE {_COVERED}) AS assessed
FROM accepted t
JOIN {ALERTS_TABLE} a ON a.source = t.source AND a.alert_id = t.alert_id
{_JOINS}
"""  # noqa: S608 - fixed names

# at the end: every stored alert of the storm's sources (Unix seconds): when it was stored, and when it
# was assessed: the first assessment of its incident at or after that, else (covered by unchanged facts)
# the moment it was stored; NULL: not yet
ALERTS_SQL = f"""
WITH {_LATEST}
SELECT a.source, a.alert_id, a.incident_id::text AS incident_id,
       extract(epoch FROM a.{ALERT_STORED_AT})::float8 AS stored_at,
       extract(epoch FROM coalesce(
           (SELECT min(s.assessed_at) FROM {ASSESSMENTS_TABLE} s
             WHERE s.incident_id = a.incident_id AND s.assessed_at >= a.{ALERT_STORED_AT}),
           CASE WHEN {_COVERED} THEN a.{ALERT_STORED_AT} END))::float8 AS assessed_at,
       {_REASSESSED} AS reassessed
FROM {ALERTS_TABLE} a
{_JOINS}
WHERE a.source = ANY($1::text[])
"""  # noqa: S608 - fixed names

MISSING_SCHEMA = (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError)


# ---------------------------------------------------------------- pure: answers, alerts and mails to figures


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def storm_answers(run: str, responses: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The storm client's answers, by alert: which were accepted (2xx), opened (202) or joined (200,
    grouped) an incident, which failed; per source, and the incidents the accepted ones went to."""
    sources = {s: Counter[str]() for s in storm_alerts.SOURCES}
    incidents: dict[str, set[str]] = {s: set() for s in storm_alerts.SOURCES}
    accepted: dict[tuple[str, str], str] = {}  # (source, alert id) → incident id
    references: set[str] = set()
    first_due, last_answer = math.inf, 0.0
    for record in responses:
        first_due = min(first_due, float(record["due_at"]))
        source, alert_id = storm_alerts.alert_id(run, int(record["n"]))
        counts = sources[source]
        counts["posted"] += 1
        status = record.get("status")
        if status is not None:
            last_answer = max(last_answer, float(record["due_at"]) + float(record["latency_ms"]) / 1000)
        if status is None or not 200 <= int(status) <= 299:
            counts["errors"] += 1
            counts[f"error_{record.get('error') or status}"] += 1
            continue
        body = json.loads(record["body"])
        accepted[(source, alert_id)] = body["incident_id"]
        incidents[source].add(body["incident_id"])
        references.add(body["reference"])
        counts["accepted"] += 1
        counts["opened" if int(status) == 202 else "grouped" if body.get("grouped") else "repeated"] += 1
    per_source = {
        source: {**dict(counts), "incidents": len(incidents[source])} for source, counts in sources.items() if counts
    }
    total = Counter[str]()
    for counts in sources.values():
        total.update(counts)
    return {
        "posted": total["posted"],
        "accepted": total["accepted"],
        "opened": total["opened"],
        "grouped": total["grouped"],
        "repeated": total["repeated"],
        "errors": total["errors"],
        "incidents": len(set().union(*incidents.values())),
        "per_source": per_source,
        "accepted_alerts": accepted,
        "references": references,
        "first_due_at": first_due if math.isfinite(first_due) else None,
        "last_answer_at": last_answer or None,
    }


def assessment_figures(
    accepted: Iterable[tuple[str, str]], rows: Sequence[dict[str, Any]], storm_end: float
) -> dict[str, Any]:
    """Escalation's stored alerts against the accepted ones: how many are stored and assessed, the time
    from the storm's end until the last of them was assessed, and the lost (accepted, never stored)."""
    stored = {(r["source"], r["alert_id"]): r for r in rows}
    wanted = set(accepted)
    found = [stored[key] for key in wanted if key in stored]
    assessed = [float(r["assessed_at"]) for r in found if r["assessed_at"] is not None]
    reassessed = sum(1 for r in found if r.get("reassessed"))
    last = max(assessed, default=None)
    all_assessed = bool(wanted) and len(assessed) == len(wanted)
    stored_times = [float(r["stored_at"]) for r in found if r["stored_at"] is not None]
    return {
        "accepted": len(wanted),
        "stored": len(found),
        "assessed": len(assessed),
        "reassessed": reassessed,  # of them, with an assessment at or after they were stored
        "lost": len(wanted) - len(found),
        "unanswered_but_stored": len(stored.keys() - wanted),  # an answer lost to a timeout, its commit stood
        "incidents": len({r["incident_id"] for r in found}),
        "all_assessed_after_s": round(last - storm_end, 2) if all_assessed and last is not None else None,
        "last_assessed_after_s": round(last - storm_end, 2) if last is not None else None,
        "last_stored_after_s": round(max(stored_times) - storm_end, 2) if stored_times else None,
    }


def read_mails(path: Path) -> list[tuple[float, str, list[str]]]:
    """The sink's lines (written with --addresses): (arrival, reference, recipients)."""
    found = []
    if path.exists():
        for line in path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) == 3:
                found.append((float(parts[0]), parts[1], [a for a in parts[2].split(",") if a]))
    return found


def mail_figures(
    mails: Sequence[tuple[float, str, list[str]]], start: float, end: float, storm: set[str], probes: set[str]
) -> dict[str, Any]:
    """Messages the sink accepted in [start, end]: in all, about storm incidents, about probes, and
    per recipient (the most any one address got)."""
    window = [m for m in mails if start <= m[0] <= end]
    per_recipient = Counter(address.lower() for _, _, recipients in window for address in recipients)
    busiest = per_recipient.most_common(1)
    return {
        "window_s": round(end - start, 1),
        "total": len(window),
        "storm": sum(1 for _, ref, _ in window if ref in storm),
        "probes": sum(1 for _, ref, _ in window if ref in probes),
        "recipients": len(per_recipient),
        "per_recipient_max": busiest[0][1] if busiest else 0,
        "busiest_recipient": busiest[0][0] if busiest else None,
        "per_recipient_top": dict(per_recipient.most_common(8)),
    }


def probe_figures(responses: Iterable[dict[str, Any]], first_alert: dict[str, float]) -> dict[str, Any]:
    """Per probe: scheduled send → first alert at the sink (∞ when none came); the answers' errors."""
    latencies, errors, references = [], 0, []
    timeline = []
    for record in sorted(responses, key=lambda r: r["n"]):
        if record.get("status") != 202:
            errors += 1
            continue
        reference = json.loads(record["body"])["reference"]
        references.append(reference)
        due = float(record["due_at"])
        latency = first_alert[reference] - due if reference in first_alert else math.inf
        latencies.append(latency)
        timeline.append([round(due, 3), round(latency * 1000, 1) if math.isfinite(latency) else None])
    return {
        "sent": len(latencies) + errors,
        "accepted": len(latencies),
        "errors": errors,
        "without_alert": sum(1 for x in latencies if not math.isfinite(x)),
        "to_first_alert": percentiles(latencies),
        "timeline": timeline,  # [scheduled send (Unix s), ms to its first alert or None]
        "references": references,
    }


# ---------------------------------------------------------------- the database


async def assessment_progress(url: str, accepted: Sequence[tuple[str, str]]) -> dict[str, int]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        row = await connection.fetchrow(PROGRESS_SQL, [s for s, _ in accepted], [a for _, a in accepted])
        return {key: int(row[key]) for key in ("stored", "reassessed", "assessed")}
    finally:
        await connection.close()


async def stored_alerts(url: str) -> list[dict[str, Any]]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return [dict(row) for row in await connection.fetch(ALERTS_SQL, list(storm_alerts.SOURCES))]
    finally:
        await connection.close()


STAGE_SQL = {
    "intake": (
        "SELECT r.id::text AS id, extract(epoch FROM r.received_at) AS accepted,"
        " extract(epoch FROM min(o.published_at)) AS published FROM reports r"
        " JOIN outbox o ON o.message_key = r.id::text AND o.topic = 'pidesk.incident.reported.v1'"
        " WHERE r.id::text = ANY($1) GROUP BY r.id"
    ),
    "escalation": (
        "SELECT i.id::text AS id, extract(epoch FROM i.created_at) AS recorded,"
        " extract(epoch FROM min(o.published_at)) AS requested FROM incidents i"
        " JOIN outbox o ON o.message_key = i.id::text AND o.topic = 'pidesk.escalation.requested.v1'"
        " WHERE i.id::text = ANY($1) GROUP BY i.id"
    ),
    "notifier": (
        "SELECT n.incident_id::text AS id, extract(epoch FROM min(n.created_at)) AS noted,"
        " extract(epoch FROM min(d.sent_at)) AS sent FROM notices n JOIN deliveries d ON d.notice_id = n.id"
        " WHERE n.kind = 'internal' AND n.incident_id::text = ANY($1) GROUP BY n.incident_id"
    ),
}
STAGES = (  # (name, from, to): where a probe's time goes, hop by hop
    ("intake commit → relayed", "accepted", "published"),
    ("relayed → escalation recorded", "published", "recorded"),
    ("recorded → alert request relayed", "recorded", "requested"),
    ("alert request → notifier recorded", "requested", "noted"),
    ("notifier recorded → sent", "noted", "sent"),
)


async def probe_stages(urls: dict[str, str], incident_ids: list[str]) -> dict[str, Any]:
    """Per hop, percentiles of where the probes' time went (database clocks of one machine)."""
    times: dict[str, dict[str, float]] = {i: {} for i in incident_ids}
    for service, sql in STAGE_SQL.items():
        connection = await asyncpg.connect(asyncpg_dsn(urls[service]))
        try:
            for row in await connection.fetch(sql, incident_ids):
                times[row["id"]].update({k: float(v) for k, v in dict(row).items() if k != "id" and v is not None})
        finally:
            await connection.close()
    stages: dict[str, Any] = {}
    for name, start, end in STAGES:
        spans = [t[end] - t[start] for t in times.values() if start in t and end in t]
        stages[name] = percentiles(spans)
    # and each probe's hops in the order they were sent (milliseconds), to see when the slow ones were
    stages["each"] = [
        [round((t[end] - t[start]) * 1000) if start in t and end in t else None for _, start, end in STAGES]
        for t in (times[i] for i in incident_ids)
    ]
    return stages


async def wait_assessed(
    url: str, accepted: Sequence[tuple[str, str]], services: list[Service], deadline: float
) -> dict[str, Any]:
    """Poll until every accepted alert is assessed or `deadline` (Unix time); what was seen last."""
    seen: dict[str, Any] = {"polls": 0}
    while True:
        for service in services:
            service.check_alive()
        seen.update(await assessment_progress(url, accepted), polls=seen["polls"] + 1, at=round(time.time(), 3))
        if seen["assessed"] >= len(accepted) or time.time() >= deadline:
            seen["complete"] = seen["assessed"] >= len(accepted)
            return seen
        await asyncio.sleep(POLL_S)


# ---------------------------------------------------------------- the run


DESK_FIELDS = ("reference", "source", "status", "risk_level", "alert_count", "last_alert_at", "next_obligation")


async def desk_view(escalation: Service, out: Path) -> dict[str, Any]:
    """The storm's incidents as the desk API lists them (every page, saved to desk_incidents.json);
    the figures keep the ten with most alerts, and how many incidents there were by source."""
    command = [sys.executable, "-m", "pidesk", "token", "issue", "--role", "auditor", "--name", "bench"]
    issued = await asyncio.to_thread(
        subprocess.run, command, env={**os.environ, **escalation.env}, capture_output=True, text=True, check=True
    )
    headers = {"Authorization": f"Bearer {issued.stdout.strip()}"}
    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(base_url=escalation.url, headers=headers, timeout=30) as client:
        cursor: str | None = None
        while True:
            page = (
                await client.get("/v1/incidents", params={"limit": 200, **({"cursor": cursor} if cursor else {})})
            ).json()
            rows += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                break
    (out / "desk_incidents.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    storm = [r for r in rows if r.get("source") not in ("api", "form")]
    by_source: dict[str, int] = {}
    for row in storm:
        by_source[row["source"]] = by_source.get(row["source"], 0) + 1
    largest = sorted(storm, key=lambda r: -(r.get("alert_count") or 0))[:10]
    return {
        "incidents": len(storm),
        "by_source": by_source,
        "largest": [{k: r.get(k) for k in DESK_FIELDS} for r in largest],
    }


async def run(ctx: Context) -> dict[str, Any]:
    plan = ctx.plan
    storm_run = ctx.run_id
    keys = {source: secrets.token_hex(32) for source in storm_alerts.SOURCES}
    env = {storm_alerts.secret_variable(source): key for source, key in keys.items()}
    env["INTAKE_WEBHOOKS_PER_MINUTE"] = UNLIMITED
    rate = plan.storm_alerts / plan.storm_seconds
    samples: list[dict[str, Any]] = []
    subscribed: dict[str, list[str]] = {}
    result: dict[str, Any] = {
        "alerts": plan.storm_alerts,
        "seconds": plan.storm_seconds,
        "target_rate": round(rate, 1),
        "connections": plan.storm_connections,
        "mix": storm_alerts.counts(plan.storm_alerts),
        "workers": ctx.cores,
    }
    async with AsyncExitStack() as stack:
        pipeline = await start_pipeline(ctx, stack, "storm", env, addresses=True)
        services, urls, arrivals, out = pipeline.services, pipeline.urls, pipeline.arrivals, pipeline.out
        intake = services["intake"].url
        log("storm: warm-up")
        result["warm_up"] = await warm_up(intake, arrivals, pipeline.running)
        t0 = time.time()
        sampling = asyncio.create_task(sampler(ctx, services, pipeline.groups, samples, subscribed, urls, t0))
        stack.push_async_callback(cancel, sampling)

        storm_path, probe_path = out / "storm.jsonl", out / "probes.jsonl"
        loadgen = [sys.executable, "-m", "bench.loadgen", "fixed-rate", "--url", intake]
        storm_command = [*loadgen, "--kind", "storm", "--storm-run", storm_run, "--rate", str(rate)]
        storm_command += ["-d", str(plan.storm_seconds), "-c", str(plan.storm_connections)]
        storm_command += ["--timeout", str(STORM_TIMEOUT_S), "--responses", str(storm_path)]
        probe_seconds = plan.storm_seconds + plan.storm_probe_tail
        probe_command = [*loadgen, "--kind", "probe", "--rate", "1", "-d", str(probe_seconds), "-c", "4"]
        probe_command += ["--timeout", str(PROBE_TIMEOUT_S), "--responses", str(probe_path)]
        log(
            f"storm: {plan.storm_alerts:,} alerts in {plan.storm_seconds:.0f} s ({rate:.0f}/s, "
            f"{plan.storm_connections} connections), a probe report a second for {probe_seconds:.0f} s"
        )
        logs = ctx.workdir / "logs"
        storm_started = time.time()
        probing = asyncio.create_task(
            run_process(probe_command, limit_s=probe_seconds + 120, log_path=logs / "storm-probe.log")
        )
        stack.push_async_callback(cancel, probing)
        storm_client = last_json_line(
            await run_process(
                storm_command,
                env=env,
                limit_s=plan.storm_seconds + STORM_TIMEOUT_S + 120,
                log_path=logs / "storm-client.log",
            )
        )
        answers = storm_answers(storm_run, await asyncio.to_thread(read_jsonl, storm_path))
        storm_start = float(answers["first_due_at"] or storm_started)
        storm_end = float(answers["last_answer_at"] or time.time())
        accepted = sorted(answers.pop("accepted_alerts"))
        storm_references = answers.pop("references")
        log(
            f"storm: posted, {answers['accepted']:,} of {answers['posted']:,} accepted into "
            f"{answers['incidents']:,} incidents; waiting up to {plan.storm_drain_seconds:.0f} s for their assessment"
        )
        try:
            result["progress"] = await wait_assessed(
                urls["escalation"], accepted, pipeline.running, storm_end + plan.storm_drain_seconds
            )
            rows = await stored_alerts(urls["escalation"])
            result["assessment"] = assessment_figures(accepted, rows, storm_end)
            result["assessment"]["waited_s"] = round(result["progress"]["at"] - storm_end, 1)
        except MISSING_SCHEMA as exc:
            result["assessment"] = {"error": f"escalation has no {ALERTS_TABLE}.{ALERT_STORED_AT} yet: {exc}"}
        result["desk"] = await desk_view(services["escalation"], out)
        probe_client = last_json_line(await probing)
        probe_responses = await asyncio.to_thread(read_jsonl, probe_path)
        probe_references = {
            json.loads(r["body"])["reference"] for r in probe_responses if r.get("status") == 202 and r.get("body")
        }
        log("storm: probes done; waiting for their alerts")
        await wait_for_alerts(arrivals, probe_references, pipeline.running, PROBE_DRAIN_S)
        probe_ids = [
            json.loads(r["body"])["incident_id"] for r in probe_responses if r.get("status") == 202 and r.get("body")
        ]
        result["probe_stages"] = await probe_stages(urls, probe_ids)
        await asyncio.sleep(max(0.0, storm_end + MAIL_TAIL_S + 1 - time.time()))  # the mail window is over
        await cancel(sampling)
        await asyncio.to_thread(arrivals.poll)
    probes = probe_figures(probe_responses, arrivals.first)
    probes.pop("references")
    probes["client"] = {k: v for k, v in probe_client.items() if k != "responses"}
    sent_mails = await asyncio.to_thread(read_mails, arrivals.path)
    mails = mail_figures(sent_mails, storm_start, storm_end + MAIL_TAIL_S, storm_references, probe_references)
    mails["during_storm"] = mail_figures(sent_mails, storm_start, storm_end, storm_references, probe_references)
    mails["after_storm_s"] = MAIL_TAIL_S
    during = [s for s in samples if t0 + s["t"] <= storm_end + 0.5]
    storm_seconds = max(storm_end - storm_start, 1e-9)
    result.update(
        client={k: v for k, v in storm_client.items() if k != "responses"},
        answers=answers,
        posting_rate=round(answers["posted"] / storm_seconds, 1),
        storm_seconds_taken=round(storm_seconds, 2),
        probe=probes,
        mails=mails,
        lag={group: lag_summary(during, "lag", group, storm_seconds) for group in pipeline.groups},
        lag_topics=subscribed,
        memory=memory_summary(samples),
        samples=samples,
    )
    return result
