"""Issue 14 item 6, the pure parts of the company sign-in (OIDC): a group claim to a role (the role map's
order is the precedence), the settings that switch it on (all or nothing, HTTPS in production), the ID
token's checks (signature by the provider's key, issuer, audience, nonce, expiry) and the flow cookie
that binds the provider's answer to the browser that asked. The whole flow against a real provider in
a real browser: tests/e2e/test_oidc_sign_in.py."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet, OctKey, RSAKey
from pydantic import ValidationError

from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.dashboard.oidc import (
    CompanySignIn,
    Flow,
    SignInRefused,
    groups_of,
    role_for,
    validated_id_token,
)
from pidesk.services.escalation.service.company_accounts import desk_name, subject_marker
from pidesk.shared.vocabulary import Role

ISSUER = "https://login.example.co.jp/tenant"
CLIENT = "pidesk-desk"
ROLE_MAP = {"pidesk-officers": Role.OFFICER, "pidesk-desk": Role.DESK_OPERATOR, "pidesk-audit": Role.AUDITOR}


def settings(tmp_path: Path, **values: Any) -> EscalationSettings:
    base: dict[str, Any] = {"env": "test", "var_dir": tmp_path, "token_secret": "s" * 40}
    return EscalationSettings(**{**base, **values})


def oidc(tmp_path: Path, **values: Any) -> EscalationSettings:
    configured = {
        "ESCALATION_OIDC_ISSUER": ISSUER,
        "ESCALATION_OIDC_CLIENT_ID": CLIENT,
        "ESCALATION_OIDC_ROLE_MAP": ROLE_MAP,
    }
    return settings(tmp_path, **{**configured, **values})


# ---------------------------------------------------------------- groups to a role


def test_the_first_mapped_group_in_the_maps_order_gives_the_role() -> None:
    assert role_for(("all-staff", "pidesk-desk"), ROLE_MAP) is Role.DESK_OPERATOR
    # in two mapped groups: the map's first entry wins, whatever order the provider lists them in
    assert role_for(("pidesk-desk", "pidesk-officers"), ROLE_MAP) is Role.OFFICER
    assert role_for(("pidesk-audit", "pidesk-desk"), ROLE_MAP) is Role.DESK_OPERATOR
    reordered = {"pidesk-audit": Role.AUDITOR, "pidesk-officers": Role.OFFICER}
    assert role_for(("pidesk-officers", "pidesk-audit"), reordered) is Role.AUDITOR


def test_no_mapped_group_gives_no_role() -> None:
    assert role_for((), ROLE_MAP) is None
    assert role_for(("all-staff", "PIDESK-DESK", "pidesk-desk "), ROLE_MAP) is None  # names match exactly
    assert role_for(("pidesk-desk",), {}) is None


def test_the_group_claim_is_a_list_of_names_or_one_name() -> None:
    assert groups_of(["a", "b", 3, None, ""]) == ("a", "b")
    assert groups_of("pidesk-desk") == ("pidesk-desk",)
    assert groups_of(None) == () and groups_of({"pidesk-desk": True}) == () and groups_of("") == ()


# ---------------------------------------------------------------- settings


def test_oidc_is_off_without_an_issuer(tmp_path: Path) -> None:
    plain = settings(tmp_path)
    assert not plain.oidc_enabled and plain.oidc_groups_claim == "groups"


def test_oidc_settings_complete(tmp_path: Path) -> None:
    on = oidc(tmp_path, ESCALATION_DESK_URL="https://desk.example.co.jp/desk/")
    assert on.oidc_enabled
    assert on.oidc_redirect_url == "https://desk.example.co.jp/desk/login/oidc/callback"
    assert list(on.oidc_role_map) == ["pidesk-officers", "pidesk-desk", "pidesk-audit"]
    explicit = oidc(tmp_path, ESCALATION_OIDC_REDIRECT_URL="https://desk.example.co.jp/cb")
    assert explicit.oidc_redirect_url == "https://desk.example.co.jp/cb"


def test_the_role_map_from_the_environment_keeps_its_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mapping = {"z-officers": "officer", "a-desk": "desk_operator", "m-admins": "pi_administrator"}
    monkeypatch.setenv("ESCALATION_OIDC_ISSUER", ISSUER)
    monkeypatch.setenv("ESCALATION_OIDC_CLIENT_ID", CLIENT)
    monkeypatch.setenv("ESCALATION_OIDC_ROLE_MAP", json.dumps(mapping))
    loaded = settings(tmp_path)
    assert list(loaded.oidc_role_map.items()) == [
        ("z-officers", Role.OFFICER),
        ("a-desk", Role.DESK_OPERATOR),
        ("m-admins", Role.PI_ADMINISTRATOR),
    ]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"ESCALATION_OIDC_CLIENT_ID": ""}, "ESCALATION_OIDC_CLIENT_ID"),
        ({"ESCALATION_OIDC_ROLE_MAP": {}}, "ESCALATION_OIDC_ROLE_MAP"),
        ({"ESCALATION_OIDC_ROLE_MAP": {"pidesk-desk": "superuser"}}, "ESCALATION_OIDC_ROLE_MAP"),
        ({"ESCALATION_OIDC_ROLE_MAP": {" ": "officer"}}, "group name is empty"),
        ({"ESCALATION_OIDC_SCOPES": "profile email"}, "openid"),
        ({"ESCALATION_OIDC_ISSUER": "login.example.co.jp"}, "http(s) URL"),
        ({"ESCALATION_OIDC_REDIRECT_URL": "ftp://desk/cb"}, "http(s) URL"),
    ],
)
def test_incomplete_oidc_settings_refuse_to_start(tmp_path: Path, values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        oidc(tmp_path, **values)


def test_production_wants_https_for_the_issuer_and_the_redirect(tmp_path: Path) -> None:
    production = {"env": "production", "ESCALATION_DESK_URL": "https://desk.example.co.jp/desk"}
    with pytest.raises(ValidationError, match="ESCALATION_OIDC_ISSUER must use https"):
        oidc(tmp_path, **production, ESCALATION_OIDC_ISSUER="http://login.example.co.jp/tenant")
    with pytest.raises(ValidationError, match="ESCALATION_OIDC_REDIRECT_URL must use https"):
        oidc(tmp_path, **production, ESCALATION_OIDC_REDIRECT_URL="http://desk.example.co.jp/cb")
    assert oidc(tmp_path, **production).oidc_redirect_url.startswith("https://")
    # outside production a local provider over plain HTTP is fine (the e2e test's)
    assert oidc(tmp_path, ESCALATION_OIDC_ISSUER="http://localhost:8090/pidesk").oidc_enabled


# ---------------------------------------------------------------- the ID token

PROVIDER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})
OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "provider-1"})  # same kid, not the provider's
PUBLISHED = KeySet.import_key_set({"keys": [PROVIDER_KEY.as_dict(private=False)]})


def id_token(key: Any = PROVIDER_KEY, alg: str = "RS256", **changes: Any) -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "00u1abc", "aud": CLIENT, "exp": now + 300, "iat": now, "nonce": "n-123"}
    claims.update(changes)
    return jwt.encode({"alg": alg, "kid": "provider-1"}, {k: v for k, v in claims.items() if v is not None}, key)


def check(token: str, **changes: Any) -> dict[str, Any]:
    expected: dict[str, Any] = {
        "issuer": ISSUER,
        "client_id": CLIENT,
        "nonce": "n-123",
        "access_token": None,
        "algorithms": ["RS256"],
    }
    return validated_id_token(token, PUBLISHED, **{**expected, **changes})


def test_a_valid_id_token_gives_its_claims() -> None:
    claims = check(id_token(groups=["pidesk-desk"], preferred_username="alice"))
    assert claims["sub"] == "00u1abc" and claims["groups"] == ["pidesk-desk"]
    assert check(id_token(aud=[CLIENT, "other-app"], azp=CLIENT))["sub"] == "00u1abc"


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (lambda: id_token(key=OTHER_KEY), BadSignatureError),  # not signed by the provider's published key
        (lambda: id_token(iss="https://evil.example/tenant"), InvalidClaimError),
        (lambda: id_token(aud="another-client"), InvalidClaimError),
        (lambda: id_token(aud=["another-client", CLIENT]), MissingClaimError),  # several: azp must name us
        (lambda: id_token(aud=["another-client", CLIENT], azp="another-client"), InvalidClaimError),
        (lambda: id_token(nonce="a-replayed-nonce"), InvalidClaimError),
        (lambda: id_token(nonce=None), MissingClaimError),
        (lambda: id_token(exp=int(time.time()) - 120), ExpiredTokenError),
        (lambda: id_token(iat=int(time.time()) + 3600), InvalidClaimError),
        (lambda: id_token(sub=None), MissingClaimError),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(token: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        check(token())


def test_only_the_allowed_public_key_algorithms() -> None:
    # an HMAC "signed" with the provider's public key material, the classic algorithm confusion
    secret = OctKey.import_key(json.dumps(PROVIDER_KEY.as_dict(private=False)))
    with pytest.raises(JoseError):
        check(id_token(key=secret, alg="HS256"))
    with pytest.raises(JoseError):
        check(id_token(), algorithms=["ES256"])


def test_an_access_token_hash_must_match() -> None:
    token = id_token(at_hash="AAAAAAAAAAAAAAAAAAAAAA")
    with pytest.raises(InvalidClaimError):
        check(token, access_token="the-access-token")


# ---------------------------------------------------------------- the flow cookie


def test_the_answer_must_belong_to_this_browsers_flow(tmp_path: Path) -> None:
    company = CompanySignIn(oidc(tmp_path), "master-secret")
    mine = company._seal(Flow("state-1", "nonce-1", "v" * 64, "/desk/incidents"))
    assert company._unseal(mine) == Flow("state-1", "nonce-1", "v" * 64, "/desk/incidents")
    tampered = mine[:-4] + ("AAAA" if not mine.endswith("AAAA") else "BBBB")
    assert company._unseal(tampered) is None
    assert CompanySignIn(oidc(tmp_path), "another-secret")._unseal(mine) is None
    assert company._unseal(None) is None and company._unseal("x" * 5000) is None
    assert "state-1" not in mine and "v" * 64 not in mine  # the verifier is not readable in the cookie


@pytest.mark.parametrize(
    ("answer", "cookie"),
    [
        ({"state": "state-1", "code": "c"}, None),  # no flow in this browser
        ({"state": "state-2", "code": "c"}, "mine"),  # another flow's answer
        ({"state": "state-1", "error": "access_denied"}, "mine"),  # the person said no
        ({"state": "state-1", "code": "c", "iss": "https://evil.example"}, "mine"),  # RFC 9207
        ({"state": "state-1"}, "mine"),  # no code
    ],
)
async def test_answers_not_for_this_flow_are_refused_before_any_request(
    tmp_path: Path, answer: dict[str, str], cookie: str | None
) -> None:
    company = CompanySignIn(oidc(tmp_path), "master-secret")
    sealed = company._seal(Flow("state-1", "nonce-1", "v" * 64, "/desk")) if cookie else None
    with pytest.raises(SignInRefused) as refused:
        await company.finish(answer, sealed)  # the provider (not reachable here) is never asked
    assert refused.value.reason == "oidc_failed"


# ---------------------------------------------------------------- the account's name and marker


def test_the_account_is_named_for_the_person_and_bound_to_the_subject() -> None:
    assert desk_name("alice") == "oidc:alice"
    assert desk_name("  Alice   Smith ") == "oidc:Alice Smith"
    assert len(desk_name("x" * 500)) == 200
    marker = subject_marker(ISSUER, "00u1abc")
    assert marker.startswith("!oidc:") and not marker.startswith("$argon2")
    assert marker != subject_marker(ISSUER, "00u1abd") != subject_marker("https://other", "00u1abc")
