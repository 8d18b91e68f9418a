"""`pidesk dlq`: reading a consumer's dead-letter record, what `list` shows of it, what `replay` picks."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from pidesk import cli
from pidesk.cli_dlq import DeadLetter, choose, dlq_topic_of, error_summary, parse_dead_letter

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
RETENTION = timedelta(hours=336)


def event(event_id: uuid.UUID, *, occurred: datetime = NOW - timedelta(hours=1)) -> dict[str, object]:
    incident = uuid.uuid4()
    return {
        "event_id": str(event_id),
        "event_type": "pidesk.incident.reported",
        "schema_version": 1,
        "occurred_at": occurred.isoformat(),
        "incident_id": str(incident),
        "correlation_id": str(incident),
        "producer": "intake",
        "payload": {"reporter_name": "山田 花子"},
    }


def letter(offset: int, original: object, error: str = "HandlerFailure: boom") -> DeadLetter:
    body = {
        "consumer": "escalation",
        "original_topic": "pidesk.incident.reported.v1",
        "partition": 1,
        "offset": 40 + offset,
        "key": "k-1",
        "error": error,
        "attempts": 5,
        "failed_at": NOW.isoformat(),
        "original": original,
    }
    return parse_dead_letter(0, offset, int((NOW.timestamp() + offset) * 1000), b"k-1", json.dumps(body).encode())


def test_the_dlq_name_is_the_topic_plus_dlq_unless_given() -> None:
    assert dlq_topic_of("pidesk.incident.reported.v1") == "pidesk.incident.reported.v1.dlq"
    assert dlq_topic_of("pidesk.incident.reported.v1.dlq") == "pidesk.incident.reported.v1.dlq"


def test_the_listing_has_identifiers_and_a_short_error_never_the_payload() -> None:
    event_id = uuid.uuid4()
    summary = letter(3, event(event_id)).summary()
    assert summary["position"] == "0:3" and summary["event_id"] == str(event_id)
    assert summary["event_type"] == "pidesk.incident.reported" and summary["consumer"] == "escalation"
    assert "山田" not in json.dumps(summary, ensure_ascii=False) and "payload" not in summary


def test_error_summaries_drop_what_could_quote_data() -> None:
    sql = "IntegrityError: duplicate key [SQL: INSERT INTO x VALUES ($1)] [parameters: ('山田',)]"
    assert error_summary(sql) == "IntegrityError: duplicate key"
    validation = (
        "ValidationError: 1 error\nname\n  Input should be short [type=x, input_value='山田 花子', input_type=str]"
    )
    assert "山田" not in error_summary(validation) and "input_value=…" in error_summary(validation)
    assert len(error_summary("x" * 1000)) == 160


def test_a_record_that_is_not_json_is_listed_not_replayed() -> None:
    broken = parse_dead_letter(2, 7, 0, None, b"not json")
    assert broken.error == "not a dead-letter record" and broken.summary()["event_id"] is None
    malformed = letter(1, {"base64": "e25vdA=="})
    choice = choose([broken, malformed], None, NOW, RETENTION)
    assert choice.replay == [] and len(choice.skipped) == 2


def test_replay_takes_each_event_once_from_its_latest_copy() -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    copies = [letter(0, event(first)), letter(1, event(second)), letter(2, event(first), "HandlerFailure: again")]
    everything = choose(copies, None, NOW, RETENTION)
    assert [(d.field("event_id"), d.offset) for d in everything.replay] == [(str(first), 2), (str(second), 1)]
    one = choose(copies, second, NOW, RETENTION)
    assert [d.offset for d in one.replay] == [1] and one.skipped == []
    assert choose(copies, uuid.uuid4(), NOW, RETENTION) == choose([], None, NOW, RETENTION)  # not there: nothing


def test_replay_leaves_events_older_than_the_processed_events_retention() -> None:
    old = uuid.uuid4()
    choice = choose([letter(0, event(old, occurred=NOW - RETENTION - timedelta(hours=1)))], old, NOW, RETENTION)
    assert choice.replay == [] and "retention" in choice.skipped[0][1]


@pytest.mark.parametrize(
    "arguments",
    [
        ["dlq", "replay", "--topic", "t"],
        ["dlq", "replay", "--topic", "t", "--all", "--event-id", str(uuid.UUID(int=1))],
    ],
)
def test_replay_refuses_to_guess_which_events(arguments: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(arguments) == 2  # before reading anything from the broker
    assert "--event-id" in capsys.readouterr().err
