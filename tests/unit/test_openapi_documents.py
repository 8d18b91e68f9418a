"""Issue 12 item 20: each service's OpenAPI document describes its request bodies, security schemes, error
responses in the one error shape, and the real media types of what is not JSON. Built from the apps
(nothing is connected), so a route that loses its documentation fails here."""

from __future__ import annotations

from typing import Any

import pytest

from pidesk.contract_docs import openapi_documents
from pidesk.services.escalation.entrypoints.facts import NOT_NULLABLE

ERROR_REF = "#/components/schemas/Error"
# desk actions that take no body: the path says it all
BODILESS = {
    ("post", "/v1/incidents/{incident_id}/acknowledge"),
    ("post", "/v1/incidents/{incident_id}/close"),
    ("post", "/v1/incidents/{incident_id}/alerts/{alert_row_id}/split"),
    ("post", "/v1/incidents/{incident_id}/unsnooze"),
    ("post", "/v1/snoozes/{snooze_id}/end"),
    ("post", "/v1/government-requests/{case_id}/acknowledge"),
    ("post", "/v1/complaints/{case_id}/acknowledge"),
}
# answers nothing but its success: probes, the public page and feed, the revocation list
NO_ERRORS = {"/healthz", "/metrics", "/notices/public", "/notices/public.atom", "/v1/tokens/revoked"}


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return openapi_documents()  # the three apps as `make docs` builds them: nothing connects


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(method, path, op) for path, ops in document["paths"].items() for method, op in ops.items()]


