"""The assets of the personal-information ledger (issue 16): where a holding lives, named as the DLP tools
name it, and which ledger entries cover an asset an alert names.

An asset is a type and an identifier: an S3 bucket (its name, `arn:aws:s3:::bucket[/key]` or
`s3://bucket[/key]`), a SharePoint or OneDrive site (its URL), a GitHub repository (`org/repo`, or its
URL), a mailbox (its address), a Google Drive shared drive (its name, id or folder URL), a cloud app as
Netskope or Code42 name it, or anything else. Each is kept in one canonical form, so the ledger and an
alert meet however either wrote it: a bucket's ARN is its name, a URL's host is lower case and has no
trailing slash, `https://github.com/org/repo.git` is `org/repo`, a mailbox is lower case.

Identifiers are compared case-insensitively. A ledger asset may hold the wildcards `*` (any run of
characters, `/` included) and `?` (one character), as snooze filters do (domain/snoozes.py); `[` is an
ordinary character. Where an identifier is a path (a bucket and its keys, a site and its pages, a
repository and its files, a shared drive and its folders), a ledger asset also covers what lies under it:
the bucket `customers` covers the object `customers/2026/export.csv`.

Matches are ranked most specific first: an exact identifier before one covering what lies under it,
before a wildcard; among wildcards, the one naming more literal characters first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from pidesk.shared.vocabulary import AssetType

MAX_IDENTIFIER = 500  # the longest identifier a ledger asset may have (an alert's asset is cut there too)
WILDCARDS = frozenset("*?")


# The types of asset a ledger entry names (the first part of `type:identifier`): the contract's asset
# types (shared/vocabulary.py), the types reports and alerts give their assets.
AssetKind = AssetType


# the kinds whose identifiers are paths: an asset also covers what lies under it (a Netskope app covers
# its instances, `app/instance_id`)
HIERARCHICAL = frozenset({AssetKind.S3, AssetKind.SHAREPOINT, AssetKind.GITHUB, AssetKind.GOOGLE_DRIVE, AssetKind.APP})
# the type of asset a source's alerts name, where the source always names one kind (docs/webhooks.md,
# "Grouping keys"); the others' assets are told apart by their shape (`guess_kind`)
SOURCE_KINDS = {"github": AssetKind.GITHUB, "aws-macie": AssetKind.S3, "netskope": AssetKind.APP}


class AssetError(ValueError):
    """An asset that cannot be read; the message says why, for a person to fix it."""


@dataclass(frozen=True, order=True)
class Asset:
    """One asset in canonical form (`normalise`); written `type:identifier`."""

    kind: AssetKind
    identifier: str

    def __str__(self) -> str:
        return f"{self.kind.value}:{self.identifier}"

    @property
    def is_pattern(self) -> bool:
        return not WILDCARDS.isdisjoint(self.identifier)


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _path(text: str) -> str:
    """A path without empty segments, `.`-free, and without a trailing slash."""
    return "/".join(part for part in text.split("/") if part and part != ".")


def _s3(text: str) -> str:
    lowered = text.strip()
    if lowered.lower().startswith("arn:"):
        parts = lowered.split(":", 5)
        if len(parts) != 6 or parts[1] not in ("aws", "aws-cn", "aws-us-gov") or parts[2].lower() != "s3":
            raise AssetError("an S3 ARN is arn:aws:s3:::bucket[/key]")
        lowered = parts[5]
    elif lowered.lower().startswith("s3://"):
        lowered = lowered[5:]
    else:
        virtual = re.match(r"^https?://([^/]+)\.s3[.-](?:[a-z0-9-]+\.)?amazonaws\.com(/.*)?$", lowered, re.IGNORECASE)
        if virtual:
            lowered = virtual.group(1) + (virtual.group(2) or "")
    bucket, _, key = lowered.partition("/")
    bucket = bucket.lower()
    if not bucket:
        raise AssetError("an S3 asset names its bucket")
    return bucket + (f"/{_path(key)}" if _path(key) else "")


def _url(text: str) -> str:
    """`https://host/path`: the scheme and host in lower case, no query, fragment or trailing slash."""
    raw = text.strip()
    if "://" not in raw:
        raw = f"https://{raw}"
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if not host:
        raise AssetError("a site is its URL, e.g. https://example.sharepoint.com/sites/hr")
    path = _path(unquote(parts.path))
    return f"https://{host}" + (f"/{path}" if path else "")


def _github(text: str) -> str:
    raw = text.strip()
    ssh = re.match(r"^(?:ssh://)?git@github\.com[:/](.*)$", raw, re.IGNORECASE)
    if ssh:
        raw = ssh.group(1)
    elif "://" in raw or raw.lower().startswith(("github.com/", "www.github.com/")):
        parts = urlsplit(raw if "://" in raw else f"https://{raw}")
        raw = parts.path
    path = _path(raw)
    segments = path.split("/")
    if len(segments) >= 2 and segments[1].lower().endswith(".git"):
        segments[1] = segments[1][:-4]
    if len(segments) < 2 or not segments[0] or not segments[1]:
        raise AssetError("a GitHub repository is org/repo (or its URL)")
    if len(segments) > 2 and segments[2] in ("tree", "blob") and len(segments) > 3:
        segments = segments[:2] + segments[4:]  # the branch is not where the data is
    return "/".join(segments).lower()


def _mailbox(text: str) -> str:
    raw = text.strip()
    if raw.lower().startswith("mailto:"):
        raw = raw[7:]
    raw = raw.strip().strip("<>").strip().lower()
    local, at, domain = raw.rpartition("@")
    if not at or not local or not domain or any(c.isspace() for c in raw):
        raise AssetError("a mailbox is its address, e.g. hr@example.co.jp (a pattern like *@example.co.jp)")
    return raw


def _google_drive(text: str) -> str:
    raw = text.strip()
    if "drive.google.com" in raw.lower():
        found = re.search(r"/(?:drive/(?:u/\d+/)?folders|drive/(?:u/\d+/)?shared-drives)/([^/?#]+)", raw)
        if not found:
            raise AssetError("a Google Drive URL names a folder or shared drive (…/drive/folders/ID)")
        return found.group(1)
    return _collapse(raw)


def _plain(text: str) -> str:
    return _collapse(text)


NORMALISERS = {
    AssetKind.S3: _s3,
    AssetKind.SHAREPOINT: _url,
    AssetKind.GITHUB: _github,
    AssetKind.MAILBOX: _mailbox,
    AssetKind.GOOGLE_DRIVE: _google_drive,
    AssetKind.APP: _plain,
    AssetKind.OTHER: _plain,
}


def normalise(kind: AssetKind, identifier: str) -> Asset:
    """The asset in canonical form (AssetError if it cannot be read as one of its kind)."""
    if not identifier.strip():
        raise AssetError("an asset needs an identifier after its type")
    canonical = NORMALISERS[kind](identifier)
    if not canonical:
        raise AssetError("an asset needs an identifier after its type")
    if len(canonical) > MAX_IDENTIFIER:
        raise AssetError(f"an asset identifier is at most {MAX_IDENTIFIER} characters")
    return Asset(kind, canonical)


def parse_asset(text: str) -> Asset:
    """`type:identifier` (e.g. `s3:customer-data`, `github:example/crm`), checked and normalised."""
    kind_text, colon, identifier = text.strip().partition(":")
    kinds = ", ".join(k.value for k in AssetKind)
    if not colon:
        raise AssetError(f"an asset is written type:identifier, the type one of {kinds}")
    try:
        kind = AssetKind(kind_text.strip().lower())
    except ValueError:
        raise AssetError(f"unknown asset type {kind_text.strip()!r}; one of {kinds}") from None
    return normalise(kind, identifier)


def ledger_asset(text: str) -> Asset:
    """An asset as the ledger keeps it: `parse_asset`, and a pattern must narrow something."""
    asset = parse_asset(text)
    if ";" in asset.identifier:
        raise AssetError("an asset identifier cannot hold ';' (it separates a CSV cell's assets)")
    literal = asset.identifier.replace("https://", "")
    if not any(c.isalnum() for c in literal):
        raise AssetError("an asset pattern must name something narrower than '*'")
    return asset


def guess_kind(identifier: str) -> AssetKind | None:
    """The type of an asset an alert names without one, from its shape (None when it says nothing)."""
    text = identifier.strip().lower()
    if text.startswith(("arn:aws:s3:", "arn:aws-cn:s3:", "arn:aws-us-gov:s3:", "s3://")) or re.match(
        r"^https?://[^/]+\.s3[.-]", text
    ):
        return AssetKind.S3
    if re.match(r"^(https?://)?[^/]*\.sharepoint(-df)?\.com(/|$)", text):
        return AssetKind.SHAREPOINT
    if re.match(r"^((https?://)?(www\.)?github\.com/|git@github\.com:)", text):
        return AssetKind.GITHUB
    if "drive.google.com" in text:
        return AssetKind.GOOGLE_DRIVE
    if text.startswith("mailto:") or re.match(r"^[^@\s/]+@[^@\s/]+\.[a-z]{2,}$", text):
        return AssetKind.MAILBOX
    return None


@dataclass(frozen=True)
class AlertAsset:
    """An asset as an alert names it: its type when the source says (a Macie finding: a bucket), else None."""

    identifier: str
    kind: AssetKind | None = None


class Fit(IntEnum):
    """How a ledger asset covers an alert's: the higher, the more specific."""

    PATTERN = 1  # a wildcard matched
    UNDER = 2  # the alert's asset lies under the ledger's (an object in the bucket)
    EXACT = 3  # the same asset


