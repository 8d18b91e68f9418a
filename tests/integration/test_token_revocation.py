"""Issue 12 item 7: bearer tokens with one audience each, a capped lifetime, `token:` subjects in the
audit log, and `pidesk token revoke` honoured by escalation at once and by the notifier after a refresh."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from fastapi import FastAPI

from pidesk import cli
from pidesk.migrations import runner
from pidesk.services.escalation.bootstrap import build_app as escalation_app
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.notifier.bootstrap import build_app as notifier_app
from pidesk.services.notifier.config import NotifierSettings
from pidesk.shared.http.auth import issue_token
from pidesk.shared.http.revocation import from_escalation
from pidesk.shared.vocabulary import Role
from tests.support.infra import free_port, fresh_postgres_database, kafka_bootstrap

SECRET = "revocation-test-secret-0123456789abcdef"


@dataclass
class Pair:
    desk: httpx.AsyncClient
    desk_app: FastAPI
    notices: httpx.AsyncClient
    notices_app: FastAPI


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def jti_of(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


@pytest.fixture
async def pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pair]:
    async with fresh_postgres_database("revoke_e") as desk_url, fresh_postgres_database("revoke_n") as notices_url:
        await runner.upgrade(desk_url, "escalation")
        await runner.upgrade(notices_url, "notifier")
        common = {
            "env": "test",
            "var_dir": tmp_path,
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            "token_secret": SECRET,
        }
        desk = escalation_app(
            EscalationSettings(
                **common, ESCALATION_DATABASE_URL=desk_url, ESCALATION_NOTIFIER_URL=f"http://127.0.0.1:{free_port()}"
            )
        )
        notices = notifier_app(NotifierSettings(**common, NOTIFIER_DATABASE_URL=notices_url))
        # `pidesk token revoke` reads the same settings from the environment
        for name, value in {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(tmp_path),
            "PIDESK_TOKEN_SECRET": SECRET,
            "ESCALATION_DATABASE_URL": desk_url,
        }.items():
            monkeypatch.setenv(name, value)
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=desk), base_url="http://desk") as desk_client,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=notices), base_url="http://notifier") as notices_client,
        ):
            yield Pair(desk_client, desk, notices_client, notices)


async def test_one_audience_per_service_and_token_subjects_in_the_audit_log(pair: Pair) -> None:
    desk_token = issue_token(SECRET, name="script", role=Role.OFFICER)
    notices_token = issue_token(SECRET, name="script", role=Role.OFFICER, audience="notifier")
    assert (await pair.desk.get("/v1/incidents", headers=bearer(desk_token))).status_code == 200
    assert (await pair.desk.get("/v1/incidents", headers=bearer(notices_token))).status_code == 401
    assert (await pair.notices.get("/v1/notices", headers=bearer(notices_token))).status_code == 200
    assert (await pair.notices.get("/v1/notices", headers=bearer(desk_token))).status_code == 401
    audit = (await pair.desk.get("/v1/audit", headers=bearer(desk_token))).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    actors = {entry["actor"] for entry in entries if entry["path"] == "/v1/incidents" and entry["status"] == 200}
    assert actors == {"token:script"}  # never to be taken for a dashboard user named "script"


async def test_a_revoked_token_is_refused_by_escalation_at_once_and_by_the_notifier_after_a_refresh(
    pair: Pair,
) -> None:
    kept, revoked = (issue_token(SECRET, name=n, role=Role.AUDITOR) for n in ("kept", "revoked"))
    notices_token = issue_token(SECRET, name="revoked", role=Role.AUDITOR, audience="notifier")
    assert (await pair.desk.get("/v1/incidents", headers=bearer(revoked))).status_code == 200
    assert await asyncio.to_thread(cli.main, ["token", "revoke", jti_of(revoked), "--reason", "laptop lost"]) == 0
    assert await asyncio.to_thread(cli.main, ["token", "revoke", notices_token]) == 0  # the token itself will do
    refused = await pair.desk.get("/v1/incidents", headers=bearer(revoked))
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    assert (await pair.desk.get("/v1/incidents", headers=bearer(kept))).status_code == 200

    listed = (await pair.desk.get("/v1/tokens/revoked")).json()["revoked"]
    assert sorted(listed) == sorted([jti_of(revoked), jti_of(notices_token)])
    audit = (await pair.desk.get("/v1/audit", headers=bearer(kept))).json()["items"]
    revocations = [e["path"] for e in reversed(audit) if e["method"] == "CLI"]  # each command in the desk's log
    assert revocations == [f"pidesk token revoke {jti_of(t)}" for t in (revoked, notices_token)]

    # the notifier learns the list from escalation: honoured from its next refresh on
    assert (await pair.notices.get("/v1/notices", headers=bearer(notices_token))).status_code == 200
    fetch = from_escalation("http://desk", transport=httpx.ASGITransport(app=pair.desk_app))
    await pair.notices_app.state.revoked_tokens.refresh(fetch)
    assert (await pair.notices.get("/v1/notices", headers=bearer(notices_token))).status_code == 401


def test_the_lifetime_is_capped_and_the_default_is_shorter() -> None:
    issued = cli.parser().parse_args(["token", "issue", "--role", "auditor", "--name", "x"])
    assert issued.ttl_days == cli.DEFAULT_TOKEN_TTL_DAYS < cli.MAX_TOKEN_TTL_DAYS == 90
    for days in ("91", "0", "3650", "x"):
        with pytest.raises(SystemExit):
            cli.parser().parse_args(["token", "issue", "--role", "auditor", "--name", "x", "--ttl-days", days])
    token = issue_token(SECRET, name="x", role=Role.AUDITOR)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert timedelta(seconds=claims["exp"] - claims["iat"]) == timedelta(days=cli.DEFAULT_TOKEN_TTL_DAYS)
