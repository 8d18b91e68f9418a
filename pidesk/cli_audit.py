"""Audit entries for what an operator does with the `pidesk` command.

A command that changes something (an account, a replayed event) writes an entry to escalation's audit
log, the one the desk's audit view (`GET /v1/audit`) reads, so auditors see it next to the API calls.
The command has no signed-in principal: the actor is `cli:<operating-system user>`, the method `CLI`,
the "path" the action in words, and the client the host it ran on.
"""

from __future__ import annotations

import getpass
import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from pidesk.services.escalation.adapters.orm import AuditEntry
from pidesk.services.escalation.adapters.unit_of_work import EscalationUnitOfWork
from pidesk.shared.db.base import utcnow

CLI_METHOD = "CLI"
DONE = 200  # the status of an action carried out (the HTTP entries' "answered OK")


def cli_actor() -> str:
    """`cli:<user>`: who ran the command, as the operating system knows them (never confused with a
    dashboard user or a `token:` subject)."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):  # no name for this uid (e.g. a container's arbitrary uid)
        user = f"uid-{os.getuid()}"
    return f"cli:{user}"[:200]


def record(uow: EscalationUnitOfWork, action: str, incident_id: uuid.UUID | None = None) -> None:
    """Stage one audit entry in the unit of work's transaction: it commits with the change it records."""
    uow.session.add(
        AuditEntry(
            at=utcnow(),
            actor=cli_actor(),
            role=None,
            method=CLI_METHOD,
            path=action[:500],
            incident_id=incident_id,
            status=DONE,
            client=socket.gethostname()[:100] or "localhost",
        )
    )


@asynccontextmanager
async def escalation_uow() -> AsyncIterator[EscalationUnitOfWork]:
    """A unit of work on escalation's database (ESCALATION_DATABASE_URL); the embedded SQLite database
    is created first if `pidesk up` has not run yet."""
    from pidesk.migrations import runner
    from pidesk.services.escalation.config import EscalationSettings
    from pidesk.shared.db.engine import create_engine, is_sqlite, session_factory

    url = EscalationSettings().database_url
    if is_sqlite(url):
        await runner.upgrade(url, "escalation")
    engine = create_engine(url)
    try:
        async with EscalationUnitOfWork(session_factory(engine)) as uow:
            yield uow
    finally:
        await engine.dispose()
