"""Webhook signature schemes, each compared in constant time, with a 5-minute replay window where the
scheme carries a timestamp (docs/webhooks.md)."""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable, Mapping
from datetime import datetime

REPLAY_WINDOW_SECONDS = 300


class SignatureRejected(Exception):
    """The request is not authentic: the reason is safe to return to the caller."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Verifier = Callable[[str, Mapping[str, str], bytes, float], None]


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode())


def _fresh(timestamp: str | None, now: float) -> None:
    if not timestamp:
        raise SignatureRejected("missing_timestamp", "the timestamp header is missing")
    try:
        seconds = float(timestamp.strip())
    except ValueError:
        try:  # one Nightfall SDK sends ISO 8601 instead of Unix seconds
            seconds = datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise SignatureRejected("invalid_timestamp", "the timestamp is not a Unix time in seconds") from None
    if not math.isfinite(seconds):  # "nan" compares false with everything: it would pass the window
        raise SignatureRejected("invalid_timestamp", "the timestamp is not a Unix time in seconds")
    if seconds > 1e11:  # milliseconds sent where seconds are due
        seconds /= 1000
    if abs(now - seconds) > REPLAY_WINDOW_SECONDS:
        raise SignatureRejected("stale_timestamp", "the timestamp is more than 5 minutes off")


def verify_github(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` (GitHub sends no timestamp)."""
    given = headers.get("x-hub-signature-256", "")
    if not given.startswith("sha256="):
        raise SignatureRejected("invalid_signature", "X-Hub-Signature-256 is missing or malformed")
    if not _same(_hex_hmac(secret, body), given[len("sha256=") :]):
        raise SignatureRejected("invalid_signature", "the signature does not match")


def verify_nightfall(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """`X-Nightfall-Signature: <hex HMAC-SHA256 of "timestamp:body">` with `X-Nightfall-Timestamp`."""
    timestamp = headers.get("x-nightfall-timestamp")
    _fresh(timestamp, now)
    given = headers.get("x-nightfall-signature", "")
    if not given or not _same(_hex_hmac(secret, f"{timestamp}:".encode() + body), given):
        raise SignatureRejected("invalid_signature", "X-Nightfall-Signature does not match")


def verify_api_key(api_key: str | None, secret: str, headers: Mapping[str, str]) -> bool:
    """True when the request authenticates with `X-Pidesk-Api-Key` (and no signature) and the source
    has an API key of its own (INTAKE_WEBHOOK_API_KEY_<SOURCE>, never its HMAC secret); False when the
    request does not use the header. Raises SignatureRejected for a wrong or unconfigured key."""
    given = headers.get("x-pidesk-api-key")
    if given is None or headers.get("x-pidesk-signature") is not None:
        return False
    if api_key is None or hmac.compare_digest(api_key.encode(), secret.encode()):
        raise SignatureRejected(
            "api_key_not_enabled", "API-key authentication is not enabled for this source: sign the body"
        )
    if not hmac.compare_digest(api_key.encode(), given.strip().encode(errors="surrogateescape")):
        raise SignatureRejected("invalid_api_key", "X-Pidesk-Api-Key does not match")
    return True


def verify_pidesk(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> None:
    """Our own scheme for sources without one: `X-Pidesk-Timestamp` + `X-Pidesk-Signature:
    sha256=<hex HMAC-SHA256 of "timestamp.body">`. (The opt-in API key is checked by verify_api_key.)"""
    signature = headers.get("x-pidesk-signature")
    if not signature or not signature.startswith("sha256="):
        raise SignatureRejected("invalid_signature", "send X-Pidesk-Signature (with X-Pidesk-Timestamp)")
    timestamp = headers.get("x-pidesk-timestamp")
    _fresh(timestamp, now)
    if not _same(_hex_hmac(secret, f"{timestamp}.".encode() + body), signature[len("sha256=") :]):
        raise SignatureRejected("invalid_signature", "X-Pidesk-Signature does not match")


def sign_pidesk(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers a sender of our scheme adds (used by tests, benchmarks and our own tools)."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "X-Pidesk-Timestamp": stamp,
        "X-Pidesk-Signature": "sha256=" + _hex_hmac(secret, f"{stamp}.".encode() + body),
    }
