"""OpenTelemetry tracing, off unless PIDESK_OTEL_ENABLED=true: one report followed from intake's request
through the escalation to the notifier, across Kafka.

How the trace crosses the broker without touching the event envelope (the contract): an outbox row
written inside a traced request or handler keeps that span's W3C context (`traceparent`, and
`tracestate` if any) in its `trace_context` column; the relay sends it as Kafka headers of the same
names, from a `send <topic>` producer span; the consumer takes them off the record and applies the
event in a `process <topic>` consumer span that is the producer span's child.

The batch path of the consumer (many records of one partition in one transaction) starts one span per
record, each a child of its own record's context, all ended when the transaction ends; an outbox row
written in that transaction carries the span of the record of the same incident, so every incident's
trace goes on through the batch.

Off (the default), nothing is imported from the SDK and no span object is made: every hook here
returns at the `_tracer is None` test, and the relay and the consumer ask `enabled()` once per batch.
On, spans are exported by OTLP over HTTP to OTEL_EXPORTER_OTLP_ENDPOINT (the SDK's own variables and
defaults), as service OTEL_SERVICE_NAME or `pidesk-<service>`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from pydantic_settings import BaseSettings, SettingsConfigDict

TRACEPARENT, TRACESTATE = "traceparent", "tracestate"
HEADER_NAMES = (TRACEPARENT, TRACESTATE)
STORED_MAX = 1024  # the outbox column's length: a longer tracestate is dropped (W3C allows it)

_propagator = TraceContextTextMapPropagator()
_tracer: Tracer | None = None
# while a consumer batch is applied: the span of each incident's record (see the module docstring)
_batch_spans: ContextVar[Mapping[uuid.UUID, Span] | None] = ContextVar("pidesk_batch_spans", default=None)

Headers = Sequence[tuple[str, bytes]]


class TracingSettings(BaseSettings):
    """PIDESK_OTEL_ENABLED; the exporter reads the standard OTEL_* variables itself."""

    model_config = SettingsConfigDict(env_prefix="PIDESK_OTEL_", extra="ignore")

    enabled: bool = False


class ConsumedRecord(Protocol):
    """What a consumer span needs of a Kafka record (aiokafka's ConsumerRecord has it)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def headers(self) -> Headers: ...


def enabled() -> bool:
    return _tracer is not None


def configure(service: str) -> bool:
    """Turn tracing on for this process if PIDESK_OTEL_ENABLED says so (once: a process runs one service,
    and a test process that builds several keeps the first provider). True when tracing is on."""
    if _tracer is not None:
        return True
    if not TracingSettings().enabled:
        return False
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; attributes given here win
    attributes: dict[str, str] = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: f"pidesk-{service}"}
    provider = SdkTracerProvider(resource=Resource.create(attributes))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    use(provider)
    return True


def use(provider: TracerProvider | None) -> None:
    """Trace with `provider` from now on (None: tracing off). The tests hand in one that keeps its spans."""
    global _tracer
    _tracer = None if provider is None else provider.get_tracer("pidesk")


# --- the HTTP edge -------------------------------------------------------------------------------------


@contextmanager
def serving(service: str, scope: Mapping[str, Any]) -> Iterator[Span]:
    """The server span of one HTTP request, current while the app answers it; a caller's `traceparent`
    header makes it that trace's child. Named by method here and by route in `served` (known only once
    the router has matched)."""
    tracer = _require()
    carrier = {
        name.decode("latin-1"): value.decode("latin-1")
        for name, value in scope.get("headers", ())
        if name in (b"traceparent", b"tracestate")
    }
    method = str(scope.get("method", ""))
    with tracer.start_as_current_span(
        method or "HTTP",
        context=_propagator.extract(carrier) if carrier else None,
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": method,
            "url.scheme": str(scope.get("scheme", "http")),
            "pidesk.service": service,
        },
    ) as span:
        yield span


def served(span: Span, method: str, route: str, status: int) -> None:
    span.update_name(f"{method} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


# --- the outbox ----------------------------------------------------------------------------------------


def current_trace_context() -> str | None:
    """The current span's context as the outbox stores it; None when tracing is off or nothing is traced.
    For work that writes its outbox rows in another task (intake's group commit takes it per request)."""
    if _tracer is None:
        return None
    return _stored(trace.get_current_span())


def outbox_trace_context(incident_id: uuid.UUID) -> str | None:
    """The context an outbox row about `incident_id` keeps: in a consumer batch, the span of that
    incident's record; elsewhere the current span. None when tracing is off or nothing is traced."""
    if _tracer is None:
        return None
    spans = _batch_spans.get()
    span = spans.get(incident_id) if spans is not None else None
    return _stored(span if span is not None else trace.get_current_span())


def sending(topic: str, stored: str, message_key: str) -> tuple[Span | None, list[tuple[str, bytes]]]:
    """The producer span of one outbox row (a child of the span that wrote it) and the Kafka headers
    that carry it; without a tracer, the stored context is passed on as it is."""
    tracer = _tracer
    parent, _, state = stored.partition(" ")
    if tracer is None:
        carried = {TRACEPARENT: parent, **({TRACESTATE: state} if state else {})}
        return None, [(name, value.encode()) for name, value in carried.items()]
    span = tracer.start_span(
        f"send {topic}",
        context=_from_stored(stored),
        kind=SpanKind.PRODUCER,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "send",
            "messaging.destination.name": topic,
            "messaging.kafka.message.key": message_key,
        },
    )
    return span, _headers_of(span)


