"""Issue 13: every route of the three services documents what it answers on success. A JSON route's
2xx response has a schema that says what is in it (a response model, not FastAPI's empty `{}`); a page,
feed, download or stream documents its own media type. Built from the apps (nothing is connected), so a
route added without a response model fails here; static mounts and `include_in_schema=False` routes are
not in the documents and are not checked."""

from __future__ import annotations

from typing import Any

import pytest

from pidesk.contract_docs import openapi_documents

pytestmark = pytest.mark.unit

JSON = "application/json"
HTML = "text/html"
# what is not JSON, by path; every other route answers JSON (all of /desk but the stream and CSV is pages)
MEDIA_TYPES = {
    "/metrics": "text/plain",
    "/report": HTML,
    "/government-request": HTML,  # issue 17: the receiving division's forms
    "/complaint": HTML,
    "/desk/events": "text/event-stream",
    "/desk/stats.csv": "text/csv",
    "/desk/stats/summary.csv": "text/csv",  # issue 17: the annual summary's CSV
    "/notices/public": HTML,
    "/notices/public.atom": "application/atom+xml",
    "/v1/notices/{notice_id}/download.md": "text/markdown",
}
NO_CONTENT = {"204", "205"}


def expected_media_type(path: str) -> str:
    if path in MEDIA_TYPES:
        return MEDIA_TYPES[path]
    return HTML if path == "/desk" or path.startswith("/desk/") else JSON


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return openapi_documents()  # the three apps as `make docs` builds them: nothing connects


def describes(document: dict[str, Any], schema: Any, seen: frozenset[str] = frozenset()) -> bool:
    """The schema says what the answer holds: a model (by reference), typed fields, typed items; not `{}`,
    not a bare object or array with nothing declared about its content."""
    if not isinstance(schema, dict) or not schema:
        return False
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = document.get("components", {}).get("schemas", {}).get(name)
        return name in seen or describes(document, target, seen | {name})
    for combined in ("anyOf", "oneOf", "allOf"):
        if combined in schema:
            members = [m for m in schema[combined] if m != {"type": "null"}]
            return bool(members) and all(describes(document, m, seen) for m in members)
    kind = schema.get("type")
    if kind == "object" or (kind is None and "properties" in schema):
        extra = schema.get("additionalProperties")
        return bool(schema.get("properties")) or (isinstance(extra, dict) and describes(document, extra, seen))
    if kind == "array":
        return describes(document, schema.get("items"), seen)
    return kind is not None or "enum" in schema or "const" in schema


def undocumented_success(document: dict[str, Any], method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """What is missing from the operation's success answers (empty: fully documented)."""
    responses = operation.get("responses", {})
    successes = {status: r for status, r in responses.items() if status.startswith("2")}
    if not successes:
        redirects = [s for s in responses if s.startswith("3")]
        return [] if redirects else ["no 2xx response"]
    wanted = expected_media_type(path)
    problems = []
    for status, response in successes.items():
        content = response.get("content") or {}
        if status in NO_CONTENT:
            continue
        if wanted not in content:
            problems.append(f"{status}: documents {sorted(content) or 'no content'}, not {wanted}")
            continue
        for media_type, body in content.items():
            schema = body.get("schema")
            if media_type == JSON and not describes(document, schema):
                problems.append(f"{status}: JSON schema {schema!r} says nothing of the answer")
            elif media_type != JSON and not schema:
                problems.append(f"{status}: {media_type} without a schema")
    return problems


def test_every_route_documents_its_success_answer(documents: dict[str, dict[str, Any]]) -> None:
    lacking = [
        f"{service}: {method.upper()} {path}: {'; '.join(problems)}"
        for service, document in documents.items()
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if (problems := undocumented_success(document, method, path, operation))
    ]
    assert not lacking, "routes without a documented success answer:\n" + "\n".join(lacking)


def test_every_service_was_checked(documents: dict[str, dict[str, Any]]) -> None:
    """The check above cannot pass on an empty document: each service's own API is in it."""
    assert {"/v1/reports", "/v1/webhooks/{source_name}", "/report"} <= set(documents["intake"]["paths"])
    assert {"/v1/incidents", "/desk"} <= set(documents["escalation"]["paths"])
    assert {"/v1/notices", "/notices/public.atom"} <= set(documents["notifier"]["paths"])


def test_the_check_refuses_what_says_nothing() -> None:
    document = {"components": {"schemas": {"Empty": {"type": "object", "properties": {}}, "Id": {"type": "string"}}}}
    for schema in ({}, {"type": "object"}, {"type": "array", "items": {}}, {"$ref": "#/components/schemas/Empty"}):
        assert not describes(document, schema), schema
    for schema in ({"$ref": "#/components/schemas/Id"}, {"type": "object", "properties": {"a": {"type": "string"}}}):
        assert describes(document, schema), schema
    empty = {"responses": {"200": {"content": {JSON: {"schema": {}}}}}}
    assert undocumented_success(document, "get", "/v1/x", empty)
    page_as_json = {"responses": {"200": {"content": {JSON: {"schema": {"type": "string"}}}}}}
    assert undocumented_success(document, "get", "/report", page_as_json)


def schema_of(document: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    schema = document["paths"][path][method]["responses"][status]["content"][JSON]["schema"]
    name = schema["$ref"].rsplit("/", 1)[-1]
    model: dict[str, Any] = document["components"]["schemas"][name]
    return model


def test_intake_answers_are_the_contract(documents: dict[str, dict[str, Any]]) -> None:
    """docs/contract.md's keys, no more and no fewer: the models describe the JSON the routes send."""
    intake = documents["intake"]
    for status in ("202", "200"):  # 200: a replay of the same Idempotency-Key
        accepted = schema_of(intake, "/v1/reports", "post", status)
        assert set(accepted["properties"]) == {"incident_id", "reference", "status_url"}
        assert set(accepted["required"]) == {"incident_id", "reference", "status_url"}
        assert accepted["properties"]["incident_id"]["format"] == "uuid"
    delivery = schema_of(intake, "/v1/webhooks/{source_name}", "post", "202")
    assert set(delivery["properties"]) == {"incident_id", "reference", "status_url", "grouped", "incidents"}
    assert set(delivery["required"]) == {"incident_id", "reference", "status_url"}
    handshake = intake["paths"]["/v1/webhooks/{source_name}"]["post"]["responses"]["200"]["content"]
    assert set(handshake) == {JSON, "text/plain"}  # a URL verification's challenge is plain text
    status = schema_of(intake, "/v1/reports/{incident_id}", "get", "200")
    assert set(status["properties"]) == {"incident_id", "reference", "status", "received_at"}
    for path, method in (("/report", "get"), ("/report", "post")):
        assert list(intake["paths"][path][method]["responses"]["200"]["content"]) == [HTML]
