"""Notifier settings (environment variables; see the README's configuration table)."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator

from pidesk.services.notifier.adapters.companies import load_companies
from pidesk.services.notifier.adapters.mail import SmtpSecurity
from pidesk.services.notifier.adapters.people import RecipientCipher
from pidesk.services.notifier.domain.context import Contact
from pidesk.services.notifier.domain.pacing import Pacing
from pidesk.shared.http.auth import token_key as derive_token_key
from pidesk.shared.settings import CommonSettings, SettingsError, TokenSettings, dev_secret


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class RecipientKeys(CommonSettings):
    """The notifier's keyring alone: all `pidesk db upgrade` needs to seal the rows an older notifier kept."""

    # recipients' addresses and names at rest (adapters/people.py): "kid:base64key[,kid:base64key…]", the
    # first key encrypts, every listed key decrypts; the last (oldest) also keys the address index
    encryption_keys: SecretStr | None = Field(default=None, validation_alias=_env("NOTIFIER_ENCRYPTION_KEYS"))

    @model_validator(mode="after")
    def _keyring(self) -> RecipientKeys:
        if self.encryption_keys is None:
            if self.env == "production":
                raise SettingsError("NOTIFIER_ENCRYPTION_KEYS must be set in production")
            seed = dev_secret(self.var_dir, "notifier_encryption_seed").encode()
            key = base64.b64encode(hashlib.sha256(seed).digest()).decode()
            self.encryption_keys = SecretStr(f"dev1:{key}")
        return self

    def recipient_cipher(self) -> RecipientCipher:
        assert self.encryption_keys is not None
        return RecipientCipher(self.encryption_keys.get_secret_value())


