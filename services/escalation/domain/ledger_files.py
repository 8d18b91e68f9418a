"""The ledger as a file (issue 16): CSV and YAML, read with every problem located, written back so that
reading what was written gives the same entries.

**CSV**: UTF-8 (a byte-order mark is skipped), a header row naming the columns (`FIELDS` of
domain/ledger.py; only `id` and the required ones must be there, in any order), one row an entry. List
cells are `;`-separated: `assets` as `type:identifier` (`s3:customer-data;github:example/crm`),
`data_categories` (`name;my_number`), `transfers` (`US;SG`); `subject_regions` as `JP=48000;EU=1200`;
`counted_on` as YYYY-MM-DD; `retired` `true` or `false`; an empty cell is "not given". A text written
with `'` before a leading `=`, `+`, `-`, `@` (so that a spreadsheet does not run it) is read without it. A problem is
located by the line the row starts on (the header is line 1).

**YAML**: a list of mappings with the same field names (lists as YAML lists, `subject_regions` as a
mapping), or a mapping with that list under `entries`. A problem is located by the entry's index (from 1)
and the line of the field (or of the entry).

Given the directory's group companies, each entry's `company` must be one of them. Reading is all or
nothing: a file with any problem gives no entries, and every problem is reported (`LedgerFileInvalid`);
so is an id given twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import yaml

from pidesk.services.escalation.domain.ledger import (
    FIELDS,
    LIST_SEPARATOR,
    LedgerEntry,
    LedgerInvalid,
    entry_record,
    read_entry,
)

MAX_ENTRIES = 20_000  # a ledger is hundreds to a few thousand holdings; more is not a ledger
MAX_PROBLEMS = 200  # reported at most (a wrong file would otherwise print thousands)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula
MAX_CELL = 64 * 1024  # the largest CSV field read (csv's own default is 128 KiB)


class LedgerFormat(StrEnum):
    CSV = "csv"
    YAML = "yaml"


@dataclass(frozen=True)
class FileProblem:
    """Where in the file, and what: `line` the CSV line or YAML line; `entry` the YAML entry's index."""

    line: int | None
    message: str
    entry: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = []
        if self.entry is not None:
            where.append(f"entry {self.entry}")
        if self.line is not None:
            where.append(f"line {self.line}")
        place = ", ".join(where) or "file"
        return f"{place}: {self.field}: {self.message}" if self.field else f"{place}: {self.message}"


class LedgerFileInvalid(ValueError):
    def __init__(self, problems: Sequence[FileProblem]) -> None:
        shown = list(problems)[:MAX_PROBLEMS]
        super().__init__("\n".join(str(p) for p in shown))
        self.problems = shown
        self.total = len(problems)


def format_of(name: str) -> LedgerFormat:
    """The format a file's name implies: `.csv` is CSV, anything else YAML."""
    return LedgerFormat.CSV if name.lower().endswith(".csv") else LedgerFormat.YAML


def _duplicates(entries: list[tuple[LedgerEntry, int | None, int | None]]) -> list[FileProblem]:
    seen: dict[str, int | None] = {}
    problems = []
    for entry, line, index in entries:
        key = entry.id.casefold()
        if key in seen:
            first = seen[key]
            problems.append(
                FileProblem(line, f"the id {entry.id!r} is given twice (first on line {first})", index, "id")
            )
        else:
            seen[key] = line
    return problems


def _check_count(count: int) -> None:
    if count > MAX_ENTRIES:
        raise LedgerFileInvalid([FileProblem(None, f"more than {MAX_ENTRIES:,} entries")])


# ------------------------------------------------------------------------------------------------ CSV


def read_csv(text: str, companies: Collection[str] | None = None) -> list[LedgerEntry]:
    """Every entry of a CSV ledger (LedgerFileInvalid with each problem's line)."""
    text = text.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    csv.field_size_limit(MAX_CELL)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise LedgerFileInvalid([FileProblem(1, f"not readable as CSV: {exc}")]) from None
    if header is None or not any(h.strip() for h in header):
        raise LedgerFileInvalid([FileProblem(1, f"a header row naming the columns is required: {', '.join(FIELDS)}")])
    columns = [h.strip().lower() for h in header]
    problems = [
        FileProblem(1, f"unknown column {name[:50]!r}; the columns are {', '.join(FIELDS)}")
        for name in columns
        if name not in FIELDS
    ]
    problems += [
        FileProblem(1, f"the column {name!r} is given twice") for name in set(columns) if columns.count(name) > 1
    ]
    if problems:
        raise LedgerFileInvalid(problems)
    entries: list[tuple[LedgerEntry, int | None, int | None]] = []
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            problems.append(FileProblem(start, f"not readable as CSV: {exc}"))
            break
        if row is None:
            break
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        _check_count(len(entries) + len(problems))
        if len(row) > len(columns):
            problems.append(FileProblem(line, f"{len(row)} cells, but the header names {len(columns)} columns"))
            continue
        raw = {name: _unquoted(cell) for name, cell in zip(columns, row, strict=False)}
        try:
            entries.append((read_entry(raw, companies), line, None))
        except LedgerInvalid as exc:
            problems += [FileProblem(line, p.message, None, p.field) for p in exc.problems]
    problems += _duplicates(entries)
    if problems:
        raise LedgerFileInvalid(problems)
    return [entry for entry, _, _ in entries]


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{k}={v}" for k, v in value.items())
    return _formula_safe(str(value))


