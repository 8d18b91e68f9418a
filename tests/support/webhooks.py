"""Signing webhook requests as each vendor does, for tests and benchmarks."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any

from pidesk.services.intake.webhooks.signatures import sign_pidesk

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "webhooks"


def fixture_bytes(source: str, name: str) -> bytes:
    return (FIXTURES / source / name).read_bytes()


def github_headers(
    secret: str, body: bytes, event: str = "secret_scanning_alert", delivery: str | None = None
) -> dict[str, str]:
    """GitHub's headers; every delivery has an id of its own (a redelivery repeats it: pass `delivery`)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={digest}",
        "content-type": "application/json",
    }


def nightfall_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"{stamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Nightfall-Timestamp": stamp, "X-Nightfall-Signature": digest, "content-type": "application/json"}


def pidesk_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    return {**sign_pidesk(secret, body, timestamp), "content-type": "application/json"}


def signed(source: str, secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    if source == "github":
        return github_headers(secret, body)
    if source == "nightfall":
        return nightfall_headers(secret, body, timestamp)
    return pidesk_headers(secret, body, timestamp)


def as_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()
