"""Writes the machine-readable contract into docs/: each service's OpenAPI document and the AsyncAPI 3.0
document of the Kafka topics, both generated from the code (the apps, the pydantic event models), so they
cannot drift from it unnoticed: tests/unit/test_contract_docs.py regenerates them and compares.

    python -m pidesk.contract_docs            # or: make docs
    python -m pidesk.contract_docs --check    # exit 1 when a file in docs/ is stale
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from pydantic import BaseModel

from pidesk.shared import events, topics

REPOSITORY = Path(__file__).resolve().parents[1]
DOCS = REPOSITORY / "docs"
SERVICES = ("intake", "escalation", "notifier")
SCHEMAS = "#/components/schemas/"
# settings the environment could give the apps: left out while building, so the documents do not depend on
# the shell they are generated from
_SETTINGS_PREFIXES = ("PIDESK_", "INTAKE_", "ESCALATION_", "NOTIFIER_", "KAFKA_")

# Who sends and who receives each topic (the outbox relays; each service's Kafka handlers,
# services/*/entrypoints/kafka_handlers.py) and the consumer groups that read it.
PRODUCERS: dict[str, tuple[str, ...]] = {
    topics.INCIDENT_REPORTED: ("intake",),
    topics.INCIDENT_UPDATED: ("intake", "escalation"),
    topics.INCIDENT_ASSESSED: ("escalation",),
    topics.ESCALATION_REQUESTED: ("escalation",),
    topics.NOTICE_REQUESTED: ("escalation",),
    topics.NOTICE_ISSUED: ("notifier",),
    topics.NOTICE_DRAFTED: ("notifier",),
    topics.GOVERNMENT_REQUEST_RECEIVED: ("intake",),
    topics.COMPLAINT_RECEIVED: ("intake",),
}
CONSUMERS: dict[str, tuple[tuple[str, str], ...]] = {
    topics.INCIDENT_REPORTED: (("escalation", "pidesk-escalation"), ("notifier", "pidesk-notifier")),
    topics.INCIDENT_UPDATED: (
        ("intake", "pidesk-intake"),
        ("escalation", "pidesk-escalation"),
        ("notifier", "pidesk-notifier"),
    ),
    topics.INCIDENT_ASSESSED: (("notifier", "pidesk-notifier"),),
    topics.ESCALATION_REQUESTED: (("notifier", "pidesk-notifier-alerts"),),
    topics.NOTICE_REQUESTED: (("notifier", "pidesk-notifier"),),
    topics.NOTICE_ISSUED: (("escalation", "pidesk-escalation"),),
    topics.NOTICE_DRAFTED: (("escalation", "pidesk-escalation"),),
    topics.GOVERNMENT_REQUEST_RECEIVED: (("escalation", "pidesk-escalation"),),
    topics.COMPLAINT_RECEIVED: (("escalation", "pidesk-escalation"),),
}
# topics whose partition 0 carries what concerns a report from a person (shared/messaging/priority.py)
PRIORITY_PARTITION = {topics.INCIDENT_REPORTED, topics.ESCALATION_REQUESTED}

# What a consumer writes to `<topic>.dlq` (shared/messaging/consumer.py, `_dead_letter`); a plain dict there,
# so described here.
DEAD_LETTER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "DeadLetter",
    "description": "A message a consumer could not process, with the error. Headers: `pidesk-error` (the "
    "error, at most 500 bytes) and `pidesk-consumer`. It holds the whole original event.",
    "required": [
        "consumer",
        "original_topic",
        "partition",
        "offset",
        "key",
        "error",
        "attempts",
        "failed_at",
        "original",
    ],
    "properties": {
        "consumer": {"type": "string", "description": "the consumer group's service name"},
        "original_topic": {"type": "string"},
        "partition": {"type": "integer"},
        "offset": {"type": "integer"},
        "key": {"type": ["string", "null"], "description": "the original key (the incident id)"},
        "error": {"type": "string", "maxLength": 4000},
        "attempts": {"type": "integer", "description": "0: malformed or of an unknown version, not retried"},
        "failed_at": {"type": "string", "format": "date-time"},
        "original": {
            "description": 'the original value as JSON, or `{"base64": …}` when it was not JSON',
            "type": "object",
        },
    },
}


@contextmanager
def _without_settings_from_environment() -> Iterator[None]:
    saved = {k: v for k, v in os.environ.items() if k.startswith(_SETTINGS_PREFIXES)}
    for key in saved:
        del os.environ[key]
    try:
        yield
    finally:
        os.environ.update(saved)


def _apps(var_dir: Path) -> dict[str, FastAPI]:
    """The three apps as the tests build them: nothing connects, databases are files under `var_dir`."""
    from pidesk.services.escalation.bootstrap import build_app as build_escalation
    from pidesk.services.escalation.config import EscalationSettings
    from pidesk.services.intake.bootstrap import build_app as build_intake
    from pidesk.services.intake.config import IntakeSettings
    from pidesk.services.notifier.bootstrap import build_app as build_notifier
    from pidesk.services.notifier.config import NotifierSettings

    def db(name: str) -> str:
        return f"sqlite+aiosqlite:///{var_dir / name}.db"

    common: dict[str, Any] = {"env": "test", "var_dir": var_dir, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1"}
    return {
        "intake": build_intake(IntakeSettings(**common, INTAKE_DATABASE_URL=db("intake"))),
        "escalation": build_escalation(EscalationSettings(**common, ESCALATION_DATABASE_URL=db("escalation"))),
        "notifier": build_notifier(NotifierSettings(**common, NOTIFIER_DATABASE_URL=db("notifier"))),
    }


def openapi_documents() -> dict[str, dict[str, Any]]:
    """service -> its OpenAPI document, as its app serves it at /openapi.json."""
    with tempfile.TemporaryDirectory(prefix="pidesk-docs-") as tmp, _without_settings_from_environment():
        return {name: app.openapi() for name, app in _apps(Path(tmp)).items()}


def _camel(name: str) -> str:
    """`pidesk.incident.reported.v1` -> `incidentReported` (channel ids)."""
    words = name.removeprefix("pidesk.").rsplit(".v", 1)[0].replace("_", ".").split(".")
    return words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:])


def _schema_of(model: type[BaseModel], shared: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON schema, its nested definitions moved into `shared` (components.schemas)."""
    schema = model.model_json_schema(ref_template=SCHEMAS + "{model}")
    for name, definition in schema.pop("$defs", {}).items():
        if shared.setdefault(name, definition) != definition:
            raise ValueError(f"two different schemas named {name}")
    return schema


