"""Issue 14 item 7: `pidesk user add|list|disable|enable|reset-password` on PostgreSQL, against the real desk:
sessions end, sign-in follows the account, and every command is in the audit log the desk shows."""

from __future__ import annotations

import asyncio
import io
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pidesk import cli
from pidesk.services.escalation.adapters.orm import AuditEntry, DeskSession, DeskUser
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.http.auth import issue_token
from pidesk.shared.vocabulary import Role
from tests.integration.test_dashboard_auth import sign_in
from tests.integration.test_desk_api import Desk
from tests.support.apps import escalation_app

SECRET = "user-cli-test-secret-0123456789abcdef"
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a different long passphrase"


@pytest.fixture
async def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Desk]:
    users = [("operator", "desk_operator", PASSWORD), ("auditor", "auditor", PASSWORD)]
    async with escalation_app(tmp_path, "usercli", SECRET, users) as (client, url):
        # the command reads the same settings from the environment
        for name, value in {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(tmp_path),
            "PIDESK_TOKEN_SECRET": SECRET,
            "ESCALATION_DATABASE_URL": url,
        }.items():
            monkeypatch.setenv(name, value)
        yield Desk(client, url)


async def pidesk(*arguments: str) -> int:
    return await asyncio.to_thread(cli.main, list(arguments))


async def sessions_of(desk: Desk, name: str) -> int:
    engine = create_engine(desk.url)
    try:
        async with session_factory(engine)() as session:
            statement = select(func.count()).select_from(DeskSession).join(DeskUser).where(DeskUser.name == name)
            return int(await session.scalar(statement) or 0)
    finally:
        await engine.dispose()


async def cli_audit(desk: Desk) -> list[dict[str, object]]:
    """The command's entries as an auditor sees them on the desk (`GET /v1/audit`), oldest first."""
    token = issue_token(SECRET, name="audit-script", role=Role.AUDITOR)
    page = await desk.client.get("/v1/audit", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200, page.text
    return [item for item in reversed(page.json()["items"]) if item["method"] == "CLI"]


async def test_list_shows_names_roles_states_and_sign_ins_never_hashes(
    desk: Desk, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (await sign_in(desk.client, "operator")).status_code == 303
    capsys.readouterr()
    assert await pidesk("user", "list", "--json") == 0
    listed = {u["name"]: u for u in json.loads(capsys.readouterr().out)["users"]}
    assert set(listed) == {"operator", "auditor"}
    assert listed["operator"]["role"] == "desk_operator" and listed["operator"]["disabled"] is False
    assert listed["operator"]["last_sign_in_at"] is not None and listed["auditor"]["last_sign_in_at"] is None
    assert await pidesk("user", "list") == 0
    text = capsys.readouterr().out
    assert "operator" in text and "desk_operator" in text and "never" in text
    assert "argon2" not in text and "password" not in json.dumps(listed)
    entries = await cli_audit(desk)
    assert [e["path"] for e in entries] == ["pidesk user list", "pidesk user list"]
    assert all(str(e["actor"]).startswith("cli:") and e["status"] == 200 for e in entries)


async def test_disable_ends_the_sessions_and_refuses_sign_in_until_enabled(desk: Desk) -> None:
    assert (await sign_in(desk.client, "operator")).status_code == 303
    assert (await desk.client.get("/desk")).status_code == 200
    assert await sessions_of(desk, "operator") == 1

    assert await pidesk("user", "disable", "operator") == 0
    assert await sessions_of(desk, "operator") == 0
    assert (await desk.client.get("/desk")).status_code == 303  # the open tab is signed out
    assert (await sign_in(desk.client, "operator")).status_code == 401

    assert await pidesk("user", "enable", "operator") == 0
    assert (await desk.client.get("/desk")).status_code == 303  # an ended session stays ended
    assert (await sign_in(desk.client, "operator")).status_code == 303
    assert (await desk.client.get("/desk")).status_code == 200
    assert [e["path"] for e in await cli_audit(desk)] == ["pidesk user disable operator", "pidesk user enable operator"]


async def test_reset_password_ends_the_sessions_and_only_the_new_password_signs_in(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (await sign_in(desk.client, "operator")).status_code == 303
    monkeypatch.setattr(sys, "stdin", io.StringIO("too short\n"))
    assert await pidesk("user", "reset-password", "operator", "--password-stdin") == 1  # the rule of `user add`
    assert (await desk.client.get("/desk")).status_code == 200  # refused: nothing changed

    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert await pidesk("user", "reset-password", "operator", "--password-stdin") == 0
    assert (await desk.client.get("/desk")).status_code == 303
    assert await sessions_of(desk, "operator") == 0
    assert (await sign_in(desk.client, "operator", PASSWORD)).status_code == 401
    assert (await sign_in(desk.client, "operator", NEW_PASSWORD)).status_code == 303
    assert [e["path"] for e in await cli_audit(desk)] == ["pidesk user reset-password operator"]


async def test_add_creates_an_account_that_signs_in_and_only_what_was_done_is_audited(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def password(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text + "\n"))

    password(NEW_PASSWORD)
    assert await pidesk("user", "add", "newcomer", "--role", "desk_operator", "--password-stdin") == 0
    assert (await sign_in(desk.client, "newcomer", NEW_PASSWORD)).status_code == 303
    password("too short")
    assert await pidesk("user", "add", "second", "--role", "auditor", "--password-stdin") == 1
    password(NEW_PASSWORD)
    assert await pidesk("user", "add", "newcomer", "--role", "auditor", "--password-stdin") == 1
    assert "exists already" in capsys.readouterr().err
    entries = await cli_audit(desk)
    assert [e["path"] for e in entries] == ["pidesk user add newcomer --role desk_operator"]
    assert str(entries[0]["actor"]).startswith("cli:") and NEW_PASSWORD not in json.dumps(entries)


async def test_an_unknown_user_is_a_clear_error_with_exit_code_2(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for action in ("disable", "enable"):
        assert await pidesk("user", action, "nobody") == 2
        assert "no user named 'nobody'" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO(NEW_PASSWORD + "\n"))
    assert await pidesk("user", "reset-password", "nobody", "--password-stdin") == 2
    assert "no user named 'nobody'" in capsys.readouterr().err
    assert await cli_audit(desk) == []  # nothing was done, so nothing is recorded
    engine = create_engine(desk.url)
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.method == "CLI")) == 0
    await engine.dispose()
