"""Bearer tokens for scripts and tools: HS256 JWTs carrying a name and one contract role.

Each service that accepts tokens has its own audience and its own key, derived from the token
master secret (`PIDESK_TOKEN_SECRET`) for that purpose: a token for the notifier is refused by
escalation and the other way round, and a service holding one derived key cannot mint the other's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

import jwt
from starlette.requests import Request

from pidesk.shared.http.errors import ApiError
from pidesk.shared.keys import derive_key
from pidesk.shared.vocabulary import Role

ISSUER = "pidesk"
Audience = Literal["escalation", "notifier"]
AUDIENCES: tuple[Audience, ...] = ("escalation", "notifier")
SUBJECT_PREFIX = "token:"  # what a token's holder is called in audit logs (dashboard users have none)


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    token_id: str


def token_key(master: str, audience: Audience) -> bytes:
    """The key that signs and verifies the tokens of one audience."""
    return derive_key(master, f"token:{audience}")


def _claim_audience(audience: Audience) -> str:
    return f"pidesk-{audience}"


def issue_token(
    master: str,
    *,
    name: str,
    role: Role,
    audience: Audience = "escalation",
    ttl: timedelta = timedelta(days=30),
) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": _claim_audience(audience),
        "sub": name,
        "role": role.value,
        "iat": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, token_key(master, audience), algorithm="HS256")


def _unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": 'Bearer realm="pidesk"'})


def verify_token(key: bytes, authorization: str | None, *, audience: Audience) -> Principal:
    """The principal of an `Authorization: Bearer …` header for `audience`, or a 401 ApiError."""
    if not authorization:
        raise _unauthenticated("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(),
            key,
            algorithms=["HS256"],
            audience=_claim_audience(audience),
            issuer=ISSUER,
            options={"require": ["exp", "sub", "role", "jti"]},
        )
        role = Role(claims["role"])
    except (jwt.PyJWTError, ValueError):
        raise _unauthenticated("the bearer token is invalid or expired") from None
    subject = str(claims["sub"])
    name = subject if subject.startswith(SUBJECT_PREFIX) else f"{SUBJECT_PREFIX}{subject}"
    return Principal(name=name, role=role, token_id=str(claims["jti"]))


def bearer_principal(request: Request) -> Principal:
    """The caller of a request with `Authorization: Bearer …`, checked against `app.state.token_key` and
    `app.state.token_audience`, and `app.state.revoked_tokens` when the service keeps that list (else 401)."""
    state = request.app.state
    principal = verify_token(state.token_key, request.headers.get("authorization"), audience=state.token_audience)
    revoked = getattr(state, "revoked_tokens", None)
    if revoked is not None and revoked.contains(principal.token_id):
        raise _unauthenticated("the bearer token has been revoked")
    request.state.principal = principal
    return principal


def require_role(principal: Principal, allowed: frozenset[Role]) -> None:
    if principal.role not in allowed:
        raise ApiError(403, "forbidden", f"role {principal.role.value} may not do this")
