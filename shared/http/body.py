"""Reading a JSON body into a pydantic model with the contract's statuses: 415, 400, 422 (depth and NUL bounded)."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Request
from pydantic import BaseModel, ValidationError

from pidesk.shared.http.errors import ApiError, validation_details
from pidesk.shared.http.json_limits import MAX_JSON_DEPTH, has_nul, nesting_depth_exceeds

Model = TypeVar("Model", bound=BaseModel)


def media_type(request: Request) -> str:
    """The request body's media type, lower-cased, without parameters ("" when none is sent)."""
    return request.headers.get("content-type", "").split(";")[0].strip().lower()


def require_json(request: Request) -> None:
    sent = media_type(request)
    if sent != "application/json" and not sent.endswith("+json"):
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")


async def parse_json_body(request: Request, model: type[Model]) -> Model:
    require_json(request)
    raw = await request.body()
    check_json_bounds(raw)
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors()
        if errors and errors[0].get("type") == "json_invalid":
            raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
        raise ApiError(
            422, "validation_error", "the request does not match the schema", validation_details(list(errors))
        ) from None


def check_json_bounds(raw: bytes) -> None:
    """400 for JSON nested deeper than MAX_JSON_DEPTH, 422 for a NUL character anywhere in the body
    (PostgreSQL cannot store it), both before any parser runs."""
    if nesting_depth_exceeds(raw):
        raise ApiError(400, "json_too_deep", f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    if has_nul(raw):
        raise ApiError(422, "nul_character", "text fields must not contain the NUL character (U+0000)")