def _payload_models() -> dict[str, type[events.EventPayload]]:
    """topic -> the payload model it carries, from the registry the consumers parse with."""
    return {topics.topic_for(t, v): model for (t, v), model in events.PAYLOADS.items()}


KEY = {
    "type": "string",
    "format": "uuid",
    "description": "the incident id (the envelope's `incident_id`): one incident's events stay in order",
}
KAFKA = {"bindingVersion": "0.5.0"}


def _message(model: type[events.EventPayload]) -> dict[str, Any]:
    """A topic's message: the envelope with this event's type, version and payload schema."""
    doc = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split(": ", 1)[-1].split())
    return {
        "name": model.__name__,
        "title": f"{model.event_type} v{model.schema_version}",
        "summary": doc[:1].upper() + doc[1:],
        "contentType": "application/json",
        "payload": {
            "allOf": [
                {"$ref": SCHEMAS + "Envelope"},
                {
                    "type": "object",
                    "properties": {
                        "event_type": {"const": model.event_type},
                        "schema_version": {"const": model.schema_version},
                        "payload": {"$ref": SCHEMAS + model.__name__},
                    },
                },
            ]
        },
        "bindings": {"kafka": {"key": KEY, **KAFKA}},
    }


def _channels(topic: str, name: str, summary: str) -> dict[str, Any]:
    """The topic's channel and its dead-letter channel."""
    channel_id, dlq = _camel(topic), topics.dead_letter_topic(topic)
    priority = (
        " Partition 0 carries what concerns a report from a person (`source` `form` or `api`); every other "
        "event goes to the other partitions by its key."
        if topic in PRIORITY_PARTITION
        else ""
    )
    return {
        channel_id: {
            "address": topic,
            "title": topic,
            "description": f"{summary} Key: the incident id.{priority}",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
            "bindings": {"kafka": {"topic": topic, **KAFKA}},
        },
        channel_id + "Dlq": {
            "address": dlq,
            "title": dlq,
            "description": f"What a consumer of {topic} could not process, with the error (key: the original key).",
            "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
            "bindings": {"kafka": {"topic": dlq, **KAFKA}},
        },
    }


