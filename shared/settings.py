"""Settings common to every service, read from the environment (pydantic-settings).

Secrets are SecretStr. Outside production, a missing secret is generated once and kept under
`PIDESK_VAR_DIR/secrets/` so that `pidesk up`, `pidesk token issue` and the services agree on it;
in production a missing or placeholder secret refuses to start.
"""

from __future__ import annotations

import ipaddress
import secrets
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pidesk.shared.messaging.security import KafkaSecurity, KafkaSecurityError, SaslMechanism, SecurityProtocol

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "dev", "test", ""}


class SettingsError(ValueError):
    """A setting is missing or unsafe for this environment."""


class CommonSettings(BaseSettings):
    # hide_input_in_errors: a refused setting's message must not carry the environment (secrets included)
    model_config = SettingsConfigDict(
        env_prefix="PIDESK_", extra="ignore", populate_by_name=True, hide_input_in_errors=True
    )

    env: Literal["development", "test", "production"] = "development"
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS")
    )
    # the brokers' security (README, "Configuration"), the same for every client: see `kafka_security`
    kafka_security_protocol: SecurityProtocol = Field(
        default="PLAINTEXT", validation_alias=AliasChoices("KAFKA_SECURITY_PROTOCOL")
    )
    kafka_sasl_mechanism: SaslMechanism = Field(
        default="SCRAM-SHA-512", validation_alias=AliasChoices("KAFKA_SASL_MECHANISM")
    )
    kafka_sasl_username: str | None = Field(default=None, validation_alias=AliasChoices("KAFKA_SASL_USERNAME"))
    kafka_sasl_password: SecretStr | None = Field(default=None, validation_alias=AliasChoices("KAFKA_SASL_PASSWORD"))
    kafka_ssl_cafile: Path | None = Field(default=None, validation_alias=AliasChoices("KAFKA_SSL_CAFILE"))
    kafka_ssl_certfile: Path | None = Field(default=None, validation_alias=AliasChoices("KAFKA_SSL_CERTFILE"))
    kafka_ssl_keyfile: Path | None = Field(default=None, validation_alias=AliasChoices("KAFKA_SSL_KEYFILE"))
    kafka_ssl_key_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("KAFKA_SSL_KEY_PASSWORD")
    )
    kafka_topic_partitions: int = Field(default=3, ge=1)
    kafka_topic_replication: int = Field(default=1, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    # addresses (IPs or CIDRs, comma-separated) of the proxies whose X-Forwarded-For / -Proto is believed:
    # the client address (rate limits, the audit log) is then the one they forward; empty: nobody's
    trusted_proxies: str = Field(default="127.0.0.1", max_length=2000)
    # where per-client rate-limit counts live: "database" (the service's PostgreSQL, shared by all its
    # processes and instances), "memory" (each process its own); unset: database on PostgreSQL, else memory
    rate_limit_storage: Literal["database", "memory"] | None = None
    # how often each process shares its counts: shorter is more accurate (README, "Rate limits over several processes")
    rate_limit_sync_seconds: float = Field(default=1.0, gt=0, le=60)
    consumer_max_attempts: int = Field(default=5, ge=1)
    # how long one consumer round (fetch, apply, commit) should take: an urgent record waits for about one
    consumer_round_seconds: float = Field(default=0.25, gt=0, le=10)
    # appended to every consumer group id (pidesk-<service><suffix>): lets a benchmark or a second
    # deployment on the same broker read the topics from a position of its own; empty in production
    consumer_group_suffix: str = Field(default="", max_length=100, pattern=r"^[A-Za-z0-9._-]*$")
    outbox_poll_seconds: float = Field(default=0.5, gt=0)
    outbox_batch_size: int = Field(default=500, ge=1)
    # published outbox rows and processed-events records are deleted after this; keep it longer than
    # the topics' retention (Kafka's default: 7 days), since a redelivered event must still be known
    retention_hours: float = Field(default=336.0, gt=0)
    # how long a dead-lettered message (a full copy of an event, personal data included) is kept
    dlq_retention_hours: float = Field(default=336.0, gt=0)
    retention_interval_seconds: float = Field(default=300.0, gt=0)

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        entries = [e.strip() for e in value.split(",") if e.strip()]
        for entry in entries:
            if entry == "*":
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"PIDESK_TRUSTED_PROXIES: {entry!r} is not an IP address or network") from None
        return ",".join(entries)

    @model_validator(mode="after")
    def _no_trust_in_everyone(self) -> CommonSettings:
        if self.env == "production" and "*" in self.trusted_proxies.split(","):
            raise SettingsError("PIDESK_TRUSTED_PROXIES=* lets any client forge its address: list the proxies")
        return self

    @field_validator(
        "kafka_security_protocol",
        "kafka_sasl_mechanism",
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_ssl_cafile",
        "kafka_ssl_certfile",
        "kafka_ssl_keyfile",
        "kafka_ssl_key_password",
        mode="before",
    )
    @classmethod
    def _kafka_blank_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """An empty variable (a template's `VAR=`) is an unset one; protocol and mechanism in any case."""
        if not isinstance(value, str):
            return value
        value = value.strip()
        if info.field_name in ("kafka_security_protocol", "kafka_sasl_mechanism"):
            return value.upper() or cls.model_fields[info.field_name].default
        return value or None

    @model_validator(mode="after")
    def _kafka_security_usable(self) -> CommonSettings:
        try:
            _ = self.kafka_security
        except KafkaSecurityError as exc:
            raise SettingsError(str(exc)) from None
        return self

    @cached_property
    def kafka_security(self) -> KafkaSecurity:
        """The security every Kafka client of this process connects with (checked at start-up)."""
        return KafkaSecurity(
            protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            sasl_username=self.kafka_sasl_username,
            sasl_password=self.kafka_sasl_password,
            ssl_cafile=self.kafka_ssl_cafile,
            ssl_certfile=self.kafka_ssl_certfile,
            ssl_keyfile=self.kafka_ssl_keyfile,
            ssl_key_password=self.kafka_ssl_key_password,
        )

    def resolve_secret(self, name: str, value: SecretStr | None, *, variable: str | None = None) -> SecretStr:
        """`value`, or outside production a generated one kept under `var_dir/secrets/name`."""
        if value is not None and value.get_secret_value().lower() not in PLACEHOLDER_SECRETS:
            return value
        if self.env == "production":
            raise SettingsError(f"{variable or 'PIDESK_' + name.upper()} must be set to a real secret in production")
        return SecretStr(dev_secret(self.var_dir, name))

    def sqlite_url(self, service: str) -> str:
        return f"sqlite+aiosqlite:///{(self.var_dir / f'{service}.db').resolve()}"


class TokenSettings(CommonSettings):
    """The bearer-token master secret: held by escalation, the notifier and `pidesk token`, never by intake.

    Each service verifies with the key derived from it for its own audience (`shared/http/auth.py`)."""

    token_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _token_secret_present(self) -> TokenSettings:
        if self.needs_token_master():
            self.token_secret = self.resolve_secret("token_secret", self.token_secret)
        return self

    def needs_token_master(self) -> bool:
        """Whether this service needs the master (a service given its own derived key does not)."""
        return True

    @property
    def token_master(self) -> str:
        assert self.token_secret is not None
        return self.token_secret.get_secret_value()


def dev_secret(var_dir: Path, name: str) -> str:
    """A random secret kept in `var_dir/secrets/name`, created on first use (development only)."""
    path = var_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(32)
    try:
        with path.open("x") as handle:  # another process may have won the race: keep its value
            handle.write(value)
        path.chmod(0o600)
    except FileExistsError:
        return path.read_text().strip()
    return value
