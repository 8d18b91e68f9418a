"""The Kafka security settings: read from the Helm chart's variables, checked at start-up with messages
naming the variables, never showing a password, and handed to every client the wiring makes."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy.ext.asyncio import async_sessionmaker

from pidesk.services.intake.adapters.orm import OutboxMessage, ProcessedEvent
from pidesk.shared.http.metrics import ServiceMetrics
from pidesk.shared.messaging.security import PLAINTEXT, KafkaSecurity, KafkaSecurityError
from pidesk.shared.messaging.wiring import build_consumer, build_relay
from pidesk.shared.settings import CommonSettings
from tests.support.tls import Pki, throwaway_pki

PASSWORD = "s3cr3t-pa55word-never-shown"  # looked for in messages and reprs


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return throwaway_pki(tmp_path_factory.mktemp("pki"))


def settings(**values: object) -> CommonSettings:
    return CommonSettings(env="test", **values)  # type: ignore[arg-type]


def sasl_ssl(pki: Pki, **more: object) -> dict[str, object]:
    return {
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_USERNAME": "pidesk",
        "KAFKA_SASL_PASSWORD": PASSWORD,
        "KAFKA_SSL_CAFILE": str(pki.ca),
        **more,
    }


def refusal(**values: object) -> str:
    with pytest.raises(ValidationError) as refused:
        settings(**values)
    message = str(refused.value)
    assert PASSWORD not in message
    return message


def test_by_default_the_clients_connect_in_plaintext() -> None:
    assert settings().kafka_security == PLAINTEXT
    assert PLAINTEXT.client_options() == {"security_protocol": "PLAINTEXT"}


def test_the_helm_charts_variables_are_read(pki: Pki, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in sasl_ssl(pki, KAFKA_SECURITY_PROTOCOL="sasl_ssl", KAFKA_SASL_MECHANISM="scram-sha-256").items():
        monkeypatch.setenv(name, str(value))
    security = CommonSettings().kafka_security
    assert security == KafkaSecurity(
        protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-256",
        sasl_username="pidesk",
        sasl_password=SecretStr(PASSWORD),
        ssl_cafile=pki.ca,
    )
    options = security.client_options()
    assert {k: v for k, v in options.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-256",
        "sasl_plain_username": "pidesk",
        "sasl_plain_password": PASSWORD,
    }
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert [c["subject"] for c in context.get_ca_certs()] == [((("commonName", "pidesk test CA"),),)]


def test_scram_sha_512_is_the_default_mechanism(pki: Pki) -> None:
    assert settings(**sasl_ssl(pki)).kafka_security.sasl_mechanism == "SCRAM-SHA-512"


def test_mutual_tls_takes_the_client_certificate_and_key(pki: Pki) -> None:
    security = settings(
        KAFKA_SECURITY_PROTOCOL="SSL",
        KAFKA_SSL_CAFILE=str(pki.ca),
        KAFKA_SSL_CERTFILE=str(pki.client_cert),
        KAFKA_SSL_KEYFILE=str(pki.client_key),
    ).kafka_security
    assert security.uses_tls and not security.uses_sasl
    assert set(security.client_options()) == {"security_protocol", "ssl_context"}


def test_empty_variables_are_unset_ones() -> None:
    security = settings(KAFKA_SECURITY_PROTOCOL="", KAFKA_SASL_MECHANISM=" ", KAFKA_SSL_CAFILE="").kafka_security
    assert security == PLAINTEXT


def test_sasl_without_credentials_is_refused_naming_what_is_missing(pki: Pki) -> None:
    assert "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_SASL_PASSWORD" in refusal(
        **sasl_ssl(pki, KAFKA_SASL_PASSWORD="")
    )
    assert "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD" in refusal(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT")


def test_an_unknown_protocol_or_mechanism_is_refused(pki: Pki) -> None:
    assert "KAFKA_SECURITY_PROTOCOL" in refusal(KAFKA_SECURITY_PROTOCOL="TLS")
    assert "KAFKA_SASL_MECHANISM" in refusal(**sasl_ssl(pki, KAFKA_SASL_MECHANISM="GSSAPI"))


def test_settings_that_would_be_ignored_are_refused(pki: Pki) -> None:
    """Credentials or TLS files with a protocol that does not use them: most likely a forgotten protocol."""
    assert "does not authenticate" in refusal(KAFKA_SASL_USERNAME="pidesk", KAFKA_SASL_PASSWORD=PASSWORD)
    assert "does not use TLS" in refusal(
        KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT",
        KAFKA_SASL_USERNAME="pidesk",
        KAFKA_SASL_PASSWORD=PASSWORD,
        KAFKA_SSL_CAFILE=str(pki.ca),
    )


def test_tls_files_must_exist_and_be_usable(pki: Pki, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "ca.pem"
    assert f"KAFKA_SSL_CAFILE={missing}: no such file" in refusal(**sasl_ssl(pki, KAFKA_SSL_CAFILE=str(missing)))
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    assert "the Kafka TLS files cannot be used" in refusal(**sasl_ssl(pki, KAFKA_SSL_CAFILE=str(garbage)))
    assert "the Kafka TLS files cannot be used" in refusal(  # a certificate with someone else's key
        **sasl_ssl(pki, KAFKA_SSL_CERTFILE=str(pki.client_cert), KAFKA_SSL_KEYFILE=str(pki.broker_key))
    )
    assert "needs KAFKA_SSL_CERTFILE" in refusal(**sasl_ssl(pki, KAFKA_SSL_KEYFILE=str(pki.client_key)))


def test_the_password_is_never_shown(pki: Pki) -> None:
    configured = settings(**sasl_ssl(pki))
    security = configured.kafka_security
    for text in (repr(configured), str(configured), repr(security), security.describe()):
        assert PASSWORD not in text
    assert security.describe() == "SASL_SSL (SCRAM-SHA-512, user pidesk)"
    with pytest.raises(KafkaSecurityError) as refused:
        KafkaSecurity(protocol="PLAINTEXT", sasl_username="pidesk", sasl_password=SecretStr(PASSWORD))
    assert PASSWORD not in str(refused.value)


async def test_every_client_the_wiring_makes_has_the_settings_security(pki: Pki) -> None:
    """The relay's producer, the consumer and its dead-letter producer of a service (the readiness probe
    and topic provisioning are proven against a real broker in tests/integration/test_kafka_security.py)."""
    configured = settings(**sasl_ssl(pki))
    metrics = ServiceMetrics("intake")
    sessions = async_sessionmaker()
    relay = build_relay("intake", configured, sessions, OutboxMessage, metrics)
    consumer = build_consumer("intake", configured, sessions, ProcessedEvent, {"pidesk.t.v1": _ignore}, metrics)
    producers = [relay._producer_factory(), consumer.producer_factory()]
    reader = consumer.consumer_factory(["pidesk.t.v1"])
    try:
        for client in [*(p.client for p in producers), reader._client]:
            assert client._security_protocol == "SASL_SSL"
            assert client._sasl_mechanism == "SCRAM-SHA-512"
            assert client._sasl_plain_username == "pidesk"
            assert client._sasl_plain_password == PASSWORD
            assert isinstance(client._ssl_context, ssl.SSLContext)
    finally:
        for producer in producers:
            await producer.stop()
        await reader.stop()


async def _ignore(*_args: object) -> None:
    return None
