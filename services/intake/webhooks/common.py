"""Reading vendor payloads as sent: time formats, identifiers, and detector-name mapping tables."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from pidesk.services.intake.webhooks.model import UnreadablePayload
from pidesk.shared.events import ASSET_ID_MAX, AssetRef
from pidesk.shared.vocabulary import AssetType, DataCategory

_FRACTION = re.compile(r"^(?P<head>[^.]+)\.(?P<digits>\d+)(?P<tail>.*)$")


def parse_time(value: Any, field: str) -> datetime:
    """RFC 3339 with any number of fractional digits (7 from .NET, 9 from Google), with or without a
    zone (no zone means UTC, as Office 365 sends it), or Unix seconds / milliseconds."""
    if isinstance(value, bool) or value is None:
        raise UnreadablePayload(f"{field} is missing")
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # NaN, infinity, beyond year 9999
            raise UnreadablePayload(f"{field} is not a time: {value!r}") from None
    if not isinstance(value, str) or not value.strip():
        raise UnreadablePayload(f"{field} is not a time")
    text = value.strip().replace(" ", "T", 1)
    if text.isdecimal():
        return parse_time(int(text), field)
    text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    if match := _FRACTION.match(text):  # Python reads at most 6 fractional digits
        tail = match["tail"]
        text = f"{match['head']}.{(match['digits'] + '000000')[:6]}{tail}"
    try:
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise UnreadablePayload(f"{field} is not a time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def without_nul(text: str) -> str:
    """A vendor's text with each NUL (U+0000, which PostgreSQL cannot store) shown as U+FFFD: a signed
    delivery is not refused for it (our own schema, `generic`, refuses it with 422 instead)."""
    return text.replace("\x00", "\ufffd")


def optional_time(value: Any, field: str) -> datetime | None:
    """The time, or None when the vendor left it out or sent something unreadable: an optional field
    never refuses a signed delivery (the receipt time then stands for it, see `submission_for`)."""
    try:
        return parse_time(value, field)
    except UnreadablePayload:
        return None


def as_id(value: Any, field: str) -> str:
    """An identifier as text; integers stay exact however large (the JSON parser keeps them as int)."""
    if isinstance(value, bool) or value is None or value == "":
        raise UnreadablePayload(f"{field} is missing")
    if isinstance(value, float):
        raise UnreadablePayload(f"{field} lost precision: send it as an integer or a string")
    return without_nul(str(value).strip())


def normalise_name(name: str) -> str:
    """`Credit Card Number `, `credit card number` and `CREDIT_CARD_NUMBER` all read the same."""
    return re.sub(r"[\s_\-]+", " ", name).strip().casefold()


class CategoryTable:
    """A vendor's detector or info-type names → contract data categories; unknown names → `other`."""

    def __init__(self, table: Mapping[str, DataCategory | tuple[DataCategory, ...]]) -> None:
        self._table: dict[str, tuple[DataCategory, ...]] = {
            normalise_name(k): (v if isinstance(v, tuple) else (v,)) for k, v in table.items()
        }

    def categories(self, names: Iterable[Any]) -> list[DataCategory]:
        found: list[DataCategory] = []
        for name in names:
            if not isinstance(name, str) or not name.strip():
                continue
            found.extend(self._table.get(normalise_name(name), (DataCategory.OTHER,)))
        return list(dict.fromkeys(found)) or [DataCategory.OTHER]

    def knows(self, name: str) -> bool:
        return normalise_name(name) in self._table


def dig(payload: Any, *path: str | int, default: Any = None) -> Any:
    """payload[path[0]][path[1]]…, or `default` where any step is missing or of the wrong type."""
    current = payload
    for step in path:
        in_list = isinstance(step, int) and isinstance(current, list) and -len(current) <= step < len(current)
        in_dict = isinstance(step, str) and isinstance(current, dict) and step in current
        if not (in_list or in_dict):
            return default
        current = current[step]
    return current


COUNT_MAX = 10**10  # the report schema's bound: a larger count is a typo, read as unknown


def int_or_none(value: Any) -> int | None:
    """A count as vendors send it: an integer, its decimal text, or a float without a fraction; a
    negative, fractional, absurd or unreadable count is unknown (None), never a refusal."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if isinstance(value, int):
        return value if 0 <= value <= COUNT_MAX else None
    return None


def as_list(value: Any) -> list[Any]:
    """A field the vendor documents as a list: the list; one object or string sent bare → a list of
    it; absent, null or anything else (a number, true) → empty."""
    if isinstance(value, list):
        return value
    return [value] if isinstance(value, dict | str) and value != "" else []


def as_dict(value: Any) -> dict[str, Any]:
    """A field the vendor documents as an object: the object, or empty when absent or of another type."""
    return value if isinstance(value, dict) else {}


def text_or_none(value: Any) -> str | None:
    """A name or label: non-empty text (trimmed) or an integer as text; anything else is absent."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return without_nul(str(value).strip()) or None


FALLBACK_NOTE = "Read with fallbacks (fields missing or unusual in the delivery): {notes}."


