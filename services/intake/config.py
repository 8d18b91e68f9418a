"""Intake settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

import base64
import hashlib
import os

from pydantic import AliasChoices, Field, SecretStr, model_validator

from pidesk.shared.settings import CommonSettings, SettingsError, dev_secret


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
    encryption_keys: SecretStr | None = Field(default=None, validation_alias=AliasChoices("INTAKE_ENCRYPTION_KEYS"))

    @model_validator(mode="after")
    def _intake_defaults(self) -> IntakeSettings:
        if not self.database_url:
            self.database_url = self.sqlite_url("intake")
        if self.encryption_keys is None:
            if self.env == "production":
                raise SettingsError("INTAKE_ENCRYPTION_KEYS must be set in production")
            seed = dev_secret(self.var_dir, "intake_encryption_seed").encode()
            key = base64.b64encode(hashlib.sha256(seed).digest()).decode()
            self.encryption_keys = SecretStr(f"dev1:{key}")
        return self

    def webhook_secret(self, source: str) -> str | None:
        """INTAKE_WEBHOOK_SECRET_<SOURCE> (upper case, dashes as underscores); None refuses the source."""
        value = os.environ.get(f"INTAKE_WEBHOOK_SECRET_{source.upper().replace('-', '_')}", "").strip()
        return value or self.webhook_secrets.get(source)
