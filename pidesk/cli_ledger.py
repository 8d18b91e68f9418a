"""`pidesk ledger import|export`: the personal-information ledger to and from a file (CSV or YAML; the
formats: services/escalation/domain/ledger_files.py and the README, "The personal-information ledger").

An import is all or nothing: a file with any problem (an owner the directory, PIDESK_DIRECTORY, does not
know included) is refused with every problem located (the CSV line, the YAML entry and line) and changes
nothing. Otherwise each entry is upserted by id in one transaction
on escalation's database: a new version only where something changed, recorded as made by `--by`
(default `cli:<operating-system user>`), with one audit entry (actor `cli:<user>`, method `CLI`) in the
same transaction. `--dry-run` reads and compares, reports what would change, and changes nothing.
An export writes every entry as it stands, retired ones included: importing it again changes nothing.

Exit codes: 0 done, 1 the file was refused, 2 usage (no such file, unreadable).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

REFUSED = 1
USAGE = 2
MAX_FILE_BYTES = 20 * 1024 * 1024


def add_parser(sub: Any) -> None:
    ledger = sub.add_parser("ledger", help="the personal-information ledger (個人情報管理台帳)")
    actions = ledger.add_subparsers(dest="action", required=True)
    load = actions.add_parser("import", help="upsert the entries of a CSV or YAML file (all or nothing)")
    load.add_argument("file", help="the ledger file ('-' for standard input)")
    load.add_argument("--format", choices=["csv", "yaml"], help="default: from the file's name (.csv, else YAML)")
    load.add_argument("--dry-run", action="store_true", help="check and report what would change; change nothing")
    load.add_argument(
        "--by", metavar="NAME", help="who made the changes, for the entries' history (default: cli:<your user>)"
    )
    dump = actions.add_parser("export", help="write every entry as it stands (retired ones included)")
    dump.add_argument("--format", choices=["csv", "yaml"], help="default: from -o's name, else YAML")
    dump.add_argument("-o", "--output", help="the file to write (default: standard output)")


def run(args: argparse.Namespace) -> int:
    from pidesk.services.escalation.domain.ledger_files import LedgerFormat, format_of

    if args.action == "import":
        name = args.file
        fmt = LedgerFormat(args.format) if args.format else format_of(name)
        text = _read(name)
        if text is None:
            return USAGE
        return _import(name, text, fmt, dry_run=args.dry_run, by=args.by)
    fmt = LedgerFormat(args.format) if args.format else format_of(args.output or "")
    return _export(fmt, args.output)


def _read(name: str) -> str | None:
    try:
        if name == "-":
            data = sys.stdin.buffer.read(MAX_FILE_BYTES + 1)
        else:
            with Path(name).open("rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        print(f"pidesk ledger import: cannot read {name}: {exc.strerror or exc}", file=sys.stderr)
        return None
    if len(data) > MAX_FILE_BYTES:
        print(f"pidesk ledger import: {name} is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB", file=sys.stderr)
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        print(f"pidesk ledger import: {name} is not UTF-8 (byte {exc.start})", file=sys.stderr)
        return None


def _import(name: str, text: str, fmt: Any, *, dry_run: bool, by: str | None) -> int:
    from pidesk import cli_audit
    from pidesk.services.escalation.domain.ledger_files import LedgerFileInvalid, read_ledger

    companies = _companies()
    if companies is None:
        return USAGE
    try:
        entries = read_ledger(text, fmt, companies)
    except LedgerFileInvalid as exc:
        for problem in exc.problems:
            print(f"{name}: {problem}", file=sys.stderr)
        more = exc.total - len(exc.problems)
        print(
            f"pidesk ledger import: {name} refused ({exc.total} problem(s)"
            + (f", {more} not shown" if more else "")
            + "); nothing changed",
            file=sys.stderr,
        )
        return REFUSED
    who = " ".join((by or cli_audit.cli_actor()).split())[:200]
    from sqlalchemy.exc import IntegrityError

    try:
        summary = asyncio.run(_apply(name, entries, who, dry_run))
    except IntegrityError:  # a new entry of the file was added by someone else meanwhile
        print("pidesk ledger import: the ledger changed meanwhile; nothing changed, run it again", file=sys.stderr)
        return REFUSED
    if dry_run:
        print(f"{name}: {len(entries)} entries; dry run, nothing changed; would be: {summary}")
    else:
        print(f"{name}: {len(entries)} entries; {summary}")
    return 0


def _companies() -> frozenset[str] | None:
    """The group companies of the directory escalation routes by (PIDESK_DIRECTORY): an entry's owner."""
    from pidesk.services.escalation.adapters.policy_files import load_directory
    from pidesk.services.escalation.config import EscalationSettings
    from pidesk.services.escalation.service.ledger import directory_companies
    from pidesk.shared.policy_files import PolicyFileError

    try:
        return directory_companies(load_directory(EscalationSettings().directory))
    except PolicyFileError as exc:
        print(f"pidesk ledger import: the directory cannot be read: {exc}", file=sys.stderr)
        return None


async def _apply(name: str, entries: list[Any], by: str, dry_run: bool) -> Any:
    from pidesk import cli_audit
    from pidesk.services.escalation.service.ledger import import_entries
    from pidesk.shared.db.base import utcnow

    async with cli_audit.escalation_uow() as uow:
        summary = await import_entries(uow, entries, by=by, now=utcnow(), dry_run=dry_run)
        if dry_run:
            return summary  # leaving the unit of work rolls back: nothing changed
        cli_audit.record(uow, f"pidesk ledger import {Path(name).name} by {by}: {summary}")
        await uow.commit()
        return summary


def _export(fmt: Any, output: str | None) -> int:
    from pidesk.services.escalation.domain.ledger_files import write_ledger

    entries = asyncio.run(_entries(output))
    text = write_ledger(entries, fmt)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"pidesk ledger export: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return USAGE
        print(f"{len(entries)} entries written to {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


async def _entries(output: str | None) -> list[Any]:
    from pidesk import cli_audit
    from pidesk.services.escalation.service.ledger import all_entries

    async with cli_audit.escalation_uow() as uow:
        entries = await all_entries(uow)
        target = Path(output).name if output else "standard output"
        cli_audit.record(uow, f"pidesk ledger export ({len(entries)} entries) to {target}")
        await uow.commit()
        return entries
