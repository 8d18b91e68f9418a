"""Signing in to the dashboard with the company's identity provider: OpenID Connect, code flow with PKCE.

Authlib speaks the protocol: the authorization URL with its S256 code challenge, the token request
(its body with the code verifier, the client's authentication), the ID token's claims (issuer,
audience, authorized party, expiry, nonce, access-token hash). joserfc, Authlib's JOSE library,
checks the ID token's signature against the keys the provider publishes (fetched again when a token
names a key not seen yet: the provider rotated its keys). The requests themselves go out with the
project's httpx (Authlib's own httpx integration is deprecated in favour of a fork, httpx2).

What this module adds is the desk's policy. Between the click and the provider's answer the flow's
state, nonce, code verifier and the page asked for ride in a cookie encrypted and time-limited with
a key derived for this purpose alone, so no table holds half-finished sign-ins and a forged or
replayed answer matches nothing. A group claim decides the role (`role_for`); who gets an account
and a session is decided by service/company_accounts.py, as for a password.
"""

from __future__ import annotations

import base64
import hmac
import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.client import OAuth2Client
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from authlib.oidc.core import CodeIDToken
from cryptography.fernet import Fernet, InvalidToken
from fastapi import Request
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from pidesk.services.escalation.config import EscalationSettings
from pidesk.shared.keys import derive_key
from pidesk.shared.vocabulary import Role

log = logging.getLogger(__name__)

FLOW_COOKIE = "pidesk_oidc_flow"
FLOW_PATH = "/desk/login/oidc"  # the cookie goes to the start and the callback, nowhere else
FLOW_SECONDS = 600  # from the click to the provider's answer, the person's own sign-in included
METADATA_SECONDS = 3600  # the provider's discovery document and keys are read again after this
LEEWAY_SECONDS = 60  # clock difference allowed on the ID token's times
HTTP_SECONDS = 10.0
# public-key signatures only: a MAC keyed with the client secret or "none" is never accepted
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")