@dataclass(frozen=True)
class AssetMatch:
    """A ledger asset covering an alert's, and how closely (sort key: `rank`, most specific first)."""

    asset: Asset
    fit: Fit

    @property
    def rank(self) -> tuple[int, int, int]:
        literal = sum(1 for c in self.asset.identifier if c not in WILDCARDS)
        return (-int(self.fit), -literal, -len(self.asset.identifier))


def pattern_of(identifier: str) -> re.Pattern[str]:
    """A ledger asset's wildcards as a case-insensitive regular expression (`fullmatch` a case-folded id)."""
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in identifier.casefold()]
    return re.compile("".join(parts), re.DOTALL)


def ancestors(kind: AssetKind, identifier: str) -> list[str]:
    """The identifier and, for a path, every identifier above it (longest first)."""
    if kind not in HIERARCHICAL:
        return [identifier]
    segments = identifier.split("/")
    floor = 3 if kind is AssetKind.SHAREPOINT else 2 if kind is AssetKind.GITHUB else 1  # https://host; org/repo
    return ["/".join(segments[:n]) for n in range(len(segments), floor - 1, -1)] or [identifier]


def fit(ledger: Asset, alert: Asset) -> Fit | None:
    """How the ledger's asset covers the alert's (both canonical, one kind), or None."""
    if ledger.kind is not alert.kind:
        return None
    wanted = ledger.identifier.casefold()
    candidates = [c.casefold() for c in ancestors(alert.kind, alert.identifier)]
    if not ledger.is_pattern:
        if candidates[0] == wanted:
            return Fit.EXACT
        return Fit.UNDER if wanted in candidates[1:] else None
    pattern = pattern_of(ledger.identifier)
    return Fit.PATTERN if any(pattern.fullmatch(c) for c in candidates) else None


