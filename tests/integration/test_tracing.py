"""Tracing on the real broker and PostgreSQL: one report followed in one trace from intake's request,
through escalation's handling, to the notifier's, the context carried in the outbox and in Kafka headers;
and with tracing off (the default), no trace context is stored or sent.

The three services run in-process with their lifespans (relays and consumers running), sharing one
tracer provider whose spans an in-memory exporter keeps.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import ConsumerRecord, TopicPartition
from fastapi import FastAPI
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import select

from pidesk.migrations import runner
from pidesk.services.escalation.bootstrap import build_app as build_escalation
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.intake.adapters.orm import OutboxMessage
from pidesk.services.intake.bootstrap import build_app as build_intake
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.notifier.bootstrap import build_app as build_notifier
from pidesk.services.notifier.config import NotifierSettings
from pidesk.shared import topics, tracing
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.infra import free_port, fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import groups_of_our_own
from tests.unit.factories import report_body

FROM_ESCALATION = {topics.INCIDENT_ASSESSED, topics.ESCALATION_REQUESTED}


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
        provider.shutdown()


@pytest.fixture
def untraced() -> Iterator[None]:
    tracing.use(None)
    yield


def common(tmp_path: Path, suffix: str) -> dict[str, Any]:
    return {
        "env": "test",
        "var_dir": tmp_path,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
        "consumer_group_suffix": suffix,
        "outbox_poll_seconds": 0.2,
    }


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """The app with its lifespan: relay, consumers and the other loops running; topics provisioned."""
    async with app.router.lifespan_context(app):
        await app.state.runtime.provisioner.ready()
        yield app


@asynccontextmanager
async def services(tmp_path: Path, names: tuple[str, ...]) -> AsyncIterator[dict[str, Any]]:
    """`names` in-process, each on a fresh migrated database, consumer groups of their own: {name: app,
    "<name>_db": URL, "intake_client": client}."""
    suffix = await groups_of_our_own(names)
    started: dict[str, Any] = {}
    async with AsyncExitStack() as stack:
        for name in names:
            url = await stack.enter_async_context(fresh_postgres_database(f"trace_{name[:4]}"))
            await runner.upgrade(url, name)
            started[f"{name}_db"] = url
        builders = {
            "intake": lambda url: build_intake(IntakeSettings(**common(tmp_path, suffix), INTAKE_DATABASE_URL=url)),
            "escalation": lambda url: build_escalation(
                EscalationSettings(
                    **common(tmp_path, suffix),
                    ESCALATION_DATABASE_URL=url,
                    ESCALATION_NOTIFIER_URL=f"http://127.0.0.1:{free_port()}",
                )
            ),
            "notifier": lambda url: build_notifier(
                NotifierSettings(
                    **common(tmp_path, suffix),
                    NOTIFIER_DATABASE_URL=url,
                    NOTIFIER_SMTP_PORT=free_port(),  # nothing listens: alert mails wait, nothing is sent
                    NOTIFIER_ESCALATION_URL=f"http://127.0.0.1:{free_port()}",
                )
            ),
        }
        for name in names:
            started[name] = await stack.enter_async_context(running(builders[name](started[f"{name}_db"])))
        transport = httpx.ASGITransport(app=started["intake"])
        started["intake_client"] = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://intake")
        )
        yield started


async def end_offsets(topic: str) -> dict[TopicPartition, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap())
    await admin.start()
    try:
        described = await admin.describe_topics([topic])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p["partition"]) for p in described[0]["partitions"]]
    assert partitions, f"{topic} has no partitions"
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def record_with_key(
    topic: str, key: str, since: dict[TopicPartition, int], timeout: float = 30.0
) -> ConsumerRecord:
    """The first record of `topic` keyed `key` after the offsets `since` (this test's, on a shared broker)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(list(since))
        for partition, offset in since.items():
            consumer.seek(partition, offset)
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key == key.encode():
                        return record
        raise AssertionError(f"no record keyed {key} on {topic}")
    finally:
        await consumer.stop()


async def outbox_row(url: str, incident_id: str, timeout: float = 30.0) -> OutboxMessage:
    """Intake's outbox row of the incident, once the relay has published it."""
    engine = create_engine(url)
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            async with session_factory(engine)() as session:
                row = await session.scalar(select(OutboxMessage).where(OutboxMessage.message_key == incident_id))
            if row is not None and row.published_at is not None:
                return row
            assert asyncio.get_running_loop().time() < deadline, "the outbox row was not published"
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


def attribute(span: ReadableSpan, name: str) -> Any:
    return (span.attributes or {}).get(name)


def consumed(spans: list[ReadableSpan], service: str, topics_: set[str]) -> list[ReadableSpan]:
    return [
        s
        for s in spans
        if s.kind == SpanKind.CONSUMER
        and attribute(s, "pidesk.service") == service
        and attribute(s, "messaging.destination.name") in topics_
    ]


def header(record: ConsumerRecord, name: str) -> str | None:
    return next((value.decode() for key, value in record.headers or () if key == name), None)


async def test_one_report_is_one_trace_from_intake_through_escalation_to_the_notifier(
    tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    async with services(tmp_path, ("intake", "escalation", "notifier")) as stack:
        since = await end_offsets(topics.INCIDENT_REPORTED)
        response = await stack["intake_client"].post("/v1/reports", json=report_body())
        assert response.status_code == 202
        incident_id = response.json()["incident_id"]

        request = next(
            s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER and s.name == "POST /v1/reports"
        )
        trace_id = request.context.trace_id
        assert (
            attribute(request, "pidesk.service") == "intake" and attribute(request, "http.response.status_code") == 202
        )

        # the outbox row keeps the request's context; the relay sends it on as Kafka headers
        row = await outbox_row(stack["intake_db"], incident_id)
        assert row.trace_context is not None and row.trace_context.startswith(f"00-{trace_id:032x}-")
        record = await record_with_key(topics.INCIDENT_REPORTED, incident_id, since)
        traceparent = header(record, "traceparent")
        assert traceparent is not None and traceparent.startswith(f"00-{trace_id:032x}-")
        assert record.value is not None and b"traceparent" not in record.value  # the envelope is unchanged

        deadline = asyncio.get_running_loop().time() + 90
        while True:
            in_trace = [s for s in spans.get_finished_spans() if s.context.trace_id == trace_id]
            notifier = consumed(in_trace, "notifier", FROM_ESCALATION)
            if notifier:
                break
            assert asyncio.get_running_loop().time() < deadline, "the notifier never handled escalation's events"
            await asyncio.sleep(0.25)

    by_id = {s.context.span_id: s for s in in_trace}

    def parent(span: ReadableSpan) -> ReadableSpan:
        assert span.parent is not None, span.name
        return by_id[span.parent.span_id]

    escalation = consumed(in_trace, "escalation", {topics.INCIDENT_REPORTED})
    assert [attribute(s, "pidesk.incident_id") for s in escalation] == [incident_id]
    # escalation's handling: a child of the relay's send, itself a child of intake's request
    sent = parent(escalation[0])
    assert sent.kind == SpanKind.PRODUCER and sent.name == f"send {topics.INCIDENT_REPORTED}"
    assert parent(sent).context.span_id == request.context.span_id
    assert traceparent.split("-")[2] == f"{sent.context.span_id:016x}"  # the header is the send span's
    # the notifier's handling of what escalation published: a child of escalation's send, itself a
    # child of escalation's handling of the report
    for span in notifier:
        assert attribute(span, "pidesk.incident_id") == incident_id
        forwarded = parent(span)
        assert forwarded.kind == SpanKind.PRODUCER
        assert attribute(forwarded, "messaging.destination.name") == attribute(span, "messaging.destination.name")
        assert parent(forwarded).context.span_id == escalation[0].context.span_id


async def test_with_tracing_off_no_context_is_stored_or_sent(tmp_path: Path, untraced: None) -> None:
    assert not tracing.enabled()
    async with services(tmp_path, ("intake",)) as stack:
        since = await end_offsets(topics.INCIDENT_REPORTED)
        response = await stack["intake_client"].post(
            "/v1/reports", json=report_body(), headers={"traceparent": f"00-{uuid.uuid4().hex}-{'1' * 16}-01"}
        )
        assert response.status_code == 202
        incident_id = response.json()["incident_id"]
        row = await outbox_row(stack["intake_db"], incident_id)
        assert row.trace_context is None
        record = await record_with_key(topics.INCIDENT_REPORTED, incident_id, since)
        assert not {key for key, _ in record.headers or ()} & {"traceparent", "tracestate"}
