"""The services' Kafka clients on a real broker with secure listeners: TLS and SASL (SCRAM, PLAIN).

A broker of this module's own (deploy/local-kafka/kafka.sh with its opt-in listeners: SASL_SSL,
SASL_PLAINTEXT, and SSL requiring a client certificate), its certificates from a throwaway CA and its
SCRAM user formatted into its storage. Every client comes from the factories the services use, with
the security their settings make; the suite's own broker stays plaintext.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.structs import TopicPartition

from pidesk.migrations import runner
from pidesk.services.intake.bootstrap import build_app
from pidesk.services.intake.config import IntakeSettings
from pidesk.shared.messaging.kafka import (
    broker_reachable,
    ensure_topics,
    manual_commit_consumer,
    reliable_producer,
    start_where_group_is,
)
from pidesk.shared.messaging.security import PLAINTEXT
from pidesk.shared.settings import CommonSettings
from tests.support.infra import KAFKA_SCRIPT, REPO_ROOT, free_port
from tests.support.tls import Pki, throwaway_pki

USER = "pidesk"


@dataclass(frozen=True)
class SecureBroker:
    plaintext: int
    sasl_ssl: int
    sasl_plaintext: int
    ssl: int
    password: str
    pki: Pki

    def settings(self, port: int, **security: str) -> CommonSettings:
        return CommonSettings(env="test", KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}", **security)  # type: ignore[arg-type]

    def scram(self, mechanism: str = "SCRAM-SHA-512", password: str | None = None) -> dict[str, str]:
        """KAFKA_* variables of a client logging in over SASL_SSL, trusting the throwaway CA."""
        return {
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "KAFKA_SASL_MECHANISM": mechanism,
            "KAFKA_SASL_USERNAME": USER,
            "KAFKA_SASL_PASSWORD": self.password if password is None else password,
            "KAFKA_SSL_CAFILE": str(self.pki.ca),
        }


@pytest.fixture(scope="module")
def secure_broker() -> Iterator[SecureBroker]:
    root = Path(REPO_ROOT) / "var" / f"kafka-security-{uuid.uuid4().hex[:8]}"
    pki = throwaway_pki(root / "tls")
    broker = SecureBroker(
        plaintext=free_port(),
        sasl_ssl=free_port(),
        sasl_plaintext=free_port(),
        ssl=free_port(),
        password=secrets.token_hex(16),
        pki=pki,
    )
    env = {
        **os.environ,
        "KAFKA_PORT": str(broker.plaintext),
        "KAFKA_CONTROLLER_PORT": str(free_port()),
        "KAFKA_DATA_DIR": str(root / "kafka"),
        "KAFKA_HEAP": "256m",
        "KAFKA_SASL_SSL_PORT": str(broker.sasl_ssl),
        "KAFKA_SASL_PLAINTEXT_PORT": str(broker.sasl_plaintext),
        "KAFKA_SSL_PORT": str(broker.ssl),
        "KAFKA_SASL_USERS": f"{USER}={broker.password}",
        "KAFKA_BROKER_CERTFILE": str(pki.broker_cert),
        "KAFKA_BROKER_KEYFILE": str(pki.broker_key),
        "KAFKA_CLIENT_CAFILE": str(pki.ca),
    }
    subprocess.run([KAFKA_SCRIPT, "start"], env=env, check=True)
    try:
        yield broker
    finally:
        subprocess.run([KAFKA_SCRIPT, "stop"], env=env, check=True)
        shutil.rmtree(root, ignore_errors=True)


async def test_an_event_round_trips_over_sasl_ssl_with_scram_sha_512(secure_broker: SecureBroker) -> None:
    """Topic provisioning, the relay's producer, a service's consumer and its commit, and a lane's group
    placed where its parent is (the admin client and the offsets committer), all over SASL_SSL."""
    settings = secure_broker.settings(secure_broker.sasl_ssl, **secure_broker.scram())
    bootstrap, security = settings.kafka_bootstrap_servers, settings.kafka_security
    topic = f"pidesk.secure.t{uuid.uuid4().hex[:12]}.v1"
    group = f"pidesk-secure-{uuid.uuid4().hex[:8]}"
    event = b'{"event_type": "pidesk.secure", "payload": {"over": "SASL_SSL"}}'

    await ensure_topics(bootstrap, [topic], 1, 1, security=security)
    producer = reliable_producer(bootstrap, "pidesk-secure-relay", security=security)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=event, key=b"incident-1")
    finally:
        await producer.stop()

    consumer = manual_commit_consumer(bootstrap, group, [topic], group, security=security)
    await consumer.start()
    try:
        received = []
        for _ in range(40):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                received.extend(records)
            if received:
                break
        assert [(r.key, r.value) for r in received] == [(b"incident-1", event)]
        await consumer.commit()
    finally:
        await consumer.stop()

    lane = f"{group}-lane"
    await start_where_group_is(bootstrap, lane, group, [topic], security=security)
    probe = manual_commit_consumer(bootstrap, lane, [], lane, security=security)
    await probe.start()
    try:
        assert await probe.committed(TopicPartition(topic, 0)) == 1
    finally:
        await probe.stop()


@pytest.mark.parametrize(
    ("listener", "variables"),
    [
        ("sasl_ssl", {"KAFKA_SASL_MECHANISM": "SCRAM-SHA-256"}),
        ("sasl_ssl", {"KAFKA_SASL_MECHANISM": "PLAIN"}),
        ("sasl_plaintext", {"KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT", "KAFKA_SSL_CAFILE": ""}),
        ("ssl", {"KAFKA_SECURITY_PROTOCOL": "SSL", "KAFKA_SASL_USERNAME": "", "KAFKA_SASL_PASSWORD": ""}),
    ],
    ids=["sasl-ssl-scram-sha-256", "sasl-ssl-plain", "sasl-plaintext-scram-sha-512", "mutual-tls"],
)
async def test_the_other_protocols_and_mechanisms_connect(
    secure_broker: SecureBroker, listener: str, variables: dict[str, str]
) -> None:
    wanted = secure_broker.scram() | variables
    if listener == "ssl":
        wanted |= {"KAFKA_SSL_CERTFILE": str(secure_broker.pki.client_cert)}
        wanted |= {"KAFKA_SSL_KEYFILE": str(secure_broker.pki.client_key)}
    settings = secure_broker.settings(getattr(secure_broker, listener), **wanted)
    assert await broker_reachable(settings.kafka_bootstrap_servers, security=settings.kafka_security)


async def test_a_wrong_password_is_refused_with_a_clear_error(
    secure_broker: SecureBroker, caplog: pytest.LogCaptureFixture
) -> None:
    settings = secure_broker.settings(secure_broker.sasl_ssl, **secure_broker.scram(password="not-the-password"))
    bootstrap, security = settings.kafka_bootstrap_servers, settings.kafka_security
    assert not await broker_reachable(bootstrap, security=security)

    producer = reliable_producer(bootstrap, "pidesk-secure-relay", security=security)
    with caplog.at_level(logging.ERROR, logger="aiokafka"), pytest.raises(KafkaConnectionError):
        await producer.start()
    await producer.stop()
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "SaslAuthenticationFailed" in said and "invalid credentials with SASL mechanism SCRAM-SHA-512" in said
    assert "not-the-password" not in said


async def test_connections_without_the_listeners_security_are_refused(secure_broker: SecureBroker) -> None:
    scram = secure_broker.settings(secure_broker.sasl_ssl, **secure_broker.scram()).kafka_security
    sasl_ssl, ssl_port = f"127.0.0.1:{secure_broker.sasl_ssl}", f"127.0.0.1:{secure_broker.ssl}"
    assert not await broker_reachable(sasl_ssl, security=PLAINTEXT)  # no TLS, no login
    untrusting = secure_broker.settings(  # the broker's certificate is not from the CA it trusts
        secure_broker.sasl_ssl, **(secure_broker.scram() | {"KAFKA_SSL_CAFILE": str(secure_broker.pki.other_ca)})
    )
    assert not await broker_reachable(sasl_ssl, security=untrusting.kafka_security)
    assert not await broker_reachable(ssl_port, security=scram)  # SASL where only a certificate is asked
    anonymous = secure_broker.settings(
        secure_broker.ssl, KAFKA_SECURITY_PROTOCOL="SSL", KAFKA_SSL_CAFILE=str(secure_broker.pki.ca)
    )
    assert not await broker_reachable(ssl_port, security=anonymous.kafka_security)  # TLS without a certificate
    # the broker's plaintext listener is still there, and answers plaintext clients
    assert await broker_reachable(f"127.0.0.1:{secure_broker.plaintext}", security=PLAINTEXT)


async def readyz(app: object) -> httpx.Response:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://intake") as client:  # type: ignore[arg-type]
        return await client.get("/readyz")


async def test_a_services_readiness_uses_its_kafka_security_settings(
    secure_broker: SecureBroker, tmp_path: Path
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'intake.db'}"
    await runner.upgrade(url, "intake")

    def intake(**kafka: str) -> object:
        return build_app(
            IntakeSettings(  # type: ignore[arg-type]
                env="test",
                var_dir=tmp_path,
                KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{secure_broker.sasl_ssl}",
                INTAKE_DATABASE_URL=url,
                **kafka,
            )
        )

    ready = await readyz(intake(**secure_broker.scram()))
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}

    refused = await readyz(intake(**secure_broker.scram(password="not-the-password")))
    assert refused.status_code == 503
    assert refused.json()["error"]["details"] == [{"check": "kafka", "status": "unreachable"}]
    assert (await readyz(intake())).status_code == 503  # plaintext settings against the secure listener
