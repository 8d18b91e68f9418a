"""shared/tracing.py with the real OpenTelemetry SDK: what an outbox row keeps, what the relay sends,
whose child a consumer span is, and that nothing happens while tracing is off."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from pidesk.shared import tracing
from pidesk.shared.events import Envelope
from pidesk.shared.messaging.records import outbox_values

TOPIC = "pidesk.incident.reported.v1"


@dataclass
class Record:
    headers: list[tuple[str, bytes]]
    topic: str = TOPIC
    partition: int = 0
    offset: int = 7
    incident_id: uuid.UUID = field(default_factory=uuid.uuid4)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.use(provider)
    try:
        yield exporter
    finally:
        tracing.use(None)


def envelope(incident_id: uuid.UUID | None = None) -> Envelope:
    incident = incident_id or uuid.uuid4()
    return Envelope(
        event_id=uuid.uuid4(),
        event_type="pidesk.incident.reported",
        schema_version=1,
        occurred_at=datetime.now(UTC),
        incident_id=incident,
        correlation_id=incident,
        producer="tests",
        payload={},
    )


def traceparent(trace_id: str, span_id: str = "1" * 16) -> bytes:
    return f"00-{trace_id}-{span_id}-01".encode()


def test_off_by_default_nothing_is_stored_or_made() -> None:
    tracing.use(None)
    assert not tracing.enabled()
    assert not tracing.configure("intake")  # PIDESK_OTEL_ENABLED is not set
    assert "trace_context" not in outbox_values(envelope())
    assert tracing.current_trace_context() is None
    # the relay without a tracer passes a stored context on as it is
    assert tracing.sending(TOPIC, "00-" + "a" * 32 + "-" + "b" * 16 + "-01 k=v", "key") == (
        None,
        [("traceparent", ("00-" + "a" * 32 + "-" + "b" * 16 + "-01").encode()), ("tracestate", b"k=v")],
    )


def test_configure_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    tracing.use(None)
    monkeypatch.setenv("PIDESK_OTEL_ENABLED", "false")
    assert not tracing.configure("intake") and not tracing.enabled()


def test_an_outbox_row_keeps_the_current_span_and_the_relay_sends_a_child_of_it(
    spans: InMemorySpanExporter,
) -> None:
    trace_id = uuid.uuid4().hex
    record = Record(headers=[("traceparent", traceparent(trace_id)), ("tracestate", b"vendor=1")])
    event = envelope(record.incident_id)
    with tracing.processing("escalation", "pidesk-escalation", record, event.event_id, event.incident_id):
        stored = outbox_values(event)["trace_context"]
    handled = spans.get_finished_spans()[-1]
    assert handled.kind == SpanKind.CONSUMER and handled.name == f"process {TOPIC}"
    assert handled.parent is not None and f"{handled.parent.span_id:016x}" == "1" * 16
    assert stored == f"00-{trace_id}-{handled.context.span_id:016x}-01 vendor=1"

    span, headers = tracing.sending("pidesk.incident.assessed.v1", stored, "key")
    tracing.sent(span, None)
    send = spans.get_finished_spans()[-1]
    assert send.kind == SpanKind.PRODUCER and send.parent is not None
    assert send.parent.span_id == handled.context.span_id
    assert dict(headers) == {
        "traceparent": f"00-{trace_id}-{send.context.span_id:016x}-01".encode(),
        "tracestate": b"vendor=1",
    }


def test_a_failed_send_marks_its_span(spans: InMemorySpanExporter) -> None:
    span, _ = tracing.sending(TOPIC, traceparent(uuid.uuid4().hex).decode(), "key")
    tracing.sent(span, TimeoutError("no ack"))
    assert spans.get_finished_spans()[-1].status.status_code == StatusCode.ERROR


def test_a_tracestate_too_long_for_the_column_is_dropped(spans: InMemorySpanExporter) -> None:
    state = ",".join(f"k{n}={'v' * 200}" for n in range(10)).encode()  # valid, but over the column's 1024
    record = Record(headers=[("traceparent", traceparent(uuid.uuid4().hex)), ("tracestate", state)])
    with tracing.processing("notifier", "pidesk-notifier", record, uuid.uuid4(), record.incident_id):
        stored = tracing.current_trace_context()
    assert stored is not None and " " not in stored and len(stored) == 55


def test_in_a_batch_each_incident_keeps_its_own_records_trace(spans: InMemorySpanExporter) -> None:
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    records = [
        Record(headers=[("traceparent", traceparent(first))]),
        Record(headers=[("traceparent", traceparent(second))]),
    ]
    batch = [(r, uuid.uuid4(), r.incident_id) for r in records]
    with tracing.processing_batch("notifier", "pidesk-notifier-alerts", batch):
        stored = [outbox_values(envelope(r.incident_id))["trace_context"] for r in records]
        assert spans.get_finished_spans() == ()  # ended with the transaction
    assert [s.split("-")[1] for s in stored] == [first, second]
    ended = spans.get_finished_spans()
    assert [f"{s.context.trace_id:032x}" for s in ended] == [first, second]
    assert all(s.attributes is not None and s.attributes["messaging.batch.message_count"] == 2 for s in ended)
    assert tracing.outbox_trace_context(records[0].incident_id) is None  # no span current after the batch


def test_a_rolled_back_batch_marks_every_span(spans: InMemorySpanExporter) -> None:
    batch = [(Record(headers=[]), uuid.uuid4(), uuid.uuid4())]
    with pytest.raises(RuntimeError), tracing.processing_batch("escalation", "pidesk-escalation", batch):
        raise RuntimeError("handler failed")
    assert [s.status.status_code for s in spans.get_finished_spans()] == [StatusCode.ERROR]


def test_a_record_without_trace_headers_starts_a_trace_of_its_own(spans: InMemorySpanExporter) -> None:
    record = Record(headers=[("pidesk-other", b"x")])
    with tracing.processing("intake", "pidesk-intake", record, uuid.uuid4(), record.incident_id):
        pass
    assert spans.get_finished_spans()[-1].parent is None
    assert tracing.trace_headers([("traceparent", b"t"), ("pidesk-error", b"e")]) == [("traceparent", b"t")]