class Fallbacks:
    """The optional fields a parser could not read and what stood in for them. They never refuse a
    signed delivery; the incident's description lists them (it is on the timeline), as it does a
    missing time of detection."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    def note(self, field: str, fallback: str) -> None:
        entry = f"{field}: {fallback}"
        if entry not in self.notes:
            self.notes.append(entry)

    def items(self, container: Any, key: str, field: str | None = None) -> list[Any]:
        """container[key] as a list (see `as_list`); a value that is neither is noted and ignored."""
        value = container.get(key) if isinstance(container, dict) else None
        if value is not None and not isinstance(value, list | dict | str):
            self.note(field or key, f"ignored ({type(value).__name__}, not a list)")
        return as_list(value)

    def objects(self, container: Any, key: str, field: str | None = None) -> list[dict[str, Any]]:
        """container[key] as a list of objects; entries that are not objects are noted and skipped."""
        value = container.get(key) if isinstance(container, dict) else None
        found = [v for v in as_list(value) if isinstance(v, dict)]
        if value is not None and len(found) != (len(value) if isinstance(value, list) else 1):
            self.note(field or key, "entries that are not objects ignored")
        return found

    def mapping(self, container: Any, key: str, field: str | None = None) -> dict[str, Any]:
        """container[key] as an object; a value of another type is noted and ignored."""
        value = container.get(key) if isinstance(container, dict) else None
        if value is not None and not isinstance(value, dict):
            self.note(field or key, f"ignored ({type(value).__name__}, not an object)")
        return as_dict(value)

    def summary(self, text: str) -> str:
        return f"{text}\n\n{FALLBACK_NOTE.format(notes='; '.join(self.notes))}" if self.notes else text


class Matcher(Protocol):
    """A compiled pattern, or an object matching where a regular expression would be slow."""

    def search(self, text: str) -> Any: ...


class KeywordTable:
    """Categories from free-form names (rule and profile names a tenant may choose): every pattern that
    matches adds its categories; nothing matching → `other`."""

    def __init__(self, rules: list[tuple[str | Matcher, tuple[DataCategory, ...]]]) -> None:
        self._rules: list[tuple[Matcher, tuple[DataCategory, ...]]] = [
            (re.compile(pattern, re.IGNORECASE) if isinstance(pattern, str) else pattern, categories)
            for pattern, categories in rules
        ]

    def categories(self, names: Iterable[Any]) -> list[DataCategory]:
        found: list[DataCategory] = []
        for name in names:
            if isinstance(name, str):
                for pattern, categories in self._rules:
                    if pattern.search(name):
                        found.extend(categories)
        return list(dict.fromkeys(found)) or [DataCategory.OTHER]


# correlation keys (VendorAlert.rule / asset / actor): the vendor's own identifiers, trimmed and bounded
RULE_MAX, ASSET_MAX, ACTOR_MAX = 300, 500, 300
_EMAIL = re.compile(r"[^@\s/:]+@(?:[^@\s/:.]+\.)+[A-Za-z]{2,}")


def key_text(*candidates: Any, limit: int) -> str | None:
    """The first candidate that names something (a non-empty string or an integer id), stripped and cut
    to `limit`; an e-mail address lower-cased. Anything else (None, a number with a fraction, an object)
    names nothing."""
    for value in candidates:
        if isinstance(value, bool) or not isinstance(value, str | int):
            continue
        text = without_nul(str(value).strip())
        if not text:
            continue
        if _EMAIL.fullmatch(text):
            text = text.lower()
        return text[:limit].rstrip()
    return None


def rule_key(*candidates: Any) -> str | None:
    return key_text(*candidates, limit=RULE_MAX)


def asset_key(*candidates: Any) -> str | None:
    return key_text(*candidates, limit=ASSET_MAX)


def actor_key(*candidates: Any) -> str | None:
    return key_text(*candidates, limit=ACTOR_MAX)


def with_asset(assets: list[AssetRef | str], asset: str | None, *typed: AssetRef | None) -> list[AssetRef | str]:
    """The alert's places, with its correlation asset among them, then the typed assets it names
    (each once; None: the payload did not name it)."""
    places = [*assets, asset] if asset and asset not in assets else list(assets)
    return places + list(dict.fromkeys(t for t in typed if t is not None and t not in places))


def typed_asset(kind: AssetType, identifier: Any) -> AssetRef | None:
    """A typed asset (its identifier as the vendor names it, cut at the contract's limit), or None when
    the payload names none."""
    if not isinstance(identifier, str) or not identifier.strip() or "\x00" in identifier:
        return None
    return AssetRef(type=kind, id=identifier.strip()[:ASSET_ID_MAX])


def add_count(detections: dict[str, int], name: Any, count: Any) -> None:
    """Adds one detector's match count to the alert's tally; a detector without a name or a count
    is left out (its matches are not known)."""
    key = name.strip()[:RULE_MAX] if isinstance(name, str) else None
    number = int_or_none(count)
    if key and number is not None:
        detections[key] = detections.get(key, 0) + number
