"""Dashboard accounts: argon2-hashed passwords, throttled sign-in (never a lock-out), server-side sessions.

The session cookie carries a random token; the database keeps only its SHA-256, so a copy of the
table signs no one in. Each session has its own CSRF token, sent back by the dashboard in a header.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.accounts import DeskAccounts
from pidesk.services.escalation.adapters.orm import DeskSession, DeskUser
from pidesk.services.escalation.service import throttle
from pidesk.shared.vocabulary import Role

IDLE_TIMEOUT = timedelta(hours=2)
ABSOLUTE_TIMEOUT = timedelta(hours=12)  # one on-call shift
MIN_PASSWORD = 12

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not-a-password-of-anyone")  # equal work when the name is unknown


class AccountError(ValueError):
    pass


class UnknownUser(AccountError):
    """No account has this name."""


@dataclass(frozen=True)
class SignIn:
    user: DeskUser | None
    refusal: str | None  # None or "invalid": one answer for every failure


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_user(session: AsyncSession, name: str, role: str, password: str) -> DeskUser:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise AccountError("the name must be 1 to 200 characters")
    try:
        role_value = Role(role).value
    except ValueError:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(r.value for r in Role)}") from None
    check_password(password)
    accounts = DeskAccounts(session)
    if await accounts.user_named(name):
        raise AccountError(f"a user named {name!r} exists already")
    user = DeskUser(name=name, role=role_value, password_hash=_hasher.hash(password))
    accounts.add(user)
    return user


def check_password(password: str) -> None:
    """The one strength rule for every password set (`user add`, `user reset-password`)."""
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")


async def _existing(accounts: DeskAccounts, name: str) -> DeskUser:
    user = await accounts.user_named(" ".join(name.split()))
    if user is None:
        raise UnknownUser(f"no user named {name!r}")
    return user


async def set_disabled(accounts: DeskAccounts, name: str, disabled: bool) -> int:
    """Disable or enable an account; disabling also ends its sessions at once (a disabled person's
    open tab must not keep working). Returns how many sessions were ended."""
    user = await _existing(accounts, name)
    user.disabled = disabled
    return await accounts.drop_sessions_of(user.id) if disabled else 0


async def reset_password(accounts: DeskAccounts, name: str, password: str) -> int:
    """A new password (same strength rule as a new account); every session signed in with the old one
    ends, since a reset usually means the old one is known to someone else. Returns how many ended."""
    check_password(password)
    user = await _existing(accounts, name)
    user.password_hash = _hasher.hash(password)
    return await accounts.drop_sessions_of(user.id)


async def sign_in(session: AsyncSession, name: str, password: str, now: datetime, client: str) -> SignIn:
    """Check a name and password from `client` (its address).

    Every failure — unknown or disabled name, wrong password, a (name, address) pair still waiting
    after earlier failures (service/throttle.py) — gets the same refusal after the same work: one
    argon2 verification. No failure locks the account: its owner elsewhere still signs in.
    """
    key = throttle.throttle_key(name, client)
    held = await throttle.waiting(session, key, now)
    user = await DeskAccounts(session).user_named(" ".join(name.split()))
    usable = user is not None and not user.disabled
    matches = _verify(user.password_hash if usable and user is not None else _DUMMY, password)
    if held or not usable or not matches or user is None:
        if not held:
            await throttle.record_failure(session, key, now)
        return SignIn(None, "invalid")
    await throttle.clear(session, key)
    user.last_sign_in_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return SignIn(user, None)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def open_session(session: AsyncSession, user: DeskUser, now: datetime) -> tuple[str, str]:
    """A new session for `user`: (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    accounts = DeskAccounts(session)
    accounts.add(
        DeskSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
        )
    )
    await accounts.drop_expired(now)
    return token, csrf


async def find_session(session: AsyncSession, token: str | None, now: datetime) -> DeskSession | None:
    """The live session of a cookie token (idle and absolute timeouts applied), else None."""
    if not token or len(token) > 100:
        return None
    found = await DeskAccounts(session).session_of(_digest(token))
    if found is None or found.expires_at <= now or found.last_seen_at + IDLE_TIMEOUT <= now:
        return None
    if found.user.disabled:
        return None
    if now - found.last_seen_at > timedelta(minutes=1):
        found.last_seen_at = now
    return found


async def still_signed_in(session: AsyncSession, token: str | None, now: datetime) -> bool:
    """Whether the cookie token's session is still live, without counting this as activity (a live
    stream left open in a tab must not keep a session from going idle)."""
    if not token or len(token) > 100:
        return False
    found = await DeskAccounts(session).session_of(_digest(token), fresh=True)
    return (
        found is not None
        and found.expires_at > now
        and found.last_seen_at + IDLE_TIMEOUT > now
        and not found.user.disabled
    )


async def end_session(session: AsyncSession, token: str | None) -> None:
    if token:
        await DeskAccounts(session).drop_session(_digest(token))
