"""The personal-information ledger (個人情報管理台帳; issue 16): what personal information each group
company holds, where, about whom, how many, why and under what terms — JIS Q 15001 A.3.3.1 and the
Privacy Mark require every company to keep one.

An entry is one holding: its owner (group company and division), the assets that hold it
(domain/ledger_assets.py), the data categories (the contract's vocabulary, shared/vocabulary.py), the
number of people with the date they were counted, the subjects' regions with their counts (the regions
of the assessment: ISO 3166 alpha-2, `EU`, `US-CA` style), the purpose of use, the legal basis or
consent, whether the company is the controller or a processor (and for whom), the retention, the storage
location, the cross-border transfers (destination regions), the encryption (the assessment's levels) and
the person responsible. An entry is never deleted: it is retired, a version like any other.

`read_entry` reads one entry from plain values — a YAML mapping, a CSV row (lists `;`-separated,
regions `JP=48000;EU=1200`) or a desk API body — and refuses it with every problem named by its field.
`covering` finds the entries that cover an asset an alert names, most specific first (phase 2: alerts
meet the ledger in the assessment).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pidesk.services.escalation.domain.ledger_assets import (
    AlertAsset,
    Asset,
    AssetError,
    AssetKind,
    AssetMatch,
    best_fit,
    ledger_asset,
)
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole

ENTRY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
REGION = re.compile(r"^(EU|[A-Z]{2}|[A-Z]{2}-[A-Z0-9]{1,3})$")  # as reports give them (docs/contract.md)
REGION_ALIASES = {"UK": "GB"}  # docs/rules.md §2b
MAX_PEOPLE = 10**10  # more than everyone alive: anything larger is a typo, not a count
MAX_ASSETS = 100
LIST_SEPARATOR = ";"

# the fields of an entry, in the order files and answers give them
FIELDS = (
    "id",
    "name",
    "company",
    "division",
    "assets",
    "data_categories",
    "people_count",
    "counted_on",
    "subject_regions",
    "purpose",
    "legal_basis",
    "entity_role",
    "on_behalf_of",
    "retention",
    "storage_location",
    "transfers",
    "encryption",
    "responsible",
    "retired",
)
# the longest each text field may be
TEXT_LIMITS = {
    "name": 200,
    "company": 200,
    "division": 200,
    "purpose": 2000,
    "legal_basis": 500,
    "on_behalf_of": 200,
    "retention": 500,
    "storage_location": 500,
    "responsible": 200,
}
REQUIRED_TEXT = (
    "name",
    "company",
    "division",
    "purpose",
    "legal_basis",
    "retention",
    "storage_location",
    "responsible",
)


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    name: str
    company: str  # the group company that owns the holding (a name the directory knows)
    division: str
    assets: tuple[Asset, ...]
    data_categories: tuple[DataCategory, ...]
    people_count: int | None  # None: not counted
    counted_on: date | None  # when `people_count` was counted (given with it)
    subject_regions: dict[str, int]  # region -> people there (sorted by region)
    purpose: str
    legal_basis: str  # the legal basis, or how consent was obtained
    entity_role: EntityRole
    on_behalf_of: str | None  # a processor's client (the controller)
    retention: str
    storage_location: str
    transfers: tuple[str, ...]  # the regions the data is transferred to (outside the storage location)
    encryption: Encryption
    responsible: str  # the person responsible for the holding
    retired: bool = False

    @property
    def asset_kinds(self) -> tuple[AssetKind, ...]:
        return tuple(sorted({a.kind for a in self.assets}))


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of an entry (`field` None: the entry as a whole)."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class LedgerInvalid(ValueError):
    """An entry refused, with every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


