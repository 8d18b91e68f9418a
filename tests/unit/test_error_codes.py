"""Every error code a use case refuses with has its HTTP status in the one map (shared/http/errors.py)."""

from __future__ import annotations

import re
from pathlib import Path

from pidesk.shared.http.errors import STATUS_OF

ROOT = Path(__file__).resolve().parents[2]
RAISED = re.compile(r"(?:DeskError|ServiceError)\(\s*\"([a-z_]+)\"")
DEFAULT = re.compile(r"code: str = \"([a-z_]+)\"|_open\(\w+, \"([a-z_]+)\"")


def raised_codes() -> set[str]:
    codes: set[str] = set()
    for path in (ROOT / "services").rglob("*.py"):
        text = path.read_text()
        codes |= set(RAISED.findall(text)) | {code for pair in DEFAULT.findall(text) for code in pair if code}
    return codes


def test_every_refusal_of_the_service_layer_has_its_http_status() -> None:
    codes = raised_codes()
    assert len(codes) > 10, "the scan found the service layer's refusals"
    assert codes <= STATUS_OF.keys(), f"no HTTP status for {sorted(codes - STATUS_OF.keys())}"


def test_the_service_layer_names_no_http_status() -> None:
    """Refusals carry a code, not a status: `DeskError(404, ...)` is the old shape."""
    for path in (ROOT / "services").rglob("*.py"):
        assert not re.search(r"(?:DeskError|ServiceError)\(\s*\d{3}", path.read_text()), path
