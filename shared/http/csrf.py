"""CSRF protection for HTML forms: a signed double-submit token.

The browser holds a random nonce in an HttpOnly, SameSite=Strict cookie; the form carries the nonce
signed (itsdangerous, with a time limit). A forged cross-site POST has neither the cookie's nonce
nor a valid signature over it. A cookie that is not a nonce of ours (wrong characters, non-ASCII,
too long) counts as no cookie: the form gets a fresh one and the POST is refused with a 4xx, never a 500.
"""

from __future__ import annotations

import hmac
import re
import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "pidesk_csrf"
_NONCE = re.compile(r"[A-Za-z0-9_-]{16,128}")  # what secrets.token_urlsafe gives


def cookie_nonce(request: Request) -> str | None:
    """The browser's nonce when it is one we could have set, else None."""
    value = request.cookies.get(COOKIE)
    return value if value is not None and _NONCE.fullmatch(value) else None


class CsrfProtector:
    def __init__(
        self,
        secret: str | bytes,
        *,
        max_age_seconds: int = 4 * 3600,
        salt: str = "pidesk-form",
        always_secure: bool = False,
    ) -> None:
        """`always_secure` (production): the cookie is Secure even when the request reached the
        service over plain HTTP (TLS ended at a proxy), so a browser never sends it unencrypted."""
        self._signer = URLSafeTimedSerializer(secret, salt=salt)
        self._max_age = max_age_seconds
        self._always_secure = always_secure

    def token_for(self, request: Request) -> tuple[str, str]:
        """(token for the form, nonce for the cookie): the browser's nonce, or a new one."""
        nonce = cookie_nonce(request) or secrets.token_urlsafe(32)
        return self._signer.dumps(nonce), nonce

    def remember(self, response: Response, nonce: str, request: Request) -> None:
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=self._max_age,
            httponly=True,
            samesite="strict",
            secure=self._always_secure or request.url.scheme == "https",
            path="/",
        )

    def valid(self, request: Request, token: str | None) -> bool:
        nonce = cookie_nonce(request)
        if not nonce or not token:
            return False
        try:
            signed_nonce = self._signer.loads(token, max_age=self._max_age)
        except BadSignature:  # also SignatureExpired
            return False
        return isinstance(signed_nonce, str) and hmac.compare_digest(signed_nonce.encode(), nonce.encode())
