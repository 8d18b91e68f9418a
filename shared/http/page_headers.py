"""Security headers of the public pages (intake's report form, the notifier's public notices and feed).

The pages carry no script and one inline <style> each, allowed by its SHA-256 (taken from the template
file, never from a rendered page, so nothing a page shows can add a style the policy admits); nothing may
frame them, nothing is sniffed as another type.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def style_hashes(*templates: Path) -> list[str]:
    """CSP sources ('sha256-…') of every inline <style> of the template files (no Jinja inside them)."""
    found = []
    for template in templates:
        for body in _STYLE.findall(template.read_text(encoding="utf-8")):
            digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
            found.append(f"'sha256-{digest}'")
    return found


def page_headers(styles: Iterable[str] = ()) -> dict[str, str]:
    """Content-Security-Policy and friends for an HTML page (or a feed: no styles, nothing to load)."""
    style = " ".join(styles) or "'none'"
    policy = (
        f"default-src 'none'; style-src {style}; img-src 'self' data:; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )
    return {
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
