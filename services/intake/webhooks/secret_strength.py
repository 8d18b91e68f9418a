"""How strong a webhook secret or API key must be in production: at least 32 random bytes."""

from __future__ import annotations

import re

_HEX = re.compile(r"^[0-9a-fA-F]+$")
MIN_HEX_CHARS = 64  # 32 bytes as hex (`openssl rand -hex 32`)
MIN_TEXT_CHARS = 43  # 32 bytes as base64 (`openssl rand -base64 32`), or any other random text
MIN_DISTINCT_CHARS = 12  # a repeated word ("changeme" × 6) is long, not random


def weakness(value: str) -> str | None:
    """Why `value` cannot be 32 random bytes, or None when it may be."""
    text = value.strip()
    if len(set(text)) < MIN_DISTINCT_CHARS:
        return f"it repeats too few characters (fewer than {MIN_DISTINCT_CHARS} distinct)"
    if _HEX.match(text):
        return None if len(text) >= MIN_HEX_CHARS else f"as hex it needs {MIN_HEX_CHARS} characters"
    return None if len(text) >= MIN_TEXT_CHARS else f"it needs {MIN_TEXT_CHARS} characters (32 bytes as base64)"
