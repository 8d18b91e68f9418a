"""Prometheus metrics, one registry per service instance (several apps can share a test process)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram


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