class NotifierSettings(TokenSettings, RecipientKeys):
    database_url: str = Field(default="", validation_alias=_env("NOTIFIER_DATABASE_URL"))
    host: str = Field(default="127.0.0.1", validation_alias=_env("NOTIFIER_HOST"))
    port: int = Field(default=8003, validation_alias=_env("NOTIFIER_PORT"))
    smtp_host: str = Field(default="127.0.0.1", validation_alias=_env("NOTIFIER_SMTP_HOST"))
    smtp_port: int = Field(default=1025, validation_alias=_env("NOTIFIER_SMTP_PORT"))
    smtp_timeout_seconds: float = Field(default=30.0, gt=0, validation_alias=_env("NOTIFIER_SMTP_TIMEOUT"))
    # STARTTLS: off, opportunistic (when the server offers it) or required; AUTH when a user name is set
    smtp_starttls: Literal["off", "opportunistic", "required"] = Field(
        default="off", validation_alias=_env("NOTIFIER_SMTP_STARTTLS")
    )
    smtp_username: str = Field(default="", validation_alias=_env("NOTIFIER_SMTP_USERNAME"))
    smtp_password: SecretStr = Field(default=SecretStr(""), validation_alias=_env("NOTIFIER_SMTP_PASSWORD"))
    # SMTP sessions kept open and used in parallel (PostgreSQL); an embedded SQLite database uses one
    smtp_connections: int = Field(default=16, ge=1, le=64, validation_alias=_env("NOTIFIER_SMTP_CONNECTIONS"))
    # how long a claimed delivery stays this instance's without renewal (renewed every third of it)
    lease_seconds: float = Field(default=30.0, ge=1, validation_alias=_env("NOTIFIER_LEASE_SECONDS"))
    # rows claimed per transaction; an instance holds at most about this many at once
    claim_batch: int = Field(default=64, ge=1, le=1000, validation_alias=_env("NOTIFIER_CLAIM_BATCH"))
    # while internal alerts are due that delivery has not got to, drafting waits up to this long before
    # each of its rounds (service/delivery.py; 0: never waits)
    drafting_defer_seconds: float = Field(
        default=5.0, ge=0, le=60, validation_alias=_env("NOTIFIER_DRAFTING_DEFER_SECONDS")
    )
    retry_base_seconds: float = Field(default=60.0, gt=0, validation_alias=_env("NOTIFIER_RETRY_BASE_SECONDS"))
    retry_max_seconds: float = Field(default=3600.0, gt=0, validation_alias=_env("NOTIFIER_RETRY_MAX_SECONDS"))
    max_attempts: int = Field(default=10, ge=1, validation_alias=_env("NOTIFIER_MAX_ATTEMPTS"))
    chat_timeout_seconds: float = Field(default=10.0, gt=0, validation_alias=_env("NOTIFIER_CHAT_TIMEOUT"))
    # internal alert mail pacing (domain/pacing.py): per-address mails an hour (0: no limit; a very_high
    # first routing is never held), one group update per person and incident per window, digest hour (JST)
    alert_mails_per_hour: int = Field(default=30, ge=0, validation_alias=_env("NOTIFIER_ALERT_MAILS_PER_HOUR"))
    group_update_seconds: float = Field(default=300.0, ge=0, validation_alias=_env("NOTIFIER_GROUP_UPDATE_SECONDS"))
    digest_hour: int = Field(default=9, ge=0, le=23, validation_alias=_env("NOTIFIER_DIGEST_HOUR"))

    mail_from: str = Field(default="privacy-desk@example.com", validation_alias=_env("NOTIFIER_MAIL_FROM"))
    mail_from_name: str = Field(default="Privacy Incident Desk", validation_alias=_env("NOTIFIER_MAIL_FROM_NAME"))
    desk_url: str = Field(default="http://127.0.0.1:8002/desk", validation_alias=_env("NOTIFIER_DESK_URL"))
    # the notifier's own token key (`pidesk token key --audience notifier`): then it needs no PIDESK_TOKEN_SECRET
    token_key: SecretStr | None = Field(default=None, validation_alias=_env("NOTIFIER_TOKEN_KEY"))
    # where the notifier reads the deny-list of revoked bearer tokens (escalation's GET /v1/tokens/revoked)
    escalation_url: str = Field(default="http://127.0.0.1:8002", validation_alias=_env("NOTIFIER_ESCALATION_URL"))
    revocation_poll_seconds: float = Field(
        default=30.0, gt=0, le=3600, validation_alias=_env("NOTIFIER_REVOCATION_POLL_SECONDS")
    )
    public_url: str = Field(default="http://127.0.0.1:8003", validation_alias=_env("NOTIFIER_PUBLIC_URL"))
    contact_name_ja: str = Field(default="個人情報お問い合わせ窓口", validation_alias=_env("NOTIFIER_CONTACT_NAME_JA"))
    contact_name_en: str = Field(default="Privacy Contact Desk", validation_alias=_env("NOTIFIER_CONTACT_NAME_EN"))
    contact_email: str = Field(default="privacy@example.com", validation_alias=_env("NOTIFIER_CONTACT_EMAIL"))
    contact_phone: str = Field(default="0120-000-000", validation_alias=_env("NOTIFIER_CONTACT_PHONE"))
    contact_hours_ja: str = Field(default="平日 9:00〜17:00", validation_alias=_env("NOTIFIER_CONTACT_HOURS_JA"))
    contact_hours_en: str = Field(default="weekdays 9:00–17:00 JST", validation_alias=_env("NOTIFIER_CONTACT_HOURS_EN"))
    dpo_name_ja: str = Field(default="データ保護責任者", validation_alias=_env("NOTIFIER_DPO_NAME_JA"))
    dpo_name_en: str = Field(default="Data Protection Officer", validation_alias=_env("NOTIFIER_DPO_NAME_EN"))
    dpo_email: str = Field(default="dpo@example.com", validation_alias=_env("NOTIFIER_DPO_EMAIL"))
    # the directory escalation routes by: notices print its group companies' official names (else bundled)
    directory: str | None = Field(default=None, validation_alias=_env("PIDESK_DIRECTORY"))

    def needs_token_master(self) -> bool:
        return self.token_key is None

    def notifier_token_key(self) -> bytes:
        """The key verifying the notifier's bearer tokens: NOTIFIER_TOKEN_KEY, else derived from the master."""
        if self.token_key is not None:
            return base64.urlsafe_b64decode(self.token_key.get_secret_value() + "==")
        return derive_token_key(self.token_master, "notifier")

    @model_validator(mode="after")
    def _notifier_defaults(self) -> NotifierSettings:
        if not self.database_url:
            self.database_url = self.sqlite_url("notifier")
        return self

    @model_validator(mode="after")
    def _directory_readable(self) -> NotifierSettings:
        load_companies(self.directory)  # a bad directory stops the start-up, naming the file and line
        return self

    @property
    def contact(self) -> Contact:
        return Contact(
            name={"ja": self.contact_name_ja, "en": self.contact_name_en},
            email=self.contact_email,
            phone=self.contact_phone,
            hours={"ja": self.contact_hours_ja, "en": self.contact_hours_en},
            url=f"{self.public_url.rstrip('/')}/notices/public",
            dpo_name={"ja": self.dpo_name_ja, "en": self.dpo_name_en},
            dpo_email=self.dpo_email,
            companies=load_companies(self.directory),
        )

    @property
    def pacing(self) -> Pacing:
        return Pacing(
            per_hour=self.alert_mails_per_hour,
            group_window=timedelta(seconds=self.group_update_seconds),
            digest_hour=self.digest_hour,
        )

    @property
    def smtp_security(self) -> SmtpSecurity:
        return SmtpSecurity(
            starttls=self.smtp_starttls,
            username=self.smtp_username or None,
            password=self.smtp_password.get_secret_value() or None,
        )

    @property
    def mail_domain(self) -> str:
        return self.mail_from.rsplit("@", 1)[-1]