def alert_assets(alert: AlertAsset) -> list[Asset]:
    """The canonical forms an alert's asset may take: of its kind (given or guessed), else of every kind
    that can read it."""
    return list(_forms(alert.identifier[: MAX_IDENTIFIER * 2], alert.kind))


@lru_cache(maxsize=16_384)  # a storm's incident is looked up again with every batch of alerts it gains
def _forms(identifier: str, kind: AssetKind | None) -> tuple[Asset, ...]:
    kinds = [kind] if kind is not None else [guessed] if (guessed := guess_kind(identifier)) else list(AssetKind)
    found = []
    for k in kinds:
        try:
            found.append(normalise(k, identifier))
        except AssetError:
            continue
    return tuple(found)


def alert_asset(source: str, identifier: str) -> AlertAsset:
    """The asset an alert of `source` (a webhook source, shared/vocabulary.py ReportSource) names."""
    return AlertAsset(identifier, SOURCE_KINDS.get(source.strip().lower()))


def best_fit(ledger_assets: Iterable[Asset], alert: AlertAsset) -> AssetMatch | None:
    """The most specific of these ledger assets covering the alert's asset, or None."""
    forms = alert_assets(alert)
    matches = [
        AssetMatch(asset, how) for asset in ledger_assets for form in forms if (how := fit(asset, form)) is not None
    ]
    return min(matches, key=lambda m: m.rank, default=None)


def sort_matches(matches: Sequence[AssetMatch]) -> list[AssetMatch]:
    return sorted(matches, key=lambda m: m.rank)
