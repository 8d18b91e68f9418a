"""Alerts meet the personal-information ledger (issue 16, docs/rules.md §1c): the assets a report or a DLP
alert names are looked up in the ledger, and the facts the report lacks are taken from the best matched
entry — never a fact the report or the desk gave.

Why: docs/rules.md §2 reads an unknown count as "every threshold exceeded" and no category as "other"
(unknown data), so an alert on a bucket, site or repository would be assessed at its worst. The ledger
(個人情報管理台帳, JIS Q 15001:2023 A.3.3.1; the Privacy Mark's requirement to identify the personal
information handled) records what each holding holds: how many people, which data, where they live, how
it is encrypted, for whom it is processed and which group company owns it. A fact the ledger gives is
still a fact about the holding, not about the leak: the report's own facts always win, and each filled
fact names the entry and version it came from, so the desk can check it (APPI art. 26 and Enforcement
Rules art. 7: the report states the number of persons "as far as known").

`look_up` is pure: the ledger's entries in force (with their versions) and the assets an incident names
in, which entry covers each asset (or none: "not in the ledger", itself a finding for the PMS audit) out.
`fill` is pure too: the incident's facts and its lookup in, the facts to assess and what was filled out.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pidesk.services.escalation.domain.ledger import LedgerEntry
from pidesk.services.escalation.domain.ledger_assets import (
    MAX_IDENTIFIER,
    AlertAsset,
    Asset,
    AssetKind,
    AssetMatch,
    Fit,
    alert_asset,
    alert_assets,
    ancestors,
    fit,
    guess_kind,
    pattern_of,
)
from pidesk.shared.vocabulary import DataCategory, Encryption, EntityRole, ReportSource

# the facts a ledger entry can give, in the order the explanation names them
LEDGER_FACTS = ("affected_count", "data_categories", "subject_regions", "encryption", "entity_role")
# reports whose sender states every fact (a person's report, or a tool speaking our schema): their
# encryption and role are given, not defaults; the reporting company is the owner as far as the report says
STATED = frozenset({ReportSource.FORM.value, ReportSource.API.value, ReportSource.GENERIC.value})
MAX_NAMED = 200  # the assets an incident is looked up by, at most


@dataclass(frozen=True)
class HeldEntry:
    """A ledger entry in force as it stands, with its version."""

    entry: LedgerEntry
    version: int


@dataclass(frozen=True)
class EntryMatch:
    """The entry covering one asset the incident names: the best of those covering it."""

    entry_id: str
    version: int
    asset: str  # the incident's asset, canonical (`type:identifier`)
    ledger_asset: str  # the entry's asset that covers it
    fit: str  # exact, under, pattern
    rank: tuple[int, int, int]
    company: str
    division: str
    facts: dict[str, Any]  # the facts the entry can give (LEDGER_FACTS), as a report gives them
    on_behalf_of: str | None

    def record(self) -> dict[str, Any]:
        return {
            "entry_id": self.entry_id,
            "version": self.version,
            "asset": self.asset,
            "ledger_asset": self.ledger_asset,
            "fit": self.fit,
            "rank": list(self.rank),
            "company": self.company,
            "division": self.division,
            "facts": self.facts,
            "on_behalf_of": self.on_behalf_of,
        }


@dataclass(frozen=True)
class Lookup:
    """Which entry covers each asset an incident names (best first), and the assets none covers."""

    named: tuple[AlertAsset, ...]
    matches: tuple[EntryMatch, ...]
    unknown: tuple[str, ...]

    def record(self) -> dict[str, Any]:
        """As the incident keeps it (`incidents.ledger`), read back by `fill`."""
        return {
            "named": [{"type": a.kind.value if a.kind else None, "id": a.identifier} for a in self.named],
            "matches": [m.record() for m in self.matches],
            "unknown_assets": list(self.unknown),
        }


def named_assets(
    source: str, assets: Iterable[Any], alert_places: Iterable[tuple[str, str | None]] = ()
) -> list[AlertAsset]:
    """The assets an incident names: its typed assets (`{type, id}`), its free-text places whose shape
    tells their type (an S3 ARN, a SharePoint or GitHub URL, a mailbox), and each alert's correlation asset
    (of the kind its source names, else by shape). Each once, in that order."""
    found: list[AlertAsset] = []
    for item in assets:
        if isinstance(item, Mapping):
            try:
                found.append(AlertAsset(str(item.get("id") or ""), AssetKind(str(item.get("type")))))
            except ValueError:
                continue
        elif isinstance(item, str) and guess_kind(item) is not None:
            found.append(AlertAsset(item))
    for alert_source, place in alert_places:
        if place:
            named = alert_asset(alert_source, place)
            if named.kind is not None or guess_kind(place) is not None:
                found.append(named)
    seen: dict[tuple[str | None, str], AlertAsset] = {}
    for asset in found:
        if asset.identifier.strip():
            seen.setdefault((asset.kind.value if asset.kind else None, asset.identifier.strip()), asset)
    return list(seen.values())[:MAX_NAMED]


def previously_named(record: Mapping[str, Any] | None) -> list[AlertAsset]:
    """The assets a stored lookup was made for (`Lookup.record`)."""
    named = []
    for item in (record or {}).get("named", []):
        try:
            kind = AssetKind(item["type"]) if item.get("type") else None
        except ValueError:
            kind = None
        named.append(AlertAsset(str(item.get("id", "")), kind))
    return named


def entry_facts(entry: LedgerEntry) -> dict[str, Any]:
    """What a ledger entry says of the facts an assessment reads (LEDGER_FACTS), in a report's terms."""
    facts: dict[str, Any] = {
        "data_categories": [c.value for c in entry.data_categories],
        "subject_regions": dict(entry.subject_regions),
        "encryption": entry.encryption.value,
        "entity_role": entry.entity_role.value,
    }
    if entry.people_count is not None:
        facts["affected_count"] = entry.people_count
    return facts


