"""Dashboard sign-in throttling per (name, client address) with growing delays — never a lock-out.

A run of failed sign-ins for one name from one address makes that pair wait: the first few
failures cost nothing, then each further one doubles the wait, up to MAX_DELAY. While a pair waits,
its attempts are refused with the same answer as any wrong password (and after the same work: the
caller still verifies a password hash), so nobody learns whether a name exists or is throttled, and
nobody elsewhere — the account's owner at another address — is kept out. A successful sign-in clears
the pair; records untouched for FORGET_AFTER are deleted.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.orm import SignInThrottle
from pidesk.shared.db.engine import conflict_insert

FREE_FAILURES = 3  # failures of a pair before any wait
BASE_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=5)
FORGET_AFTER = timedelta(hours=24)


def throttle_key(name: str, client: str) -> str:
    """The record of one (name, address) pair: a SHA-256, so the table holds no names or addresses."""
    normalised = " ".join(name.split()).casefold()
    return hashlib.sha256(f"{normalised}\x00{client}".encode()).hexdigest()


def delay_after(failures: int) -> timedelta:
    """How long a pair waits after its `failures`-th failure in a row: 0, then 1 s, 2 s, 4 s … MAX_DELAY."""
    if failures <= FREE_FAILURES:
        return timedelta(0)
    wait: timedelta = BASE_DELAY * 2 ** min(failures - FREE_FAILURES - 1, 30)
    return min(wait, MAX_DELAY)


async def waiting(session: AsyncSession, key: str, now: datetime) -> bool:
    """Whether the pair must still wait before its next attempt is even considered."""
    until = await session.scalar(select(SignInThrottle.blocked_until).where(SignInThrottle.key_hash == key))
    return until is not None and until > now


async def record_failure(session: AsyncSession, key: str, now: datetime) -> int:
    """One more failure of the pair (atomic, also across instances); returns its count in a row."""
    insert = conflict_insert(session, SignInThrottle).values(key_hash=key, failures=1, last_failure_at=now)
    upsert = insert.on_conflict_do_update(
        index_elements=[SignInThrottle.key_hash],
        set_={
            "failures": case(
                (SignInThrottle.last_failure_at < now - FORGET_AFTER, 1), else_=SignInThrottle.failures + 1
            ),
            "last_failure_at": now,
        },
    ).returning(SignInThrottle.failures)
    failures = int((await session.execute(upsert)).scalar_one())
    wait = delay_after(failures)
    row = await session.get(SignInThrottle, key, populate_existing=True)
    if row is not None:
        row.blocked_until = now + wait if wait else None
    await session.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at < now - FORGET_AFTER))
    return failures


async def clear(session: AsyncSession, key: str) -> None:
    await session.execute(delete(SignInThrottle).where(SignInThrottle.key_hash == key))
