"""`pidesk user list|disable|enable|reset-password`: looking after dashboard accounts.

Each command runs in one transaction on escalation's database, with its audit entry (actor
`cli:<user>`) in the same transaction: an account change and its record commit together or not at
all. Disabling an account or resetting its password also ends its open sessions. Passwords never
appear as arguments: typed twice at a prompt, or one line on standard input (`--password-stdin`).

Exit codes: 0 done, 1 refused (e.g. a password too short), 2 usage (e.g. no such user).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from typing import Any

UNKNOWN_USER = 2
REFUSED = 1


def add_parsers(user: Any) -> None:
    """Register the commands under `pidesk user` (the subparsers `user add` lives in)."""
    listing = user.add_parser("list", help="the dashboard accounts: name, role, disabled, last sign-in")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    for action, text in (("disable", "disable an account and end its sessions"), ("enable", "enable an account")):
        user.add_parser(action, help=text).add_argument("name")
    reset = user.add_parser("reset-password", help="set a new password (prompted twice) and end the sessions")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true", help="read the password from standard input")


def run(args: argparse.Namespace) -> int:
    """`pidesk user <action>` for every action but `add`."""
    from pidesk.services.escalation.service.accounts import AccountError, UnknownUser

    command = f"pidesk user {args.action}"
    name = " ".join(getattr(args, "name", "").split())
    try:
        if args.action == "list":
            return asyncio.run(_list(args.json))
        if args.action in ("disable", "enable"):
            ended = asyncio.run(_set_disabled(args.name, args.action == "disable"))
            print(f"user {name!r} {args.action}d" + (f"; {ended} session(s) ended" if ended else ""))
            return 0
        password = _new_password(args.password_stdin)
        if password is None:
            return REFUSED
        ended = asyncio.run(_reset_password(args.name, password))
        print(f"password of {name!r} reset; {ended} session(s) ended")
        return 0
    except UnknownUser as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return UNKNOWN_USER
    except AccountError as exc:
        print(f"{command}: {exc}", file=sys.stderr)
        return REFUSED


def _new_password(from_stdin: bool) -> str | None:
    """One line of standard input, or typed twice at a prompt (None when the two differ)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("new password: ")
    if getpass.getpass("again: ") != first:
        print("pidesk user reset-password: the two passwords differ; nothing changed", file=sys.stderr)
        return None
    return first


async def _list(as_json: bool) -> int:
    from pidesk import cli_audit

    async with cli_audit.escalation_uow() as uow:
        users = await uow.accounts.all_users()
        rows: list[dict[str, Any]] = [
            {
                "name": u.name,
                "role": u.role,
                "disabled": u.disabled,
                "last_sign_in_at": u.last_sign_in_at.isoformat() if u.last_sign_in_at else None,
            }
            for u in users
        ]
        cli_audit.record(uow, "pidesk user list")
        await uow.commit()
    if as_json:
        print(json.dumps({"users": rows}, ensure_ascii=False))
        return 0
    width = max([len(r["name"]) for r in rows] + [4])
    print(f"{'name':<{width}}  {'role':<16}  {'disabled':<8}  last sign-in")
    for r in rows:
        disabled = "yes" if r["disabled"] else "no"
        print(f"{r['name']:<{width}}  {r['role']:<16}  {disabled:<8}  {r['last_sign_in_at'] or 'never'}")
    print(f"{len(rows)} user(s)", file=sys.stderr)
    return 0


async def _set_disabled(name: str, disabled: bool) -> int:
    from pidesk import cli_audit
    from pidesk.services.escalation.service.accounts import set_disabled

    async with cli_audit.escalation_uow() as uow:
        ended = await set_disabled(uow.accounts, name, disabled)
        cli_audit.record(uow, f"pidesk user {'disable' if disabled else 'enable'} {' '.join(name.split())}")
        await uow.commit()
    return ended


async def _reset_password(name: str, password: str) -> int:
    from pidesk import cli_audit
    from pidesk.services.escalation.service.accounts import reset_password

    async with cli_audit.escalation_uow() as uow:
        ended = await reset_password(uow.accounts, name, password)
        cli_audit.record(uow, f"pidesk user reset-password {' '.join(name.split())}")
        await uow.commit()
    return ended