def _formula_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (as /desk/stats.csv writes them): `'` before it."""
    return "'" + cell if cell[:1] in FORMULA_STARTS else cell


def _unquoted(cell: str) -> str:
    """What `_formula_safe` wrote, read back."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


def write_csv(entries: Sequence[LedgerEntry]) -> str:
    """The entries as CSV, every column, one row each (`read_csv` gives them back)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for entry in entries:
        record = entry_record(entry)
        writer.writerow([_cell(name, record[name]) for name in FIELDS])
    return out.getvalue()


# ----------------------------------------------------------------------------------------------- YAML


def _yaml_items(text: str) -> list[yaml.Node]:
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        raise LedgerFileInvalid(
            [FileProblem(mark.line + 1 if mark else None, f"not readable as YAML: {reason}")]
        ) from None
    if document is None:
        return []
    if isinstance(document, yaml.MappingNode):
        entries = [v for k, v in document.value if isinstance(k, yaml.ScalarNode) and k.value == "entries"]
        others = [k for k, _ in document.value if not (isinstance(k, yaml.ScalarNode) and k.value == "entries")]
        if others or not entries:
            line = (others[0] if others else document).start_mark.line + 1
            raise LedgerFileInvalid(
                [FileProblem(line, "a YAML ledger is a list of entries (or `entries:` holding one)")]
            )
        document = entries[0]
    if not isinstance(document, yaml.SequenceNode):
        raise LedgerFileInvalid(
            [
                FileProblem(
                    document.start_mark.line + 1, "a YAML ledger is a list of entries (or `entries:` holding one)"
                )
            ]
        )
    return list(document.value)


def _construct(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def read_yaml(text: str, companies: Collection[str] | None = None) -> list[LedgerEntry]:
    """Every entry of a YAML ledger (LedgerFileInvalid with each problem's entry index and line)."""
    items = _yaml_items(text)
    _check_count(len(items))
    problems: list[FileProblem] = []
    entries: list[tuple[LedgerEntry, int | None, int | None]] = []
    for index, node in enumerate(items, start=1):
        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            problems.append(FileProblem(line, "an entry is a mapping of its fields", index))
            continue
        lines = {str(k.value): k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        try:
            raw = _construct(node)
        except yaml.YAMLError as exc:
            problems.append(FileProblem(line, f"not readable: {getattr(exc, 'problem', None) or exc}", index))
            continue
        if not isinstance(raw, dict) or not all(isinstance(k, str) for k in raw):
            problems.append(FileProblem(line, "an entry is a mapping of its fields", index))
            continue
        try:
            entries.append((read_entry(raw, companies), line, index))
        except LedgerInvalid as exc:
            problems += [FileProblem(lines.get(p.field or "", line), p.message, index, p.field) for p in exc.problems]
    problems += _duplicates(entries)
    if problems:
        raise LedgerFileInvalid(problems)
    return [entry for entry, _, _ in entries]


def _yaml_record(entry: LedgerEntry) -> dict[str, Any]:
    """What a YAML entry shows: every field given, none of the empty ones."""
    record = entry_record(entry)
    if entry.counted_on is not None:
        record["counted_on"] = entry.counted_on  # a YAML date, as a person writes it
    return {name: value for name, value in record.items() if value not in (None, [], {}) and value is not False}


def write_yaml(entries: Sequence[LedgerEntry]) -> str:
    """The entries as a YAML list (`read_yaml` gives them back)."""
    if not entries:
        return "[]\n"
    return yaml.safe_dump(
        [_yaml_record(e) for e in entries], allow_unicode=True, sort_keys=False, default_flow_style=False, width=100
    )


def read_ledger(text: str, fmt: LedgerFormat, companies: Collection[str] | None = None) -> list[LedgerEntry]:
    """Every entry of a ledger file; with `companies`, each owner a group company the directory knows."""
    return read_csv(text, companies) if fmt is LedgerFormat.CSV else read_yaml(text, companies)


def write_ledger(entries: Sequence[LedgerEntry], fmt: LedgerFormat) -> str:
    return write_csv(entries) if fmt is LedgerFormat.CSV else write_yaml(entries)