def _canonical(asset: AlertAsset) -> Asset | None:
    forms = alert_assets(AlertAsset(asset.identifier[: MAX_IDENTIFIER * 2], asset.kind))
    return forms[0] if forms else None


class LedgerIndex:
    """The ledger in force, indexed for lookups: an asset meets its type's exact identifiers (and those
    above it: the bucket of an object) through a dictionary, and only its type's wildcard assets one by
    one. It finds what domain/ledger.py `covering` finds, in the same order, without trying every entry."""

    def __init__(self, entries: Iterable[HeldEntry]) -> None:
        self.entries = tuple(held for held in entries if not held.entry.retired)
        self._literal: dict[tuple[AssetKind, str], list[tuple[HeldEntry, Asset]]] = defaultdict(list)
        self._patterns: dict[AssetKind, list[tuple[HeldEntry, Asset, re.Pattern[str]]]] = defaultdict(list)
        for held in self.entries:
            for asset in held.entry.assets:
                if asset.is_pattern:
                    self._patterns[asset.kind].append((held, asset, pattern_of(asset.identifier)))
                else:
                    self._literal[(asset.kind, asset.identifier.casefold())].append((held, asset))

    def covering(self, asset: AlertAsset) -> list[tuple[HeldEntry, AssetMatch]]:
        """The entries covering the asset, each with its closest asset; most specific first, then by id."""
        best: dict[str, tuple[HeldEntry, AssetMatch]] = {}

        def consider(held: HeldEntry, match: AssetMatch) -> None:
            known = best.get(held.entry.id)
            if known is None or match.rank < known[1].rank:
                best[held.entry.id] = (held, match)

        for form in alert_assets(asset):
            candidates = [c.casefold() for c in ancestors(form.kind, form.identifier)]
            for depth, candidate in enumerate(candidates):
                for held, ledger_asset in self._literal.get((form.kind, candidate), ()):
                    consider(held, AssetMatch(ledger_asset, Fit.EXACT if depth == 0 else Fit.UNDER))
            for held, ledger_asset, pattern in self._patterns.get(form.kind, ()):
                if any(pattern.fullmatch(c) for c in candidates):
                    consider(held, AssetMatch(ledger_asset, Fit.PATTERN))
        return sorted(best.values(), key=lambda found: (found[1].rank, found[0].entry.id))


def look_up(entries: LedgerIndex | Sequence[HeldEntry], named: Sequence[AlertAsset]) -> Lookup:
    """Each named asset's best covering entry (domain/ledger.py `covering`: most specific first, then by
    id), the matches best first; the assets no entry in force covers, an asset lying under another
    unknown one left out (a bucket's object beside its bucket)."""
    index = entries if isinstance(entries, LedgerIndex) else LedgerIndex(entries)
    matches: dict[str, EntryMatch] = {}
    unknown: list[Asset] = []
    for asset in named:
        canonical = _canonical(asset)
        if canonical is None:
            continue
        found = index.covering(asset)
        if not found:
            unknown.append(canonical)
            continue
        held, best = found[0]
        match = EntryMatch(
            entry_id=held.entry.id,
            version=held.version,
            asset=str(canonical),
            ledger_asset=str(best.asset),
            fit=best.fit.name.lower(),
            rank=best.rank,
            company=held.entry.company,
            division=held.entry.division,
            facts=entry_facts(held.entry),
            on_behalf_of=held.entry.on_behalf_of,
        )
        matches.setdefault(match.asset, match)
    ordered = sorted(matches.values(), key=lambda m: (m.rank, m.entry_id, m.asset))
    distinct = sorted(set(unknown), key=lambda a: (a.kind.value, len(a.identifier), a.identifier))
    kept: list[Asset] = []
    # what is kept, for `fit`: a literal parent found among the candidate's ancestors by a set (a storm's
    # incident names thousands of assets), a wildcard one (rare in an alert) tried one by one
    literal: set[tuple[AssetKind, str]] = set()
    patterns: list[Asset] = []
    for candidate in distinct:
        above = ancestors(candidate.kind, candidate.identifier)
        if any((candidate.kind, a.casefold()) in literal for a in above):
            continue
        if any(fit(parent, candidate) is not None for parent in patterns):
            continue
        kept.append(candidate)
        if candidate.is_pattern:
            patterns.append(candidate)
        else:
            literal.add((candidate.kind, candidate.identifier.casefold()))
    return Lookup(tuple(named), tuple(ordered), tuple(str(a) for a in kept))


