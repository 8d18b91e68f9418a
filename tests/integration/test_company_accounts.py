"""Issue 14 item 6: desk accounts of people signed in by the company's identity provider, on PostgreSQL.

Made at the first sign-in with the mapped role, brought up to date at each, refused when no group maps
to a role or the account is disabled, never a takeover of an account of the same name bound to someone
else (a local break-glass account or another subject), and never signed in to with a password."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from pidesk.migrations import runner
from pidesk.services.escalation.adapters.orm import DeskSession, DeskUser
from pidesk.services.escalation.service import accounts
from pidesk.services.escalation.service.company_accounts import sign_in_with_company_account, subject_marker
from pidesk.shared.db.engine import create_engine, session_factory
from pidesk.shared.vocabulary import Role
from tests.support.infra import fresh_postgres_database

ISSUER = "https://login.example.co.jp/tenant"
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with fresh_postgres_database("company") as url:
        await runner.upgrade(url, "escalation")
        engine = create_engine(url)
        try:
            yield session_factory(engine)
        finally:
            await engine.dispose()


async def company(
    sessions: async_sessionmaker[AsyncSession], subject: str, username: str, role: Role | None, at: datetime = NOW
) -> accounts.SignIn:
    async with sessions() as session, session.begin():
        outcome = await sign_in_with_company_account(
            session, issuer=ISSUER, subject=subject, username=username, role=role, now=at
        )
        if outcome.user is not None:
            await accounts.open_session(session, outcome.user, at)
        return outcome


async def user(sessions: async_sessionmaker[AsyncSession], name: str) -> DeskUser | None:
    async with sessions() as session:
        found: DeskUser | None = await session.scalar(select(DeskUser).where(DeskUser.name == name))
        return found


async def test_first_sign_in_makes_the_account_and_later_ones_follow_the_groups(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = await company(sessions, "00u1abc", "alice", Role.DESK_OPERATOR)
    assert first.refusal is None and first.user is not None
    made = await user(sessions, "oidc:alice")
    assert made is not None and made.role == "desk_operator" and made.last_sign_in_at == NOW
    assert made.password_hash == subject_marker(ISSUER, "00u1abc")

    later = NOW + timedelta(hours=1)
    again = await company(sessions, "00u1abc", "alice", Role.OFFICER, at=later)
    assert again.user is not None and again.user.id == first.user.id  # the same account
    updated = await user(sessions, "oidc:alice")
    assert updated is not None and updated.role == "officer" and updated.last_sign_in_at == later
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(DeskUser)) == 1
        assert await session.scalar(select(func.count()).select_from(DeskSession)) == 2


async def test_no_role_and_disabled_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert (await company(sessions, "00u9zzz", "mallory", None)).refusal == "oidc_no_role"
    assert await user(sessions, "oidc:mallory") is None  # no account for someone without a role

    assert (await company(sessions, "00u1abc", "alice", Role.AUDITOR)).user is not None
    assert (await company(sessions, "00u1abc", "alice", None)).refusal == "oidc_no_role"  # left the group
    kept = await user(sessions, "oidc:alice")
    assert kept is not None and kept.role == "auditor"

    async with sessions() as session, session.begin():
        found = await session.scalar(select(DeskUser).where(DeskUser.name == "oidc:alice"))
        assert found is not None
        found.disabled = True
    assert (await company(sessions, "00u1abc", "alice", Role.AUDITOR)).refusal == "oidc_disabled"


async def test_an_account_bound_to_someone_else_is_never_taken_over(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await accounts.add_user(session, "oidc:root", "pi_administrator", PASSWORD)  # a local account
    assert (await company(sessions, "00u7root", "root", Role.PI_ADMINISTRATOR)).refusal == "oidc_name_taken"
    local = await user(sessions, "oidc:root")
    assert local is not None and local.password_hash.startswith("$argon2")  # untouched

    assert (await company(sessions, "00u1abc", "alice", Role.DESK_OPERATOR)).user is not None
    # the provider later calls another person "alice" (a name reused): not the first alice's account
    assert (await company(sessions, "00u2new", "alice", Role.PI_ADMINISTRATOR)).refusal == "oidc_name_taken"
    # the same person at another provider is another subject too
    async with sessions() as session, session.begin():
        elsewhere = await sign_in_with_company_account(
            session, issuer="https://other.example", subject="00u1abc", username="alice", role=Role.OFFICER, now=NOW
        )
    assert elsewhere.refusal == "oidc_name_taken"
    kept = await user(sessions, "oidc:alice")
    assert kept is not None and kept.role == "desk_operator"


async def test_no_password_signs_in_to_a_company_account(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert (await company(sessions, "00u1abc", "alice", Role.DESK_OPERATOR)).user is not None
    marker = subject_marker(ISSUER, "00u1abc")
    for password in (marker, "", PASSWORD, "!oidc:"):
        async with sessions() as session, session.begin():
            answer = await accounts.sign_in(session, "oidc:alice", password, NOW, f"client-{len(password)}")
        assert answer.user is None and answer.refusal == "invalid", password
