"""How every Kafka client of a service connects: TLS (a CA, a client certificate) and SASL credentials.

One `KafkaSecurity` is made from the settings (`CommonSettings.kafka_security`) and handed to every
client factory in `kafka.py`, so a producer, a consumer, the dead-letter producer, topic provisioning and
the readiness probe cannot connect differently. It is checked when it is made: a service with an
incomplete or contradictory configuration refuses to start with a message naming the variables, rather
than failing later with aiokafka's "Unable to bootstrap". The local broker stays on PLAINTEXT.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from aiokafka.helpers import create_ssl_context
from pydantic import SecretStr

SecurityProtocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
SaslMechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]
SECURITY_PROTOCOLS: tuple[str, ...] = get_args(SecurityProtocol)
SASL_MECHANISMS: tuple[str, ...] = get_args(SaslMechanism)


class KafkaSecurityError(ValueError):
    """The Kafka security settings are incomplete, contradictory or point at unusable files."""


@dataclass(frozen=True)
class KafkaSecurity:
    """The security of the connections to the brokers; `PLAINTEXT` (the default) has none.

    The password and the key's password are SecretStr: neither is shown by repr() nor logged.
    """

    protocol: SecurityProtocol = "PLAINTEXT"
    sasl_mechanism: SaslMechanism = "SCRAM-SHA-512"
    sasl_username: str | None = None
    sasl_password: SecretStr | None = None
    ssl_cafile: Path | None = None
    ssl_certfile: Path | None = None
    ssl_keyfile: Path | None = None
    ssl_key_password: SecretStr | None = None

    def __post_init__(self) -> None:
        if self.protocol not in SECURITY_PROTOCOLS:
            raise KafkaSecurityError(
                f"KAFKA_SECURITY_PROTOCOL={self.protocol}: expected one of {', '.join(SECURITY_PROTOCOLS)}"
            )
        if self.sasl_mechanism not in SASL_MECHANISMS:
            raise KafkaSecurityError(
                f"KAFKA_SASL_MECHANISM={self.sasl_mechanism}: expected one of {', '.join(SASL_MECHANISMS)}"
            )
        self._check_sasl()
        self._check_tls()

    @property
    def uses_sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    def _check_sasl(self) -> None:
        given = [
            name
            for name, value in (
                ("KAFKA_SASL_USERNAME", self.sasl_username),
                ("KAFKA_SASL_PASSWORD", self.sasl_password),
            )
            if value is not None
        ]
        if not self.uses_sasl:
            if given:
                # credentials that would be ignored: most likely the protocol was forgotten
                raise KafkaSecurityError(
                    f"{' and '.join(given)} set, but KAFKA_SECURITY_PROTOCOL={self.protocol} does not authenticate:"
                    " use SASL_SSL (or SASL_PLAINTEXT)"
                )
            return
        missing = [
            name
            for name, value in (
                ("KAFKA_SASL_USERNAME", self.sasl_username),
                ("KAFKA_SASL_PASSWORD", self.sasl_password.get_secret_value() if self.sasl_password else None),
            )
            if not value
        ]
        if missing:
            raise KafkaSecurityError(f"KAFKA_SECURITY_PROTOCOL={self.protocol} needs {' and '.join(missing)}")

    def _check_tls(self) -> None:
        files = {
            "KAFKA_SSL_CAFILE": self.ssl_cafile,
            "KAFKA_SSL_CERTFILE": self.ssl_certfile,
            "KAFKA_SSL_KEYFILE": self.ssl_keyfile,
        }
        given = [name for name, path in files.items() if path is not None]
        if self.ssl_key_password is not None:
            given.append("KAFKA_SSL_KEY_PASSWORD")
        if not self.uses_tls:
            if given:
                raise KafkaSecurityError(
                    f"{', '.join(given)} set, but KAFKA_SECURITY_PROTOCOL={self.protocol} does not use TLS:"
                    " use SSL or SASL_SSL"
                )
            return
        for name, path in files.items():
            if path is not None and not path.is_file():
                raise KafkaSecurityError(f"{name}={path}: no such file")
        if self.ssl_certfile is None and (self.ssl_keyfile is not None or self.ssl_key_password is not None):
            raise KafkaSecurityError("KAFKA_SSL_KEYFILE (or KAFKA_SSL_KEY_PASSWORD) needs KAFKA_SSL_CERTFILE")
        self.ssl_context()  # unreadable PEM, a key that does not match, a wrong key password: said now

    def ssl_context(self) -> ssl.SSLContext:
        """A fresh context (files re-read: renewed certificates are picked up by new clients); the brokers'
        certificates are verified against KAFKA_SSL_CAFILE (else the system CAs), host names included."""
        password = self.ssl_key_password.get_secret_value() if self.ssl_key_password else None
        try:
            context: ssl.SSLContext = create_ssl_context(
                cafile=self.ssl_cafile, certfile=self.ssl_certfile, keyfile=self.ssl_keyfile, password=password
            )
        except (ssl.SSLError, OSError) as exc:
            raise KafkaSecurityError(
                f"the Kafka TLS files cannot be used (KAFKA_SSL_CAFILE={self.ssl_cafile},"
                f" KAFKA_SSL_CERTFILE={self.ssl_certfile}, KAFKA_SSL_KEYFILE={self.ssl_keyfile}): {exc}"
            ) from None
        return context

    def client_options(self) -> dict[str, Any]:
        """The keyword arguments every aiokafka client (producer, consumer, admin, bare client) takes."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.uses_tls:
            options["ssl_context"] = self.ssl_context()
        if self.uses_sasl:
            assert self.sasl_password is not None  # checked when made
            options |= {
                "sasl_mechanism": self.sasl_mechanism,
                "sasl_plain_username": self.sasl_username,
                "sasl_plain_password": self.sasl_password.get_secret_value(),
            }
        return options

    def describe(self) -> str:
        """For logs and errors: the protocol, the mechanism and the user, never a secret."""
        if self.uses_sasl:
            return f"{self.protocol} ({self.sasl_mechanism}, user {self.sasl_username})"
        return self.protocol


PLAINTEXT = KafkaSecurity()
