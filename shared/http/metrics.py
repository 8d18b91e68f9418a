"""Prometheus metrics, one registry per service instance (several apps can share a test process).

deploy/grafana/ (the dashboard and the alert rules) uses these names; a unit test checks that it uses
no other."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass
class ServiceMetrics:
    service: str
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.http_requests = Counter(
            "pidesk_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=r
        )
        self.http_latency = Histogram(
            "pidesk_http_request_seconds", "HTTP request latency", ["method", "route"], registry=r
        )
        self.outbox_published = Counter("pidesk_outbox_published", "Outbox rows published to Kafka", registry=r)
        self.events_processed = Counter(
            "pidesk_events_processed", "Events applied by a consumer", ["topic"], registry=r
        )
        self.events_duplicate = Counter(
            "pidesk_events_duplicate", "Redelivered events skipped as already processed", ["topic"], registry=r
        )
        self.events_dead_lettered = Counter(
            "pidesk_events_dead_lettered", "Messages sent to a dead-letter topic", ["topic"], registry=r
        )
        # measured by the relay beside its publishing, so a broker outage shows (messaging/relay.py)
        self.outbox_backlog = Gauge("pidesk_outbox_backlog", "Outbox rows not published yet", registry=r)
        self.outbox_oldest_seconds = Gauge(
            "pidesk_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished outbox row", registry=r
        )
        self.consumer_lag = Gauge(
            "pidesk_consumer_lag",
            "Records on the broker this consumer has not taken yet, over the partitions it holds",
            ["group", "topic"],
            registry=r,
        )
        self.deliveries = Counter(
            "pidesk_deliveries",
            "Notice and alert delivery attempts by outcome (notifier)",
            ["channel", "outcome"],
            registry=r,
        )
        self.drafting_deferred = Counter(
            "pidesk_drafting_deferred_seconds",
            "Seconds the notifier's drafting lane waited for internal alerts to reach SMTP (notifier)",
            registry=r,
        )

    def outbox_measured(self, waiting: int, oldest_seconds: float) -> None:
        self.outbox_backlog.set(waiting)
        self.outbox_oldest_seconds.set(oldest_seconds)
