import json
import uuid
from datetime import UTC, datetime

import pytest

from pidesk.shared import topics
from pidesk.shared.events import (
    Envelope,
    IncidentReported,
    IncidentUpdated,
    MalformedEvent,
    ReporterRef,
    UnknownEventVersion,
    parse_payload,
    payload_as,
)


def reported() -> IncidentReported:
    return IncidentReported(
        reference="PI-2026-000001",
        source="api",
        reporter=ReporterRef(name="A", email="a@example.com", division="D", entity="E", entity_country="JP"),
        incident_kind="loss",
        aware_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC),
        received_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        data_categories=["name"],
    )


def test_envelope_round_trips_and_names_its_topic() -> None:
    incident_id = uuid.uuid4()
    envelope = reported().envelope(incident_id=incident_id, producer="intake")
    again = Envelope.from_bytes(envelope.to_bytes())
    assert again == envelope
    assert again.topic == topics.INCIDENT_REPORTED
    assert again.correlation_id == incident_id
    assert isinstance(parse_payload(again), IncidentReported)


def test_envelope_time_is_rfc3339_utc() -> None:
    raw = json.loads(reported().envelope(incident_id=uuid.uuid4(), producer="intake").to_bytes())
    assert raw["occurred_at"].endswith("Z")
    assert set(raw) == {
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "incident_id",
        "correlation_id",
        "producer",
        "payload",
    }


@pytest.mark.parametrize("raw", [None, b"", b"not json", b"[]", b'{"event_id": "x"}'])
def test_malformed_bytes_are_rejected(raw: bytes | None) -> None:
    with pytest.raises(MalformedEvent):
        Envelope.from_bytes(raw)


def test_unknown_version_is_its_own_error() -> None:
    envelope = reported().envelope(incident_id=uuid.uuid4(), producer="intake")
    future = envelope.model_copy(update={"schema_version": 2})
    with pytest.raises(UnknownEventVersion):
        parse_payload(future)


def test_payload_not_matching_its_schema_is_malformed() -> None:
    envelope = reported().envelope(incident_id=uuid.uuid4(), producer="intake")
    broken = envelope.model_copy(update={"payload": {**envelope.payload, "incident_kind": "volcano"}})
    with pytest.raises(MalformedEvent) as caught:
        parse_payload(broken)
    assert not isinstance(caught.value, UnknownEventVersion)


def test_reported_event_has_no_free_text_fields() -> None:
    assert "title" not in IncidentReported.model_fields
    assert "description" not in IncidentReported.model_fields


def test_dead_letter_topic_name() -> None:
    assert topics.dead_letter_topic(topics.INCIDENT_REPORTED) == "pidesk.incident.reported.v1.dlq"


def test_vendor_numbers_and_times_read_only_decimal_digits() -> None:
    from pidesk.services.intake.webhooks.common import int_or_none, parse_time
    from pidesk.services.intake.webhooks.model import UnreadablePayload

    assert int_or_none("²") is None and int_or_none("12") == 12
    with pytest.raises(UnreadablePayload):
        parse_time("²", "t")


def test_a_handler_takes_the_payload_as_its_topic_type_or_dead_letters_it() -> None:
    """Dispatch by type, not by `assert` (which `python -O` strips): the wrong type is malformed."""
    envelope = reported().envelope(incident_id=uuid.uuid4(), producer="intake")
    payload = parse_payload(envelope)
    assert payload_as(IncidentReported, envelope, payload) is payload
    with pytest.raises(MalformedEvent, match="carried IncidentReported, not IncidentUpdated"):
        payload_as(IncidentUpdated, envelope, payload)