@dataclass(frozen=True)
class Filled:
    """One fact taken from a ledger entry."""

    fact: str
    value: Any
    entry_id: str
    version: int
    asset: str

    def record(self) -> dict[str, Any]:
        return {
            "fact": self.fact,
            "value": self.value,
            "entry_id": self.entry_id,
            "version": self.version,
            "asset": self.asset,
            "text": {"en": self.explanation_en, "ja": self.explanation_ja},
        }

    @property
    def explanation_en(self) -> str:
        return (
            f"{self.fact} {_shown(self.value)} from ledger entry {self.entry_id} version {self.version} "
            f"(asset {self.asset}; the report did not give it) — docs/rules.md §1c"
        )

    @property
    def explanation_ja(self) -> str:
        return (
            f"{self.fact} {_shown(self.value)} は個人情報管理台帳 {self.entry_id} 第{self.version}版による"
            f"（資産 {self.asset}、報告に記載なし）— docs/rules.md §1c"
        )


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
    return str(value)


def _lacks(facts: Mapping[str, Any], fact: str, source: str) -> bool:
    """The report (or the desk) did not give this fact: an unknown count, no category or only "other"
    (unknown data), no region; the encryption and role of an alert (DLP tools never state them)."""
    value = facts.get(fact)
    if fact == "affected_count":
        return value is None
    if fact == "data_categories":
        return not value or set(value) <= {DataCategory.OTHER.value}
    if fact == "subject_regions":
        return not value
    return source not in STATED and value in (None, Encryption.NONE.value, EntityRole.CONTROLLER.value)


def _scaled(regions: Mapping[str, int], count: int) -> dict[str, int]:
    """The holding's regions in proportion to the report's own count, rounded up (never lower a region)."""
    total = sum(regions.values())
    if total <= 0:
        return {}
    return {region: math.ceil(count * people / total) for region, people in regions.items() if people > 0}


@dataclass(frozen=True)
class LedgerFill:
    """The facts to assess, what was filled from the ledger, and the owner to route by (None: the report's)."""

    facts: dict[str, Any]
    filled: tuple[Filled, ...]
    owner: tuple[str, str] | None  # (company, division)
    match: Mapping[str, Any] | None  # the best match, as recorded

    def summary(self, record: Mapping[str, Any] | None) -> dict[str, Any]:
        """The assessment's `ledger` object: matched entries, the facts filled, the assets not in the ledger."""
        stored = record or {}
        return {
            "matched_entries": [
                {
                    **{k: m[k] for k in ("entry_id", "version", "asset", "ledger_asset", "fit", "company", "division")},
                    "on_behalf_of": m.get("on_behalf_of"),
                }
                for m in stored.get("matches", [])
            ],
            "filled": [f.record() for f in self.filled],
            "owner": {"company": self.owner[0], "division": self.owner[1]} if self.owner else None,
            "unknown_assets": list(stored.get("unknown_assets", [])),
        }

    def explanation(self) -> list[str]:
        lines = [f.explanation_en for f in self.filled]
        if self.owner is not None and self.match is not None:
            lines.append(
                f"owner {self.owner[0]} / {self.owner[1]} from ledger entry {self.match['entry_id']} version "
                f"{self.match['version']}: routed to the holding's company and division"
            )
        return lines


def fill(facts: Mapping[str, Any], record: Mapping[str, Any] | None, *, source: str) -> LedgerFill:
    """The incident's facts with what they lack taken from the best matched entry (`record`: the incident's
    stored `Lookup.record`). A fact the report or the desk gave is never replaced. Regions follow the
    count: with the report's own count, the holding's regions are scaled to it."""
    matches = list((record or {}).get("matches", []))
    if not matches:
        return LedgerFill(dict(facts), (), None, None)
    best = matches[0]
    given = best.get("facts", {})
    result = dict(facts)
    filled: list[Filled] = []

    def take(fact: str, value: Any) -> None:
        result[fact] = value
        filled.append(Filled(fact, value, best["entry_id"], int(best["version"]), best["asset"]))

    for fact in LEDGER_FACTS:
        if fact not in given or not _lacks(facts, fact, source):
            continue
        value = given[fact]
        if fact == "subject_regions" and not _lacks(facts, "affected_count", source):
            value = _scaled(value, int(facts.get("affected_count") or 0))
        if value in (None, [], {}):
            continue
        take(fact, value)
    owner = None if source in STATED else (str(best["company"]), str(best["division"]))
    return LedgerFill(result, tuple(filled), owner, best)
