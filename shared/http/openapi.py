"""What each route documents in its service's OpenAPI document, declared once beside the route.

Many handlers read their body by hand (size limits, depth and NUL checks, CSV), so FastAPI cannot see
it; `documented(...)` gives a route decorator the request body (from the pydantic model, or a form or
CSV), the security schemes it accepts, the error responses it can really answer in the one error shape
(errors.py), and the media type of a success that is not JSON. `service_openapi(app)` then builds the
document: the declared models and the error shape under components, the security schemes used.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from pydantic import BaseModel

REF = "#/components/schemas/"
ERROR = "Error"
_MODELS = "x-pidesk-schemas"  # models a route declares, moved under components by service_openapi

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": ERROR,
    "description": 'Every error, everywhere: {"error": {"code", "message", "details"}} (docs/contract.md, "Errors").',
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "array", "items": {}},
            },
        }
    },
}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A token from `pidesk token issue --role ROLE --name NAME`, one audience per service.",
    },
    "session": {
        "type": "apiKey",
        "in": "cookie",
        "name": "pidesk_desk_session",
        "description": "A dashboard session (sign in at /desk/login); a change also needs `X-CSRF-Token`.",
    },
    "githubSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Hub-Signature-256",
        "description": "GitHub: `sha256=<hex HMAC-SHA256 of the body>` keyed by INTAKE_WEBHOOK_SECRET_GITHUB.",
    },
    "nightfallSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Nightfall-Signature",
        "description": "Nightfall: HMAC-SHA256 of `timestamp:body`, with `X-Nightfall-Timestamp`.",
    },
    "pideskSignature": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Pidesk-Signature",
        "description": "`sha256=<hex HMAC-SHA256 of 'timestamp.body'>` with `X-Pidesk-Timestamp` (Unix seconds), "
        "keyed by INTAKE_WEBHOOK_SECRET_<SOURCE>.",
    },
    "pideskApiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-Pidesk-Api-Key",
        "description": "The source's own API key, where INTAKE_WEBHOOK_API_KEY_<SOURCE> enables it.",
    },
}

TEXT = {"type": "string"}


def error_response(status: int, *, json: bool = True, page: bool = False) -> dict[str, Any]:
    """One documented error status: the error shape as JSON, and/or an HTML page (a form shown again)."""
    content: dict[str, Any] = {}
    if json:
        content["application/json"] = {"schema": {"$ref": REF + ERROR}}
    if page:
        content["text/html"] = {"schema": TEXT}
    return {"description": HTTPStatus(status).phrase, "content": content}


def model_schema(model: type[BaseModel]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(a reference to `model`, the schemas to put under components: the model and the models it uses)."""
    schema = model.model_json_schema(ref_template=REF + "{model}")
    defs = schema.pop("$defs", {})
    return {"$ref": REF + model.__name__}, {**defs, model.__name__: schema}


@cache
def response_class(media_type: str) -> type[Response]:
    """A response class that documents `media_type` (the handler still builds its own Response)."""
    return type(f"Documented_{media_type.replace('/', '_').replace('+', '_')}", (Response,), {"media_type": media_type})


def documented(
    *,
    body: type[BaseModel] | dict[str, Any] | None = None,
    body_required: bool = True,
    body_types: dict[str, dict[str, Any]] | None = None,
    errors: Iterable[int] = (),
    pages: Iterable[int] = (),
    auth: Iterable[str] = (),
    produces: str | None = None,
    also: dict[int, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Keyword arguments for a route decorator (`responses`, `openapi_extra`, maybe `response_class`).

    body: the JSON body's model (or schema); body_types: more request media types, e.g. form or CSV;
    errors: statuses answered in the error shape; pages: statuses answered with an HTML page;
    auth: security schemes, any one of which is accepted; produces: the success media type when not JSON;
    also: further responses, e.g. a 200 beside the route's 202 or a 303 redirect."""
    extra: dict[str, Any] = {}
    content: dict[str, Any] = {}
    if isinstance(body, type):
        reference, schemas = model_schema(body)
        content["application/json"] = {"schema": reference}
        extra[_MODELS] = schemas
    elif body is not None:
        content["application/json"] = {"schema": body}
    content.update(body_types or {})
    if content:
        extra["requestBody"] = {"required": body_required, "content": content}
    schemes = list(auth)
    if schemes:
        extra["security"] = [{name: []} for name in schemes]
    as_json, as_page = set(errors), set(pages)
    responses: dict[int, dict[str, Any]] = {
        status: error_response(status, json=status in as_json, page=status in as_page)
        for status in sorted(as_json | as_page)
    }
    responses.update(also or {})
    kwargs: dict[str, Any] = {"responses": responses}
    if extra:
        kwargs["openapi_extra"] = extra
    if produces is not None:
        kwargs["response_class"] = response_class(produces)
    return kwargs


def json_response(schema: dict[str, Any] | None = None, description: str = "") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def service_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with the declared models, the error shape and the security schemes."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(title=app.title, version=app.version, routes=app.routes)
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    used: set[str] = set()
    for path in document.get("paths", {}).values():
        for operation in path.values():
            schemas.update(operation.pop(_MODELS, {}))
            for requirement in operation.get("security", []):
                used.update(requirement)
            if "HTTPValidationError" in str(operation.get("responses", {}).get("422")):
                # FastAPI's own 422 for a parameter; errors.py answers it in the error shape
                operation["responses"]["422"] = error_response(422)
    for fastapi_shape in ("HTTPValidationError", "ValidationError"):
        schemas.pop(fastapi_shape, None)
    schemas[ERROR] = ERROR_SCHEMA
    if used:
        components["securitySchemes"] = {name: SECURITY_SCHEMES[name] for name in sorted(used)}
    app.openapi_schema = document
    return document


def install_openapi(app: FastAPI) -> None:
    app.openapi = lambda: service_openapi(app)  # type: ignore[method-assign]
