"""Chat webhook URLs are credentials: kept exactly as given (Slack and Teams URLs are case-sensitive) and
never shown; an API names a webhook by its role and a short fingerprint (issue 12, item 4)."""

from __future__ import annotations

import hashlib

FINGERPRINT_HEX = 12


def fingerprint(url: str) -> str:
    """The first 12 hex digits of the URL's SHA-256: tells webhooks apart without revealing one."""
    return hashlib.sha256(url.encode()).hexdigest()[:FINGERPRINT_HEX]


def role_of(variant: str) -> str:
    """The routed role of an internal alert (its variant starts with the target: `<target>.<step>…`)."""
    return variant.split(".", 1)[0]
