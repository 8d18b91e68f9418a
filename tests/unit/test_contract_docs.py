"""Issue 14 item 1: the machine-readable contract in docs/ is what the code generates now (each service's
OpenAPI document, the AsyncAPI document of the topics), and the AsyncAPI document describes every topic,
its dead-letter topic, its key, its envelope and its payload. Regenerated in memory and compared: a route,
an event field or a topic changed without `make docs` fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pidesk import contract_docs
from pidesk.shared import events, topics

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


@pytest.fixture(scope="module")
def generated() -> dict[Path, str]:
    return contract_docs.rendered()


@pytest.fixture(scope="module")
def asyncapi() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DOCS / "asyncapi.yaml").read_text(encoding="utf-8"))
    return document


def test_the_generated_files_are_up_to_date(generated: dict[Path, str]) -> None:
    assert set(generated) == {
        Path("docs/openapi/intake.json"),
        Path("docs/openapi/escalation.json"),
        Path("docs/openapi/notifier.json"),
        Path("docs/asyncapi.yaml"),
    }
    stale = [str(p) for p, text in generated.items() if not (ROOT / p).is_file() or (ROOT / p).read_text() != text]
    assert stale == [], f"stale contract documents {stale}: run `make docs` (python -m pidesk.contract_docs)"


def test_a_changed_route_makes_the_documents_stale(tmp_path: Path, generated: dict[Path, str]) -> None:
    for path, text in generated.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text, encoding="utf-8")
    assert contract_docs.stale(tmp_path, lambda: generated) == []
    document = json.loads(generated[Path("docs/openapi/intake.json")])
    document["paths"].pop("/v1/reports")
    changed = {**generated, Path("docs/openapi/intake.json"): contract_docs.render_json(document)}
    assert contract_docs.stale(tmp_path, lambda: changed) == [Path("docs/openapi/intake.json")]


def test_the_openapi_documents_are_the_apps_own(generated: dict[Path, str]) -> None:
    for service in contract_docs.SERVICES:
        document = json.loads(generated[Path(f"docs/openapi/{service}.json")])
        assert document["openapi"].startswith("3.")
        assert "/healthz" in document["paths"] and "/readyz" in document["paths"], service
    intake = json.loads(generated[Path("docs/openapi/intake.json")])
    assert "post" in intake["paths"]["/v1/reports"]


def test_asyncapi_is_version_3(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"] == "3.0.0"
    assert asyncapi["info"]["title"] and asyncapi["info"]["version"]
    assert asyncapi["servers"]["local"]["protocol"] == "kafka"


def test_every_topic_and_its_dead_letter_topic_has_a_channel(asyncapi: dict[str, Any]) -> None:
    addresses = {channel["address"] for channel in asyncapi["channels"].values()}
    expected = set(topics.ALL) | {topics.dead_letter_topic(t) for t in topics.ALL}
    assert addresses == expected
    for channel in asyncapi["channels"].values():
        assert channel["bindings"]["kafka"]["topic"] == channel["address"]
        assert channel["messages"], channel["address"]


def test_every_event_model_has_a_message_with_its_payload_schema(asyncapi: dict[str, Any]) -> None:
    messages, schemas = asyncapi["components"]["messages"], asyncapi["components"]["schemas"]
    by_address = {channel["address"]: channel for channel in asyncapi["channels"].values()}
    for (event_type, version), model in events.PAYLOADS.items():
        name = model.__name__
        message = messages[name]
        assert message["bindings"]["kafka"]["key"]["format"] == "uuid", name  # the key is the incident id
        envelope, specific = message["payload"]["allOf"]
        assert envelope == {"$ref": "#/components/schemas/Envelope"}
        assert specific["properties"]["event_type"] == {"const": event_type}
        assert specific["properties"]["schema_version"] == {"const": version}
        assert specific["properties"]["payload"] == {"$ref": f"#/components/schemas/{name}"}
        assert set(schemas[name]["properties"]) == set(model.model_fields), name
        channel = by_address[topics.topic_for(event_type, version)]
        assert name in channel["messages"], name
    assert set(schemas["Envelope"]["properties"]) == set(events.Envelope.model_fields)


def test_every_reference_resolves(asyncapi: dict[str, Any]) -> None:
    text = json.dumps(asyncapi)
    for ref in set(re.findall(r'"\$ref": "#/([^"]+)"', text)):
        node: Any = asyncapi
        for part in ref.split("/"):
            assert isinstance(node, dict) and part in node, ref
            node = node[part]


def test_every_topic_is_sent_and_received_and_each_consumer_can_dead_letter(asyncapi: dict[str, Any]) -> None:
    channels = asyncapi["channels"]
    sent, received, dead_lettered = set(), set(), set()
    for operation in asyncapi["operations"].values():
        assert operation["action"] in ("send", "receive")
        address = channels[operation["channel"]["$ref"].rsplit("/", 1)[-1]]["address"]
        if topics.is_dead_letter_topic(address):
            dead_lettered.add(address)
        elif operation["action"] == "send":
            sent.add(address)
        else:
            received.add(address)
    assert sent == set(topics.ALL)
    assert received == set(topics.ALL)
    assert dead_lettered == {topics.dead_letter_topic(t) for t in topics.ALL}


def test_the_prose_documents_link_the_generated_ones() -> None:
    contract = (DOCS / "contract.md").read_text(encoding="utf-8")
    for service in contract_docs.SERVICES:
        assert f"openapi/{service}.json" in contract, service
    events_doc = (DOCS / "events.md").read_text(encoding="utf-8")
    assert "asyncapi.yaml" in events_doc
    for topic in topics.ALL:
        assert f"`{topic}`" in events_doc, topic


def test_the_receivers_are_the_services_kafka_handlers() -> None:
    """The AsyncAPI document's receivers are the topics each service's Kafka handlers are keyed by."""
    handled = re.compile(r"[{\s]topics\.([A-Z_]+): ")
    for service in contract_docs.SERVICES:
        source = (ROOT / "services" / service / "entrypoints" / "kafka_handlers.py").read_text(encoding="utf-8")
        expected = {getattr(topics, name) for name in handled.findall(source)}
        declared = {t for t, readers in contract_docs.CONSUMERS.items() if service in dict(readers)}
        assert declared == expected, service
