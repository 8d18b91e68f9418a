"""Services under test: in-process apps on a fresh database, or a stack of real service processes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from pidesk.migrations import runner
from pidesk.services.escalation import bootstrap as escalation_bootstrap
from pidesk.services.escalation.config import EscalationSettings
from pidesk.services.escalation.service import accounts
from pidesk.services.intake.bootstrap import build_app
from pidesk.services.intake.config import IntakeSettings
from pidesk.shared.db.engine import create_engine, session_factory
from tests.support.infra import free_port, fresh_postgres_database, kafka_bootstrap
from tests.support.kafka import groups_of_our_own
from tests.support.mail import MailSink
from tests.support.services import ServiceProcess, pidesk_cli


@asynccontextmanager
async def intake_app(tmp_path: Path, prefix: str, **settings: Any) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Intake in-process on a fresh, migrated PostgreSQL database: (client, database URL).

    No lifespan runs, so the relay does not publish: the outbox keeps what a request wrote."""
    async with fresh_postgres_database(prefix) as url:
        await runner.upgrade(url, "intake")
        config = IntakeSettings(
            env="test", var_dir=tmp_path, KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(), INTAKE_DATABASE_URL=url, **settings
        )
        transport = httpx.ASGITransport(app=build_app(config))
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield client, url


@asynccontextmanager
async def escalation_app(
    tmp_path: Path, prefix: str, secret: str, users: Sequence[tuple[str, str, str]] = ()
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """Escalation in-process on a fresh, migrated PostgreSQL database with the desk `users` (name, role,
    password): (client, database URL). No notifier listens at its URL; no lifespan runs."""
    async with fresh_postgres_database(prefix) as url:
        await runner.upgrade(url, "escalation")
        if users:
            engine = create_engine(url)
            async with session_factory(engine)() as session, session.begin():
                for name, role, password in users:
                    await accounts.add_user(session, name, role, password)
            await engine.dispose()
        config = EscalationSettings(
            env="test",
            var_dir=tmp_path,
            KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap(),
            ESCALATION_DATABASE_URL=url,
            token_secret=secret,
            ESCALATION_NOTIFIER_URL=f"http://127.0.0.1:{free_port()}",
        )
        transport = httpx.ASGITransport(app=escalation_bootstrap.build_app(config))
        async with httpx.AsyncClient(transport=transport, base_url="http://desk") as client:
            yield client, url


@asynccontextmanager
async def service_stack(
    tmp_path: Path, services: tuple[str, ...], extra_env: dict[str, str] | None = None
) -> AsyncIterator[dict[str, Any]]:
    """Real `pidesk <service>` processes, each on its own fresh PostgreSQL database, on the test broker.

    Yields {"env", "<service>": ServiceProcess, "<service>_db": URL}."""
    async with AsyncExitStack() as stack:
        env = {
            "PIDESK_ENV": "test",
            "PIDESK_VAR_DIR": str(tmp_path / "var"),
            "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap(),
            "PIDESK_OUTBOX_POLL_SECONDS": "0.2",
            # consumer groups of this stack's own, at the end of every topic: earlier tests' events are
            # not its backlog, and a member of another stack can never hold its partitions
            "PIDESK_CONSUMER_GROUP_SUFFIX": await groups_of_our_own(services),
            **(extra_env or {}),
        }
        stack_info: dict[str, Any] = {"env": env}
        for service in services:
            url = await stack.enter_async_context(fresh_postgres_database(f"e2e_{service[:4]}"))
            env[f"{service.upper()}_DATABASE_URL"] = url
            stack_info[f"{service}_db"] = url
        for service in services:
            assert f"{service}: at" in pidesk_cli("db", "upgrade", "--service", service, env=env)
        processes = {service: ServiceProcess(service, env, tmp_path) for service in services}
        links: dict[str, str] = {}
        if "notifier" in processes:
            links["ESCALATION_NOTIFIER_URL"] = processes["notifier"].url
            links["NOTIFIER_PUBLIC_URL"] = processes["notifier"].url
        if "escalation" in processes:
            links["NOTIFIER_DESK_URL"] = f"{processes['escalation'].url}/desk"
            links["NOTIFIER_ESCALATION_URL"] = processes["escalation"].url  # the revoked-token list
        env.update({k: v for k, v in links.items() if k not in env})
        for service, process in processes.items():
            process.env.update({k: env[k] for k in links})
            stack.callback(process.stop)
            stack_info[service] = process.start()
        yield stack_info


@asynccontextmanager
async def mailing_stack(tmp_path: Path, sink: MailSink, **env: str) -> AsyncIterator[dict[str, Any]]:
    """Intake, escalation and notifier processes (service_stack), the notifier mailing `sink`."""
    settings = {"NOTIFIER_SMTP_PORT": str(sink.port), **env}
    async with service_stack(tmp_path, ("intake", "escalation", "notifier"), settings) as stack:
        yield stack
