"""Bounds checked on a JSON body before any parser sees it: nesting depth (Python's and pydantic's
parsers recurse, so 100,000 nested `[` would raise RecursionError) and NUL characters (PostgreSQL
cannot store U+0000 in text). Both scans are linear in the body's length."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 64  # the deepest vendor payload we read nests about 10 levels

# a string (skipped whole, escapes included) or one bracket; an unterminated string leaves its
# brackets to be counted, which can only refuse a body that is not JSON anyway
_TOKENS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.DOTALL)
# the escape \u0000 preceded by an even number of backslashes (an odd number escapes the backslash)
_NUL = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u0000", re.IGNORECASE)
_OPEN = frozenset(b"[{")


class JsonTooDeep(ValueError):
    """The JSON nests deeper than MAX_JSON_DEPTH."""


def nesting_depth_exceeds(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> bool:
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if data.count(b"[") + data.count(b"{") <= limit:  # the common case: nothing to scan
        return False
    depth = 0
    for match in _TOKENS.finditer(data):
        first = match.group()[0]
        if first in _OPEN:
            depth += 1
            if depth > limit:
                return True
        elif first != 0x22:  # a closing bracket (a string starts with `"`)
            depth -= 1
    return False


def has_nul(raw: bytes | str) -> bool:
    """A NUL character in the body, sent raw or as the JSON escape \\u0000."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    return b"\x00" in data or _NUL.search(data) is not None


def loads_bounded(raw: bytes | str, limit: int = MAX_JSON_DEPTH) -> Any:
    """json.loads, refusing (JsonTooDeep, a ValueError) what nests deeper than `limit`."""
    if nesting_depth_exceeds(raw, limit):
        raise JsonTooDeep(f"the JSON nests deeper than {limit} levels")
    return json.loads(raw)
