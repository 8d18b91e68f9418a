"""The service layer's one error: a use case refused, named by the contract's error code — no HTTP in it.

The HTTP edge maps each code to its status once (shared/http/errors.py, `STATUS_OF`)."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    def __init__(self, code: str, message: str, details: list[Any] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details or []