def sent(span: Span | None, failure: BaseException | None) -> None:
    if span is None:
        return
    if failure is not None:
        span.record_exception(failure)
        span.set_status(Status(StatusCode.ERROR, type(failure).__name__))
    span.end()


# --- the consumer --------------------------------------------------------------------------------------


@contextmanager
def processing(
    consumer: str, group: str, record: ConsumedRecord, event_id: uuid.UUID, incident_id: uuid.UUID
) -> Iterator[None]:
    """The consumer span of one record, current while its handler runs (retries included): outbox rows
    the handler writes carry it on."""
    tracer = _require()
    with tracer.start_as_current_span(
        f"process {record.topic}",
        context=_from_headers(record.headers),
        kind=SpanKind.CONSUMER,
        attributes=_consumed(consumer, group, record, event_id, incident_id),
    ):
        yield


@contextmanager
def processing_batch(
    consumer: str, group: str, records: Sequence[tuple[ConsumedRecord, uuid.UUID, uuid.UUID]]
) -> Iterator[None]:
    """One consumer span per record of a batch applied in one transaction, each the child of its own
    record's context, all ended with the transaction (marked failed if it rolled back). `records` are
    (record, event id, incident id)."""
    tracer = _require()
    spans: list[Span] = []
    by_incident: dict[uuid.UUID, Span] = {}
    for record, event_id, incident_id in records:
        attributes = _consumed(consumer, group, record, event_id, incident_id)
        attributes["messaging.batch.message_count"] = len(records)
        span = tracer.start_span(
            f"process {record.topic}",
            context=_from_headers(record.headers),
            kind=SpanKind.CONSUMER,
            attributes=attributes,
        )
        spans.append(span)
        by_incident.setdefault(incident_id, span)
    token = _batch_spans.set(by_incident)
    try:
        yield
    except BaseException as exc:
        for span in spans:
            span.record_exception(exc)
            span.set_status(Status(StatusCode.ERROR, f"batch rolled back: {type(exc).__name__}"))
        raise
    finally:
        _batch_spans.reset(token)
        for span in spans:
            span.end()


def failed(error: str) -> None:
    """Mark the current span failed (a record dead-lettered within it)."""
    if _tracer is not None:
        trace.get_current_span().set_status(Status(StatusCode.ERROR, error[:200]))


def trace_headers(headers: Headers | None) -> list[tuple[str, bytes]]:
    """The trace headers among a record's, to copy onto its dead-letter copy."""
    return [(name, value) for name, value in headers or () if name in HEADER_NAMES and value is not None]


# --- helpers -------------------------------------------------------------------------------------------


def _require() -> Tracer:
    if _tracer is None:
        raise RuntimeError("tracing is off: callers check tracing.enabled() first")
    return _tracer


def _stored(span: Span) -> str | None:
    if not span.get_span_context().is_valid:
        return None
    carrier = _carrier_of(span)
    parent = carrier.get(TRACEPARENT)
    if parent is None:
        return None
    state = carrier.get(TRACESTATE)
    if state and len(parent) + 1 + len(state) <= STORED_MAX:
        return f"{parent} {state}"  # a traceparent has no space in it
    return parent


def _carrier_of(span: Span) -> dict[str, str]:
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=trace.set_span_in_context(span))
    return carrier


def _headers_of(span: Span) -> list[tuple[str, bytes]]:
    return [(name, value.encode()) for name, value in _carrier_of(span).items() if name in HEADER_NAMES]


def _from_stored(stored: str) -> Context:
    parent, _, state = stored.partition(" ")
    return _propagator.extract({TRACEPARENT: parent, **({TRACESTATE: state} if state else {})})


def _from_headers(headers: Headers | None) -> Context | None:
    carrier = {name: value.decode("latin-1") for name, value in trace_headers(headers)}
    return _propagator.extract(carrier) if carrier else None


def _consumed(
    consumer: str, group: str, record: ConsumedRecord, event_id: uuid.UUID, incident_id: uuid.UUID
) -> dict[str, Any]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.type": "process",
        "messaging.destination.name": record.topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
        "messaging.consumer.group.name": group,
        "messaging.message.id": str(event_id),
        "pidesk.service": consumer,
        "pidesk.incident_id": str(incident_id),
    }
