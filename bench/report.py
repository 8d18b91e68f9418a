"""The table of `make bench`: one row per target of issue 10 and of issue 11's storm benchmark (target,
measured, met), from the scenarios' results; rendered as text (stdout), Markdown
(bench/results/latest.md) and into docs/performance.md.

Pure functions of the results dict, so they can be checked on made-up numbers (tests/unit).
`met` is "yes", "no", "error" (the scenario failed: `measured` says why), "n/a" (a figure, no target)
or "not run" (the scenario was left out with --only).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable
from typing import Any

YES, NO, ERROR, INFO, SKIPPED = "yes", "no", "error", "n/a", "not run"
MARK_START, MARK_END = "<!-- bench:figures:start -->", "<!-- bench:figures:end -->"

INTAKE_RATE, ALERTA_FACTOR, INTAKE_P99_MS = 1_500, 10, 50
E2E_P50_MS, E2E_P99_MS = 100, 500
ESCALATION_RATE, NOTIFIER_RATE, RSS_MB = 1_000, 500, 250
STORM_ALERTS, STORM_SECONDS, STORM_PROBE_P99_MS, STORM_ASSESSED_S = 10_000, 60, 2_000, 120


class Missing(Exception):
    """A figure the row needs is absent: the scenario (or one of its steps) failed."""


class NotRun(Missing):
    """The scenario was not part of this run (`--only`)."""


def part(results: dict[str, Any], *path: str) -> dict[str, Any]:
    """results[path…], raising Missing with the recorded error (or what is absent)."""
    if path and path[0] not in results:
        raise NotRun(f"{path[0]} not run")
    node: Any = results
    for key in path:
        if isinstance(node, dict) and node.get("error"):
            raise Missing(str(node["error"]))
        if not isinstance(node, dict) or key not in node:
            raise Missing(f"no result for {'.'.join(path)}")
        node = node[key]
    if isinstance(node, dict) and node.get("error"):
        raise Missing(str(node["error"]))
    return node  # type: ignore[no-any-return]


def num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    return f"{value:,.{digits}f}"


def ms(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isinf(value)):
        return num(value)
    return f"{num(value, 1 if value < 100 else 0)} ms"


def met(condition: bool) -> str:
    return YES if condition else NO


def accepted_rate(run: dict[str, Any]) -> float:
    """2xx answers per second (what was durably accepted), from a loadgen result."""
    return float(run.get("accepted", run.get("requests", 0))) / float(run["duration_s"])


def clean(run: dict[str, Any]) -> bool:
    return not run.get("non_2xx") and not run.get("socket_errors")


def cpu_text(cpu: dict[str, Any]) -> str:
    """ "intake 1.2 ms, PostgreSQL 0.8 ms, … = 2.4 ms CPU per report → 1,500/s needs 3.6 cores (machine: 2)"."""
    spent = sorted(cpu["cpu_ms_per_item"].items(), key=lambda item: -item[1])
    parts = ", ".join(f"{name} {num(value, 2)}" for name, value in spent if value >= 0.005)
    text = f"{parts} = {num(cpu['cpu_ms_per_item_total'], 2)} ms CPU each"
    if cpu.get("rate") is not None:
        text += f" → {num(cpu['rate'])}/s needs {num(cpu['cores_needed'], 1)} cores"
    if cpu.get("busy_cores") is not None:
        text += f" (busy during the run: {num(cpu['busy_cores'], 2)} of {num(cpu.get('cores') or 2)} cores)"
    return text


# ---------------------------------------------------------------- rows


def intake_rows(results: dict[str, Any], kind: str, label: str) -> list[tuple[str, str, Callable[[], tuple[str, str]]]]:
    def rate() -> tuple[str, str]:
        run = part(results, "intake", f"{kind}_wrk")
        value = accepted_rate(run)
        return (
            f"{num(value)} {label}/s accepted (wrk p99 {ms(run.get('p99_ms'))}, {num(run.get('non_2xx'))} non-2xx, "
            f"{num(run.get('socket_errors'))} socket errors)",
            met(value >= INTAKE_RATE),
        )

    def durable() -> tuple[str, str]:
        run = part(results, "intake", f"{kind}_wrk")
        rows, accepted = int(run["rows_added"]), int(run["accepted"])
        connections = int(results["intake"].get("connections", 32))
        replayed = int(run.get("replayed") or 0)  # a prepared delivery sent again: a duplicate, no new row
        extra = f" (+{rows - accepted} committed, answer cut off when wrk stopped)" if rows > accepted else ""
        extra += f" ({replayed} replayed duplicates)" if replayed else ""
        fixed = results["intake"].get(f"{kind}_fixed", {})
        if "rows_added" in fixed:
            extra += f"; fixed rate: {num(fixed['rows_added'])} rows / {num(fixed['accepted'])} 2xx"
        ok = accepted - replayed <= rows <= accepted + connections
        if "rows_added" in fixed:
            ok = ok and fixed["accepted"] <= fixed["rows_added"]
        return f"{num(rows)} rows for {num(accepted)} 2xx answers{extra}", met(ok)

    def versus_alerta() -> tuple[str, str]:
        ours = accepted_rate(part(results, "intake", f"{kind}_wrk"))
        theirs = accepted_rate(part(results, "peer"))
        ratio = ours / theirs if theirs else math.inf
        return f"{num(ours)} / {num(theirs)} (Alerta POST /alert) = {num(ratio, 1)}×", met(ratio >= ALERTA_FACTOR)

    def latency() -> tuple[str, str]:
        run = part(results, "intake", f"{kind}_fixed")
        target = float(run.get("target_rate", 0))
        achieved = float(run.get("requests_per_second", 0))
        ok = run["p99_ms"] < INTAKE_P99_MS and clean(run) and achieved >= 0.95 * target
        return (
            f"p50 {ms(run['p50_ms'])}, p99 {ms(run['p99_ms'])}, max {ms(run.get('max_ms'))} at {num(achieved)}/s "
            f"({num(run.get('non_2xx'))} non-2xx, {num(run.get('socket_errors'))} errors)",
            met(ok),
        )

    def cpu() -> tuple[str, str]:
        return f"per {label[:-1]}: {cpu_text(part(results, 'intake', f'{kind}_wrk')['cpu'])}", INFO

    return [
        (f"intake_{kind}_rate", f"1. intake {label}: ≥ {INTAKE_RATE:,} durable/s (wrk, 32 connections)", rate),
        (f"intake_{kind}_cpu", f"1. intake {label}: where the CPU went under wrk (ms per {label[:-1]})", cpu),
        (f"intake_{kind}_durable", f"1. intake {label}: 202 only after the commit (rows = 2xx)", durable),
        (f"intake_{kind}_vs_alerta", f"1. intake {label}: ≥ {ALERTA_FACTOR}× Alerta, same run", versus_alerta),
        (f"intake_{kind}_p99", f"1. intake {label}: p99 < {INTAKE_P99_MS} ms at 500/s (open loop)", latency),
    ]


def end_to_end_rows(results: dict[str, Any]) -> list[tuple[str, str, Callable[[], tuple[str, str]]]]:
    def latency() -> tuple[str, str]:
        e2e = part(results, "end_to_end")
        first = e2e["to_first_alert"]
        missing = int(e2e["accepted"]) - int(e2e["alerted"])
        client = e2e.get("client", {})
        load_cpu = e2e.get("cpu_during_load") or {}
        busy = f"; {num(load_cpu['busy_cores'], 2)} cores busy" if load_cpu.get("busy_cores") is not None else ""
        ok = (
            first["p50_ms"] is not None
            and first["p50_ms"] < E2E_P50_MS
            and first["p99_ms"] < E2E_P99_MS
            and missing == 0
            and clean(client)
        )
        return (
            f"p50 {ms(first['p50_ms'])}, p95 {ms(first['p95_ms'])}, p99 {ms(first['p99_ms'])}, "
            f"max {ms(first['max_ms'])}; {num(client.get('sent'))} reports sent at {num(client.get('target_rate'))}/s, "
            f"{num(e2e['accepted'])} accepted, {num(missing)} of them without alert; "
            f"{num(e2e.get('alerts_per_s'))} alert mails/s" + busy,
            met(ok),
        )

    def stored() -> tuple[str, str]:
        e2e = part(results, "end_to_end")
        into = e2e["to_escalation_stored"]
        return f"p50 {ms(into['p50_ms'])}, p99 {ms(into['p99_ms'])}, max {ms(into['max_ms'])}", INFO

    def lag() -> tuple[str, str]:
        e2e = part(results, "end_to_end")
        queues = [(f"consumer lag of {service}", found) for service, found in e2e["lag"].items()]
        queues += [(f"{service} outbox", found) for service, found in e2e.get("outbox_backlog", {}).items()]
        parts = [f"{label} max {num(q['max'])} ({num(q['growth_per_s'], 1)}/s)" for label, q in queues]
        drain = e2e.get("drain_s")
        parts.append(f"all alerts {num(drain, 1)} s after the load" if drain is not None else "not all alerts arrived")
        return "; ".join(parts), met(bool(queues) and all(q.get("flat") for _, q in queues))

    def steady() -> tuple[str, str]:
        run = part(results, "end_to_end", "steady")
        first, client = run["to_first_alert"], run.get("client", {})
        missing = int(run["accepted"]) - int(run["alerted"])
        ok = (
            first["p50_ms"] is not None
            and first["p50_ms"] < E2E_P50_MS
            and first["p99_ms"] < E2E_P99_MS
            and missing == 0
            and clean(client)
        )
        return (
            f"at {num(run['rate'])} reports/s: p50 {ms(first['p50_ms'])}, p95 {ms(first['p95_ms'])}, "
            f"p99 {ms(first['p99_ms'])}, max {ms(first['max_ms'])}; {num(run['accepted'])} accepted, "
            f"{num(missing)} without alert",
            met(ok),
        )

    def cpu() -> tuple[str, str]:
        return f"per report: {cpu_text(part(results, 'end_to_end', 'steady')['cpu'])}", INFO

    def stages() -> tuple[str, str]:
        run = part(results, "end_to_end", "steady")
        found = run.get("stages")  # each from the POST's due time: where the time to the first alert goes
        if not found:
            return "not measured in this run (results from before the stages were)", INFO
        names = {"to_intake": "intake committed", "to_escalation": "escalation stored", "to_notifier": "alert recorded"}
        parts = [f"{names[k]} p50 {ms(v['p50_ms'])} / p99 {ms(v['p99_ms'])}" for k, v in found.items() if k in names]
        first = run["to_first_alert"]
        parts.append(f"mail at SMTP p50 {ms(first['p50_ms'])} / p99 {ms(first['p99_ms'])}")
        return f"at {num(run['rate'])} reports/s, from the POST: " + " → ".join(parts), INFO

    def throughput() -> tuple[str, str]:
        e2e = part(results, "end_to_end")
        found = e2e.get("stage_throughput")
        if not found:
            return "not measured in this run (results from before it was)", INFO
        names = {"intake": "committed by intake", "escalation": "stored by escalation"}
        names |= {"notifier": "first alert recorded", "smtp": "first alert at SMTP"}
        parts = [f"{names[k]} {num(v['reports'])} ({num(v['per_s'], 1)}/s)" for k, v in found.items() if k in names]
        return f"of {num(e2e['accepted'])} reports, until each stage's last: " + ", ".join(parts), INFO

    return [
        ("e2e_steady", "2. POST → first alert at SMTP, latency targets at a rate this machine sustains", steady),
        ("e2e_stages", "2. where that time goes, stage by stage (at the steady rate)", stages),
        ("e2e_cpu", "2. where the CPU of one report goes, end to end (at the steady rate)", cpu),
        ("e2e_latency", f"2. POST → first alert at SMTP: p50 < {E2E_P50_MS} ms, p99 < {E2E_P99_MS} ms", latency),
        ("e2e_stored", "2. POST → incident stored by escalation (the old thin path)", stored),
        ("e2e_throughput", "2. each stage's throughput during the load (the slowest falls behind)", throughput),
        ("e2e_lag", "2. no queue growth: consumer lag and outbox backlog flat", lag),
    ]


def storm_rows(results: dict[str, Any]) -> list[tuple[str, str, Callable[[], tuple[str, str]]]]:
    """Issue 11, item 2: a DLP storm must not delay a real incident, and every storm alert is assessed."""

    def probe() -> tuple[str, str]:
        found = part(results, "storm", "probe")
        first = found["to_first_alert"]
        missing = int(found["without_alert"])
        ok = (
            int(found["accepted"]) > 0
            and first["p99_ms"] is not None
            and first["p99_ms"] <= STORM_PROBE_P99_MS
            and missing == 0
            and not found.get("errors")
        )
        errors = f", {num(found['errors'])} answered with an error" if found.get("errors") else ""
        return (
            f"p50 {ms(first['p50_ms'])}, p95 {ms(first['p95_ms'])}, p99 {ms(first['p99_ms'])}, "
            f"max {ms(first['max_ms'])}; {num(found['sent'])} probes{errors}, {num(missing)} without alert by the end",
            met(ok),
        )

    def assessed() -> tuple[str, str]:
        found = part(results, "storm", "assessment")
        after, lost = found["all_assessed_after_s"], int(found["lost"])
        if after is not None:
            text = f"all {num(found['accepted'])} accepted alerts assessed " + (
                f"{num(after, 1)} s after the storm ended" if after > 0 else "before the storm ended"
            )
        else:
            last = found.get("last_assessed_after_s")
            text = f"only {num(found['assessed'])} of {num(found['accepted'])} accepted alerts assessed"
            text += f" (the last {num(last, 1)} s after the storm ended)" if last is not None else ""
        if after is not None or not found.get("waited_s"):
            text += f"; {num(found['stored'])} stored by escalation, {num(lost)} lost"
        else:  # the bench stopped waiting: what is not stored yet may still come
            text += (
                f"; {num(found['stored'])} stored by escalation, {num(lost)} not stored "
                f"{num(found['waited_s'])} s after the storm (late or lost)"
            )
        if found.get("unanswered_but_stored"):
            text += f" (+{num(found['unanswered_but_stored'])} stored whose answer was an error)"
        ok = after is not None and after <= STORM_ASSESSED_S and lost == 0 and int(found["accepted"]) > 0
        return text, met(ok)

    def load() -> tuple[str, str]:
        storm = part(results, "storm")
        answers = storm["answers"]
        return (
            f"{num(answers['posted'])} alerts posted in {num(storm['storm_seconds_taken'], 1)} s "
            f"({num(storm['posting_rate'])}/s of {num(storm['target_rate'])}/s, {storm['connections']} connections): "
            f"{num(answers['accepted'])} accepted ({num(answers['opened'])} opened an incident, "
            f"{num(answers['grouped'])} grouped), {num(answers['errors'])} answered with an error; "
            f"{num(answers['incidents'])} incidents",
            INFO,
        )

    def mails() -> tuple[str, str]:
        found = part(results, "storm", "mails")
        busiest = f" ({found['busiest_recipient']})" if found.get("busiest_recipient") else ""
        during = found.get("during_storm", {})
        return (
            f"{num(found['total'])} mails from the storm's start to {num(found.get('after_storm_s'))} s after its end "
            f"({num(found['storm'])} about storm incidents, {num(found['probes'])} about probes; "
            f"{num(during.get('total'))} during the storm) to {num(found['recipients'])} recipients; "
            f"at most {num(found['per_recipient_max'])} to one{busiest}",
            INFO,
        )

    return [
        (
            "storm_probe",
            f"2. storm: a very-high-risk report's first alert at SMTP p99 ≤ {num(STORM_PROBE_P99_MS / 1000)} s "
            "(one probe/s during the storm)",
            probe,
        ),
        (
            "storm_assessed",
            f"2. storm: every alert assessed ≤ {STORM_ASSESSED_S} s after the storm ends, none lost",
            assessed,
        ),
        ("storm_load", f"2. storm: {STORM_ALERTS:,} signed DLP alerts (vendor formats) within {STORM_SECONDS} s", load),
        ("storm_mails", "2. storm: mails during the storm and the minute after (total, per recipient)", mails),
    ]


def escalation_rows(results: dict[str, Any]) -> list[tuple[str, str, Callable[[], tuple[str, str]]]]:
    def one() -> tuple[str, str]:
        run = part(results, "escalation", "x1")
        events = results["escalation"]
        rate = run["incidents_per_s"] or 0.0
        partial = "" if run.get("complete", True) else f", only {num(run.get('incidents'))} stored in time"
        return (
            f"{num(rate)} incidents/s ({num(events.get('events'))} events, {events.get('partitions')} partitions"
            f"{partial})",
            met(rate >= ESCALATION_RATE),
        )

    def two() -> tuple[str, str]:
        single = part(results, "escalation", "x1")["incidents_per_s"] or 0.0
        double = part(results, "escalation", "x2")["incidents_per_s"] or 0.0
        ratio = double / single if single else math.inf
        return f"{num(double)} (two) vs {num(single)} (one) incidents/s = {num(ratio, 2)}×", met(double > single)

    def cpu() -> tuple[str, str]:
        return f"per incident: {cpu_text(part(results, 'escalation', 'x1')['cpu'])}", INFO

    return [
        ("escalation_one", f"3. escalation: ≥ {ESCALATION_RATE:,} incidents/s, one instance", one),
        ("escalation_cpu", "3. escalation: where the CPU went, one instance", cpu),
        ("escalation_two", "3. escalation: two instances (one group) beat one", two),
    ]


def notifier_best(rows: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    alerts = [r for r in rows if str(r.get("scenario", r.get("name", ""))).startswith("internal_alerts")]
    single = [r for r in alerts if r.get("instances", 1) == 1] or alerts
    best = max(single, key=lambda r: r.get("messages_per_s") or 0.0, default=None)
    return best, alerts


def notifier_rows(results: dict[str, Any]) -> list[tuple[str, str, Callable[[], tuple[str, str]]]]:
    def rate() -> tuple[str, str]:
        best, alerts = notifier_best(part(results, "notifier")["rows"])  # type: ignore[arg-type]
        if best is None:
            raise Missing("bench.notice_delivery gave no internal_alerts row")
        others = ", ".join(f"{r.get('name')} {num(r.get('messages_per_s'))}" for r in alerts if r is not best)
        duplicates = sum(int(r.get("duplicates") or 0) for r in alerts)
        text = f"{num(best['messages_per_s'])} msg/s ({best.get('name')}); {others or 'no other rows'}"
        return text + (f"; {duplicates} duplicates" if duplicates else ""), met(best["messages_per_s"] >= NOTIFIER_RATE)

    return [("notifier_alerts", f"4. notifier: ≥ {NOTIFIER_RATE} internal-alert messages/s to SMTP", rate)]


def growth_rows(results: dict[str, Any]) -> list[tuple[str, str, Callable[[], tuple[str, str]]]]:
    def memory() -> tuple[str, str]:
        found = part(results, "end_to_end")["memory"]
        parts = []
        for service, m in found.items():
            extra = (
                f" ({m['processes']} processes, {num(m['max_total_rss_mb'])} MB in all)" if m["processes"] > 1 else ""
            )
            parts.append(f"{service} {num(m['max_rss_mb'])} MB{extra}")
        ok = bool(found) and all(m["max_rss_mb"] < RSS_MB for m in found.values())
        return "; ".join(parts), met(ok)

    def tables() -> tuple[str, str]:
        e2e = part(results, "end_to_end")
        reports = max(1, int(e2e["accepted"]))
        parts = [
            f"{service} {table} +{num(t['rows_added'])} ({num(t['rows_added'] / reports, 1)}/report, "
            f"{num(t['end']['bytes'] / 1048576, 1)} MB)"
            for service, found in e2e["tables"].items()
            for table, t in found.items()
            if t["rows_added"]
        ]
        return "; ".join(parts) or "no rows added", INFO

    return [
        ("rss", f"5. RSS < {RSS_MB} MB per service process (during the end-to-end run)", memory),
        ("tables", "5. outbox and processed_events growth over the end-to-end soak", tables),
    ]


def build_rows(results: dict[str, Any]) -> list[dict[str, str]]:
    """The table: one dict per row with id, target, measured, met."""
    specs = [
        *intake_rows(results, "reports", "reports"),
        *intake_rows(results, "webhooks", "signed webhooks"),
        *end_to_end_rows(results),
        *storm_rows(results),
        *escalation_rows(results),
        *notifier_rows(results),
        *growth_rows(results),
    ]
    rows = []
    for row_id, target, measure in specs:
        try:
            measured, verdict = measure()
        except NotRun as exc:
            measured, verdict = str(exc), SKIPPED
        except Missing as exc:
            measured, verdict = f"error: {str(exc).splitlines()[0][:200]}", ERROR
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            measured, verdict = f"error: incomplete result ({type(exc).__name__}: {exc})"[:220], ERROR
        rows.append({"id": row_id, "target": target, "measured": measured, "met": verdict})
    return rows


def ratios(results: dict[str, Any]) -> list[tuple[str, str]]:
    """Figures that compare two measurements of the same run (they travel between machines better)."""
    found = []

    def add(label: str, compute: Callable[[], float]) -> None:
        try:
            found.append((label, f"{num(compute(), 2)}×"))
        except (Missing, KeyError, TypeError, ZeroDivisionError):
            found.append((label, "—"))

    peer = lambda: accepted_rate(part(results, "peer"))  # noqa: E731
    add("intake reports / Alerta", lambda: accepted_rate(part(results, "intake", "reports_wrk")) / peer())
    add("intake signed webhooks / Alerta", lambda: accepted_rate(part(results, "intake", "webhooks_wrk")) / peer())
    add(
        "escalation two instances / one",
        lambda: (
            part(results, "escalation", "x2")["incidents_per_s"] / part(results, "escalation", "x1")["incidents_per_s"]
        ),
    )
    add(
        "end-to-end reports alerted / accepted",
        lambda: part(results, "end_to_end")["alerted"] / part(results, "end_to_end")["accepted"],
    )
    add(
        "end-to-end p99 / its target (< 1 is met)",
        lambda: part(results, "end_to_end")["to_first_alert"]["p99_ms"] / E2E_P99_MS,
    )
    add(
        "storm probe p99 / its target (< 1 is met)",
        lambda: part(results, "storm", "probe")["to_first_alert"]["p99_ms"] / STORM_PROBE_P99_MS,
    )
    add(
        "intake reports p99 at 500/s / its target (< 1 is met)",
        lambda: part(results, "intake", "reports_fixed")["p99_ms"] / INTAKE_P99_MS,
    )
    return found


# ---------------------------------------------------------------- rendering


def header_lines(report: dict[str, Any]) -> list[str]:
    run, machine = report.get("run", {}), report.get("machine", {})
    mode = "BENCH_QUICK (smoke run: short, small; not for comparison)" if run.get("quick") else "full"
    fsync = machine.get("postgres_fsync", "?")
    lines = [
        f"pidesk benchmarks — run {run.get('id', '?')} at {run.get('started_at', '?')} ({mode}), "
        f"{num(run.get('seconds'))} s",
        f"machine: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('memory', '?')}; "
        f"{machine.get('postgres', '?')}, fsync={fsync}, "
        f"synchronous_commit={machine.get('postgres_synchronous_commit', '?')}; "
        f"{machine.get('kafka', '?')}",
    ]
    if fsync != "on":
        lines.append(f"WARNING: PostgreSQL runs with fsync={fsync}: commits are cheaper than in production")
    if run.get("notes"):
        lines.append(f"note: {run['notes']}")
    return lines


def render_text(report: dict[str, Any], measured_width: int = 90) -> str:
    """The table for a terminal: `measured` wrapped at `measured_width` characters."""
    rows = report["rows"]
    target_width = max(len("target"), *(len(r["target"]) for r in rows))
    width = min(measured_width, max(len("measured"), *(len(r["measured"]) for r in rows)))
    head = f"{'target':<{target_width}}  {'measured':<{width}}  met"
    lines = [*header_lines(report), "", head, "-" * len(head)]
    for r in rows:
        measured = textwrap.wrap(r["measured"], width) or [""]
        lines.append(f"{r['target']:<{target_width}}  {measured[0]:<{width}}  {r['met']}")
        lines += [f"{'':<{target_width}}  {more}" for more in measured[1:]]
    lines += ["", summary(rows)]
    return "\n".join(lines)


def summary(rows: list[dict[str, str]]) -> str:
    counts = {v: sum(1 for r in rows if r["met"] == v) for v in (YES, NO, ERROR, INFO, SKIPPED)}
    text = f"met {counts[YES]}, not met {counts[NO]}, errors {counts[ERROR]}, figures {counts[INFO]}"
    return text + (f", not run {counts[SKIPPED]}" if counts[SKIPPED] else "") + f" (of {len(rows)} rows)"


def md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: dict[str, Any]) -> str:
    lines = [*(f"{line}  " for line in header_lines(report)), ""]
    lines += ["| target | measured | met |", "|---|---|---|"]
    lines += [f"| {md_cell(r['target'])} | {md_cell(r['measured'])} | **{r['met']}** |" for r in report["rows"]]
    lines += ["", summary(report["rows"])]
    found = ratios(report.get("scenarios", {}))
    if found:
        lines += ["", "Ratios (same run, same machine):", ""]
        lines += [f"- {label}: {value}" for label, value in found]
    return "\n".join(lines) + "\n"


def render_details(report: dict[str, Any]) -> str:
    """The figures behind the table: machine, notifier rows, lag and memory samples, table sizes."""
    machine, scenarios = report.get("machine", {}), report.get("scenarios", {})
    lines = ["#### Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {md_cell(str(value))} |" for key, value in machine.items()]
    notifier = scenarios.get("notifier", {})
    if notifier.get("rows"):
        lines += ["", f"#### Notifier (`{notifier.get('command', 'bench.notice_delivery')}`)", ""]
        keys = ["name", "messages", "messages_per_s", "p50_ms", "p95_ms", "p99_ms", "max_ms", "duplicates"]
        lines += ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        lines += ["| " + " | ".join(md_cell(str(row.get(k, ""))) for k in keys) + " |" for row in notifier["rows"]]
    e2e = scenarios.get("end_to_end", {})
    if e2e.get("samples"):
        lines += ["", "#### End to end, sampled every few seconds", ""]
        lines += ["| t (s) | consumer lag | unpublished outbox rows | RSS MB (largest process per service) |"]
        lines += ["|---|---|---|---|"]
        for s in e2e["samples"]:
            lag = ", ".join(f"{k} {v.get('lag', '?')}" for k, v in s.get("lag", {}).items())
            outbox = ", ".join(f"{k} {v.get('lag', '?')}" for k, v in s.get("outbox", {}).items())
            memory = ", ".join(f"{k} {v.get('max_rss_mb', '?')}" for k, v in s.get("memory", {}).items())
            lines.append(f"| {s.get('t')} | {lag} | {outbox} | {memory} |")
    lines += storm_details(scenarios.get("storm", {}))
    escalation = scenarios.get("escalation", {})
    if escalation and not escalation.get("error"):
        lines += ["", "#### Escalation runs", ""]
        for key in ("x1", "x2"):
            if key in escalation:
                lines.append(f"- {key}: {md_cell(str(escalation[key]))}")
    failed = {name: s["error"] for name, s in scenarios.items() if isinstance(s, dict) and s.get("error")}
    if failed:
        lines += ["", "#### Scenario errors", ""]
        lines += [f"- {name}: `{md_cell(error.splitlines()[0][:300])}`" for name, error in failed.items()]
    return "\n".join(lines) + "\n"


def storm_details(storm: dict[str, Any]) -> list[str]:
    """The storm per source, its probes one by one, the busiest recipients and the consumer lag."""
    answers = storm.get("answers")
    if not answers or storm.get("error"):
        return []
    lines = ["", "#### DLP storm", ""]
    keys = ["posted", "accepted", "opened", "grouped", "errors", "incidents"]
    lines += ["| source | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
    for source, counts in answers.get("per_source", {}).items():
        lines.append(f"| {source} | " + " | ".join(num(counts.get(k, 0)) for k in keys) + " |")
    lines.append("| all | " + " | ".join(num(answers.get(k, 0)) for k in keys) + " |")
    probe = storm.get("probe", {})
    if probe.get("timeline"):
        timeline = probe["timeline"]
        start, step = timeline[0][0], math.ceil(len(timeline) / 24)  # about two dozen of them
        each = [f"{num(due - start)} s: {'—' if at is None else ms(at)}" for due, at in timeline[::step]]
        every = "" if step == 1 else f", one in {step}"
        lines += ["", f"Probes (sent at, after the first{every}; to its first alert): {', '.join(each)}"]
    assessment = storm.get("assessment", {})
    if assessment and not assessment.get("error"):
        lines += ["", "Assessment: " + ", ".join(f"{k} {md_cell(str(v))}" for k, v in assessment.items())]
    mails = storm.get("mails", {})
    if mails.get("per_recipient_top"):
        top = ", ".join(f"{address} {num(n)}" for address, n in mails["per_recipient_top"].items())
        lines += ["", f"Mails per recipient (most): {top}"]
    if storm.get("lag"):
        lag = ", ".join(f"{group} max {num(q.get('max'))}" for group, q in storm["lag"].items())
        lines += ["", f"Consumer lag during the storm: {lag}"]
    stages = storm.get("probe_stages") or {}
    if stages:
        lines += ["", "Where a probe's time went (p50 / p99 per hop):", ""]
        lines += ["| hop | p50 | p99 |", "|---|---|---|"]
        lines += [
            f"| {hop} | {ms(q.get('p50_ms'))} | {ms(q.get('p99_ms'))} |" for hop, q in stages.items() if hop != "each"
        ]
    desk = storm.get("desk") or {}
    if desk.get("largest"):
        sources = ", ".join(f"{source} {num(n)}" for source, n in desk.get("by_source", {}).items())
        lines += [
            "",
            f"The storm's incidents on the desk (`GET /v1/incidents`): {num(desk['incidents'])} ({sources}):",
            "",
        ]
        lines += [
            "| reference | source | status | risk | alerts | last alert | next obligation |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in desk["largest"]:
            due = row.get("next_obligation") or {}
            lines.append(
                f"| {row['reference']} | {row['source']} | {row['status']} | {row['risk_level']} | "
                f"{num(row.get('alert_count') or 0)} | {row.get('last_alert_at') or '—'} | {due.get('code', '—')} |"
            )
    return lines


def replace_figures(document: str, figures: str) -> str:
    """`document` with the text between the figure markers replaced (markers appended when absent)."""
    block = f"{MARK_START}\n{figures.rstrip()}\n{MARK_END}"
    if MARK_START in document and MARK_END in document:
        before = document.split(MARK_START, 1)[0]
        after = document.split(MARK_END, 1)[1]
        return before + block + after
    return document.rstrip() + "\n\n" + block + "\n"