@dataclass
class _Reader:
    raw: Mapping[str, Any]
    problems: list[Problem] = field(default_factory=list)

    def refuse(self, name: str | None, message: str) -> None:
        self.problems.append(Problem(name, message))

    def given(self, name: str) -> Any:
        value = self.raw.get(name)
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def entry_id(self) -> str | None:
        value = self.given("id")
        if value is None:
            self.refuse("id", "required (e.g. L-0001, or a slug like crm-customers)")
            return None
        text = str(value).strip()
        if not ENTRY_ID.match(text):
            self.refuse("id", "letters, digits, '.', '_' and '-', at most 64, starting with a letter or digit")
            return None
        return text

    def text(self, name: str, *, required: bool) -> str | None:
        value = self.given(name)
        if value is None:
            if required:
                self.refuse(name, "required")
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.refuse(name, "must be text")
            return None
        text = str(value).strip() if name == "purpose" else " ".join(str(value).split())
        if "\x00" in text:
            self.refuse(name, "must not contain a NUL character")
            return None
        if len(text) > TEXT_LIMITS[name]:
            self.refuse(name, f"at most {TEXT_LIMITS[name]} characters")
            return None
        return text

    def items(self, name: str) -> list[Any]:
        """A list: a YAML or JSON list, or text separated by `;`."""
        value = self.given(name)
        if value is None:
            return []
        if isinstance(value, str):
            return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
        if isinstance(value, list | tuple):
            return list(value)
        self.refuse(name, f"must be a list (in a CSV cell, separated by '{LIST_SEPARATOR}')")
        return []

    def choice(self, name: str, kind: type[EntityRole] | type[Encryption], default: Any) -> Any:
        value = self.given(name)
        if value is None:
            return default
        try:
            return kind(str(value).strip().lower())
        except ValueError:
            self.refuse(name, f"unknown value {str(value)[:50]!r}; one of {', '.join(k.value for k in kind)}")
            return default

    def count(self, name: str, value: Any) -> int | None:
        if isinstance(value, bool):
            self.refuse(name, "must be a whole number")
            return None
        if isinstance(value, str):
            digits = value.strip().replace(",", "").replace("_", "")
            if not digits.isdigit():
                self.refuse(name, f"must be a whole number, not {value.strip()[:30]!r}")
                return None
            value = int(digits)
        if not isinstance(value, int):
            self.refuse(name, "must be a whole number")
            return None
        if not 0 <= value <= MAX_PEOPLE:
            self.refuse(name, f"must be between 0 and {MAX_PEOPLE:,}")
            return None
        return value


def _region(text: str) -> str | None:
    code = text.strip().upper()
    code = REGION_ALIASES.get(code, code)
    return code if REGION.match(code) else None


REGION_HINT = "regions are ISO 3166 alpha-2 codes, 'EU', or subdivisions like 'US-CA'"


def _regions(reader: _Reader) -> dict[str, int]:
    """`{region: count}`, or in a CSV cell `JP=48000;EU=1200`."""
    name = "subject_regions"
    value = reader.given(name)
    pairs: list[tuple[Any, Any]] = []
    if value is None:
        return {}
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, str):
        for part in (p.strip() for p in value.split(LIST_SEPARATOR)):
            if not part:
                continue
            region, equals, count = part.partition("=")
            if not equals:
                reader.refuse(name, f"{part[:30]!r}: write each region with its count, e.g. JP=48000")
                continue
            pairs.append((region, count))
    else:
        reader.refuse(name, "must map each region to its count (in a CSV cell: JP=48000;EU=1200)")
        return {}
    regions: dict[str, int] = {}
    for region, count in pairs:
        code = _region(str(region))
        if code is None:
            reader.refuse(name, f"{str(region)[:30]!r}: {REGION_HINT}")
            continue
        if code in regions:
            reader.refuse(name, f"{code} is given twice")
            continue
        number = reader.count(name, count)
        if number is not None:
            regions[code] = number
    return dict(sorted(regions.items()))


def _assets(reader: _Reader) -> tuple[Asset, ...]:
    name = "assets"
    found: list[Asset] = []
    for item in reader.items(name):
        text = f"{item.get('type', '')}:{item.get('id', '')}" if isinstance(item, Mapping) else str(item)
        try:
            asset = ledger_asset(text)
        except AssetError as exc:
            reader.refuse(name, f"{text.strip()[:80]!r}: {exc}")
            continue
        if asset not in found:
            found.append(asset)
    if not found and not any(p.field == name for p in reader.problems):
        reader.refuse(name, "name at least one asset that holds the data (type:identifier, e.g. s3:customer-data)")
    if len(found) > MAX_ASSETS:
        reader.refuse(name, f"at most {MAX_ASSETS} assets")
    return tuple(found)


def _categories(reader: _Reader) -> tuple[DataCategory, ...]:
    name = "data_categories"
    found: list[DataCategory] = []
    for item in reader.items(name):
        try:
            category = DataCategory(str(item).strip().lower())
        except ValueError:
            reader.refuse(name, f"unknown category {str(item)[:50]!r} (the contract's vocabulary, docs/contract.md)")
            continue
        if category not in found:
            found.append(category)
    if not found and not any(p.field == name for p in reader.problems):
        reader.refuse(name, "name at least one data category")
    return tuple(found)


def _transfers(reader: _Reader) -> tuple[str, ...]:
    name = "transfers"
    found: list[str] = []
    for item in reader.items(name):
        code = _region(str(item))
        if code is None:
            reader.refuse(name, f"{str(item)[:30]!r}: {REGION_HINT}")
        elif code not in found:
            found.append(code)
    return tuple(found)


def _counted_on(reader: _Reader) -> date | None:
    name = "counted_on"
    value = reader.given(name)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        reader.refuse(name, f"a date as YYYY-MM-DD, not {str(value).strip()[:30]!r}")
        return None


def _flag(reader: _Reader, name: str) -> bool:
    value = reader.given(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "1"):
        return True
    if text in ("false", "no", "0"):
        return False
    reader.refuse(name, "true or false")
    return False


