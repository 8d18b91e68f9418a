"""Issue 12 item 5: one secret per purpose; intake holds no token key; tokens have one audience each."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest
from pydantic import SecretStr

from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.intake.config import IntakeSettings
from pidesk.services.notifier.config import NotifierSettings
from pidesk.shared.http.auth import issue_token, token_key, verify_token
from pidesk.shared.http.errors import ApiError
from pidesk.shared.vocabulary import Role

MASTER = "m" * 48


def test_intake_settings_hold_no_token_secret_and_a_csrf_key_of_their_own(tmp_path: Path) -> None:
    intake = IntakeSettings(env="test", var_dir=tmp_path)
    escalation = EscalationSettings(env="test", var_dir=tmp_path)
    assert not hasattr(intake, "token_secret") and "token_secret" not in IntakeSettings.model_fields
    assert intake.csrf_secret is not None
    assert intake.csrf_secret.get_secret_value() != escalation.token_master


def test_production_requires_the_intake_csrf_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="INTAKE_CSRF_SECRET"):
        IntakeSettings(env="production", var_dir=tmp_path, INTAKE_ENCRYPTION_KEYS="k1:" + "A" * 44)
    settings = IntakeSettings(
        env="production",
        var_dir=tmp_path,
        INTAKE_ENCRYPTION_KEYS="k1:" + "A" * 44,
        INTAKE_CSRF_SECRET=SecretStr("c" * 48),
    )
    assert settings.csrf_secret is not None


def test_each_service_has_its_own_token_key_none_of_them_the_master() -> None:
    desk, notices = token_key(MASTER, "escalation"), token_key(MASTER, "notifier")
    assert len({desk, notices, MASTER.encode()}) == 3


def test_a_token_for_one_service_is_refused_by_the_other() -> None:
    for_notifier = issue_token(MASTER, name="bot", role=Role.PI_ADMINISTRATOR, audience="notifier")
    with pytest.raises(ApiError) as caught:
        verify_token(token_key(MASTER, "escalation"), f"Bearer {for_notifier}", audience="escalation")
    assert caught.value.status == 401
    principal = verify_token(token_key(MASTER, "notifier"), f"Bearer {for_notifier}", audience="notifier")
    assert principal.role is Role.PI_ADMINISTRATOR


def test_a_token_signed_with_the_master_itself_is_refused() -> None:
    claims = {"iss": "pidesk", "aud": "pidesk-escalation", "sub": "x", "role": "officer", "exp": 2**40, "jti": "j"}
    forged = jwt.encode(claims, MASTER, algorithm="HS256")
    with pytest.raises(ApiError):
        verify_token(token_key(MASTER, "escalation"), f"Bearer {forged}", audience="escalation")


def test_services_verify_with_their_own_purpose_key(tmp_path: Path) -> None:
    from pidesk.services.escalation.bootstrap import build_app as escalation_app
    from pidesk.services.intake.bootstrap import build_app as intake_app
    from pidesk.services.notifier.bootstrap import build_app as notifier_app

    common = {"env": "test", "var_dir": tmp_path, "token_secret": MASTER}
    desk = escalation_app(EscalationSettings(**common))
    notices = notifier_app(NotifierSettings(**common))
    intake = intake_app(IntakeSettings(**common))
    assert (desk.state.token_key, desk.state.token_audience) == (token_key(MASTER, "escalation"), "escalation")
    assert (notices.state.token_key, notices.state.token_audience) == (token_key(MASTER, "notifier"), "notifier")
    assert not any(MASTER in str(value) for value in intake.state._state.values())
    assert not hasattr(intake.state, "token_key") and not hasattr(intake.state, "token_secret")


def test_the_notifier_can_hold_only_its_own_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import base64

    from pidesk import cli

    key = base64.urlsafe_b64encode(token_key(MASTER, "notifier")).decode().rstrip("=")
    keyring = SecretStr("k1:" + base64.b64encode(bytes(range(32))).decode())
    settings = NotifierSettings(
        env="production", var_dir=tmp_path, NOTIFIER_TOKEN_KEY=SecretStr(key), NOTIFIER_ENCRYPTION_KEYS=keyring
    )
    assert settings.token_secret is None  # no master: it can mint nothing for escalation
    assert settings.notifier_token_key() == token_key(MASTER, "notifier")
    token = issue_token(MASTER, name="bot", role=Role.AUDITOR, audience="notifier")
    assert verify_token(settings.notifier_token_key(), f"Bearer {token}", audience="notifier").role is Role.AUDITOR
    with pytest.MonkeyPatch.context() as env:
        env.setenv("PIDESK_TOKEN_SECRET", MASTER)
        env.setenv("PIDESK_VAR_DIR", str(tmp_path))
        assert cli.main(["token", "key", "--audience", "notifier"]) == 0
    assert capsys.readouterr().out.strip() == key