class SignInRefused(Exception):
    """The company sign-in did not give a desk session; `reason` is the message the page shows."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class CompanyIdentity:
    """Who the provider says signed in, from a verified ID token."""

    issuer: str
    subject: str
    username: str  # preferred_username, else email, else the subject
    groups: tuple[str, ...]
    role: Role | None  # from the groups; None: no group of theirs is mapped


@dataclass(frozen=True)
class Flow:
    """One sign-in under way: what the callback must see again, and where to go after."""

    state: str
    nonce: str
    code_verifier: str
    next_path: str


def groups_of(claim: object) -> tuple[str, ...]:
    """The group claim as a tuple of names: a list of strings, or one string (one group)."""
    if isinstance(claim, str):
        return (claim,) if claim else ()
    if isinstance(claim, list | tuple):
        return tuple(group for group in claim if isinstance(group, str) and group)
    return ()


def role_for(groups: Sequence[str], role_map: Mapping[str, Role]) -> Role | None:
    """The role of the first entry of `role_map` whose group the person is in, else None.

    The map's order is the precedence (ESCALATION_OIDC_ROLE_MAP is a JSON object, read in order), so
    a person in two mapped groups gets the role the administrator listed first — never "the most
    powerful" by some rule the map does not show.
    """
    held = set(groups)
    for group, role in role_map.items():
        if group in held:
            return role
    return None


def validated_id_token(
    id_token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    access_token: str | None,
    algorithms: Sequence[str],
    now: int | None = None,
) -> dict[str, Any]:
    """The ID token's claims once its signature and claims hold (else a JoseError).

    Signature: one of `keys` under an allowed public-key algorithm. Claims (OIDC Core 3.1.3.7): `iss`
    is the configured issuer, `aud` holds this client (and `azp` names it when there are several),
    `exp` not passed and `iat` not in the future (a minute's leeway), `nonce` is this flow's, and
    `at_hash`, when present, matches the access token.
    """
    token = jwt.decode(id_token, keys, algorithms=list(algorithms))
    params: dict[str, Any] = {"nonce": nonce, "client_id": client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(
        token.claims,
        token.header,
        {"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": client_id}},
        params,
    )
    claims.validate(now=now, leeway=LEEWAY_SECONDS)
    return dict(claims)


class CompanySignIn:
    """The desk as an OIDC relying party of the configured provider (one per app)."""

    def __init__(self, settings: EscalationSettings, secret: str) -> None:
        self.settings = settings
        self._cipher = Fernet(base64.urlsafe_b64encode(derive_key(secret, "oidc:desk-sign-in-flow")))
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    # ------------------------------------------------------------------ the two legs

    async def start(self, next_path: str) -> tuple[str, str]:
        """(the provider's authorization URL, the flow cookie) for a sign-in that ends at `next_path`."""
        metadata = await self._provider()
        flow = Flow(generate_token(32), generate_token(32), generate_token(64), next_path)
        settings = self.settings
        client = OAuth2Client(
            None,
            client_id=settings.oidc_client_id,
            scope=settings.oidc_scopes,
            redirect_uri=settings.oidc_redirect_url,
            code_challenge_method="S256",
        )
        url, _state = client.create_authorization_url(
            metadata["authorization_endpoint"], state=flow.state, code_verifier=flow.code_verifier, nonce=flow.nonce
        )
        return str(url), self._seal(flow)

    async def finish(self, answer: Mapping[str, str], flow_cookie: str | None) -> tuple[CompanyIdentity, str]:
        """The identity in the provider's `answer` (the callback's query) and the page to go to.

        Refused when the answer is not for this browser's flow (state), is the provider's error, or
        the code does not give a valid ID token for this client and this flow's nonce.
        """
        flow = self._unseal(flow_cookie)
        if flow is None or not _same(answer.get("state", ""), flow.state):
            raise SignInRefused("oidc_failed", "no sign-in under way in this browser, or not this one")
        if "error" in answer:
            raise SignInRefused("oidc_failed", f"the provider answered {answer['error'][:100]!r}")
        if "iss" in answer and answer["iss"] != self.settings.oidc_issuer:  # RFC 9207: an answer of another
            raise SignInRefused("oidc_failed", "the answer names another issuer")
        code = answer.get("code", "")
        if not code or len(code) > 2000:
            raise SignInRefused("oidc_failed", "the answer carries no code")
        metadata = await self._provider()
        try:
            token = await self._token(metadata, code, flow.code_verifier)
            access_token = token.get("access_token") if isinstance(token.get("access_token"), str) else None
            claims = await self._claims(token["id_token"], access_token, flow.nonce)
            if self.settings.oidc_groups_claim not in claims and metadata.get("userinfo_endpoint") and access_token:
                claims = {**claims, **await self._userinfo(metadata["userinfo_endpoint"], access_token, claims["sub"])}
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("oidc_unavailable", f"the token request failed: {exc!r}") from exc
        except JoseError as exc:
            raise SignInRefused("oidc_failed", f"the ID token is not valid: {exc!r}") from exc
        groups = groups_of(claims.get(self.settings.oidc_groups_claim))
        username = next(
            (str(claims[k]) for k in ("preferred_username", "email", "sub") if isinstance(claims.get(k), str)), ""
        )
        identity = CompanyIdentity(
            issuer=self.settings.oidc_issuer,
            subject=str(claims["sub"]),
            username=username,
            groups=groups,
            role=role_for(groups, self.settings.oidc_role_map),
        )
        return identity, flow.next_path

    # ------------------------------------------------------------------ the flow cookie

    def _seal(self, flow: Flow) -> str:
        payload = {"s": flow.state, "n": flow.nonce, "v": flow.code_verifier, "p": flow.next_path}
        return self._cipher.encrypt(json.dumps(payload).encode()).decode()

    def _unseal(self, cookie: str | None) -> Flow | None:
        if not cookie or len(cookie) > 4000:
            return None
        try:
            payload = json.loads(self._cipher.decrypt(cookie.encode(), ttl=FLOW_SECONDS))
            return Flow(str(payload["s"]), str(payload["n"]), str(payload["v"]), str(payload["p"]))
        except (InvalidToken, ValueError, KeyError, TypeError):
            return None

    # ------------------------------------------------------------------ the provider

    async def _token(self, metadata: Mapping[str, Any], code: str, code_verifier: str) -> dict[str, Any]:
        """The token response for the code (RFC 6749 4.1.3 with RFC 7636's code verifier)."""
        settings = self.settings
        secret = settings.oidc_client_secret.get_secret_value() if settings.oidc_client_secret else None
        methods = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        if not secret:
            method = "none"  # a public client: PKCE alone binds the code to this browser's flow
        elif "client_secret_basic" in methods or "client_secret_post" not in methods:
            method = "client_secret_basic"
        else:
            method = "client_secret_post"
        body = prepare_token_request(
            "authorization_code", redirect_uri=settings.oidc_redirect_url, code=code, code_verifier=code_verifier
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        url, headers, body = ClientAuth(settings.oidc_client_id, secret, method).prepare(
            "POST", metadata["token_endpoint"], headers, body
        )
        async with httpx.AsyncClient(timeout=HTTP_SECONDS) as client:
            response = await client.post(url, content=body, headers=headers)
        if response.status_code >= 500:
            response.raise_for_status()
        token = response.json()
        if not isinstance(token, dict) or "error" in token or response.status_code != 200:
            # the provider refused the code: used, expired, for another client, or the verifier differs
            error = token.get("error") if isinstance(token, dict) else response.status_code
            raise SignInRefused("oidc_failed", f"the token request was refused: {str(error)[:100]}")
        if not isinstance(token.get("id_token"), str):
            raise SignInRefused("oidc_failed", "the token response has no ID token")
        return token

    async def _provider(self) -> dict[str, Any]:
        """The provider's discovery document (OIDC Discovery 1.0), read at most once an hour."""
        if self._metadata is not None and time.monotonic() - self._fetched_at < METADATA_SECONDS:
            return self._metadata
        issuer = self.settings.oidc_issuer
        try:
            async with httpx.AsyncClient(timeout=HTTP_SECONDS) as client:
                response = await client.get(f"{issuer.rstrip('/')}/.well-known/openid-configuration")
                response.raise_for_status()
                metadata = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInRefused("oidc_unavailable", f"the provider's discovery document: {exc}") from exc
        if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
            # OIDC Discovery 4.3: a document naming another issuer is not this provider's
            raise SignInRefused("oidc_unavailable", "the discovery document names another issuer")
        if not all(isinstance(metadata.get(k), str) for k in ("authorization_endpoint", "token_endpoint", "jwks_uri")):
            raise SignInRefused("oidc_unavailable", "the discovery document lacks an endpoint")
        self._metadata, self._keys, self._fetched_at = metadata, None, time.monotonic()
        return metadata

    async def _key_set(self, fresh: bool = False) -> KeySet:
        if self._keys is not None and not fresh:
            return self._keys
        metadata = await self._provider()
        async with httpx.AsyncClient(timeout=HTTP_SECONDS) as client:
            response = await client.get(metadata["jwks_uri"])
            response.raise_for_status()
            self._keys = KeySet.import_key_set(response.json())
        return self._keys

    async def _claims(self, id_token: str, access_token: str | None, nonce: str) -> dict[str, Any]:
        metadata = await self._provider()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in SIGNING_ALGORITHMS if a in offered] or ["RS256"]
        settings = self.settings

        def check(keys: KeySet) -> dict[str, Any]:
            return validated_id_token(
                id_token,
                keys,
                issuer=settings.oidc_issuer,
                client_id=settings.oidc_client_id,
                nonce=nonce,
                access_token=access_token,
                algorithms=algorithms,
            )

        try:
            return check(await self._key_set())
        except InvalidKeyIdError:  # a key not seen yet: the provider rotated its keys
            return check(await self._key_set(fresh=True))

    async def _userinfo(self, endpoint: str, access_token: str, subject: str) -> dict[str, Any]:
        """The UserInfo claims (some providers put groups there only); its `sub` must be the ID token's."""
        async with httpx.AsyncClient(timeout=HTTP_SECONDS) as client:
            response = await client.get(endpoint, headers={"Authorization": f"Bearer {access_token}"})
        response.raise_for_status()
        info = response.json()
        if not isinstance(info, dict) or info.get("sub") != subject:
            raise SignInRefused("oidc_failed", "the UserInfo answer is about someone else")
        return {k: v for k, v in info.items() if k not in ("iss", "aud", "sub", "exp", "iat", "nonce")}


def company_sign_in(request: Request) -> CompanySignIn | None:
    """The app's OIDC relying party (made with the first use), or None when OIDC is not configured."""
    state = request.app.state
    context = state.context
    if not context.settings.oidc_enabled:
        return None
    found: CompanySignIn | None = getattr(state, "company_sign_in", None)
    if found is None:
        found = state.company_sign_in = CompanySignIn(context.settings, context.token_secret)
    return found


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
