"""deploy/grafana/: the dashboard and the alert rules use only metrics the services export, with their
labels, and the rule file has the shape Prometheus loads."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import Metric

from pidesk.shared.http.metrics import ServiceMetrics

GRAFANA = Path(__file__).resolve().parents[2] / "deploy" / "grafana"
DASHBOARD = GRAFANA / "pidesk-dashboard.json"
ALERTS = GRAFANA / "alerts.yaml"

METRIC = re.compile(r"\bpidesk_[a-z0-9_]+\b")
GROUPING = re.compile(r"\b(?:by|without)\s*\(([^)]*)\)")
MATCHER = re.compile(r"([a-z_]+)\s*(?:=~|!~|!=|=)\s*\"")
SCRAPE_LABELS = {"job", "instance", "le"}  # added by Prometheus, or a histogram's bucket bound
SUFFIXES = {"counter": ("_total", "_created"), "histogram": ("_bucket", "_sum", "_count", "_created"), "gauge": ("",)}
DURATION = re.compile(r"^\d+[smhdwy]$")


def exported() -> dict[str, set[str]]:
    """Every series name the registry exports (counters as `_total`, histograms as `_bucket`…) and its labels."""
    metrics = ServiceMetrics("test")
    names: dict[str, set[str]] = {}
    collectors = [value for value in vars(metrics).values() if hasattr(value, "_labelnames")]
    labels_of = {c._name: set(c._labelnames) for c in collectors}  # the registry keeps no public record of them
    family: Metric
    for family in metrics.registry.collect():
        for suffix in SUFFIXES[family.type]:
            names[family.name + suffix] = labels_of[family.name]
    return names


def dashboard() -> dict[str, Any]:
    return dict(json.loads(DASHBOARD.read_text()))


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def panels(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        yield item
        yield from panels(item.get("panels", []))


def dashboard_queries() -> list[str]:
    board = dashboard()
    queries = [t["expr"] for p in panels(board["panels"]) for t in p.get("targets", [])]
    queries += [v["definition"] for v in board["templating"]["list"] if v["type"] == "query"]
    return queries


def all_queries() -> list[str]:
    return dashboard_queries() + [rule["expr"] for rule in rules()]


def test_the_registry_is_read_as_prometheus_exports_it() -> None:
    names = exported()
    assert names["pidesk_http_requests_total"] == {"method", "route", "status"}
    assert "pidesk_http_request_seconds_bucket" in names and "pidesk_consumer_lag" in names
    assert "pidesk_http_requests" not in names  # a counter is only ever exported with its suffixes


@pytest.mark.parametrize("query", all_queries())
def test_every_metric_a_query_uses_is_exported(query: str) -> None:
    names = exported()
    used = set(METRIC.findall(query))
    assert used, f"no pidesk metric in {query!r}"
    assert used <= set(names), f"not exported: {used - set(names)} in {query!r}"


@pytest.mark.parametrize("query", all_queries())
def test_every_label_a_query_groups_or_matches_on_is_one_of_its_metrics(query: str) -> None:
    names = exported()
    known = SCRAPE_LABELS.union(*(names[m] for m in METRIC.findall(query)))
    grouped = {label.strip() for match in GROUPING.findall(query) for label in match.split(",") if label.strip()}
    matched = set(MATCHER.findall(query))
    assert grouped | matched <= known, f"unknown labels {(grouped | matched) - known} in {query!r}"


def test_the_dashboard_shows_what_operations_watch() -> None:
    text = " ".join(dashboard_queries())
    for metric in (
        "pidesk_http_requests_total",  # request rates
        "pidesk_http_request_seconds_bucket",  # latency percentiles
        "pidesk_consumer_lag",
        "pidesk_outbox_backlog",
        "pidesk_deliveries_total",
        "pidesk_events_dead_lettered_total",
    ):
        assert metric in text, metric
    assert "histogram_quantile(0.95" in text and "histogram_quantile(0.99" in text


def test_the_dashboard_reads_its_prometheus_from_a_variable() -> None:
    board = dashboard()
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
    for panel in panels(board["panels"]):
        if panel["type"] == "row":
            continue
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"] and all(t["datasource"]["uid"] == "${datasource}" for t in panel["targets"])
    ids = [p["id"] for p in panels(board["panels"])]
    assert len(ids) == len(set(ids)) and board["uid"]


def test_the_alert_rules_have_the_shape_prometheus_loads() -> None:
    document = yaml.safe_load(ALERTS.read_text())
    assert set(document) == {"groups"}
    for group in document["groups"]:
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
            assert isinstance(rule["expr"], str) and rule["expr"].count("(") == rule["expr"].count(")")
            assert DURATION.match(rule["for"]), rule["for"]
            assert rule["labels"]["severity"] in {"warning", "critical"}
            assert rule["annotations"]["summary"]
    names = [rule["alert"] for group in document["groups"] for rule in group["rules"]]
    assert len(names) == len(set(names))


def test_the_alerts_watch_the_outbox_the_lag_and_the_dead_letters() -> None:
    by_metric = {metric: [r for r in rules() if metric in r["expr"]] for metric in ("outbox_backlog", "consumer_lag")}
    assert any(r["for"] == "5m" for r in by_metric["outbox_backlog"])
    lag = by_metric["consumer_lag"]
    assert any(r["for"] == "5m" and "deriv(" in r["expr"] for r in lag)  # growing
    assert any(r["for"] == "5m" and "deriv(" not in r["expr"] for r in lag)  # high
    dead = [r for r in rules() if "pidesk_events_dead_lettered_total" in r["expr"]]
    assert dead and all(re.search(r"increase\(.*\)\)? > 0$", r["expr"]) for r in dead)  # any growth
