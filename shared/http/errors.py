"""One error body everywhere: {"error": {"code", "message", "details"}} (docs/contract.md, "Errors")."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from pidesk.shared.db.engine import database_unavailable
from pidesk.shared.errors import ServiceError

log = logging.getLogger(__name__)

DEFAULT_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}


class ApiError(Exception):
    """A typed error an entry point raises; mapped once to the contract's body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []
        self.headers = headers


def error_body(code: str, message: str, details: list[Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or []}}


def error_response(
    status: int, code: str, message: str, details: list[Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status, headers=headers)


def validation_details(errors: list[Any]) -> list[dict[str, Any]]:
    """Where and why, never the rejected input itself (it may be a report's free text)."""
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in errors
    ]


# The HTTP status of each error code a use case refuses with (ServiceError, shared/errors.py): the one
# place a service-layer refusal becomes HTTP. A code missing here is a bug (tests/unit/test_error_codes.py).
STATUS_OF: dict[str, int] = {
    "invalid_cursor": 400,
    "not_found": 404,
    "alert_not_found": 404,
    "notice_not_found": 404,
    "incident_closed": 409,
    "into_closed": 409,
    "incident_snoozed": 409,
    "not_snoozed": 409,
    "snooze_ended": 409,
    "snooze_expired": 409,
    "only_alert": 409,
    "no_reference": 409,
    "obligations_pending": 409,
    "not_approvable": 409,
    "already_issued": 409,
    "notice_superseded": 409,
    "entry_exists": 409,
    "entry_retired": 409,
    "validation_error": 422,
    "unknown_incident": 422,
    "recipients_required": 422,
    "invalid_recipient": 422,
    # government requests and privacy complaints (issue 17)
    "not_a_decider": 403,
    "already_acknowledged": 409,
    "not_assessed": 409,
    "case_decided": 409,
    "not_provided": 409,
    "case_closed": 409,
    "already_linked": 409,
    "not_extendable": 409,
    "document_too_large": 422,
}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    @app.exception_handler(ServiceError)
    async def _refused(_request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(STATUS_OF.get(exc.code, 400), exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422, "validation_error", "the request does not match the schema", validation_details(list(exc.errors()))
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = DEFAULT_CODES.get(exc.status_code, "error")
        detail: object = exc.detail  # FastAPI's HTTPException takes any detail, typed str by Starlette
        message = detail if isinstance(detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(sa_exc.DBAPIError)
    @app.exception_handler(sa_exc.DisconnectionError)
    async def _database_error(request: Request, exc: Exception) -> JSONResponse:
        if not database_unavailable(exc):
            return await _unexpected(request, exc)
        # e.g. a connection the database closed (restart, failover): the pool is replaced, a retry works
        log.warning("database unavailable", extra={"path": request.url.path, "error_type": type(exc).__name__})
        return error_response(
            503, "unavailable", "the database is unavailable; retry shortly", headers={"Retry-After": "2"}
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", extra={"path": request.url.path, "error_type": type(exc).__name__})
        return error_response(500, "internal_error", "an internal error occurred")