def company_names(entities: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
    """The names a ledger's `company` may take, case-folded: each group company's id and names (the
    directory's entities, domain/directory.py), as (id, names) pairs."""
    return frozenset(name.strip().casefold() for entity_id, names in entities for name in (entity_id, *names))


def read_entry(raw: Mapping[str, Any], companies: Collection[str] | None = None) -> LedgerEntry:
    """One entry from plain values (LedgerInvalid naming every problem, field by field). With `companies`
    (`company_names`), the owner must be a group company the directory knows: routing goes by it."""
    reader = _Reader(raw)
    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    for name in unknown:
        reader.refuse(name[:50], f"unknown field; the fields are {', '.join(FIELDS)}")
    entry_id = reader.entry_id()
    texts = {name: reader.text(name, required=name in REQUIRED_TEXT) for name in TEXT_LIMITS}
    assets = _assets(reader)
    categories = _categories(reader)
    people_count = None if reader.given("people_count") is None else reader.count("people_count", raw["people_count"])
    counted_on = _counted_on(reader)
    regions = _regions(reader)
    role = reader.choice("entity_role", EntityRole, EntityRole.CONTROLLER)
    encryption = reader.choice("encryption", Encryption, Encryption.NONE)
    transfers = _transfers(reader)
    retired = _flag(reader, "retired")
    company = texts["company"]
    if companies is not None and company and company.casefold() not in companies:
        reader.refuse("company", f"{company[:50]!r} is not a group company of the directory (PIDESK_DIRECTORY)")
    if people_count is not None and counted_on is None and reader.given("counted_on") is None:
        reader.refuse("counted_on", "give the date the people were counted with their number")
    if counted_on is not None and people_count is None and reader.given("people_count") is None:
        reader.refuse("people_count", "a date counted needs the number counted")
    if people_count is not None and sum(regions.values()) > people_count:
        reader.refuse("subject_regions", f"the regions' counts add up to more than people_count ({people_count:,})")
    if role is EntityRole.PROCESSOR and not texts["on_behalf_of"] and reader.given("on_behalf_of") is None:
        reader.refuse("on_behalf_of", "a processor names the controller it handles the data for")
    if role is EntityRole.CONTROLLER and texts["on_behalf_of"]:
        reader.refuse("on_behalf_of", "only a processor handles the data on behalf of another")
    if reader.problems or entry_id is None:
        raise LedgerInvalid(reader.problems)
    return LedgerEntry(
        id=entry_id,
        name=texts["name"] or "",
        company=texts["company"] or "",
        division=texts["division"] or "",
        assets=assets,
        data_categories=categories,
        people_count=people_count,
        counted_on=counted_on,
        subject_regions=regions,
        purpose=texts["purpose"] or "",
        legal_basis=texts["legal_basis"] or "",
        entity_role=role,
        on_behalf_of=texts["on_behalf_of"],
        retention=texts["retention"] or "",
        storage_location=texts["storage_location"] or "",
        transfers=transfers,
        encryption=encryption,
        responsible=texts["responsible"] or "",
        retired=retired,
    )


def entry_record(entry: LedgerEntry) -> dict[str, Any]:
    """The entry as plain values (JSON, YAML): what a version keeps and what `read_entry` reads back."""
    return {
        "id": entry.id,
        "name": entry.name,
        "company": entry.company,
        "division": entry.division,
        "assets": [str(a) for a in entry.assets],
        "data_categories": [c.value for c in entry.data_categories],
        "people_count": entry.people_count,
        "counted_on": entry.counted_on.isoformat() if entry.counted_on else None,
        "subject_regions": dict(entry.subject_regions),
        "purpose": entry.purpose,
        "legal_basis": entry.legal_basis,
        "entity_role": entry.entity_role.value,
        "on_behalf_of": entry.on_behalf_of,
        "retention": entry.retention,
        "storage_location": entry.storage_location,
        "transfers": list(entry.transfers),
        "encryption": entry.encryption.value,
        "responsible": entry.responsible,
        "retired": entry.retired,
    }


def changed_fields(before: LedgerEntry | None, after: LedgerEntry) -> list[str]:
    """The fields that differ, in FIELDS order (every field for a new entry)."""
    if before is None:
        return list(FIELDS)
    old, new = entry_record(before), entry_record(after)
    return [name for name in FIELDS if old[name] != new[name]]


@dataclass(frozen=True)
class LedgerMatch:
    """An entry covering an alert's asset, by which of its assets and how closely."""

    entry: LedgerEntry
    match: AssetMatch


def covering(entries: Iterable[LedgerEntry], asset: AlertAsset) -> list[LedgerMatch]:
    """The entries in force (not retired) that cover the asset an alert names, most specific first
    (then by id): an exact identifier before a bucket holding the object, before a wildcard."""
    found = [
        LedgerMatch(entry, match)
        for entry in entries
        if not entry.retired and (match := best_fit(entry.assets, asset)) is not None
    ]
    return sorted(found, key=lambda m: (m.match.rank, m.entry.id))