def _operations(topic: str, name: str) -> dict[str, Any]:
    """Who sends the topic (through an outbox), who receives it (in which group) and dead-letters it."""
    channel_id = _camel(topic)
    message_ref = [{"$ref": f"#/channels/{channel_id}/messages/{name}"}]
    operations: dict[str, Any] = {}
    for service in PRODUCERS[topic]:
        operations[f"{service}.send.{channel_id}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{service} publishes {topic} through its transactional outbox.",
            "messages": message_ref,
        }
    for service, group in CONSUMERS[topic]:
        operations[f"{service}.receive.{channel_id}"] = {
            "action": "receive",
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "summary": f"{service} consumes {topic} (consumer group `{group}`, idempotent).",
            "messages": message_ref,
            "bindings": {"kafka": {"groupId": {"type": "string", "enum": [group]}, **KAFKA}},
        }
        operations[f"{service}.send.{channel_id}Dlq"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel_id}Dlq"},
            "summary": f"{service} dead-letters what it cannot process from {topic}.",
            "messages": [{"$ref": f"#/channels/{channel_id}Dlq/messages/DeadLetter"}],
        }
    return operations


DEAD_LETTER_MESSAGE = {
    "name": "DeadLetter",
    "title": "dead letter",
    "summary": "A message a consumer could not process, with the error.",
    "contentType": "application/json",
    "payload": {"$ref": SCHEMAS + "DeadLetter"},
    "bindings": {"kafka": {"key": KEY, **KAFKA}},
}
INFO = {
    "title": "pidesk events",
    "version": "1",
    "description": "The Kafka topics between intake, escalation and the notifier. Every value is a JSON "
    "envelope whose `payload` is the event's; events carry identifiers and classifications, never a "
    "report's free text nor the leaked data. Generated by `python -m pidesk.contract_docs` from "
    "shared/events.py and shared/topics.py; prose in docs/events.md.",
}
LOCAL_SERVER = {
    "host": "127.0.0.1:9092",
    "protocol": "kafka",
    "description": "`pidesk up`'s local broker (KAFKA_BOOTSTRAP_SERVERS)",
}


def asyncapi_document() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every topic: its channel, its dead-letter channel, who sends and who
    receives it, the key, the envelope and the payload schema."""
    models = _payload_models()
    schemas: dict[str, Any] = {"Envelope": _schema_of(events.Envelope, {}), "DeadLetter": DEAD_LETTER_SCHEMA}
    for model in models.values():
        schemas[model.__name__] = _schema_of(model, schemas)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for topic in topics.ALL:
        model = models[topic]
        message = messages[model.__name__] = _message(model)
        channels |= _channels(topic, model.__name__, message["summary"])
        operations |= _operations(topic, model.__name__)
    messages["DeadLetter"] = DEAD_LETTER_MESSAGE
    return {
        "asyncapi": "3.0.0",
        "info": INFO,
        "defaultContentType": "application/json",
        "servers": {"local": LOCAL_SERVER},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render_json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_yaml(document: dict[str, Any]) -> str:
    header = "# Generated by `python -m pidesk.contract_docs` (make docs); do not edit by hand.\n"
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def rendered() -> dict[Path, str]:
    """Every generated file (path under the repository) with its content."""
    files = {
        Path("docs/openapi") / f"{name}.json": render_json(document) for name, document in openapi_documents().items()
    }
    files[Path("docs/asyncapi.yaml")] = render_yaml(asyncapi_document())
    return files


def stale(root: Path = REPOSITORY, render: Callable[[], dict[Path, str]] = rendered) -> list[Path]:
    """The generated files that are missing or differ from what the code generates now."""
    out = []
    for path, text in render().items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            out.append(path)
    return out


def write(root: Path = REPOSITORY) -> list[Path]:
    written = []
    for path, text in rendered().items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pidesk.contract_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale files and exit 1, write nothing")
    args = parser.parse_args(argv)
    if args.check:
        out_of_date = stale()
        for path in out_of_date:
            print(f"stale: {path} (run `make docs`)", file=sys.stderr)
        return 1 if out_of_date else 0
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
