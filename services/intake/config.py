"""Intake settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

import base64
import hashlib
import os

from pydantic import AliasChoices, Field, SecretStr, model_validator

from pidesk.services.intake.webhooks.secret_strength import weakness
from pidesk.shared.settings import CommonSettings, SettingsError, dev_secret

SECRET_PREFIX, API_KEY_PREFIX = "INTAKE_WEBHOOK_SECRET_", "INTAKE_WEBHOOK_API_KEY_"


class IntakeSettings(CommonSettings):
    database_url: str = Field(default="", validation_alias=AliasChoices("INTAKE_DATABASE_URL"))
    host: str = Field(default="127.0.0.1", validation_alias=AliasChoices("INTAKE_HOST"))
    port: int = Field(default=8001, validation_alias=AliasChoices("INTAKE_PORT"))
    public_url: str = Field(default="http://127.0.0.1:8001", validation_alias=AliasChoices("INTAKE_PUBLIC_URL"))
    reports_per_minute: int = Field(default=60, ge=1, validation_alias=AliasChoices("INTAKE_REPORTS_PER_MINUTE"))
    webhooks_per_minute: int = Field(default=600, ge=1, validation_alias=AliasChoices("INTAKE_WEBHOOKS_PER_MINUTE"))
    # who "reports" an incident raised by a DLP tool (the tool itself, on behalf of this entity)
    webhook_reporter_email: str = Field(
        default="dlp-alerts@example.com", validation_alias=AliasChoices("INTAKE_WEBHOOK_REPORTER_EMAIL")
    )
    webhook_division: str = Field(
        default="Information Security", validation_alias=AliasChoices("INTAKE_WEBHOOK_DIVISION")
    )
    webhook_entity: str = Field(default="Head office", validation_alias=AliasChoices("INTAKE_WEBHOOK_ENTITY"))
    webhook_entity_country: str = Field(default="JP", validation_alias=AliasChoices("INTAKE_WEBHOOK_ENTITY_COUNTRY"))
    # how webhook alerts are grouped into incidents (YAML; the bundled policy when unset)
    correlation_policy: str | None = Field(default=None, validation_alias=AliasChoices("INTAKE_CORRELATION_POLICY"))
    # "kid:base64key[,kid:base64key…]": the first key encrypts, every listed key decrypts (rotation)
    # secrets given in code (tests, embedding); the environment variables above take precedence
    webhook_secrets: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)
    # API keys (X-Pidesk-Api-Key) given in code; INTAKE_WEBHOOK_API_KEY_<SOURCE> takes precedence
    webhook_api_keys: dict[str, str] = Field(default_factory=dict, exclude=True, repr=False)
    encryption_keys: SecretStr | None = Field(default=None, validation_alias=AliasChoices("INTAKE_ENCRYPTION_KEYS"))
    # signs the report form's CSRF tokens; intake's own, never a token key (intake holds none of those)
    csrf_secret: SecretStr | None = Field(default=None, validation_alias=AliasChoices("INTAKE_CSRF_SECRET"))

    @model_validator(mode="after")
    def _intake_defaults(self) -> IntakeSettings:
        if not self.database_url:
            self.database_url = self.sqlite_url("intake")
        self.csrf_secret = self.resolve_secret("intake_csrf_secret", self.csrf_secret, variable="INTAKE_CSRF_SECRET")
        if self.encryption_keys is None:
            if self.env == "production":
                raise SettingsError("INTAKE_ENCRYPTION_KEYS must be set in production")
            seed = dev_secret(self.var_dir, "intake_encryption_seed").encode()
            key = base64.b64encode(hashlib.sha256(seed).digest()).decode()
            self.encryption_keys = SecretStr(f"dev1:{key}")
        if self.env == "production":
            self._webhook_secrets_strong()
        return self

    def _webhook_secrets_strong(self) -> None:
        given = [(f"{SECRET_PREFIX}{_env_name(s)}", v) for s, v in self.webhook_secrets.items()]
        given += [(f"{API_KEY_PREFIX}{_env_name(s)}", v) for s, v in self.webhook_api_keys.items()]
        given += [(k, v) for k, v in os.environ.items() if k.startswith((SECRET_PREFIX, API_KEY_PREFIX)) and v.strip()]
        for name, value in given:
            if (why := weakness(value)) is not None:
                raise SettingsError(f"{name} must be at least 32 random bytes in production: {why}")

    def webhook_secret(self, source: str) -> str | None:
        """INTAKE_WEBHOOK_SECRET_<SOURCE> (upper case, dashes as underscores); None refuses the source."""
        value = os.environ.get(f"{SECRET_PREFIX}{_env_name(source)}", "").strip()
        return value or self.webhook_secrets.get(source)

    def webhook_api_key(self, source: str) -> str | None:
        """INTAKE_WEBHOOK_API_KEY_<SOURCE>: None (the default) leaves API-key authentication off."""
        value = os.environ.get(f"{API_KEY_PREFIX}{_env_name(source)}", "").strip()
        return value or self.webhook_api_keys.get(source)


def _env_name(source: str) -> str:
    return source.upper().replace("-", "_")
