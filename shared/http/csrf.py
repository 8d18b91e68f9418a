"""CSRF protection for HTML forms: a signed double-submit token.

The browser holds a random nonce in an HttpOnly, SameSite=Strict cookie; the form carries the nonce
signed (itsdangerous, with a time limit). A forged cross-site POST has neither the cookie's nonce
nor a valid signature over it.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "pidesk_csrf"


class CsrfProtector:
    def __init__(self, secret: str, *, max_age_seconds: int = 4 * 3600, salt: str = "pidesk-form") -> None:
        self._signer = URLSafeTimedSerializer(secret, salt=salt)
        self._max_age = max_age_seconds

    def token_for(self, request: Request) -> tuple[str, str]:
        """(token for the form, nonce for the cookie): the browser's nonce, or a new one."""
        nonce = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        return self._signer.dumps(nonce), nonce

    def remember(self, response: Response, nonce: str, request: Request) -> None:
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=self._max_age,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )

    def valid(self, request: Request, token: str | None) -> bool:
        nonce = request.cookies.get(COOKIE)
        if not nonce or not token:
            return False
        try:
            signed_nonce = self._signer.loads(token, max_age=self._max_age)
        except BadSignature:  # also SignatureExpired
            return False
        return isinstance(signed_nonce, str) and hmac.compare_digest(signed_nonce, nonce)
