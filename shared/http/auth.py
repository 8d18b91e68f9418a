"""Bearer tokens for scripts and tools: HS256 JWTs carrying a name and one contract role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from starlette.requests import Request

from pidesk.shared.http.errors import ApiError
from pidesk.shared.vocabulary import Role

ISSUER = "pidesk"
AUDIENCE = "pidesk-desk"


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    token_id: str


def issue_token(secret: str, *, name: str, role: Role, ttl: timedelta = timedelta(days=90)) -> str:
    now = datetime.now(UTC)
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": name,
        "role": role.value,
        "iat": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def _unauthenticated(message: str) -> ApiError:
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": 'Bearer realm="pidesk"'})


def verify_token(secret: str, authorization: str | None) -> Principal:
    """The principal of an `Authorization: Bearer …` header, or a 401 ApiError."""
    if not authorization:
        raise _unauthenticated("a bearer token is required")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthenticated("the Authorization header must be 'Bearer <token>'")
    try:
        claims = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "sub", "role", "jti"]},
        )
        role = Role(claims["role"])
    except (jwt.PyJWTError, ValueError):
        raise _unauthenticated("the bearer token is invalid or expired") from None
    return Principal(name=str(claims["sub"]), role=role, token_id=str(claims["jti"]))


def bearer_principal(request: Request) -> Principal:
    """The caller of a request with `Authorization: Bearer …`, signed with `app.state.token_secret` (else 401)."""
    principal = verify_token(request.app.state.token_secret, request.headers.get("authorization"))
    request.state.principal = principal
    return principal


def require_role(principal: Principal, allowed: frozenset[Role]) -> None:
    if principal.role not in allowed:
        raise ApiError(403, "forbidden", f"role {principal.role.value} may not do this")
