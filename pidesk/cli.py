"""The `pidesk` command: run a service, the whole system, migrations; tokens, accounts, dead letters."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from datetime import timedelta
from typing import Any

from pidesk import cli_dlq, cli_ledger, cli_users
from pidesk.shared.vocabulary import Role

SERVICES = ("intake", "escalation", "notifier")
TOKEN_AUDIENCES = ("escalation", "notifier")  # shared/http/auth.py AUDIENCES


def _settings(service: str) -> Any:
    if service == "intake":
        from pidesk.services.intake.config import IntakeSettings

        return IntakeSettings()
    if service == "escalation":
        from pidesk.services.escalation.config import EscalationSettings

        return EscalationSettings()
    from pidesk.services.notifier.config import NotifierSettings

    return NotifierSettings()


WORKER_SERVICE = "PIDESK_WORKER_SERVICE"  # tells each spawned worker process which service it runs


def default_workers(service: str, database_url: str) -> int:
    """Intake on PostgreSQL: one worker per core. Escalation and the notifier scale as whole instances
    (each one a consumer in the group), and SQLite wants a single writer: one."""
    from pidesk.shared.db.engine import is_sqlite

    if service != "intake" or is_sqlite(database_url):
        return 1
    return os.cpu_count() or 1


def run_service(service: str, host: str | None, port: int | None, workers: int | None = None) -> int:
    import uvicorn

    from pidesk.shared.db.engine import is_sqlite
    from pidesk.shared.logging import configure_logging

    settings = _settings(service)
    configure_logging(service, settings.log_level)
    count = workers or default_workers(service, settings.database_url)
    if count > 1 and is_sqlite(settings.database_url):
        print(f"pidesk {service}: --workers {count} needs PostgreSQL (SQLite has one writer)", file=sys.stderr)
        return 2
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        "log_config": None,
        # X-Forwarded-For / -Proto believed from the listed proxies only (PIDESK_TRUSTED_PROXIES)
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": settings.trusted_proxies or None,
        "timeout_graceful_shutdown": 10,
    }
    if count == 1:
        uvicorn.run(_build_app(service, settings), **options)
    else:  # the workers share the listening socket; each builds its own app, relay and consumers
        os.environ[WORKER_SERVICE] = service
        uvicorn.run("pidesk.cli:worker_app", factory=True, workers=count, **options)
    return 0


def worker_app() -> Any:
    """The app of one worker process of `pidesk <service> --workers N`."""
    from pidesk.shared.logging import configure_logging

    service = os.environ[WORKER_SERVICE]
    settings = _settings(service)
    configure_logging(service, settings.log_level)
    return _build_app(service, settings)


def _build_app(service: str, settings: Any) -> Any:
    import importlib

    return importlib.import_module(f"pidesk.services.{service}.bootstrap").build_app(settings)


def db_command(action: str, services: list[str], revision: str | None) -> int:
    from pidesk.migrations import runner

    for service in services:
        url = _settings(service).database_url
        if action == "upgrade":
            asyncio.run(runner.upgrade(url, service, revision or "head"))  # type: ignore[arg-type]  # argparse `choices` checked it
        elif action == "downgrade":
            asyncio.run(runner.downgrade(url, service, revision or "base"))  # type: ignore[arg-type]  # argparse `choices` checked it
        current = asyncio.run(runner.current_revision(url))
        head = runner.head_revision(service)  # type: ignore[arg-type]  # argparse `choices` checked it
        print(f"{service}: at {current or 'base'} (head {head})")
    return 0


MAX_TOKEN_TTL_DAYS = 90
DEFAULT_TOKEN_TTL_DAYS = 30


def ttl_days_argument(value: str) -> int:
    """--ttl-days: a whole number of days from 1 to MAX_TOKEN_TTL_DAYS."""
    try:
        days = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of days: {value!r}") from None
    if not 1 <= days <= MAX_TOKEN_TTL_DAYS:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_TOKEN_TTL_DAYS} days")
    return days


def token_issue(role: str, name: str, ttl_days: int, audience: str) -> int:
    from pidesk.shared.http.auth import issue_token
    from pidesk.shared.settings import TokenSettings

    master = TokenSettings().token_master
    ttl = timedelta(days=ttl_days)
    token = issue_token(master, name=name, role=Role(role), audience=audience, ttl=ttl)  # type: ignore[arg-type]  # argparse `choices` checked it
    print(token)
    print(f"jti {token_id_of(token)} (pidesk token revoke <jti> ends it early)", file=sys.stderr)
    return 0


def token_key_print(audience: str) -> int:
    """The key of one audience, derived from PIDESK_TOKEN_SECRET, for a service that should hold only
    its own (NOTIFIER_TOKEN_KEY)."""
    import base64

    from pidesk.shared.http.auth import token_key
    from pidesk.shared.settings import TokenSettings

    key = token_key(TokenSettings().token_master, audience)  # type: ignore[arg-type]  # argparse `choices` checked it
    print(base64.urlsafe_b64encode(key).decode().rstrip("="))
    return 0


def token_id_of(token_or_jti: str) -> str:
    """The jti of a token (its claims read without checking the signature), or the jti itself."""
    if token_or_jti.count(".") != 2:
        return token_or_jti.strip()
    import jwt

    try:
        return str(jwt.decode(token_or_jti.strip(), options={"verify_signature": False})["jti"])
    except (jwt.PyJWTError, KeyError):
        raise ValueError("not a token") from None


def token_revoke(token_or_jti: str, reason: str | None) -> int:
    """Put a token's jti on escalation's deny-list: escalation refuses it at once, the notifier within
    NOTIFIER_REVOCATION_POLL_SECONDS. Audited (actor `cli:<user>`) in the same transaction."""
    from pidesk import cli_audit
    from pidesk.services.escalation.service.tokens import revoke
    from pidesk.shared.db.base import utcnow

    try:
        jti = token_id_of(token_or_jti)
    except ValueError:
        print("pidesk token revoke: give a token's jti (or the token itself)", file=sys.stderr)
        return 2
    if not jti or len(jti) > 64:
        print("pidesk token revoke: a jti is 1 to 64 characters", file=sys.stderr)
        return 2

    async def deny() -> None:
        async with cli_audit.escalation_uow() as uow:
            await revoke(uow.session, jti, utcnow(), reason)
            cli_audit.record(uow, f"pidesk token revoke {jti}")
            await uow.commit()

    asyncio.run(deny())
    print(f"token {jti} revoked")
    return 0


def user_add(name: str, role: str, password_stdin: bool) -> int:
    """Create a dashboard account in escalation's database; the password comes from standard input.
    Audited (actor `cli:<user>`) in the same transaction."""
    from pidesk import cli_audit
    from pidesk.services.escalation.service.accounts import AccountError, add_user

    if not password_stdin:
        print("give the password on standard input with --password-stdin (never as an argument)", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\r\n")

    async def add() -> None:
        async with cli_audit.escalation_uow() as uow:
            await add_user(uow.session, name, role, password)
            cli_audit.record(uow, f"pidesk user add {' '.join(name.split())} --role {role}")
            await uow.commit()

    try:
        asyncio.run(add())
    except AccountError as exc:
        print(f"pidesk user add: {exc}", file=sys.stderr)
        return 1
    print(f"user {name!r} added with role {role}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pidesk", description="Personal-information incident desk.")
    sub = p.add_subparsers(dest="command", required=True)
    for service in SERVICES:
        s = sub.add_parser(service, help=f"run the {service} service")
        s.add_argument("--host")
        s.add_argument("--port", type=int)
        s.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("PIDESK_WORKERS", "0")) or None,
            help="processes sharing the port (PIDESK_WORKERS; default: intake on PostgreSQL one per core, else 1)",
        )
    sub.add_parser("up", help="run the whole system locally (Kafka, databases, services, mail sink)")
    sink = sub.add_parser("mailsink", help="a local SMTP server that keeps what it receives as .eml files")
    sink.add_argument("--host", default="127.0.0.1")
    sink.add_argument("--port", type=int, default=1025)
    sink.add_argument("--dir", default=None, help="where to keep messages (default: PIDESK_VAR_DIR/mail)")

    db = sub.add_parser("db", help="database migrations").add_subparsers(dest="action", required=True)
    for action in ("upgrade", "downgrade", "current"):
        a = db.add_parser(action)
        a.add_argument("--service", choices=[*SERVICES, "all"], default="all")
        if action != "current":
            a.add_argument("--revision", default=None)

    token = sub.add_parser("token", help="bearer tokens").add_subparsers(dest="action", required=True)
    issue = token.add_parser("issue", help="print a bearer token for scripts and tools")
    issue.add_argument("--role", required=True, choices=[r.value for r in Role])
    issue.add_argument("--name", required=True)
    issue.add_argument(
        "--ttl-days",
        type=ttl_days_argument,
        default=DEFAULT_TOKEN_TTL_DAYS,
        help=f"lifetime in days, at most {MAX_TOKEN_TTL_DAYS} (default {DEFAULT_TOKEN_TTL_DAYS})",
    )
    issue.add_argument(
        "--audience",
        choices=list(TOKEN_AUDIENCES),
        default="escalation",
        help="the one service the token is for: escalation (desk API, default) or notifier (notices API)",
    )

    key = token.add_parser("key", help="print one service's token key (NOTIFIER_TOKEN_KEY), derived from the master")
    key.add_argument("--audience", choices=["notifier"], default="notifier")
    revoke = token.add_parser("revoke", help="revoke a token (by its jti, printed when issued, or the token itself)")
    revoke.add_argument("jti")
    revoke.add_argument("--reason", default=None)

    user = sub.add_parser("user", help="dashboard accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="create a person's dashboard account (password on standard input)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in Role])
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    cli_users.add_parsers(user)
    cli_dlq.add_parser(sub)
    cli_ledger.add_parser(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command in SERVICES:
        return run_service(args.command, args.host, args.port, args.workers)
    if args.command == "up":
        from pidesk.up import up

        return up()
    if args.command == "mailsink":
        from pidesk.mailsink import serve

        return serve(args.host, args.port, args.dir)
    if args.command == "db":
        services = list(SERVICES) if args.service == "all" else [args.service]
        return db_command(args.action, services, getattr(args, "revision", None))
    if args.command == "token" and args.action == "key":
        return token_key_print(args.audience)
    if args.command == "token" and args.action == "revoke":
        return token_revoke(args.jti, args.reason)
    if args.command == "token":
        return token_issue(args.role, args.name, args.ttl_days, args.audience)
    if args.command == "user" and args.action == "add":
        return user_add(args.name, args.role, args.password_stdin)
    if args.command == "user":
        return cli_users.run(args)
    if args.command == "dlq":
        return cli_dlq.run(args)
    if args.command == "ledger":
        return cli_ledger.run(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