def every_operation(documents: dict[str, dict[str, Any]]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    return [(m, p, op, doc) for doc in documents.values() for m, p, op in operations(doc)]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return document["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def test_every_write_documents_its_request_body(documents: dict[str, dict[str, Any]]) -> None:
    for method, path, op, document in every_operation(documents):
        if method not in ("post", "put", "patch"):
            assert "requestBody" not in op, (method, path)
            continue
        if (method, path) in BODILESS:
            assert "requestBody" not in op, (method, path)
            continue
        body = op.get("requestBody")
        assert body and body["content"], f"{method.upper()} {path} documents no request body"
        for media_type, content in body["content"].items():
            schema = resolve(document, content["schema"])
            assert schema.get("type") or schema.get("anyOf") or schema.get("properties"), (path, media_type)


def test_json_bodies_are_the_pydantic_models(documents: dict[str, dict[str, Any]]) -> None:
    expected = {
        ("intake", "post", "/v1/reports"): "ReportSubmission",
        ("escalation", "post", "/v1/incidents/{incident_id}/facts"): "FactsUpdate",
        ("escalation", "post", "/v1/incidents/{incident_id}/merge"): "MergeBody",
        ("escalation", "post", "/v1/incidents/{incident_id}/escalate"): "EscalateBody",
        ("escalation", "post", "/v1/incidents/{incident_id}/notices/{notice_id}/approve"): "RecipientsBody",
        ("escalation", "put", "/v1/incidents/{incident_id}/notices/{notice_id}"): "NoticeWording",
        ("escalation", "post", "/v1/snoozes"): "SnoozeBody",
        ("notifier", "put", "/v1/notices/{notice_id}"): "NoticeWording",
    }
    for (service, method, path), model in expected.items():
        document = documents[service]
        content = document["paths"][path][method]["requestBody"]["content"]["application/json"]
        assert content["schema"] == {"$ref": f"#/components/schemas/{model}"}, (path, content)
        assert document["components"]["schemas"][model]["properties"], model
    report = documents["intake"]["components"]["schemas"]["ReportSubmission"]
    assert {"reporter", "title", "description", "incident_kind", "aware_at", "data_categories"} <= set(
        report["required"]
    )
    assert "NoticeRecipient" in documents["escalation"]["components"]["schemas"]  # a model the body refers to


def test_the_facts_that_cannot_be_null_are_documented_so(documents: dict[str, dict[str, Any]]) -> None:
    facts = documents["escalation"]["components"]["schemas"]["FactsUpdate"]["properties"]
    for name in NOT_NULLABLE:
        assert "null" not in str(facts[name]), (name, facts[name])
    assert "null" in str(facts["affected_count"])  # "not known" stays possible where it means something


def test_form_csv_and_json_bodies_have_their_real_media_types(documents: dict[str, dict[str, Any]]) -> None:
    form = documents["intake"]["paths"]["/report"]["post"]["requestBody"]["content"]
    assert set(form) == {"application/x-www-form-urlencoded", "multipart/form-data"}
    approve = documents["escalation"]["paths"]["/v1/incidents/{incident_id}/notices/{notice_id}/approve"]["post"]
    assert set(approve["requestBody"]["content"]) == {"application/json", "text/csv"}
    assert approve["requestBody"]["required"] is False  # a public notice is approved without a body
    login = documents["escalation"]["paths"]["/desk/login"]["post"]["requestBody"]["content"]
    assert set(login) == {"application/x-www-form-urlencoded"}


def test_every_error_is_the_one_error_shape(documents: dict[str, dict[str, Any]]) -> None:
    for service, document in documents.items():
        assert "HTTPValidationError" not in str(document), service
        error = document["components"]["schemas"]["Error"]
        assert error["required"] == ["error"]
        assert error["properties"]["error"]["required"] == ["code", "message", "details"]
    for method, path, op, _document in every_operation(documents):
        for status, response in op["responses"].items():
            if int(status) < 400:
                continue
            content = response["content"]
            assert content, (method, path, status)
            for media_type, body in content.items():
                if media_type == "application/json":
                    assert body["schema"] == {"$ref": ERROR_REF}, (method, path, status)
                else:
                    assert media_type == "text/html", (method, path, status)  # a form shown again


def test_every_operation_lists_the_errors_it_can_answer(documents: dict[str, dict[str, Any]]) -> None:
    for method, path, op, _document in every_operation(documents):
        statuses = {int(s) for s in op["responses"]}
        errors = {s for s in statuses if s >= 400}
        if path in NO_ERRORS:
            continue
        described = f"{method.upper()} {path}: {sorted(statuses)}"
        if path == "/readyz":
            assert 503 in errors, described
            continue
        assert errors or 303 in statuses, described
        if "requestBody" in op:
            assert {400, 413} <= errors, described  # unreadable, too large
            if "application/json" in op["requestBody"]["content"]:
                assert {415, 422} <= errors, described  # not JSON, not the schema
        if any(p["in"] == "path" for p in op.get("parameters", [])):
            assert errors & {404, 422}, described
        security = {name for requirement in op.get("security", []) for name in requirement}
        if "bearer" in security:
            assert 401 in errors, described
            if method != "get":
                assert 403 in errors, described  # a role that may not, or a session without its CSRF token
        elif security == {"session"}:
            assert 303 in statuses, described  # a page sends the browser to sign in


def test_security_schemes_say_who_may_call(documents: dict[str, dict[str, Any]]) -> None:
    desk, notices, intake = documents["escalation"], documents["notifier"], documents["intake"]
    assert desk["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert desk["components"]["securitySchemes"]["session"] == {
        **desk["components"]["securitySchemes"]["session"],
        "type": "apiKey",
        "in": "cookie",
        "name": "pidesk_desk_session",
    }
    for _method, path, op in operations(desk):
        if path.startswith("/v1/") and path != "/v1/tokens/revoked":
            assert op["security"] == [{"bearer": []}, {"session": []}], path
        elif path.startswith("/desk") and path not in ("/desk/login", "/desk/logout"):
            assert op["security"] == [{"session": []}], path
        else:
            assert "security" not in op, path
    for _method, path, op in operations(notices):
        assert ("security" in op) == path.startswith("/v1/"), path
        if path.startswith("/v1/"):
            assert op["security"] == [{"bearer": []}], path
    webhook = intake["paths"]["/v1/webhooks/{source_name}"]["post"]
    assert {name for requirement in webhook["security"] for name in requirement} >= {
        "pideskSignature",
        "githubSignature",
        "nightfallSignature",
    }
    assert intake["components"]["securitySchemes"]["githubSignature"]["name"] == "X-Hub-Signature-256"
    assert "security" not in intake["paths"]["/v1/reports"]["post"]  # the report API is open to employees


@pytest.mark.parametrize(
    ("service", "path", "media_type"),
    [
        ("intake", "/metrics", "text/plain"),
        ("escalation", "/metrics", "text/plain"),
        ("notifier", "/metrics", "text/plain"),
        ("notifier", "/notices/public.atom", "application/atom+xml"),
        ("notifier", "/v1/notices/{notice_id}/download.md", "text/markdown"),
        ("notifier", "/notices/public", "text/html"),
        ("intake", "/report", "text/html"),
        ("escalation", "/desk", "text/html"),
        ("escalation", "/desk/stats.csv", "text/csv"),
        ("escalation", "/desk/stats/summary.csv", "text/csv"),
        ("escalation", "/desk/stats/summary", "text/html"),
        ("escalation", "/desk/events", "text/event-stream"),
    ],
)
def test_what_is_not_json_is_not_documented_as_json(
    documents: dict[str, dict[str, Any]], service: str, path: str, media_type: str
) -> None:
    content = documents[service]["paths"][path]["get"]["responses"]["200"]["content"]
    assert list(content) == [media_type], (path, content)
