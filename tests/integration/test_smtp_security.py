"""Issue 12, item 8 (SMTP part): STARTTLS (off, opportunistic, required) and AUTH settings are what the
notifier's SMTP sessions use, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from pidesk.services.notifier.adapters.mail import FAILED, RETRY, SENT, MailConnection, SmtpSecurity, compose
from pidesk.services.notifier.config import NotifierSettings
from tests.support.infra import free_port
from tests.support.mail import RecordingHandler

USER, PASSWORD = "pidesk", "a long relay passphrase"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")  # a test relay


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False)


class Relay:
    def __init__(self, **options: Any) -> None:
        self.handler, self.port = RecordingHandler(), free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **options)


@pytest.fixture
def relay_with_auth() -> Iterator[Relay]:
    relay = Relay(authenticator=authenticate, auth_required=True, auth_require_tls=False)
    relay.controller.start()
    yield relay
    relay.controller.stop()


def message(to: str) -> bytes:
    mail = compose(
        sender="desk@example.com",
        sender_name="Desk",
        to=to,
        to_name="",
        subject="test",
        body="hello",
        language="en",
        message_id="<1@example.com>",
        reference="PI-2026-000001",
        now=datetime.now(UTC),
    )
    return mail.as_bytes()


async def send(relay: Relay, security: SmtpSecurity) -> tuple[str, str]:
    connection = MailConnection("127.0.0.1", relay.port, 5.0, "desk@example.com", security)
    try:
        refusal = await connection.prepare("person@example.net")
        if refusal is not None:
            return refusal.status, refusal.detail
        outcome = await connection.transmit(message("person@example.net"))
        return outcome.status, outcome.detail
    finally:
        await connection.close()


async def test_auth_is_used_when_a_user_name_is_set(relay_with_auth: Relay) -> None:
    status, detail = await send(relay_with_auth, SmtpSecurity())
    assert status == FAILED and detail.startswith("530")  # the relay wants AUTH: nothing was sent
    assert (await send(relay_with_auth, SmtpSecurity(username=USER, password=PASSWORD)))[0] == SENT
    assert relay_with_auth.handler.count() == 1


async def test_starttls_required_sends_nothing_over_a_plain_session(relay_with_auth: Relay) -> None:
    status, _ = await send(relay_with_auth, SmtpSecurity(starttls="required", username=USER, password=PASSWORD))
    assert status == RETRY and relay_with_auth.handler.count() == 0  # no TLS offered: not sent, tried later
    opportunistic = SmtpSecurity(starttls="opportunistic", username=USER, password=PASSWORD)
    assert (await send(relay_with_auth, opportunistic))[0] == SENT  # not offered: plain, as configured


def test_the_settings_reach_the_mail_adapter(tmp_path: Path) -> None:
    settings = NotifierSettings(
        env="test",
        var_dir=tmp_path,
        NOTIFIER_SMTP_STARTTLS="required",
        NOTIFIER_SMTP_USERNAME=USER,
        NOTIFIER_SMTP_PASSWORD=PASSWORD,
    )
    assert settings.smtp_security == SmtpSecurity(starttls="required", username=USER, password=PASSWORD)
    assert PASSWORD not in repr(settings)
    assert NotifierSettings(env="test", var_dir=tmp_path).smtp_security == SmtpSecurity()
    with pytest.raises(ValueError):
        NotifierSettings(env="test", var_dir=tmp_path, NOTIFIER_SMTP_STARTTLS="sometimes")
