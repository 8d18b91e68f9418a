"""The `make bench` table on made-up figures: rows, verdicts, rendering and the JSON written.

No benchmark runs here and nothing is timed: the numbers below are invented.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from bench import pipeline, report, storm_alerts
from bench.scenarios import storm
from bench.scenarios.common import Plan, lag_is_flat, percentiles
from bench.scenarios.end_to_end import Arrivals
from bench.smtp_sink import reference_of

ROW_IDS = [
    "intake_reports_rate",
    "intake_reports_cpu",
    "intake_reports_durable",
    "intake_reports_vs_alerta",
    "intake_reports_p99",
    "intake_webhooks_rate",
    "intake_webhooks_cpu",
    "intake_webhooks_durable",
    "intake_webhooks_vs_alerta",
    "intake_webhooks_p99",
    "e2e_steady",
    "e2e_stages",
    "e2e_cpu",
    "e2e_latency",
    "e2e_stored",
    "e2e_throughput",
    "e2e_lag",
    "storm_probe",
    "storm_assessed",
    "storm_load",
    "storm_mails",
    "escalation_one",
    "escalation_cpu",
    "escalation_two",
    "notifier_alerts",
    "rss",
    "tables",
]


def load(rate: float, seconds: float = 20.0, **extra: Any) -> dict[str, Any]:
    requests = int(rate * seconds)
    return {
        "requests": requests,
        "accepted": requests,
        "duration_s": seconds,
        "requests_per_second": rate,
        "p50_ms": 4.0,
        "p90_ms": 9.0,
        "p99_ms": 20.0,
        "max_ms": 60.0,
        "non_2xx": 0,
        "socket_errors": 0,
        "status_counts": {"202": requests},
        **extra,
    }


def cpu(rate: float | None, **spent: float) -> dict[str, Any]:
    total = sum(spent.values())
    found = {"items": 1000, "cpu_ms_per_item": spent, "cpu_ms_per_item_total": total, "busy_cores": 1.9, "cores": 2}
    return found | ({"rate": rate, "cores_needed": total * rate / 1000} if rate else {})


def table(rows: int) -> dict[str, Any]:
    return {"start": {"rows": 10, "bytes": 8192}, "end": {"rows": 10 + rows, "bytes": 1048576}, "rows_added": rows}


def fabricated() -> dict[str, Any]:
    lag = {"samples": [10, 40, 20, 30], "max": 40, "growth_per_s": 0.5, "inflow_per_s": 800.0, "flat": True}
    return {
        "intake": {
            "connections": 32,
            "reports_wrk": load(2400.0, rows_added=48_003, cpu=cpu(1500, intake=0.6, PostgreSQL=0.2)),
            "webhooks_wrk": load(1200.0, rows_added=24_000, cpu=cpu(1500, intake=1.0, PostgreSQL=0.2)),
            "reports_fixed": load(500.0, target_rate=500.0, rows_added=10_000),
            "webhooks_fixed": load(500.0, target_rate=500.0, p99_ms=75.0, rows_added=10_000),
        },
        "peer": load(150.0, accepted=3000, status_counts={"201": 3000}),
        "escalation": {
            "events": 20_000,
            "partitions": 6,
            "x1": {"incidents_per_s": 1400.0, "cpu": cpu(1000, escalation=0.5, PostgreSQL=0.3, Kafka=0.1)},
            "x2": {"incidents_per_s": 2100.0},
        },
        "end_to_end": {
            "rate": 200.0,
            "steady": {
                "rate": 40.0,
                "accepted": 1_200,
                "alerted": 1_200,
                "client": load(40.0, 30.0),
                "to_first_alert": {"p50_ms": 60.0, "p95_ms": 90.0, "p99_ms": 140.0, "max_ms": 300.0},
                "stages": {
                    "to_intake": {"p50_ms": 5.0, "p99_ms": 20.0},
                    "to_escalation": {"p50_ms": 20.0, "p99_ms": 60.0},
                    "to_notifier": {"p50_ms": 40.0, "p99_ms": 100.0},
                },
                "cpu": cpu(200, intake=2.0, escalation=4.0, notifier=5.0, PostgreSQL=3.0),
            },
            "cpu_during_load": cpu(None, intake=2.0),
            "accepted": 12_000,
            "alerted": 12_000,
            "alerts_per_s": 1200.0,
            "client": load(200.0, 60.0, sent=12_000, target_rate=200.0),
            "to_first_alert": {"p50_ms": 40.0, "p95_ms": 120.0, "p99_ms": 300.0, "max_ms": 900.0, "mean_ms": 50.0},
            "to_escalation_stored": {"p50_ms": 15.0, "p95_ms": 40.0, "p99_ms": 90.0, "max_ms": 200.0},
            "stage_throughput": {
                "intake": {"reports": 12_000, "per_s": 199.5},
                "escalation": {"reports": 12_000, "per_s": 198.0},
                "notifier": {"reports": 11_000, "per_s": 140.2},
                "smtp": {"reports": 11_000, "per_s": 139.9},
            },
            "drain_s": 0.4,
            "lag": {"escalation": lag, "notifier": lag},
            "outbox_backlog": {"intake": lag, "escalation": lag, "notifier": lag},
            "memory": {
                "intake": {"processes": 3, "max_rss_mb": 110.0, "max_total_rss_mb": 300.0},
                "escalation": {"processes": 1, "max_rss_mb": 260.0, "max_total_rss_mb": 260.0},
                "notifier": {"processes": 1, "max_rss_mb": 120.0, "max_total_rss_mb": 120.0},
            },
            "tables": {
                "intake": {"outbox": table(12_000), "processed_events": table(0)},
                "escalation": {"outbox": table(72_000), "processed_events": table(84_000)},
                "notifier": {"outbox": table(30_000), "processed_events": table(80_000)},
            },
            "samples": [
                {"t": 0.1, "lag": {"escalation": {"lag": 3, "end": 10}}, "memory": {"intake": {"max_rss_mb": 100.0}}}
            ],
        },
        "storm": {
            "alerts": 10_000,
            "seconds": 60.0,
            "target_rate": 166.7,
            "connections": 64,
            "posting_rate": 165.0,
            "storm_seconds_taken": 60.6,
            "answers": {
                "posted": 10_000,
                "accepted": 10_000,
                "opened": 518,
                "grouped": 9_482,
                "errors": 0,
                "incidents": 518,
                "per_source": {
                    "ms-purview": {"posted": 6_000, "accepted": 6_000, "opened": 1, "grouped": 5_999, "incidents": 1},
                    "generic": {"posted": 500, "accepted": 500, "opened": 500, "incidents": 500},
                },
            },
            "probe": {
                "sent": 70,
                "accepted": 70,
                "errors": 0,
                "without_alert": 0,
                "to_first_alert": {"p50_ms": 300.0, "p95_ms": 900.0, "p99_ms": 1500.0, "max_ms": 1900.0},
                "timeline": [[1000.0, 300.0], [1001.0, 1900.0]],
            },
            "assessment": {
                "accepted": 10_000,
                "stored": 10_000,
                "assessed": 10_000,
                "lost": 0,
                "unanswered_but_stored": 0,
                "incidents": 518,
                "all_assessed_after_s": 45.2,
                "last_assessed_after_s": 45.2,
            },
            "mails": {
                "window_s": 120.0,
                "total": 900,
                "storm": 700,
                "probes": 200,
                "recipients": 14,
                "per_recipient_max": 120,
                "busiest_recipient": "pi-admin@example.co.jp",
                "per_recipient_top": {"pi-admin@example.co.jp": 120},
                "during_storm": {"total": 600},
                "after_storm_s": 60.0,
            },
        },
        "notifier": {
            "rows": [
                {"name": "internal_alerts-1x1", "scenario": "internal_alerts", "instances": 1, "messages_per_s": 300.0},
                {"name": "internal_alerts-1x4", "scenario": "internal_alerts", "instances": 1, "messages_per_s": 650.0},
                {"name": "data_subject-1x4", "scenario": "data_subject", "instances": 1, "messages_per_s": 900.0},
            ]
        },
    }


def verdicts(scenarios: dict[str, Any]) -> dict[str, str]:
    return {row["id"]: row["met"] for row in report.build_rows(scenarios)}


def test_every_target_has_a_row_with_a_verdict() -> None:
    rows = report.build_rows(fabricated())
    assert [row["id"] for row in rows] == ROW_IDS
    assert all(row["target"] and row["measured"] for row in rows)
    assert verdicts(fabricated()) == {
        "intake_reports_rate": "yes",
        "intake_reports_cpu": "n/a",
        "intake_reports_durable": "yes",  # 3 rows committed whose answers wrk cut off: within 32 connections
        "intake_reports_vs_alerta": "yes",  # 2,400 / 150 = 16×
        "intake_reports_p99": "yes",
        "intake_webhooks_rate": "no",
        "intake_webhooks_cpu": "n/a",
        "intake_webhooks_durable": "yes",
        "intake_webhooks_vs_alerta": "no",  # 8×
        "intake_webhooks_p99": "no",  # 75 ms
        "e2e_steady": "yes",
        "e2e_stages": "n/a",
        "e2e_cpu": "n/a",
        "e2e_latency": "yes",
        "e2e_stored": "n/a",
        "e2e_throughput": "n/a",
        "e2e_lag": "yes",
        "storm_probe": "yes",  # p99 1.5 s, every probe alerted
        "storm_assessed": "yes",  # 45 s after the storm, none lost
        "storm_load": "n/a",
        "storm_mails": "n/a",
        "escalation_one": "yes",
        "escalation_cpu": "n/a",
        "escalation_two": "yes",
        "notifier_alerts": "yes",  # the best single-instance internal-alert row, 650/s
        "rss": "no",  # escalation 260 MB
        "tables": "n/a",
    }


def test_a_report_without_its_alert_misses_the_end_to_end_target() -> None:
    scenarios = fabricated()
    scenarios["end_to_end"]["alerted"] = 11_999
    scenarios["end_to_end"]["to_first_alert"]["max_ms"] = math.inf
    rows = {row["id"]: row for row in report.build_rows(scenarios)}
    assert rows["e2e_latency"]["met"] == "no"
    assert "12,000 reports sent at 200/s, 12,000 accepted, 1 of them without alert" in rows["e2e_latency"]["measured"]
    assert "∞" in rows["e2e_latency"]["measured"]


def test_each_stage_s_throughput_names_the_one_that_falls_behind() -> None:
    rows = {row["id"]: row for row in report.build_rows(fabricated())}
    measured = rows["e2e_throughput"]["measured"]
    assert "of 12,000 reports" in measured and "stored by escalation 12,000 (198.0/s)" in measured
    assert "first alert at SMTP 11,000 (139.9/s)" in measured
    older = fabricated()
    del older["end_to_end"]["stage_throughput"]  # a run from before the row: said so, not an error
    assert "not measured" in {row["id"]: row for row in report.build_rows(older)}["e2e_throughput"]["measured"]


def test_more_rows_than_answers_beyond_the_connections_is_not_durable_and_fewer_is_neither() -> None:
    scenarios = fabricated()
    scenarios["intake"]["reports_wrk"]["rows_added"] = 48_000 + 33
    scenarios["intake"]["webhooks_wrk"]["rows_added"] = 24_000 - 1
    found = verdicts(scenarios)
    assert found["intake_reports_durable"] == found["intake_webhooks_durable"] == "no"


def test_a_failed_scenario_is_an_error_row_and_the_others_stand() -> None:
    scenarios = fabricated()
    scenarios["peer"] = {"error": "RuntimeError: alerta did not start\nlong traceback"}
    scenarios["intake"]["webhooks_fixed"] = {"error": "LoadgenError: wrk exited 1"}
    del scenarios["escalation"]
    rows = {row["id"]: row for row in report.build_rows(scenarios)}
    assert rows["intake_reports_vs_alerta"]["met"] == "error"
    assert rows["intake_reports_vs_alerta"]["measured"] == "error: RuntimeError: alerta did not start"
    assert rows["intake_webhooks_p99"]["met"] == "error"
    assert rows["escalation_one"]["met"] == rows["escalation_two"]["met"] == "not run"
    assert rows["intake_reports_rate"]["met"] == "yes"


def test_a_growing_outbox_is_queue_growth() -> None:
    scenarios = fabricated()
    scenarios["end_to_end"]["outbox_backlog"]["escalation"] = {"max": 9000, "growth_per_s": 150.0, "flat": False}
    rows = {row["id"]: row for row in report.build_rows(scenarios)}
    assert rows["e2e_lag"]["met"] == "no"
    assert "escalation outbox max 9,000 (150.0/s)" in rows["e2e_lag"]["measured"]


def test_an_incomplete_result_is_an_error_row_not_a_crash() -> None:
    scenarios = fabricated()
    del scenarios["end_to_end"]["to_first_alert"]
    scenarios["notifier"]["rows"] = []
    found = verdicts(scenarios)
    assert found["e2e_latency"] == "error"
    assert found["notifier_alerts"] == "error"
    assert found["e2e_lag"] == "yes"


def result_document(scenarios: dict[str, Any], quick: bool = False) -> dict[str, Any]:
    document = {
        "schema": 1,
        "run": {"id": "20261130T000000Z", "started_at": "2026-11-30T00:00:00+00:00", "seconds": 600, "quick": quick},
        "machine": {"cpu": "Test CPU", "cores": 2, "memory": "4.0 GiB", "postgres_fsync": "off"},
        "scenarios": scenarios,
    }
    document["rows"] = report.build_rows(scenarios)
    return document


def test_the_table_renders_as_text_and_markdown_and_the_result_is_json() -> None:
    document = result_document(fabricated(), quick=True)
    text = report.render_text(document)
    assert "BENCH_QUICK" in text
    assert "WARNING: PostgreSQL runs with fsync=off" in text
    for row in document["rows"]:
        assert row["target"] in text
    assert "met 13, not met 4, errors 0, figures 10 (of 27 rows)" in text

    markdown = report.render_markdown(document)
    table_lines = [line for line in markdown.splitlines() if line.startswith("| ")]
    assert len(table_lines) == 1 + len(ROW_IDS)
    assert "- intake reports / Alerta: 16.00×" in markdown
    assert "- escalation two instances / one: 1.50×" in markdown
    assert "- storm probe p99 / its target (< 1 is met): 0.75×" in markdown

    details = report.render_details(document)
    assert "internal_alerts-1x4" in details
    assert "| ms-purview | 6,000 | 6,000 | 1 | 5,999 | 0 | 1 |" in details
    assert "1 s: 1,900 ms" in details
    assert "| Test CPU |" in details

    again = json.loads(json.dumps(document, default=str))
    assert set(again) == {"schema", "run", "machine", "scenarios", "rows"}
    assert all(set(row) == {"id", "target", "measured", "met"} for row in again["rows"])


def test_the_figures_section_is_replaced_in_place() -> None:
    document = f"# Performance\n\nmethod\n\n{report.MARK_START}\nold\n{report.MARK_END}\n\n## After\n"
    updated = report.replace_figures(document, "new table")
    assert updated == f"# Performance\n\nmethod\n\n{report.MARK_START}\nnew table\n{report.MARK_END}\n\n## After\n"
    assert report.replace_figures(updated, "new table") == updated
    assert report.replace_figures("# Performance\n", "x").endswith(f"{report.MARK_START}\nx\n{report.MARK_END}\n")


def test_percentiles_of_nothing_and_of_the_missing() -> None:
    assert percentiles([])["p99_ms"] is None  # the old thin_path crashed here: max() of an empty list
    found = percentiles([0.010] * 98 + [math.inf] * 2)
    assert found["p50_ms"] == 10.0
    assert found["p99_ms"] == math.inf
    assert found["mean_ms"] == 10.0


def test_lag_that_follows_the_input_is_growth_and_jitter_is_not() -> None:
    assert lag_is_flat([(0, 100), (5, 400), (10, 80), (15, 350), (20, 120)], inflow_per_s=800, seconds=20)
    assert not lag_is_flat([(0, 100), (5, 600), (10, 1100), (15, 1600)], inflow_per_s=800, seconds=15)


def test_the_pipeline_runs_every_scenario_and_quick_is_smaller() -> None:
    assert list(pipeline.SCENARIOS) == ["intake", "peer", "escalation", "end_to_end", "storm", "notifier"]
    full, quick = Plan(), Plan.quick_plan()
    assert quick.quick and not full.quick
    assert quick.wrk_seconds < full.wrk_seconds and quick.escalation_events < full.escalation_events
    assert (full.wrk_connections, full.wrk_seconds, full.fixed_rate, full.e2e_rate, full.e2e_seconds) == (
        32,
        20.0,
        500.0,
        200.0,
        60.0,
    )
    assert (full.storm_alerts, full.storm_seconds) == (10_000, 60.0)  # issue 11: 10,000 alerts within 60 s
    assert quick.storm_alerts < full.storm_alerts and quick.storm_seconds < full.storm_seconds


def test_the_sink_reads_the_reference_from_the_header_block_only() -> None:
    message = (
        b"From: desk@example.com\r\nX-Pidesk-Reference: PI-2026-000042\r\nSubject: x\r\n\r\n"
        b"X-Pidesk-Reference: PI-2026-999999\r\n"
    )
    assert reference_of(message) == "PI-2026-000042"
    assert reference_of(b"Subject: x\r\n\r\nX-Pidesk-Reference: PI-2026-000001\r\n") == ""


def test_arrivals_keep_the_first_per_reference_and_wait_for_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "arrivals.tsv"
    path.write_text("10.5\tPI-1\t1\n11.0\tPI-1\t1\n12.0\t\t1\n13.0\tPI-2")
    arrivals = Arrivals(path)
    arrivals.poll()
    assert arrivals.first == {"PI-1": 10.5}
    assert arrivals.times == [10.5, 11.0, 12.0]
    with path.open("a") as handle:
        handle.write("\t2\n")
    arrivals.poll()
    assert arrivals.first == {"PI-1": 10.5, "PI-2": 13.0}


def test_the_storm_rows_judge_the_probe_and_every_alert_assessed() -> None:
    rows = {row["id"]: row for row in report.build_rows(fabricated())}
    assert rows["storm_probe"]["measured"] == (
        "p50 300 ms, p95 900 ms, p99 1,500 ms, max 1,900 ms; 70 probes, 0 without alert by the end"
    )
    assert rows["storm_assessed"]["measured"] == (
        "all 10,000 accepted alerts assessed 45.2 s after the storm ended; 10,000 stored by escalation, 0 lost"
    )
    assert "10,000 alerts posted in 60.6 s (165/s of 167/s, 64 connections)" in rows["storm_load"]["measured"]
    assert "5,1" not in rows["storm_load"]["measured"] and "518 incidents" in rows["storm_load"]["measured"]
    assert rows["storm_mails"]["measured"] == (
        "900 mails from the storm's start to 60 s after its end (700 about storm incidents, 200 about probes; "
        "600 during the storm) to 14 recipients; at most 120 to one (pi-admin@example.co.jp)"
    )

    late = fabricated()
    late["storm"]["probe"].update(without_alert=1, to_first_alert={**late["storm"]["probe"]["to_first_alert"]})
    late["storm"]["probe"]["to_first_alert"].update(p99_ms=math.inf, max_ms=math.inf)
    late["storm"]["assessment"].update(all_assessed_after_s=130.0, last_assessed_after_s=130.0)
    rows = {row["id"]: row for row in report.build_rows(late)}
    assert (rows["storm_probe"]["met"], rows["storm_assessed"]["met"]) == ("no", "no")
    assert "p99 ∞" in rows["storm_probe"]["measured"] and "1 without alert" in rows["storm_probe"]["measured"]
    assert "130.0 s after the storm ended" in rows["storm_assessed"]["measured"]

    lost = fabricated()
    lost["storm"]["assessment"].update(stored=9_997, assessed=9_997, lost=3, all_assessed_after_s=None)
    rows = {row["id"]: row for row in report.build_rows(lost)}
    assert rows["storm_assessed"]["met"] == "no"
    assert rows["storm_assessed"]["measured"] == (
        "only 9,997 of 10,000 accepted alerts assessed (the last 45.2 s after the storm ended); "
        "9,997 stored by escalation, 3 lost"
    )
    lost["storm"]["assessment"]["waited_s"] = 240.0  # the bench gave up waiting: they may still come
    rows = {row["id"]: row for row in report.build_rows(lost)}
    assert rows["storm_assessed"]["met"] == "no"
    assert rows["storm_assessed"]["measured"].endswith("3 not stored 240 s after the storm (late or lost)")


def test_a_storm_without_escalation_s_alert_table_is_an_error_row_and_the_probe_stands() -> None:
    scenarios = fabricated()
    scenarios["storm"]["assessment"] = {"error": "escalation has no incident_alerts.grouped_at yet: …"}
    found = verdicts(scenarios)
    assert (found["storm_assessed"], found["storm_probe"]) == ("error", "yes")
    del scenarios["storm"]
    found = verdicts(scenarios)
    assert {found[r] for r in ("storm_probe", "storm_assessed", "storm_load", "storm_mails")} == {"not run"}


def test_the_storm_s_answers_alerts_and_mails_become_its_figures() -> None:
    run = "run1"
    ids = [storm_alerts.alert_id(run, n) for n in range(20)]
    assert [source for source, _ in ids].count("ms-purview") == 12 and len(set(ids)) == 20

    def answer(n: int) -> dict[str, Any]:
        body = {"incident_id": f"i-{storm_alerts.source_of(n)[0]}", "reference": f"PI-{n}"}
        body.update({"grouped": True} if n >= 2 else {})
        return {
            "n": n,
            "due_at": 100.0 + n / 10,
            "status": 202 if n < 2 else 200,
            "latency_ms": 50.0,
            "body": json.dumps(body),
        }

    responses = [answer(n) for n in range(19)] + [{"n": 19, "due_at": 101.9, "error": "timeout"}]
    answers = storm.storm_answers(run, responses)
    figures = [answers[k] for k in ("posted", "accepted", "opened", "grouped", "errors", "incidents")]
    assert figures == [20, 19, 2, 17, 1, 4]  # made-up answers: one incident per source
    assert answers["first_due_at"] == 100.0 and answers["last_answer_at"] == 101.85
    accepted = answers["accepted_alerts"]
    assert len(accepted) == 19 and ids[19] not in accepted

    rows = [
        {"source": s, "alert_id": a, "incident_id": "i", "stored_at": 101.0, "assessed_at": 104.5} for s, a in ids[:18]
    ] + [{"source": ids[19][0], "alert_id": ids[19][1], "incident_id": "i", "stored_at": 101.0, "assessed_at": None}]
    found = storm.assessment_figures(accepted, rows, storm_end=102.0)
    assert (found["accepted"], found["stored"], found["assessed"], found["lost"]) == (19, 18, 18, 1)
    assert found["unanswered_but_stored"] == 1 and found["all_assessed_after_s"] is None
    assert found["last_assessed_after_s"] == 2.5
    rows[18].update(source=ids[18][0], alert_id=ids[18][1], assessed_at=103.0)  # the missing one, stored after all
    assert storm.assessment_figures(accepted, rows[:19], storm_end=102.0)["all_assessed_after_s"] == 2.5

    mails = [(100.5, "PI-0", ["a@x", "b@x"]), (101.0, "PI-0", ["A@x"]), (101.5, "PI-P", ["a@x"]), (200.0, "", ["a@x"])]
    figures = storm.mail_figures(mails, 100.0, 150.0, {"PI-0"}, {"PI-P"})
    assert (figures["total"], figures["storm"], figures["probes"], figures["recipients"]) == (3, 2, 1, 2)
    assert (figures["per_recipient_max"], figures["busiest_recipient"]) == (3, "a@x")

    probes = [
        {"n": 0, "due_at": 100.0, "status": 202, "body": json.dumps({"reference": "PI-P"})},
        {"n": 1, "due_at": 101.0, "status": 202, "body": json.dumps({"reference": "PI-Q"})},
        {"n": 2, "due_at": 102.0, "error": "timeout"},
    ]
    found = storm.probe_figures(probes, {"PI-P": 101.5})
    assert (found["sent"], found["accepted"], found["errors"], found["without_alert"]) == (3, 2, 1, 1)
    assert found["to_first_alert"]["p50_ms"] == 1500.0 and found["to_first_alert"]["p99_ms"] == math.inf
    assert found["timeline"] == [[100.0, 1500.0], [101.0, None]]


def test_storm_alerts_are_vendor_payloads_whose_ids_the_bench_can_recompute() -> None:
    from pidesk.services.intake.webhooks.sources import aws_macie, generic, github, ms_purview

    parsers = {"ms-purview": ms_purview, "aws-macie": aws_macie, "github": github, "generic": generic}
    assert storm_alerts.counts(10_000) == {"ms-purview": 6_000, "aws-macie": 2_500, "github": 1_000, "generic": 500}
    seen = set()
    for n in range(40):
        alert = storm_alerts.build("run1", n)
        (parsed,) = parsers[alert.source].parse(json.loads(alert.body), {"x-github-event": "secret_scanning_alert"})
        assert (alert.source, parsed.alert_id) == storm_alerts.alert_id("run1", n)
        seen.add((alert.source, parsed.rule if alert.source != "generic" else parsed.asset))
        headers = storm_alerts.signed_headers(alert.source, "s3cret", alert.body)
        assert ("X-Hub-Signature-256" if alert.source == "github" else "X-Pidesk-Signature") in headers
    # one Purview rule and one Macie finding type, whatever the sender or object; a generic alert each
    assert len({rule for source, rule in seen if source == "ms-purview"}) == 1
    assert len({rule for source, rule in seen if source == "aws-macie"}) == 1
    assert len({asset for source, asset in seen if source == "generic"}) == 2


def test_the_cpu_profile_says_what_one_item_costs_and_what_the_target_rate_needs() -> None:
    rows = {row["id"]: row["measured"] for row in report.build_rows(fabricated())}
    assert rows["e2e_stages"] == (
        "at 40 reports/s, from the POST: intake committed p50 5.0 ms / p99 20.0 ms → escalation stored p50 20.0 ms"
        " / p99 60.0 ms → alert recorded p50 40.0 ms / p99 100 ms → mail at SMTP p50 60.0 ms / p99 140 ms"
    )
    assert rows["e2e_cpu"] == (
        "per report: notifier 5.00, escalation 4.00, PostgreSQL 3.00, intake 2.00 = 14.00 ms CPU each"
        " → 200/s needs 2.8 cores (busy during the run: 1.90 of 2 cores)"
    )
    assert rows["escalation_cpu"].endswith(
        "= 0.90 ms CPU each → 1,000/s needs 0.9 cores (busy during the run: 1.90 of 2 cores)"
    )
    assert rows["e2e_latency"].endswith("; 1.90 cores busy")


def test_a_slow_steady_run_misses_its_latency_target() -> None:
    scenarios = fabricated()
    scenarios["end_to_end"]["steady"]["to_first_alert"]["p99_ms"] = 800.0
    assert verdicts(scenarios)["e2e_steady"] == "no"
