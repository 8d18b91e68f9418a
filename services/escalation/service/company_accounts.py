"""Desk accounts of people who sign in with the company's identity provider (OIDC).

Such an account is made at the first sign-in, named `oidc:<preferred_username>` (else the e-mail, else
the provider's subject), and takes its role from the person's groups at every sign-in: a group
change at the provider is a role change on the desk at the next sign-in, and a person whose groups
no longer map to a role is refused. Its password hash is a marker binding it to (issuer, subject),
never an argon2 hash, so no password ever signs in to it and the break-glass password sign-in stays
separate. An account of the same name that is not bound to this subject — a local account, or
another person the provider once called by that name — is never taken over.

After this, the session is the one every sign-in gets (service/accounts.py `open_session`).
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from pidesk.services.escalation.adapters.accounts import DeskAccounts
from pidesk.services.escalation.adapters.orm import DeskUser
from pidesk.services.escalation.service.accounts import SignIn
from pidesk.shared.vocabulary import Role

NAME_PREFIX = "oidc:"
MARKER_PREFIX = "!oidc:"  # argon2 hashes start with "$argon2": a marker never verifies a password


def desk_name(username: str) -> str:
    """The account's name on the desk: `oidc:` and the provider's name for the person."""
    return (NAME_PREFIX + " ".join(username.split()))[:200]


def subject_marker(issuer: str, subject: str) -> str:
    """What the account keeps instead of a password hash: a digest of who the provider says it is."""
    return MARKER_PREFIX + hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()


def is_company_account(user: DeskUser) -> bool:
    return user.password_hash.startswith(MARKER_PREFIX)


async def sign_in_with_company_account(
    session: AsyncSession, *, issuer: str, subject: str, username: str, role: Role | None, now: datetime
) -> SignIn:
    """The account of a person the provider has just vouched for, made or brought up to date.

    Refusals (the page says which, since the person has proven who they are): `oidc_no_role` (no
    group of theirs maps to a role), `oidc_disabled` (`pidesk user disable`), `oidc_name_taken` (the
    name belongs to an account not bound to this subject).
    """
    accounts = DeskAccounts(session)
    name = desk_name(username or subject)
    marker = subject_marker(issuer, subject)
    user = await accounts.user_named(name)
    if user is not None and not hmac.compare_digest(user.password_hash.encode(), marker.encode()):
        return SignIn(None, "oidc_name_taken")
    if user is not None and user.disabled:
        return SignIn(None, "oidc_disabled")
    if role is None:
        return SignIn(None, "oidc_no_role")
    if user is None:
        user = DeskUser(name=name, role=role.value, password_hash=marker)
        accounts.add(user)
    user.role = role.value
    user.last_sign_in_at = now
    await session.flush()  # a new account's id, for its session
    return SignIn(user, None)
