"""Escalation settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

import base64

from pydantic import AliasChoices, Field, SecretStr, model_validator

from pidesk.shared.keys import derive_key
from pidesk.shared.settings import SettingsError, TokenSettings
from pidesk.shared.vocabulary import Role


class EscalationSettings(TokenSettings):
    database_url: str = Field(default="", validation_alias=AliasChoices("ESCALATION_DATABASE_URL"))
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("ESCALATION_HOST"))
    port: int = Field(default=8002, validation_alias=AliasChoices("ESCALATION_PORT"))

    routing_policy: str | None = Field(default=None, validation_alias=AliasChoices("PIDESK_ROUTING_POLICY"))
    directory: str | None = Field(default=None, validation_alias=AliasChoices("PIDESK_DIRECTORY"))
    # government requests and privacy complaints (issue 17): routing, deadlines, who decides
    case_policy: str | None = Field(default=None, validation_alias=AliasChoices("PIDESK_CASE_POLICY"))
    # the desk's free text on cases and their documents at rest: "kid:base64key[,kid:base64key…]", the
    # first key encrypts, every listed key decrypts (rotation); unset: a key derived from the token secret
    encryption_keys: SecretStr | None = Field(default=None, validation_alias=AliasChoices("ESCALATION_ENCRYPTION_KEYS"))
    timer_interval_seconds: float = Field(default=1.0, gt=0, validation_alias=AliasChoices("ESCALATION_TIMER_INTERVAL"))
    notifier_url: str = Field(default="http://127.0.0.1:8003", validation_alias=AliasChoices("ESCALATION_NOTIFIER_URL"))
    desk_url: str = Field(default="http://127.0.0.1:8002/desk", validation_alias=AliasChoices("ESCALATION_DESK_URL"))
    # a growing group of DLP alerts tells the people on its incident at most once per this many seconds
    group_update_seconds: float = Field(
        default=300.0, gt=0, validation_alias=AliasChoices("ESCALATION_GROUP_UPDATE_SECONDS")
    )

    # dashboard sign-in with the company's identity provider (OIDC); off while no issuer is set
    oidc_issuer: str = Field(default="", max_length=500, validation_alias=AliasChoices("ESCALATION_OIDC_ISSUER"))
    oidc_client_id: str = Field(default="", max_length=500, validation_alias=AliasChoices("ESCALATION_OIDC_CLIENT_ID"))
    oidc_client_secret: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ESCALATION_OIDC_CLIENT_SECRET")
    )
    oidc_groups_claim: str = Field(
        default="groups", min_length=1, max_length=200, validation_alias=AliasChoices("ESCALATION_OIDC_GROUPS_CLAIM")
    )
    # JSON object, group -> role; a person in several mapped groups gets the role of the first entry
    oidc_role_map: dict[str, Role] = Field(
        default_factory=dict, validation_alias=AliasChoices("ESCALATION_OIDC_ROLE_MAP")
    )
    # where the provider sends the browser back; empty: ESCALATION_DESK_URL + /login/oidc/callback
    oidc_redirect_url: str = Field(
        default="", max_length=500, validation_alias=AliasChoices("ESCALATION_OIDC_REDIRECT_URL")
    )
    oidc_scopes: str = Field(
        default="openid profile email", max_length=500, validation_alias=AliasChoices("ESCALATION_OIDC_SCOPES")
    )

    @model_validator(mode="after")
    def _escalation_defaults(self) -> EscalationSettings:
        if not self.database_url:
            self.database_url = self.sqlite_url("escalation")
        return self

    def case_keyring(self) -> str:
        """ESCALATION_ENCRYPTION_KEYS, else one key derived (HKDF) from PIDESK_TOKEN_SECRET for this purpose
        alone: the desk's words on cases are sealed with or without the variable (set it to rotate)."""
        if self.encryption_keys is not None:
            return self.encryption_keys.get_secret_value()
        key = base64.b64encode(derive_key(self.token_master, "escalation:case-fields")).decode()
        return f"tok1:{key}"

    @model_validator(mode="after")
    def _oidc_complete(self) -> EscalationSettings:
        """OIDC is all or nothing: with an issuer, the client and the role map too, and in production only
        over HTTPS (a company sign-in that half works would send people to break-glass accounts)."""
        self.oidc_issuer = self.oidc_issuer.strip()  # exactly as the ID tokens' `iss` says it (a final / too)
        if not self.oidc_issuer:
            return self
        if not self.oidc_client_id.strip():
            raise SettingsError("ESCALATION_OIDC_CLIENT_ID must be set with ESCALATION_OIDC_ISSUER")
        if not self.oidc_role_map:
            raise SettingsError("ESCALATION_OIDC_ROLE_MAP must map at least one group to a role")
        if any(not group.strip() for group in self.oidc_role_map):
            raise SettingsError("ESCALATION_OIDC_ROLE_MAP: a group name is empty")
        if "openid" not in self.oidc_scopes.split():
            raise SettingsError("ESCALATION_OIDC_SCOPES must include openid")
        if not self.oidc_redirect_url:
            self.oidc_redirect_url = f"{self.desk_url.rstrip('/')}/login/oidc/callback"
        for variable, url in (
            ("ESCALATION_OIDC_ISSUER", self.oidc_issuer),
            ("ESCALATION_OIDC_REDIRECT_URL", self.oidc_redirect_url),
        ):
            scheme = url.split("://", 1)[0] if "://" in url else ""
            if scheme not in ("https", "http"):
                raise SettingsError(f"{variable} must be an http(s) URL, not {url!r}")
            if scheme != "https" and self.env == "production":
                raise SettingsError(f"{variable} must use https in production")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)
